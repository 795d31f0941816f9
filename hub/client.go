package hub

import (
	"fmt"
	"net/netip"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/wgquick"
)

// fullTunnel is a full-tunnel client's AllowedIPs: everything, both
// families. (Made when asked: package variables are computed at every start
// of the program.)
func fullTunnel() []netip.Prefix {
	return []netip.Prefix{netip.PrefixFrom(netip.IPv4Unspecified(), 0), netip.PrefixFrom(netip.IPv6Unspecified(), 0)}
}

// ErrNoPrivateKey is returned for a client config of a peer that brought its
// own key: the hub never saw the private half.
var ErrNoPrivateKey error = &errkind.Error{Kind: errkind.NotFound,
	Err: errkind.Msg("the client's private key is not stored on the hub: the device brought its own key pair")}

// ErrNoEndpoint is returned for a client config while the hub has no public
// endpoint, which every client config needs.
var ErrNoEndpoint error = &errkind.Error{Kind: errkind.NotSetUp, Field: "endpoint",
	Err: errkind.Msg("the hub has no public endpoint yet (the address clients reach it at)")}

// ClientAllowedIPs is what the client routes through the hub: what its
// access lets it reach (everything with "internet"), the hub's own VPN
// addresses and the DNS servers its config names, which stay reachable
// whatever the access.
func (h *Hub) ClientAllowedIPs(p *Peer) []netip.Prefix {
	a := h.AccessOf(p)
	if a.Internet {
		return fullTunnel()
	}
	var out []netip.Prefix
	add := func(ps ...netip.Prefix) {
		for _, q := range ps {
			q = q.Masked()
			covered := false
			for _, o := range out {
				if o.Bits() <= q.Bits() && o.Contains(q.Addr()) {
					covered = true
				}
			}
			if !covered {
				out = append(out, q)
			}
		}
	}
	if a.Spoke {
		add(h.Settings.Subnets...)
	}
	for _, ad := range h.Settings.Addresses() {
		add(netip.PrefixFrom(ad.Addr(), ad.Addr().BitLen()))
	}
	if a.LAN {
		add(h.LANOf(p)...)
	}
	for _, host := range a.Hosts {
		add(host.Prefix)
	}
	for _, d := range h.Settings.DNS {
		if ip, err := netip.ParseAddr(d); err == nil {
			add(netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return out
}

// ClientConfig renders the peer's wg-quick config. Without a stored private
// key the config carries a placeholder comment and ErrNoPrivateKey is
// returned along with it, so callers can still show the rest.
func (h *Hub) ClientConfig(p *Peer) ([]byte, error) {
	if h.Settings.Endpoint == "" {
		return nil, ErrNoEndpoint
	}
	c := wgquick.Config{
		Interface: wgquick.Interface{
			Comment:    []string{fmt.Sprintf("wghub client %q for hub %s", p.Name, h.Settings.Interface)},
			PrivateKey: p.PrivateKey,
			Address:    p.Addresses,
			DNS:        h.Settings.DNS,
		},
		Peers: []wgquick.Peer{{
			Name:                "wghub hub " + h.Settings.Interface,
			PublicKey:           h.PrivateKey.PublicKey(),
			PresharedKey:        p.PresharedKey,
			AllowedIPs:          h.ClientAllowedIPs(p),
			Endpoint:            h.endpoint(),
			PersistentKeepalive: h.Settings.Keepalive,
		}},
	}
	var err error
	if p.PrivateKey == nil {
		c.Interface.Comment = append(c.Interface.Comment, "PrivateKey: add this device's own private key here")
		err = ErrNoPrivateKey
	}
	return c.Format(), err
}

// endpoint adds the listen port when the configured endpoint has none.
func (h *Hub) endpoint() string {
	ep := h.Settings.Endpoint
	port := fmt.Sprint(h.Settings.Port())
	if ep[0] == '[' {
		if ep[len(ep)-1] == ']' {
			return ep + ":" + port
		}
		return ep
	}
	for _, c := range ep {
		if c == ':' {
			return ep
		}
	}
	return ep + ":" + port
}

// ServerConfig renders the hub itself as a wg-quick config (interface key,
// port, addresses and every enabled peer): what a plain Linux hub would run
// with wg-quick, and what `wg setconf` checks after `wg-quick strip`.
func (h *Hub) ServerConfig() []byte {
	c := wgquick.Config{Interface: wgquick.Interface{
		Comment:    []string{"wghub hub " + h.Settings.Interface},
		PrivateKey: &h.PrivateKey,
		ListenPort: h.Settings.Port(),
		Address:    h.Settings.Addresses(),
	}}
	for _, p := range h.Peers {
		if p.Disabled {
			continue
		}
		c.Peers = append(c.Peers, wgquick.Peer{
			Name:         p.Name,
			PublicKey:    p.PublicKey,
			PresharedKey: p.PresharedKey,
			AllowedIPs:   p.AllowedIPs(),
		})
	}
	return c.Format()
}

package control

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/wgquick"
)

// Import adopts an existing wg-quick server config: its key, port, address
// (the VPN subnet) and every [Peer]. r supplies what the file cannot tell:
// endpoint, LAN subnets, DNS. PostUp/PostDown lines are not carried over;
// wghub sets up forwarding and masquerading itself.
func (m *Manager) Import(ctx context.Context, conf []byte, r SetupRequest) (*SetupResult, error) {
	c, err := wgquick.Parse(conf)
	if err != nil {
		return nil, err
	}
	if c.Interface.PrivateKey == nil {
		return nil, errkind.Invalidf("file", "the [Interface] section has no PrivateKey")
	}
	r.PrivateKey = c.Interface.PrivateKey
	if r.Port == 0 {
		r.Port = c.Interface.ListenPort
	}
	for _, a := range c.Interface.Address {
		sn := a.Masked()
		if a.Addr() != sn.Addr().Next() {
			return nil, errkind.Invalidf("file", "hub address %s is not the first host of %s; wghub keeps the hub at the first host", a, sn)
		}
		if a.Addr().Is4() && !r.Subnet.IsValid() {
			r.Subnet = sn
		} else if a.Addr().Is6() && !r.Subnet6.IsValid() {
			r.Subnet6 = sn
		}
	}
	if !r.Subnet.IsValid() && !r.Subnet6.IsValid() {
		return nil, errkind.Invalidf("file", "the [Interface] section has no Address to take the VPN subnet from")
	}
	subnets := []netip.Prefix{}
	for _, sn := range []netip.Prefix{r.Subnet, r.Subnet6} {
		if sn.IsValid() {
			subnets = append(subnets, sn)
		}
	}
	seen := map[string]bool{}
	for i, cp := range c.Peers {
		name := cp.Name
		if hub.ValidateName(name) != nil {
			name = fmt.Sprintf("peer%d", i+1)
		}
		for n := 2; seen[hub.PeerID(name)]; n++ {
			name = fmt.Sprintf("%s-%d", cp.Name, n)
			if hub.ValidateName(name) != nil {
				name = fmt.Sprintf("peer%d-%d", i+1, n)
			}
		}
		seen[hub.PeerID(name)] = true
		p := hub.Peer{Name: name, PublicKey: cp.PublicKey, PresharedKey: cp.PresharedKey}
		for _, a := range cp.AllowedIPs {
			if a.IsSingleIP() && inAny(subnets, a.Addr()) {
				p.Addresses = append(p.Addresses, a)
			} else {
				p.Routes = append(p.Routes, a)
			}
		}
		r.Peers = append(r.Peers, p)
	}
	return m.Setup(ctx, r)
}

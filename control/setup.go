package control

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// SetupRequest holds setup's choices; zero values keep what an existing hub
// has, or pick defaults for a new one.
type SetupRequest struct {
	Interface  string
	Port       int
	Subnet     netip.Prefix // IPv4 VPN subnet; invalid: keep or DefaultSubnet
	Subnet6    netip.Prefix // IPv6 VPN subnet; invalid: keep or none
	IPv6       bool         // generate a random ULA /64 when no IPv6 subnet is set
	Endpoint   string
	DNS        []string
	LAN        []netip.Prefix
	Keepalive  *int
	FullTunnel *bool
	Access     *hub.Access // every device's default access
	LANDevice  string
	// PrivateKey, Peers: used by import to adopt an existing server.
	PrivateKey *wgtypes.Key
	Peers      []hub.Peer
}

// SetupResult tells what setup did.
type SetupResult struct {
	Hub     *hub.Hub
	Created bool // a new hub (else an existing one was updated)
	Changed bool // any file changed
}

// Setup creates or updates the hub: interface, zone, forwarding, masquerade
// and listen-port rule. Running it again with the same request changes
// nothing.
func (m *Manager) Setup(ctx context.Context, r SetupRequest) (*SetupResult, error) {
	res := &SetupResult{}
	var old *hub.Hub
	err := m.transact(func(cfgs map[string]*uci.Config) error {
		h, err := hub.Load(cfgs, m.layout())
		switch {
		case errors.Is(err, hub.ErrNotSetUp):
			res.Created = true
			if h, err = m.newHub(cfgs, r); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			old, _ = hub.Load(cfgs, m.layout())
			if r.Interface != "" && r.Interface != h.Settings.Interface {
				return errkind.Conflictf("interface", "the hub already runs on %s; it moves to %s only after a teardown", h.Settings.Interface, r.Interface)
			}
			if r.PrivateKey != nil || r.Peers != nil {
				return errkind.Conflictf("", "a hub is already set up on %s; import works only where no hub is set up", h.Settings.Interface)
			}
		}
		if err := m.applyRequest(h, r); err != nil {
			return err
		}
		if err := m.checkHost(cfgs, h); err != nil {
			return err
		}
		res.Hub = h
		return hub.Store(cfgs, m.layout(), h)
	})
	if err != nil {
		return nil, err
	}
	res.Changed = len(m.Changes) > 0
	var aerr error
	if m.Outcome.Saved && !m.NoApply {
		aerr = m.Backend.ApplySetup(ctx, old, res.Hub)
	}
	m.applied(res.Hub.Settings.Interface, aerr)
	return res, nil
}

func (m *Manager) newHub(cfgs map[string]*uci.Config, r SetupRequest) (*hub.Hub, error) {
	host := m.Backend.Host(cfgs)
	h := &hub.Hub{Settings: hub.Settings{
		Interface: hub.DefaultInterface,
		Keepalive: hub.DefaultKeepalive,
		Access:    hub.DefaultAccess,
		Zone:      hub.DefaultZone,
		LANZone:   hub.DefaultLANZone,
		WANZone:   hub.DefaultWANZone,
		LAN:       host.LAN,
		DNS:       host.DNS,
		LANDevice: host.LANDevice,
	}}
	// Names the owner already uses are theirs: an interface section (or
	// peer sections for it) or a firewall zone of that name.
	nc := cfgs[m.layout().Network]
	if r.Interface != "" {
		h.Settings.Interface = r.Interface
		if hub.InterfaceTaken(nc, r.Interface) {
			return nil, errkind.Conflictf("interface", "%s: %q is already used by a section there that is not wghub's; choose another interface name, or import that server", m.layout().Network, h.Settings.Interface)
		}
	} else {
		h.Settings.Interface = hub.FreeInterface(nc, hub.DefaultInterface)
	}
	if fw := m.layout().Firewall; fw != "" {
		h.Settings.Zone = hub.FreeZoneName(cfgs[fw], hub.DefaultZone)
	}
	// IPv4 always; --subnet replaces the default, --subnet6 adds IPv6.
	h.Settings.Subnets = []netip.Prefix{hub.DefaultSubnet}
	if r.PrivateKey != nil {
		h.PrivateKey = *r.PrivateKey
	} else {
		k, err := wgtypes.GeneratePrivateKey()
		if err != nil {
			return nil, fmt.Errorf("generating the hub key: %w", err)
		}
		h.PrivateKey = k
	}
	h.Peers = r.Peers
	return h, nil
}

func (m *Manager) applyRequest(h *hub.Hub, r SetupRequest) error {
	s := &h.Settings
	setFamily := func(p netip.Prefix, v4 bool) {
		var keep []netip.Prefix
		for _, o := range s.Subnets {
			if o.Addr().Is4() != v4 {
				keep = append(keep, o)
			}
		}
		s.Subnets = append(keep, p)
		// IPv4 first, for stable files.
		if len(s.Subnets) == 2 && !s.Subnets[0].Addr().Is4() {
			s.Subnets[0], s.Subnets[1] = s.Subnets[1], s.Subnets[0]
		}
	}
	if r.Subnet.IsValid() {
		if !r.Subnet.Addr().Is4() {
			return errkind.Invalidf("subnet", "subnet %s is not IPv4 (an IPv6 subnet goes in subnet6)", r.Subnet)
		}
		setFamily(r.Subnet, true)
	}
	if r.Subnet6.IsValid() {
		if !r.Subnet6.Addr().Is6() || r.Subnet6.Addr().Is4In6() {
			return errkind.Invalidf("subnet6", "subnet6 %s is not IPv6", r.Subnet6)
		}
		setFamily(r.Subnet6, false)
	} else if r.IPv6 && !hasV6(s.Subnets) {
		ula, err := randomULA()
		if err != nil {
			return err
		}
		setFamily(ula, false)
	}
	if r.Port != 0 {
		s.ListenPort = r.Port
	}
	if r.Endpoint != "" {
		s.Endpoint = r.Endpoint
	}
	if r.DNS != nil {
		s.DNS = r.DNS
	}
	if r.LAN != nil {
		s.LAN = nil
		for _, l := range r.LAN {
			s.LAN = append(s.LAN, l.Masked())
		}
	}
	if r.Keepalive != nil {
		s.Keepalive = *r.Keepalive
	}
	if r.Access != nil {
		s.Access = *r.Access
	}
	if r.FullTunnel != nil {
		s.Access.Internet = *r.FullTunnel
	}
	if r.LANDevice != "" {
		s.LANDevice = r.LANDevice
	}
	if err := s.Validate(); err != nil {
		return err
	}
	// Peers (existing, or imported) must fit the subnets and not collide.
	keys := map[wgtypes.Key]string{}
	addrs := map[netip.Addr]string{}
	for _, p := range h.Peers {
		if o, dup := keys[p.PublicKey]; dup {
			return errkind.Conflictf("", "peers %q and %q have the same public key %s", o, p.Name, p.PublicKey)
		}
		keys[p.PublicKey] = p.Name
		for _, a := range p.Addresses {
			if !inAny(s.Subnets, a.Addr()) {
				return errkind.Conflictf("subnet", "peer %q has address %s outside the VPN subnets %v; remove it first", p.Name, a, s.Subnets)
			}
			if o, dup := addrs[a.Addr()]; dup {
				return errkind.Conflictf("", "peers %q and %q both have address %s", o, p.Name, a.Addr())
			}
			addrs[a.Addr()] = p.Name
		}
	}
	return nil
}

func subnetField(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "subnet"
	}
	return "subnet6"
}

// checkHost refuses VPN subnets that overlap a network the host already has.
func (m *Manager) checkHost(cfgs map[string]*uci.Config, h *hub.Hub) error {
	host := m.Backend.Host(cfgs)
	for iface, subs := range host.Subnets {
		if iface == h.Settings.Interface {
			continue
		}
		for _, sn := range subs {
			for _, v := range h.Settings.Subnets {
				if v.Overlaps(sn) {
					return errkind.Conflictf(subnetField(v), "VPN subnet %s overlaps %s on interface %q; choose another subnet", v, sn, iface)
				}
			}
		}
	}
	return nil
}

// Teardown removes everything setup and peer commands added.
func (m *Manager) Teardown(ctx context.Context) error {
	var old *hub.Hub
	err := m.transact(func(cfgs map[string]*uci.Config) error {
		var err error
		if old, err = hub.Load(cfgs, m.layout()); err != nil {
			return err
		}
		return hub.Remove(cfgs, m.layout())
	})
	if err != nil {
		return err
	}
	var aerr error
	if m.Outcome.Saved && !m.NoApply {
		aerr = m.Backend.ApplySetup(ctx, old, nil)
	}
	m.applied(old.Settings.Interface, aerr)
	return nil
}

func hasV6(ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Addr().Is6() {
			return true
		}
	}
	return false
}

func inAny(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func ipNets(ps []netip.Prefix) []net.IPNet {
	out := make([]net.IPNet, 0, len(ps))
	for _, p := range ps {
		out = append(out, net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())})
	}
	return out
}

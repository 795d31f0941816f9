package hub

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/wghub/wghub/errkind"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// PeerRequest describes a peer to add. Zero values pick the defaults.
type PeerRequest struct {
	Name       string
	IP         netip.Addr     // invalid: lowest free address
	PublicKey  *wgtypes.Key   // nil: the hub generates the client's key pair
	PSK        bool           // generate a preshared key
	Access     *Access        // nil: the hub's default
	FullTunnel bool           // adds "internet" to the access
	LAN        []netip.Prefix // nil: the hub's LAN subnets
	Routes     []netip.Prefix // subnets behind the peer
}

// AddPeer validates r, allocates addresses and appends the new peer.
func (h *Hub) AddPeer(r PeerRequest) (*Peer, error) {
	if err := ValidateName(r.Name); err != nil {
		return nil, err
	}
	for _, p := range h.Peers {
		if SameName(p.Name, r.Name) {
			return nil, errkind.Conflictf("name", "a peer named %q already exists", p.Name)
		}
	}
	p := Peer{Name: r.Name, LAN: r.LAN}
	if r.Access != nil || r.FullTunnel {
		a := h.Settings.Access
		if r.Access != nil {
			a = *r.Access
		}
		a.Internet = a.Internet || r.FullTunnel
		if err := h.Settings.validateAccess("access", a); err != nil {
			return nil, err
		}
		p.Access = &a
	}
	if r.PublicKey != nil {
		if *r.PublicKey == (wgtypes.Key{}) {
			return nil, errkind.Invalidf("public_key", "the all-zero public key is not valid")
		}
		if *r.PublicKey == h.PrivateKey.PublicKey() {
			return nil, errkind.Conflictf("public_key", "public key %s is the hub's own", r.PublicKey)
		}
		p.PublicKey = *r.PublicKey
	} else {
		k, err := wgtypes.GeneratePrivateKey()
		if err != nil {
			return nil, fmt.Errorf("generating a key: %w", err)
		}
		p.PrivateKey, p.PublicKey = &k, k.PublicKey()
	}
	for _, o := range h.Peers {
		if o.PublicKey == p.PublicKey {
			return nil, errkind.Conflictf("public_key", "peer %q already uses public key %s", o.Name, p.PublicKey)
		}
	}
	if r.PSK {
		k, err := wgtypes.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("generating a preshared key: %w", err)
		}
		p.PresharedKey = &k
	}
	for _, l := range r.LAN {
		for _, sn := range h.Settings.Subnets {
			if l.Overlaps(sn) {
				return nil, errkind.Conflictf("lan", "LAN %s overlaps the VPN subnet %s", l, sn)
			}
		}
	}
	for _, rt := range r.Routes {
		if err := h.checkRoute(rt); err != nil {
			return nil, err
		}
		p.Routes = append(p.Routes, rt.Masked())
	}
	addrs, err := h.Allocate(r.IP)
	if err != nil {
		return nil, err
	}
	p.Addresses = addrs
	h.Peers = append(h.Peers, p)
	return &h.Peers[len(h.Peers)-1], nil
}

// checkRoute refuses a routed subnet that would steal the VPN's, the LAN's
// or another peer's traffic.
func (h *Hub) checkRoute(rt netip.Prefix) error {
	if err := CheckRoute(rt); err != nil {
		return err
	}
	for _, sn := range h.Settings.Subnets {
		if rt.Overlaps(sn) {
			return errkind.Conflictf("routes", "route %s overlaps the VPN subnet %s", rt, sn)
		}
	}
	for _, l := range h.Settings.LAN {
		if rt.Overlaps(l) {
			return errkind.Conflictf("routes", "route %s overlaps the LAN %s", rt, l)
		}
	}
	for _, p := range h.Peers {
		for _, o := range p.Routes {
			if rt.Overlaps(o) {
				return errkind.Conflictf("routes", "route %s overlaps %s, routed to peer %q", rt, o, p.Name)
			}
		}
	}
	return nil
}

// RemovePeer deletes the peer called name.
func (h *Hub) RemovePeer(name string) (*Peer, error) {
	found, err := h.Peer(name)
	if err != nil {
		return nil, err
	}
	for i := range h.Peers {
		if &h.Peers[i] == found {
			p := h.Peers[i]
			h.Peers = append(h.Peers[:i], h.Peers[i+1:]...)
			return &p, nil
		}
	}
	panic("unreachable")
}

// PeerUpdate changes an existing peer; nil fields stay as they are.
type PeerUpdate struct {
	Name    *string // a new name (the UCI sections keep their id)
	Enabled *bool
	Access  *Access // the device's own access
	// DefaultAccess puts the device back on the hub's default access.
	DefaultAccess bool
	FullTunnel    *bool           // adds or removes "internet" (after Access)
	LAN           *[]netip.Prefix // pointer to nil: back to the hub's LAN subnets
}

// UpdatePeer applies u to the peer called name.
func (h *Hub) UpdatePeer(name string, u PeerUpdate) (*Peer, error) {
	p, err := h.Peer(name)
	if err != nil {
		return nil, err
	}
	if u.Name != nil && *u.Name != p.Name {
		if err := ValidateName(*u.Name); err != nil {
			return nil, err
		}
		for i := range h.Peers {
			if o := &h.Peers[i]; o != p && SameName(o.Name, *u.Name) {
				return nil, errkind.Conflictf("name", "a peer named %q already exists", o.Name)
			}
		}
		p.Name = *u.Name
	}
	if u.Enabled != nil {
		p.Disabled = !*u.Enabled
	}
	if u.DefaultAccess {
		p.Access = nil
	}
	if u.Access != nil {
		if err := h.Settings.validateAccess("access", *u.Access); err != nil {
			return nil, err
		}
		a := *u.Access
		p.Access = &a
	}
	if u.FullTunnel != nil && h.AccessOf(p).Internet != *u.FullTunnel {
		a := h.AccessOf(p)
		a.Hosts = slices.Clone(a.Hosts)
		a.Internet = *u.FullTunnel
		p.Access = &a
	}

	if u.LAN != nil {
		for _, l := range *u.LAN {
			for _, sn := range h.Settings.Subnets {
				if l.Overlaps(sn) {
					return nil, errkind.Conflictf("lan", "LAN %s overlaps the VPN subnet %s", l, sn)
				}
			}
		}
		p.LAN = *u.LAN
		if len(p.LAN) == 0 {
			p.LAN = nil
		}
	}
	return p, nil
}

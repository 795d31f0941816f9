package hub

import (
	"fmt"
	"net/netip"

	"github.com/wghub/wghub/errkind"
)

// unusable are address ranges a VPN subnet or a routed subnet cannot use,
// with the reason people need to hear. The prefixes stay text, parsed when
// a subnet is checked: parsed here they would cost every start of the
// program (IPv6 parsing included) for the few commands that check one.
var unusable = []struct {
	prefix string
	why    string
}{
	{"0.0.0.0/8", "0.0.0.0/8 means \"this network\" and is never routed"},
	{"127.0.0.0/8", "127.0.0.0/8 is loopback"},
	{"169.254.0.0/16", "169.254.0.0/16 is link-local"},
	{"224.0.0.0/4", "224.0.0.0/4 is multicast"},
	{"240.0.0.0/4", "240.0.0.0/4 is reserved (and holds the broadcast address 255.255.255.255)"},
	{"::/8", "::/8 is reserved (unspecified, loopback, IPv4-mapped)"},
	{"fe80::/10", "fe80::/10 is link-local"},
	{"ff00::/8", "ff00::/8 is multicast"},
}

// Smallest prefix lengths of a VPN subnet: anything larger takes over a
// good part of the Internet.
const (
	minBits4 = 8
	minBits6 = 16
)

// CheckSubnet says why p cannot be a VPN subnet (what the hub hands out
// addresses from), or nil. field names the argument it came from.
func CheckSubnet(field string, p netip.Prefix) error {
	if p != p.Masked() {
		return errkind.Invalidf(field, "VPN subnet %s has host bits set (did you mean %s?)", p, p.Masked())
	}
	if err := checkRange(field, "VPN subnet", p); err != nil {
		return err
	}
	if p.Addr().Is4() {
		if p.Bits() < minBits4 {
			return errkind.Invalidf(field, "VPN subnet %s is too large: at most /%d (16 million addresses)", p, minBits4)
		}
		if p.Bits() > 30 {
			return errkind.Invalidf(field, "VPN subnet %s is too small for a hub and a peer (at least /30)", p)
		}
		return nil
	}
	if p.Bits() < minBits6 {
		return errkind.Invalidf(field, "VPN subnet %s is too large: at most /%d", p, minBits6)
	}
	if p.Bits() > 126 {
		return errkind.Invalidf(field, "VPN subnet %s is too small for a hub and a peer (at least /126)", p)
	}
	return nil
}

// checkRange refuses prefixes in (or around) an unusable range.
func checkRange(field, what string, p netip.Prefix) error {
	if p.Addr().Is4In6() {
		return errkind.Invalidf(field, "%s %s is an IPv4-mapped IPv6 prefix: write it as IPv4", what, p)
	}
	for _, u := range unusable {
		up := netip.MustParsePrefix(u.prefix)
		if up.Addr().Is4() == p.Addr().Is4() && p.Overlaps(up) {
			if p.Bits() < up.Bits() {
				return errkind.Invalidf(field, "%s %s is too large: it contains %s", what, p, u.why)
			}
			return errkind.Invalidf(field, "%s %s cannot be used: %s", what, p, u.why)
		}
	}
	return nil
}

// CheckRoute says why rt cannot be routed to a peer on its own (a default
// route is refused too: full tunnel is the client's choice, not a route on
// the hub), or nil.
func CheckRoute(rt netip.Prefix) error {
	if rt.Bits() == 0 {
		return errkind.Invalidf("routes", "route %s would send all traffic to one peer", rt)
	}
	return checkRange("routes", "route", rt)
}

// Validate checks the whole hub as it is about to be written, wherever its
// values came from (a request, an import, a hand-edited file): settings,
// and every peer's addresses and routes against the subnets, the LAN and
// each other.
func (h *Hub) Validate() error {
	if err := h.Settings.Validate(); err != nil {
		return err
	}
	// Which peers share an address is worked out (with a map) only when
	// some do: a sorted list of the addresses says whether, at a fraction
	// of a map's memory for thousands of peers.
	var addrs map[netip.Addr]string
	if h.sharedAddress() {
		addrs = make(map[netip.Addr]string, len(h.Peers))
	}
	for i := range h.Peers {
		p := &h.Peers[i]
		if err := ValidateName(p.Name); err != nil {
			return fmt.Errorf("peer %q: %w", p.Name, err)
		}
		for _, a := range p.Addresses {
			if addrs == nil {
				break
			}
			if o, dup := addrs[a.Addr()]; dup {
				return errkind.Conflictf("", "peers %q and %q both have address %s", o, p.Name, a.Addr())
			}
			addrs[a.Addr()] = p.Name
		}
		for j, rt := range p.Routes {
			if err := CheckRoute(rt); err != nil {
				return fmt.Errorf("peer %q: %w", p.Name, err)
			}
			others := &Hub{Settings: h.Settings, Peers: append(append([]Peer{}, h.Peers[:i]...), Peer{Name: p.Name, Routes: p.Routes[:j]})}
			if err := others.checkRoute(rt); err != nil {
				return fmt.Errorf("peer %q: %w", p.Name, err)
			}
		}
	}
	return nil
}

// sharedAddress reports whether two of the peers' addresses are the same.
func (h *Hub) sharedAddress() bool {
	u := newAddrSet(len(h.Peers)) // usually one each
	for i := range h.Peers {
		for _, a := range h.Peers[i].Addresses {
			u.add(a.Addr())
		}
	}
	return u.sort()
}

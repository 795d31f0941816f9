package hub

import (
	"net/netip"
	"testing"
)

// TestAddrSet: membership and duplicates as a map of netip.Addr has
// them: IPv4, IPv6 and IPv4-mapped IPv6 addresses are all different.
func TestAddrSet(t *testing.T) {
	addrs := []string{"10.0.0.9", "10.0.0.2", "fd00::2", "::ffff:10.0.0.3", "255.255.255.255", "0.0.0.0"}
	u := newAddrSet(2)
	for _, a := range addrs {
		u.add(netip.MustParseAddr(a))
	}
	if u.sort() {
		t.Error("no address added twice, yet sort reports one")
	}
	for _, a := range addrs {
		if !u.has(netip.MustParseAddr(a)) {
			t.Errorf("%s added, not in the set", a)
		}
	}
	for _, a := range []string{"10.0.0.3", "::ffff:10.0.0.2", "fd00::3", "10.0.0.1"} {
		if u.has(netip.MustParseAddr(a)) {
			t.Errorf("%s in the set, never added", a)
		}
	}
	for _, dup := range []string{"10.0.0.2", "fd00::2"} {
		u := newAddrSet(2)
		for _, a := range append(addrs, dup) {
			u.add(netip.MustParseAddr(a))
		}
		if !u.sort() {
			t.Errorf("%s added twice, not reported", dup)
		}
	}
}

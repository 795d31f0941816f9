package hub

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// TestAccessItemsRoundTrip: what Items writes, ParseAccess reads back the
// same (UCI stores the items; icmp to an IPv6 host is written icmpv6).
func TestAccessItemsRoundTrip(t *testing.T) {
	for _, in := range []string{"lan,internet,router,spoke", "192.168.1.10 tcp/22", "fd00:1::10 icmp", "10.0.0.0/28 udp/5000-5010", "192.168.1.20 icmp"} {
		a, err := ParseAccess("access", []string{in})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		b, err := ParseAccess("access", a.Items())
		if err != nil {
			t.Fatalf("%q written as %q: %v", in, a.Items(), err)
		}
		if !a.Equal(b) {
			t.Errorf("%q: %q read back as %q", in, a.Items(), b.Items())
		}
	}
}

// TestDeviceRules: a device's rules come in firewall4's order (what it may
// reach, the REJECT, the router REJECT), keyed by its addresses and routed
// subnets of the destination's family.
func TestDeviceRules(t *testing.T) {
	pfx := netip.MustParsePrefix
	h := &Hub{Settings: Settings{
		Subnets: []netip.Prefix{pfx("192.168.100.0/24"), pfx("fd42::/64")},
		LAN:     []netip.Prefix{pfx("192.168.1.0/24")},
		Zone:    "vpn", LANZone: "lan", WANZone: "wan",
		Access: Access{LAN: true, Router: true},
	}}
	acc, err := ParseAccess("access", []string{"lan,internet,spoke", "192.168.1.10 tcp/22", "fd00:1::10 icmp"})
	if err != nil {
		t.Fatal(err)
	}
	p := &Peer{Name: "d", Addresses: []netip.Prefix{pfx("192.168.100.2/32"), pfx("fd42::2/128")}, Routes: []netip.Prefix{pfx("10.20.0.0/24")}, Access: &acc}
	var got []string
	for _, r := range h.deviceRules(p) {
		got = append(got, r.purpose+" "+r.dest+" "+strings.Join(r.src, ",")+" "+r.proto+" "+r.target)
	}
	want := []string{
		"lan lan 192.168.100.2,10.20.0.0/24 all ACCEPT",
		"wan wan 192.168.100.2,fd42::2,10.20.0.0/24 all ACCEPT",
		"spoke vpn 192.168.100.2,fd42::2,10.20.0.0/24 all ACCEPT",
		"host1 * 192.168.100.2,10.20.0.0/24 tcp ACCEPT",
		"host2 * fd42::2 icmpv6 ACCEPT",
		"deny * 192.168.100.2,fd42::2,10.20.0.0/24 all REJECT",
		"deny_router  192.168.100.2,fd42::2,10.20.0.0/24 all REJECT",
	}
	if !slices.Equal(got, want) {
		t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// On the default and enabled: no rules of its own needed.
	p.Access = nil
	if h.OwnAccess(p) {
		t.Error("a device on the default has access of its own")
	}
}

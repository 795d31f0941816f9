package linux

import (
	"net/netip"
	"strings"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

func prefixes(s ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, x := range s {
		ps = append(ps, netip.MustParsePrefix(x))
	}
	return ps
}

func TestRules(t *testing.T) {
	const cm = "-m comment --comment wghub"
	for _, tc := range []struct {
		name string
		spec Spec
		fam  Family
		want []string
	}{
		{
			name: "split tunnel",
			spec: Spec{Interface: "wg0", LANDevice: "eth0", VPN: prefixes("192.168.100.1/24"), LAN: prefixes("192.168.1.0/24")},
			fam:  IPv4,
			want: []string{
				"-t filter -A WGHUB-FWD-wg0 -i wg0 -s 192.168.100.0/24 -o eth0 -d 192.168.1.0/24 " + cm + " -j ACCEPT",
				"-t filter -A WGHUB-FWD-wg0 -i eth0 -o wg0 -d 192.168.100.0/24 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT",
				"-t nat -A WGHUB-NAT-wg0 -s 192.168.100.0/24 -d 192.168.1.0/24 -o eth0 " + cm + " -j MASQUERADE",
			},
		},
		{
			name: "two LANs, IPv6 only in VPN: no IPv6 rules",
			spec: Spec{Interface: "wg0", LANDevice: "eth0", VPN: prefixes("10.0.0.0/24", "fd00::/64"), LAN: prefixes("192.168.1.0/24", "192.168.2.0/24")},
			fam:  IPv6,
			want: nil,
		},
		{
			name: "two LANs",
			spec: Spec{Interface: "wg0", LANDevice: "eth0", VPN: prefixes("10.0.0.0/24", "fd00::/64"), LAN: prefixes("192.168.1.0/24", "192.168.2.0/24")},
			fam:  IPv4,
			want: []string{
				"-t filter -A WGHUB-FWD-wg0 -i wg0 -s 10.0.0.0/24 -o eth0 -d 192.168.1.0/24 " + cm + " -j ACCEPT",
				"-t filter -A WGHUB-FWD-wg0 -i wg0 -s 10.0.0.0/24 -o eth0 -d 192.168.2.0/24 " + cm + " -j ACCEPT",
				"-t filter -A WGHUB-FWD-wg0 -i eth0 -o wg0 -d 10.0.0.0/24 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT",
				"-t nat -A WGHUB-NAT-wg0 -s 10.0.0.0/24 -d 192.168.1.0/24 -o eth0 " + cm + " -j MASQUERADE",
				"-t nat -A WGHUB-NAT-wg0 -s 10.0.0.0/24 -d 192.168.2.0/24 -o eth0 " + cm + " -j MASQUERADE",
			},
		},
		{
			name: "IPv6",
			spec: Spec{Interface: "wg1", LANDevice: "br-lan", VPN: prefixes("fd00:1::/64"), LAN: prefixes("fd00:2::1/64")},
			fam:  IPv6,
			want: []string{
				"-t filter -A WGHUB-FWD-wg1 -i wg1 -s fd00:1::/64 -o br-lan -d fd00:2::/64 " + cm + " -j ACCEPT",
				"-t filter -A WGHUB-FWD-wg1 -i br-lan -o wg1 -d fd00:1::/64 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT",
				"-t nat -A WGHUB-NAT-wg1 -s fd00:1::/64 -d fd00:2::/64 -o br-lan " + cm + " -j MASQUERADE",
			},
		},
		{
			name: "full tunnel",
			spec: Spec{Interface: "wg0", LANDevice: "eth1", FullTunnelDevice: "eth0", VPN: prefixes("192.168.100.0/24"), LAN: prefixes("192.168.1.0/24")},
			fam:  IPv4,
			want: []string{
				"-t filter -A WGHUB-FWD-wg0 -i wg0 -s 192.168.100.0/24 -o eth1 -d 192.168.1.0/24 " + cm + " -j ACCEPT",
				"-t filter -A WGHUB-FWD-wg0 -i eth1 -o wg0 -d 192.168.100.0/24 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT",
				"-t filter -A WGHUB-FWD-wg0 -i wg0 -s 192.168.100.0/24 -o eth0 " + cm + " -j ACCEPT",
				"-t filter -A WGHUB-FWD-wg0 -i eth0 -o wg0 -d 192.168.100.0/24 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT",
				"-t nat -A WGHUB-NAT-wg0 -s 192.168.100.0/24 -d 192.168.1.0/24 -o eth1 " + cm + " -j MASQUERADE",
				"-t nat -A WGHUB-NAT-wg0 -s 192.168.100.0/24 -o eth0 " + cm + " -j MASQUERADE",
			},
		},
		{
			name: "no LAN device",
			spec: Spec{Interface: "wg0", VPN: prefixes("192.168.100.0/24"), LAN: prefixes("192.168.1.0/24")},
			fam:  IPv4,
			want: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range tc.spec.Rules(tc.fam) {
				if r.Family != tc.fam {
					t.Errorf("rule %s has family %d; want %d", r, r.Family, tc.fam)
				}
				got = append(got, r.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Rules(%d):\ngot:\n%s\nwant:\n%s", tc.fam, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestJumps(t *testing.T) {
	got := Jumps(IPv4, "wg0")
	want := []string{
		"-t filter -A FORWARD -m comment --comment wghub -j WGHUB-FWD-wg0",
		"-t nat -A POSTROUTING -m comment --comment wghub -j WGHUB-NAT-wg0",
	}
	for i, r := range got {
		if r.String() != want[i] {
			t.Errorf("jump %d = %s; want %s", i, r, want[i])
		}
	}
}

func TestValidate(t *testing.T) {
	key, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	ok := Spec{Interface: "wg0", PrivateKey: key, ListenPort: 51820, LANDevice: "eth0"}
	for _, tc := range []struct {
		name string
		edit func(*Spec)
		err  string // "" = valid
	}{
		{"ok", func(*Spec) {}, ""},
		{"no interface", func(s *Spec) { s.Interface = "" }, `invalid interface name ""`},
		{"long interface", func(s *Spec) { s.Interface = "wg0123456789abcd" }, `invalid interface name "wg0123456789abcd"`},
		{"slash", func(s *Spec) { s.LANDevice = "a/b" }, `invalid interface name "a/b"`},
		{"no key", func(s *Spec) { s.PrivateKey = wgtypes.Key{} }, "wg0: no private key"},
		{"port", func(s *Spec) { s.ListenPort = 70000 }, "listen port 70000 out of range"},
		{"mtu", func(s *Spec) { s.MTU = 100 }, "MTU 100 out of range"},
		{"prefix", func(s *Spec) { s.LAN = []netip.Prefix{{}} }, "invalid prefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			err := s.Validate()
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("Validate() = %v; want error containing %q", err, tc.err)
			case err != nil && strings.HasPrefix(err.Error(), "linux: "):
				t.Errorf("error %q starts with a Go package name; messages are for people", err)
			case err != nil && strings.Contains(err.Error(), key.String()):
				t.Errorf("error %q reveals the private key", err)
			}
		})
	}
}

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
	const (
		fwd   = "-t filter -A WGHUB-FWD-wg0 "
		in    = "-t filter -A WGHUB-IN-wg0 "
		nat   = "-t nat -A WGHUB-NAT-wg0 "
		reply = fwd + "-o wg0 -d 192.168.100.0/24 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT"
		dns   = in + "-m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT\n" +
			in + "-p udp -m udp --dport 53 " + cm + " -j ACCEPT\n" +
			in + "-p tcp -m tcp --dport 53 " + cm + " -j ACCEPT"
	)
	lan := Access{LAN: true}
	for _, tc := range []struct {
		name string
		spec Spec
		fam  Family
		want []string
	}{
		{
			name: "split tunnel",
			spec: Spec{Interface: "wg0", LANDevice: "eth0", VPN: prefixes("192.168.100.1/24"), LAN: prefixes("192.168.1.0/24"), Default: lan},
			fam:  IPv4,
			want: []string{
				reply,
				fwd + "-i wg0 -s 192.168.100.0/24 -o eth0 -d 192.168.1.0/24 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.0/24 " + cm + " -j REJECT",
				dns,
				in + "-s 192.168.100.0/24 " + cm + " -j REJECT",
				nat + "-s 192.168.100.0/24 -d 192.168.1.0/24 -o eth0 " + cm + " -j MASQUERADE",
			},
		},
		{
			name: "two LANs, IPv6 only in VPN: only what stays on the hub",
			spec: Spec{Interface: "wg0", LANDevice: "eth0", VPN: prefixes("10.0.0.0/24", "fd00::/64"), LAN: prefixes("192.168.1.0/24", "192.168.2.0/24"), Default: lan},
			fam:  IPv6,
			want: []string{
				fwd + "-o wg0 -d fd00::/64 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s fd00::/64 " + cm + " -j REJECT",
				dns,
				in + "-s fd00::/64 " + cm + " -j REJECT",
			},
		},
		{
			name: "two LANs",
			spec: Spec{Interface: "wg0", LANDevice: "eth0", VPN: prefixes("10.0.0.0/24", "fd00::/64"), LAN: prefixes("192.168.1.0/24", "192.168.2.0/24"), Default: lan},
			fam:  IPv4,
			want: []string{
				fwd + "-o wg0 -d 10.0.0.0/24 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 10.0.0.0/24 -o eth0 -d 192.168.1.0/24 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 10.0.0.0/24 -o eth0 -d 192.168.2.0/24 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 10.0.0.0/24 " + cm + " -j REJECT",
				dns,
				in + "-s 10.0.0.0/24 " + cm + " -j REJECT",
				nat + "-s 10.0.0.0/24 -d 192.168.1.0/24 -o eth0 " + cm + " -j MASQUERADE",
				nat + "-s 10.0.0.0/24 -d 192.168.2.0/24 -o eth0 " + cm + " -j MASQUERADE",
			},
		},
		{
			name: "IPv6",
			spec: Spec{Interface: "wg1", LANDevice: "br-lan", VPN: prefixes("fd00:1::/64"), LAN: prefixes("fd00:2::1/64"), Default: lan},
			fam:  IPv6,
			want: []string{
				"-t filter -A WGHUB-FWD-wg1 -o wg1 -d fd00:1::/64 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT",
				"-t filter -A WGHUB-FWD-wg1 -i wg1 -s fd00:1::/64 -o br-lan -d fd00:2::/64 " + cm + " -j ACCEPT",
				"-t filter -A WGHUB-FWD-wg1 -i wg1 -s fd00:1::/64 " + cm + " -j REJECT",
				strings.ReplaceAll(dns, "wg0", "wg1"),
				"-t filter -A WGHUB-IN-wg1 -s fd00:1::/64 " + cm + " -j REJECT",
				"-t nat -A WGHUB-NAT-wg1 -s fd00:1::/64 -d fd00:2::/64 -o br-lan " + cm + " -j MASQUERADE",
			},
		},
		{
			name: "everybody full tunnel, router and spoke",
			spec: Spec{Interface: "wg0", LANDevice: "eth1", InternetDevice: "eth0", VPN: prefixes("192.168.100.0/24"), LAN: prefixes("192.168.1.0/24"),
				Default: Access{LAN: true, Internet: true, Router: true, Spoke: true}},
			fam: IPv4,
			want: []string{
				reply,
				fwd + "-i wg0 -s 192.168.100.0/24 -o eth1 -d 192.168.1.0/24 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.0/24 -o wg0 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.0/24 -o eth0 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.0/24 " + cm + " -j REJECT",
				dns,
				in + "-s 192.168.100.0/24 " + cm + " -j RETURN",
				nat + "-s 192.168.100.0/24 -d 192.168.1.0/24 -o eth1 " + cm + " -j MASQUERADE",
				nat + "-s 192.168.100.0/24 -o eth0 " + cm + " -j MASQUERADE",
			},
		},
		{
			// One device towards both LAN and Internet: "internet" alone
			// must not reach the LAN out of the same device.
			name: "devices before the defaults",
			spec: Spec{Interface: "wg0", LANDevice: "eth0", InternetDevice: "eth0", VPN: prefixes("192.168.100.0/24"), LAN: prefixes("192.168.1.0/24"),
				Default: lan,
				Devices: []Device{
					{Sources: prefixes("192.168.100.4/32"), Access: Access{Internet: true, Router: true}},
					{Sources: prefixes("192.168.100.7/32"), Access: Access{Spoke: true, Hosts: []Target{
						{netip.MustParsePrefix("192.168.1.10/32"), "tcp", "8000-8080"},
						{netip.MustParsePrefix("192.168.1.11/32"), "icmp", ""},
						{netip.MustParsePrefix("10.9.0.0/16"), "udp", "53"},
					}}},
					{Sources: prefixes("192.168.100.8/32"), LAN: prefixes("192.168.2.0/24"), Access: lan},
				}},
			fam: IPv4,
			want: []string{
				reply,
				fwd + "-i wg0 -s 192.168.100.4/32 -d 192.168.1.0/24 " + cm + " -j REJECT",
				fwd + "-i wg0 -s 192.168.100.4/32 -o eth0 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.4/32 " + cm + " -j REJECT",
				fwd + "-i wg0 -s 192.168.100.7/32 -o eth0 -d 192.168.1.10/32 -p tcp -m tcp --dport 8000:8080 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.7/32 -o eth0 -d 192.168.1.11/32 -p icmp " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.7/32 -o eth0 -d 10.9.0.0/16 -p udp -m udp --dport 53 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.7/32 -o wg0 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.7/32 " + cm + " -j REJECT",
				fwd + "-i wg0 -s 192.168.100.8/32 -o eth0 -d 192.168.2.0/24 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.8/32 " + cm + " -j REJECT",
				fwd + "-i wg0 -s 192.168.100.0/24 -o eth0 -d 192.168.1.0/24 " + cm + " -j ACCEPT",
				fwd + "-i wg0 -s 192.168.100.0/24 " + cm + " -j REJECT",
				dns,
				in + "-s 192.168.100.4/32 " + cm + " -j RETURN",
				in + "-s 192.168.100.7/32 " + cm + " -j REJECT",
				in + "-s 192.168.100.8/32 " + cm + " -j REJECT",
				in + "-s 192.168.100.0/24 " + cm + " -j REJECT",
				nat + "-s 192.168.100.0/24 -d 192.168.1.0/24 -o eth0 " + cm + " -j MASQUERADE",
				nat + "-s 192.168.100.0/24 -d 10.9.0.0/16 -o eth0 " + cm + " -j MASQUERADE",
				nat + "-s 192.168.100.0/24 -d 192.168.2.0/24 -o eth0 " + cm + " -j MASQUERADE",
				nat + "-s 192.168.100.0/24 -o eth0 " + cm + " -j MASQUERADE",
			},
		},
		{
			name: "internet without an Internet device grants nothing",
			spec: Spec{Interface: "wg0", LANDevice: "eth0", VPN: prefixes("192.168.100.0/24"), Default: Access{Internet: true}},
			fam:  IPv4,
			want: []string{
				reply,
				fwd + "-i wg0 -s 192.168.100.0/24 " + cm + " -j REJECT",
				dns,
				in + "-s 192.168.100.0/24 " + cm + " -j REJECT",
			},
		},
		{
			name: "no LAN device",
			spec: Spec{Interface: "wg0", VPN: prefixes("192.168.100.0/24"), LAN: prefixes("192.168.1.0/24"), Default: lan},
			fam:  IPv4,
			want: []string{
				reply,
				fwd + "-i wg0 -s 192.168.100.0/24 " + cm + " -j REJECT",
				dns,
				in + "-s 192.168.100.0/24 " + cm + " -j REJECT",
			},
		},
		{
			name: "no VPN subnet in the family",
			spec: Spec{Interface: "wg0", LANDevice: "eth0", VPN: prefixes("192.168.100.0/24"), LAN: prefixes("fd00:1::/64"), Default: lan},
			fam:  IPv6,
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

// TestRestoreInput: one family's chains are declared (which flushes them
// in the same commit) and filled, filter and nat each in one COMMIT, and
// only the missing jumps are inserted.
func TestRestoreInput(t *testing.T) {
	s := Spec{Interface: "wg0", LANDevice: "eth0", VPN: prefixes("192.168.100.0/24"), LAN: prefixes("192.168.1.0/24"), Default: Access{LAN: true}}
	got := restoreInput("wg0", s.Rules(IPv4), Jumps(IPv4, "wg0")[1:2])
	const cm = "-m comment --comment wghub"
	want := "*filter\n" +
		":WGHUB-FWD-wg0 - [0:0]\n" +
		":WGHUB-IN-wg0 - [0:0]\n" +
		"-A WGHUB-FWD-wg0 -o wg0 -d 192.168.100.0/24 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT\n" +
		"-A WGHUB-FWD-wg0 -i wg0 -s 192.168.100.0/24 -o eth0 -d 192.168.1.0/24 " + cm + " -j ACCEPT\n" +
		"-A WGHUB-FWD-wg0 -i wg0 -s 192.168.100.0/24 " + cm + " -j REJECT\n" +
		"-A WGHUB-IN-wg0 -m conntrack --ctstate RELATED,ESTABLISHED " + cm + " -j ACCEPT\n" +
		"-A WGHUB-IN-wg0 -p udp -m udp --dport 53 " + cm + " -j ACCEPT\n" +
		"-A WGHUB-IN-wg0 -p tcp -m tcp --dport 53 " + cm + " -j ACCEPT\n" +
		"-A WGHUB-IN-wg0 -s 192.168.100.0/24 " + cm + " -j REJECT\n" +
		"-I INPUT 1 -i wg0 " + cm + " -j WGHUB-IN-wg0\n" +
		"COMMIT\n" +
		"*nat\n" +
		":WGHUB-NAT-wg0 - [0:0]\n" +
		"-A WGHUB-NAT-wg0 -s 192.168.100.0/24 -d 192.168.1.0/24 -o eth0 " + cm + " -j MASQUERADE\n" +
		"COMMIT\n"
	if got != want {
		t.Errorf("restoreInput:\n%s\nwant:\n%s", got, want)
	}
}

func TestJumps(t *testing.T) {
	got := Jumps(IPv4, "wg0")
	want := []string{
		"-t filter -A FORWARD -m comment --comment wghub -j WGHUB-FWD-wg0",
		"-t filter -A INPUT -i wg0 -m comment --comment wghub -j WGHUB-IN-wg0",
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
		{"icmp port", func(s *Spec) {
			s.Default.Hosts = []Target{{netip.MustParsePrefix("192.168.1.1/32"), "icmp", "22"}}
		}, `access to 192.168.1.1/32: ports "22" need tcp or udp`},
		{"protocol", func(s *Spec) { s.Default.Hosts = []Target{{netip.MustParsePrefix("192.168.1.1/32"), "sctp", ""}} }, `protocol "sctp" is not`},
		{"port range", func(s *Spec) {
			s.Devices = []Device{{Sources: prefixes("10.0.0.2/32"), Access: Access{Hosts: []Target{{netip.MustParsePrefix("192.168.1.1/32"), "tcp", "90-80"}}}}}
		}, `"90-80" is not a port`},
		{"device without address", func(s *Spec) { s.Devices = []Device{{Access: Access{LAN: true}}} }, "a device with its own access has no address"},
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

package hub

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/wghub/wghub/errkind"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"laptop", true},
		{"alice-phone", true},
		{"a_b-2", true},
		{"X", true},
		{strings.Repeat("a", MaxNameLen), true},
		{strings.Repeat("a", MaxNameLen+1), false},
		{strings.Repeat("a", 200), false},
		{"", false},
		// Names as people write them.
		{"-lead", true},
		{"my tablet", true},
		{"Anna's phone", true},
		{`dq"`, true},
		{"dot.name", true},
		{"Ännas Telefon", true},
		{"手机", true},
		{strings.Repeat("ä", MaxNameLen), true}, // characters, not bytes
		{strings.Repeat("ä", MaxNameLen+1), false},
		{"new\nline", false},
		{"tab\there", false},
		{"nul\x00", false},
		{"del\x7f", false},
		{"ls\u2028", false},
		{" lead", false},
		{"trail ", false},
		{"   ", false},
		{"bad\xffutf8", false},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestValidateEndpoint(t *testing.T) {
	tests := []struct {
		ep string
		ok bool
	}{
		{"vpn.example.org", true},
		{"vpn.example.org:51820", true},
		{"203.0.113.7:1", true},
		{"[2001:db8::1]:51820", true},
		{"[2001:db8::1]", true},
		{"2001:db8::1", false},
		{"host:0", false},
		{"host:65536", false},
		{"host:abc", false},
		{":51820", false},
		{"[nothex]:1", false},
		{"with space", false},
		{"quote'", false},
		{"", false},
	}
	for _, tt := range tests {
		err := ValidateEndpoint(tt.ep)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateEndpoint(%q) = %v, want ok=%v", tt.ep, err, tt.ok)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	p := netip.MustParsePrefix
	base := func() Settings {
		return Settings{Interface: "wg0", Subnets: []netip.Prefix{p("192.168.100.0/24")}, LAN: []netip.Prefix{p("192.168.1.0/24")}}
	}
	tests := []struct {
		name   string
		mod    func(*Settings)
		errHas string
	}{
		{"ok", func(*Settings) {}, ""},
		{"dual stack", func(s *Settings) { s.Subnets = append(s.Subnets, p("fd00:1::/64")) }, ""},
		{"overlaps LAN", func(s *Settings) { s.Subnets = []netip.Prefix{p("192.168.0.0/16")} }, "overlaps LAN"},
		{"host bits", func(s *Settings) { s.Subnets = []netip.Prefix{p("192.168.100.1/24")} }, "host bits"},
		{"too small", func(s *Settings) { s.Subnets = []netip.Prefix{p("192.168.100.0/31")} }, "too small"},
		{"two v4", func(s *Settings) { s.Subnets = append(s.Subnets, p("10.9.0.0/24")) }, "at most one"},
		{"none", func(s *Settings) { s.Subnets = nil }, "no VPN subnet"},
		{"bad iface", func(s *Settings) { s.Interface = "wg-0" }, "interface name"},
		{"long iface", func(s *Settings) { s.Interface = "abcdefghijklmnop" }, "interface name"},
		{"bad port", func(s *Settings) { s.ListenPort = 70000 }, "port 70000"},
		{"bad zone", func(s *Settings) { s.Zone = "v p n" }, "zone"},
		{"zone of word characters", func(s *Settings) { s.Zone, s.LANZone = "Vpn_2", "lan_9" }, ""},
		{"bad dns", func(s *Settings) { s.DNS = []string{"1.1.1.1, 8.8.8.8"} }, "DNS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.mod(&s)
			err := s.Validate()
			if tt.errHas == "" && err != nil || tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.errHas)
			}
			if err != nil && !(errors.Is(err, errkind.Invalid) && errkind.FieldOf(err) != "" || errors.Is(err, errkind.Conflict) && strings.Contains(err.Error(), "overlap")) {
				t.Errorf("Validate() = %v: kind %v, field %q; want invalid with a field, or an overlap conflict", err, errkind.Of(err), errkind.FieldOf(err))
			}
		})
	}
}

func testHub(t *testing.T, subnets ...string) *Hub {
	t.Helper()
	k, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	h := &Hub{PrivateKey: k, Settings: Settings{Interface: "wg0", Endpoint: "vpn.example.org", Keepalive: 25, Access: DefaultAccess}}
	for _, s := range subnets {
		h.Settings.Subnets = append(h.Settings.Subnets, netip.MustParsePrefix(s))
	}
	return h
}

func TestAllocate(t *testing.T) {
	h := testHub(t, "192.168.100.0/24", "fd00:1::/64")
	var got []string
	for _, n := range []string{"a", "b", "c"} {
		p, err := h.AddPeer(PeerRequest{Name: n})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, prefixList(p.Addresses))
	}
	want := []string{"192.168.100.2/32, fd00:1::2/128", "192.168.100.3/32, fd00:1::3/128", "192.168.100.4/32, fd00:1::4/128"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("peer %d got %s, want %s", i, got[i], want[i])
		}
	}
	// Lowest free: removing b frees .3 for the next peer.
	if _, err := h.RemovePeer("b"); err != nil {
		t.Fatal(err)
	}
	p, _ := h.AddPeer(PeerRequest{Name: "d"})
	if s := prefixList(p.Addresses); s != want[1] {
		t.Errorf("after removal got %s, want %s", s, want[1])
	}
	// Foreign peers' addresses are never handed out.
	h.Foreign = []netip.Prefix{netip.MustParsePrefix("192.168.100.5/32")}
	p, _ = h.AddPeer(PeerRequest{Name: "e"})
	if s := prefixList(p.Addresses); s != "192.168.100.6/32, fd00:1::6/128" {
		t.Errorf("with foreign .5 got %s", s)
	}
}

func TestAllocateErrors(t *testing.T) {
	h := testHub(t, "10.0.0.0/30")
	if _, err := h.AddPeer(PeerRequest{Name: "only"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddPeer(PeerRequest{Name: "more"}); err == nil || !strings.Contains(err.Error(), "no free address") {
		t.Fatalf("exhausted pool: got %v", err)
	}
	h = testHub(t, "192.168.100.0/24")
	for _, tt := range []struct{ ip, errHas string }{
		{"192.168.100.1", "reserved"},
		{"192.168.100.0", "reserved"},
		{"192.168.100.255", "reserved"},
		{"10.1.1.1", "outside"},
		{"fd00::5", "no IPv6"},
	} {
		if _, err := h.AddPeer(PeerRequest{Name: "x", IP: netip.MustParseAddr(tt.ip)}); err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("--ip %s: got %v, want %q", tt.ip, err, tt.errHas)
		}
	}
	if _, err := h.AddPeer(PeerRequest{Name: "x", IP: netip.MustParseAddr("192.168.100.77")}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.AddPeer(PeerRequest{Name: "y", IP: netip.MustParseAddr("192.168.100.77")}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("duplicate --ip: got %v", err)
	}
}

func TestAddPeerConflicts(t *testing.T) {
	h := testHub(t, "192.168.100.0/24")
	a, err := h.AddPeer(PeerRequest{Name: "a-b"})
	if err != nil {
		t.Fatal(err)
	}
	pub := a.PublicKey
	hubPub := h.PrivateKey.PublicKey()
	for _, tt := range []struct {
		r      PeerRequest
		errHas string
		kind   errkind.Kind
		field  string
	}{
		{PeerRequest{Name: "a-b"}, "already exists", errkind.Conflict, "name"},
		{PeerRequest{Name: "A-B"}, "already exists", errkind.Conflict, "name"}, // case does not make a new name
		{PeerRequest{Name: "c", PublicKey: &pub}, "already uses public key", errkind.Conflict, "public_key"},
		{PeerRequest{Name: "c", PublicKey: &hubPub}, "hub's own", errkind.Conflict, "public_key"},
		{PeerRequest{Name: "c", PublicKey: &wgtypes.Key{}}, "all-zero", errkind.Invalid, "public_key"},
		{PeerRequest{Name: "c", LAN: []netip.Prefix{netip.MustParsePrefix("192.168.100.0/25")}}, "overlaps the VPN", errkind.Conflict, "lan"},
		{PeerRequest{Name: "c", Routes: []netip.Prefix{netip.MustParsePrefix("192.168.0.0/16")}}, "overlaps the VPN", errkind.Conflict, "routes"},
		{PeerRequest{Name: "c\nd"}, "control character", errkind.Invalid, "name"},
		{PeerRequest{Name: "c", Routes: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}, "all traffic", errkind.Invalid, "routes"},
		{PeerRequest{Name: "c", Routes: []netip.Prefix{netip.MustParsePrefix("224.0.0.0/24")}}, "multicast", errkind.Invalid, "routes"},
	} {
		_, err := h.AddPeer(tt.r)
		if err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("AddPeer(%+v) = %v, want %q", tt.r.Name, err, tt.errHas)
		}
		if !errors.Is(err, tt.kind) || errkind.FieldOf(err) != tt.field {
			t.Errorf("AddPeer(%+v) = %v: kind %v field %q, want %v %q", tt.r.Name, err, errkind.Of(err), errkind.FieldOf(err), tt.kind, tt.field)
		}
	}
	if _, err := h.RemovePeer("nobody"); !errors.Is(err, errkind.NotFound) {
		t.Errorf("RemovePeer(nobody) = %v, want not found", err)
	}
	if len(h.Peers) != 1 {
		t.Errorf("failed adds left %d peers", len(h.Peers))
	}
}

func TestClientConfig(t *testing.T) {
	h := testHub(t, "192.168.100.0/24", "fd00:1::/64")
	h.Settings.LAN = []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
	h.Settings.DNS = []string{"192.168.1.1"}
	split, _ := h.AddPeer(PeerRequest{Name: "laptop", PSK: true})
	conf, err := h.ClientConfig(split)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"PrivateKey = " + split.PrivateKey.String(),
		"Address = 192.168.100.2/32, fd00:1::2/128",
		"DNS = 192.168.1.1",
		"PublicKey = " + h.PrivateKey.PublicKey().String(),
		"PresharedKey = " + split.PresharedKey.String(),
		"Endpoint = vpn.example.org:51820",
		"AllowedIPs = 192.168.100.1/32, fd00:1::1/128, 192.168.1.0/24",
		"PersistentKeepalive = 25",
	} {
		if !strings.Contains(string(conf), want+"\n") {
			t.Errorf("split config lacks %q:\n%s", want, conf)
		}
	}
	full, _ := h.AddPeer(PeerRequest{Name: "phone", FullTunnel: true})
	conf, _ = h.ClientConfig(full)
	if !strings.Contains(string(conf), "AllowedIPs = 0.0.0.0/0, ::/0\n") {
		t.Errorf("full tunnel config:\n%s", conf)
	}
	k, _ := wgtypes.GeneratePrivateKey()
	pub := k.PublicKey()
	own, _ := h.AddPeer(PeerRequest{Name: "own", PublicKey: &pub})
	conf, err = h.ClientConfig(own)
	if err != ErrNoPrivateKey || strings.Contains(string(conf), "PrivateKey =") {
		t.Errorf("own-key config: err %v\n%s", err, conf)
	}
	h.Settings.Endpoint = "[2001:db8::1]"
	conf, _ = h.ClientConfig(split)
	if !strings.Contains(string(conf), "Endpoint = [2001:db8::1]:51820\n") {
		t.Errorf("v6 endpoint:\n%s", conf)
	}
}

// TestLoadedNamesAreClean: a description edited by hand to span lines (a
// UCI quote may) or to be too long loads as a name that ValidateName
// accepts, so an export never gets extra lines from it.
func TestLoadedNamesAreClean(t *testing.T) {
	for in, want := range map[string]string{
		"a\n[Peer]\nPublicKey = x": "a [Peer] PublicKey = x",
		"  tab\tbed  ":             "tab bed",
		strings.Repeat("é", 70):    strings.Repeat("é", MaxNameLen),
		"\n":                       "",
	} {
		got := cleanName(in)
		if got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
		if got != "" && ValidateName(got) != nil {
			t.Errorf("cleanName(%q) = %q, which ValidateName refuses", in, got)
		}
	}
}

// TestValidateNameASCII: the one-pass check of printable ASCII names
// takes none that the full check refuses, for every byte at each end and
// inside a name, and names of every length around the limit.
func TestValidateNameASCII(t *testing.T) {
	var names []string
	for c := range 256 {
		b := string(rune(c))
		if c >= 0x80 {
			b = string([]byte{byte(c)})
		}
		names = append(names, b, b+"x", "x"+b, "x"+b+"x")
	}
	for n := range MaxNameLen + 3 {
		names = append(names, strings.Repeat("a", n))
	}
	for _, name := range names {
		if printableASCII(name) && validateNameFull(name) != nil {
			t.Errorf("%q: taken by the one-pass check, refused by the full one", name)
		}
	}
}

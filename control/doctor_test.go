package control_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/livesys"
	"github.com/wghub/wghub/nftrules"
	"github.com/wghub/wghub/wgsync"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// The lines of the syncconf generation of netifd's WireGuard handler that
// doctor recognises it by.
const syncconfHandler = `config_get peer_psk "$section" "peer_psk"
[ -n "${peer_a_ips}" ] && peer_block="${peer_block}AllowedIPs=${peer_a_ips/ /, }\n"
`

// liveHub sets up a hub in a sandbox tree (laptop with a PSK, phone) and a
// fake live system where everything is right: the device equals UCI,
// firewall4's ruleset (nftrules/testdata) is loaded, forwarding is on.
func liveHub(t *testing.T, peers ...hub.PeerRequest) (*control.Manager, *livesys.Fake) {
	t.Helper()
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	peers = append([]hub.PeerRequest{{Name: "laptop", PSK: true}, {Name: "phone"}}, peers...)
	for _, r := range peers {
		if _, err := m.PeerAdd(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("../nftrules/testdata/fw4-shaped.json")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := nftrules.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	f := &livesys.Fake{
		FakeDevice: wgsync.FakeDevice{Dev: &wgtypes.Device{Name: "wg0"}},
		Rules:      rs,
		Sysctls:    map[string]string{"net.ipv4.ip_forward": "1"},
		Routes: map[netip.Prefix]string{
			netip.MustParsePrefix("192.168.1.0/24"):   "br-lan",
			netip.MustParsePrefix("192.168.100.0/24"): "wg0",
		},
		Defaults: map[bool]string{false: "eth1"},
		Files: map[string]string{
			"/etc/sysctl.d/10-default.conf": "net.ipv4.ip_forward=1\n",
			control.HandlerPath:             syncconfHandler,
			control.HotplugPath:             "wghub sync\n",
		},
	}
	m.System = f
	// netifd's part: the device built from UCI.
	h, cfgs, err := m.Load()
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := wgsync.FromUCI(cfgs["network"], h.Settings.Interface)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wgsync.Sync(f, want, wgsync.Options{}); err != nil {
		t.Fatal(err)
	}
	f.Configs = nil
	return m, f
}

// failing runs doctor and returns its failing checks by name, leaving out
// the handshake checks (no client ever connects here).
func failing(t *testing.T, m *control.Manager) map[string]control.Check {
	t.Helper()
	cs, err := m.Doctor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]control.Check{}
	for _, c := range cs {
		if !c.OK && !strings.Contains(c.Message, "never completed a handshake") {
			out[c.Name] = c
		}
	}
	return out
}

func peer(t *testing.T, f *livesys.Fake, m *control.Manager, name string) *wgtypes.Peer {
	t.Helper()
	h, _, _ := m.Load()
	p, err := h.Peer(name)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Dev.Peers {
		if f.Dev.Peers[i].PublicKey == p.PublicKey {
			return &f.Dev.Peers[i]
		}
	}
	t.Fatalf("%s not on the device", name)
	return nil
}

func deleteRule(t *testing.T, f *livesys.Fake, chain, s string) {
	t.Helper()
	c := f.Rules.Chain("inet", "fw4", chain)
	n := len(c.Rules)
	c.Rules = slices.DeleteFunc(c.Rules, func(r nftrules.Rule) bool {
		b, _ := json.Marshal(r.Expr)
		return strings.Contains(r.Comment+string(b), s)
	})
	if len(c.Rules) == n {
		t.Fatalf("no rule %q in %s", s, chain)
	}
}

// TestDoctorLive breaks one thing of the live system at a time and checks
// that doctor names it, with advice that fits, and nothing else.
func TestDoctorLive(t *testing.T) {
	tests := []struct {
		name  string
		extra []hub.PeerRequest
		brk   func(t *testing.T, m *control.Manager, f *livesys.Fake)
		want  map[string][]string // failing check -> words its message+fix must contain
	}{
		{name: "healthy", brk: func(*testing.T, *control.Manager, *livesys.Fake) {}, want: map[string][]string{}},
		{name: "masquerade rule deleted from nft", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			deleteRule(t, f, "srcnat_lan", "masquerade")
		}, want: map[string][]string{"nft_masquerade": {"does not masquerade", "br-lan", "/etc/init.d/firewall reload"}}},
		{name: "forwarding rule deleted from nft", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			deleteRule(t, f, "forward_vpn", "accept_to_lan")
		}, want: map[string][]string{"nft_forwarding": {"drops", "handle_reject", "/etc/init.d/firewall reload"}}},
		{name: "port rule deleted from nft", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			deleteRule(t, f, "input_wan", "Allow-wghub")
		}, want: map[string][]string{"nft_wan_port": {"drops UDP port 51820 from eth1", "reload"}}},
		{name: "no firewall loaded", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			f.Rules, _ = nftrules.Parse([]byte(`{"nftables":[]}`))
		}, want: map[string][]string{"firewall": {"no nftables ruleset", "/etc/init.d/firewall restart"}}},
		{name: "ip_forward off at runtime", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			f.Sysctls["net.ipv4.ip_forward"] = "0"
		}, want: map[string][]string{"ip_forward": {"sysctl -w net.ipv4.ip_forward=1", "/etc/sysctl.d/10-default.conf sets it at boot"}}},
		{name: "ip_forward off in /etc/sysctl.conf", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			f.Sysctls["net.ipv4.ip_forward"] = "0"
			f.Files["/etc/sysctl.conf"] = "# mine\nnet.ipv4.ip_forward = 0\n"
		}, want: map[string][]string{"ip_forward": {"sysctl -w net.ipv4.ip_forward=1", "/etc/sysctl.conf sets net.ipv4.ip_forward=0: change it to 1"}}},
		{name: "ip_forward off, base-files default missing", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			f.Sysctls["net.ipv4.ip_forward"] = "0"
			delete(f.Files, "/etc/sysctl.d/10-default.conf")
		}, want: map[string][]string{"ip_forward": {"add net.ipv4.ip_forward=1 to /etc/sysctl.conf"}}},
		{name: "peer removed from the device", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			p := peer(t, f, m, "phone")
			f.ConfigureDevice("wg0", wgtypes.Config{Peers: []wgtypes.PeerConfig{{PublicKey: p.PublicKey, Remove: true}}})
		}, want: map[string][]string{"device_peer_missing_phone": {"not on the device", "wghub sync"}}},
		{name: "peer changed on the device", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			p := peer(t, f, m, "phone")
			p.AllowedIPs = p.AllowedIPs[:0]
		}, want: map[string][]string{"device_allowed_ips_phone": {"allowed ips", "wghub sync"}}},
		{name: "PSK removed on the device by the syncconf handler", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			peer(t, f, m, "laptop").PresharedKey = wgtypes.Key{}
		}, want: map[string][]string{
			"device_psk_missing_laptop": {"no preshared key", "wghub sync"},
			"netifd_handler_psk":        {"did not apply preshared keys", "reads option peer_psk", "hotplug hook " + control.HotplugPath},
		}},
		{name: "PSK removed, hotplug hook not installed", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			peer(t, f, m, "laptop").PresharedKey = wgtypes.Key{}
			delete(f.Files, control.HotplugPath)
		}, want: map[string][]string{
			"device_psk_missing_laptop": {"wghub sync"},
			"netifd_handler_psk":        {"is missing: reinstall wghub"},
		}},
		// wghub writes at most 2 items (hub.HandlerList); an owner's hand
		// edit into one item per prefix is what breaks the handler.
		{name: "3 allowed_ips items under the syncconf handler", extra: []hub.PeerRequest{{Name: "site",
			Routes: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/24"), netip.MustParsePrefix("10.21.0.0/24")}}},
			brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
				path := filepath.Join(m.Tree.Dir, "network")
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				joined := "\tlist allowed_ips '10.20.0.0/24,10.21.0.0/24'\n"
				if !strings.Contains(string(b), joined) {
					t.Fatalf("wghub did not join the routes into one item:\n%s", b)
				}
				b = []byte(strings.Replace(string(b), joined, "\tlist allowed_ips '10.20.0.0/24'\n\tlist allowed_ips '10.21.0.0/24'\n", 1))
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				f.Routes[netip.MustParsePrefix("10.20.0.0/24")] = "wg0"
				f.Routes[netip.MustParsePrefix("10.21.0.0/24")] = "wg0"
				f.Dev = nil // netifd keeps retrying with the interface down
			}, want: map[string][]string{
				"netifd_handler_allowed_ips_site": {"3 allowed_ips items", "${peer_a_ips/ /, }", "which is why wg0 is down", "at most 2 list items"},
				"interface_up":                    {"ifup wg0"},
			}},
		{name: "VPN subnet not routed to the interface", brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {
			delete(f.Routes, netip.MustParsePrefix("192.168.100.0/24"))
		}, want: map[string][]string{
			"route_laptop": {"via eth1, not wg0", "no address in the VPN subnet"},
			"route_phone":  {"via eth1"},
		}},
		{name: "routed subnet missing its route", extra: []hub.PeerRequest{{Name: "site", Routes: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/24")}}},
			brk: func(t *testing.T, m *control.Manager, f *livesys.Fake) {}, want: map[string][]string{
				"route_site": {"10.20.0.0/24", "wghub sync adds the route"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, f := liveHub(t, tt.extra...)
			tt.brk(t, m, f)
			got := failing(t, m)
			for name, words := range tt.want {
				c, ok := got[name]
				if !ok {
					t.Errorf("no failing check %q; failing: %v", name, got)
					continue
				}
				text := c.Message + " | fix: " + c.Fix
				for _, w := range words {
					if !strings.Contains(text, w) {
						t.Errorf("%s: %q lacks %q", name, text, w)
					}
				}
			}
			for name, c := range got {
				if _, ok := tt.want[name]; !ok {
					t.Errorf("unexpected failing check %s: %s", name, c.Message)
				}
			}
		})
	}
}

// TestSyncFixesDevice: after doctor's device findings, Sync fixes them in
// one configure call that leaves untouched peers out, and a second Sync
// does nothing.
func TestSyncFixesDevice(t *testing.T) {
	m, f := liveHub(t)
	ctx := context.Background()
	laptop := peer(t, f, m, "laptop")
	laptop.PresharedKey = wgtypes.Key{}
	phone := peer(t, f, m, "phone").PublicKey
	if len(failing(t, m)) == 0 {
		t.Fatal("doctor found nothing to fix")
	}
	r, err := m.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Running || len(r.Changes) != 1 || len(r.Remaining) != 0 {
		t.Fatalf("sync: %+v", r)
	}
	if len(f.Configs) != 1 || len(f.Configs[0].Peers) != 1 || f.Configs[0].Peers[0].PublicKey == phone || f.Configs[0].ReplacePeers {
		t.Fatalf("configure calls: %+v", f.Configs)
	}
	if got := failing(t, m); len(got) != 0 {
		t.Errorf("after sync doctor still fails: %v", got)
	}
	if r, err = m.Sync(ctx); err != nil || len(r.Changes) != 0 || len(f.Configs) != 1 {
		t.Errorf("second sync: %+v, %v, %d calls", r, err, len(f.Configs))
	}
	f.Dev = nil
	if r, err = m.Sync(ctx); err != nil || r.Running {
		t.Errorf("down: %+v, %v: want not running and no error", r, err)
	}
	m.System = nil
	if _, err := m.Sync(ctx); err == nil {
		t.Error("no system: no error")
	}

}

// TestDoctorAccessProbe: doctor asks the loaded firewall about forwarding
// to the LAN for a device that may reach it, never for one that may not
// (whose REJECT would read as a broken gateway), and not at all when no
// device may; the masquerade is asked about in every case.
func TestDoctorAccessProbe(t *testing.T) {
	ctx := context.Background()
	m, _ := liveHub(t)
	checks := func() map[string]control.Check {
		cs, err := m.Doctor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]control.Check{}
		for _, c := range cs {
			out[c.Name] = c
		}
		return out
	}
	none, _ := hub.ParseAccess("access", []string{"none"})
	lan, _ := hub.ParseAccess("access", []string{"lan"})
	if _, err := m.Settings(ctx, control.SetupRequest{Access: &none}); err != nil {
		t.Fatal(err)
	}
	got := checks()
	if c, ok := got["nft_forwarding"]; ok {
		t.Errorf("no device may reach the LAN, yet doctor asks: %s", c.Message)
	}
	if _, ok := got["nft_masquerade"]; !ok {
		t.Error("no masquerade check without a device on the LAN")
	}
	if _, err := m.PeerUpdate(ctx, "phone", hub.PeerUpdate{Access: &lan}); err != nil {
		t.Fatal(err)
	}
	h, _, _ := m.Load()
	phone, _ := h.Peer("phone")
	if c := checks()["nft_forwarding"]; !strings.Contains(c.Message, "("+phone.Addresses[0].Addr().String()+")") {
		t.Errorf("forwarding asked for %q, want phone's address %s (the one device with lan)", c.Message, phone.Addresses[0].Addr())
	}
}

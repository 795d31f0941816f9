package control_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/uci"
)

func access(t *testing.T, items ...string) *hub.Access {
	t.Helper()
	a, err := hub.ParseAccess("access", items)
	if err != nil {
		t.Fatal(err)
	}
	return &a
}

// TestAccessGolden writes the firewall of per-device access in the
// owner's situations: each case's files are golden trees (testdata/trees/
// access-*) and a diff from the stock firewall (testdata/golden/access-*,
// which the integration tier loads into firewall4); teardown gives the
// stock files back byte for byte.
func TestAccessGolden(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		run  func(m *control.Manager) error
	}{
		// The internet is the zone's default; one device is held to the LAN.
		{"lan-only-under-internet", func(m *control.Manager) error {
			if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org", Access: access(t, "lan", "internet")}); err != nil {
				return err
			}
			if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop"}); err != nil {
				return err
			}
			_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "tv", Access: access(t, "lan")})
			return err
		}},
		// One device reaches one LAN host's SSH and pings another (and two
		// of an IPv6 host), nothing else.
		{"host-port", func(m *control.Manager) error {
			if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org", Subnet6: mustPrefix("fd42:4242:4242::/64")}); err != nil {
				return err
			}
			if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "contractor", Access: access(t, "192.168.1.10 tcp/22", "192.168.1.20 icmp", "fd00:1::10 udp/5000-5010", "fd00:1::10 icmp")}); err != nil {
				return err
			}
			// A site: the subnet behind it is held to the same access.
			_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "site", Routes: []netip.Prefix{mustPrefix("10.20.0.0/24")}, Access: access(t, "192.168.1.30 tcp/443")})
			return err
		}},
		// The router is closed by default and open to one device; under a
		// default that opens it, one device is kept out (after the DNS rule).
		{"router", func(m *control.Manager) error {
			if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
				return err
			}
			if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "admin", Access: access(t, "lan", "router")}); err != nil {
				return err
			}
			if _, err := m.Settings(ctx, control.SetupRequest{Access: access(t, "lan", "router")}); err != nil {
				return err
			}
			_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "guest", Access: access(t, "lan")})
			return err
		}},
		// A default of one LAN host: no zone forwards to the LAN, so every
		// device carries the host rule.
		{"hosts-default", func(m *control.Manager) error {
			if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org", Access: access(t, "192.168.1.10 tcp/22")}); err != nil {
				return err
			}
			if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "a"}); err != nil {
				return err
			}
			_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "b"})
			return err
		}},
		// Spoke to spoke on for the hub and off for one device.
		{"spoke-on", func(m *control.Manager) error {
			if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org", Access: access(t, "lan", "spoke")}); err != nil {
				return err
			}
			if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "desktop"}); err != nil {
				return err
			}
			_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "kiosk", Access: access(t, "lan")})
			return err
		}},
		// Spoke to spoke off for the hub and on for one device; a disabled
		// device with its own access and one back on the default have no rules.
		{"spoke-off", func(m *control.Manager) error {
			if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
				return err
			}
			if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "server", Access: access(t, "lan", "spoke")}); err != nil {
				return err
			}
			if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "old", Access: access(t, "internet")}); err != nil {
				return err
			}
			if _, err := m.PeerSetEnabled(ctx, "old", false); err != nil {
				return err
			}
			if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "back", Access: access(t, "none")}); err != nil {
				return err
			}
			_, err := m.PeerUpdate(ctx, "back", hub.PeerUpdate{DefaultAccess: true})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := wghubtest.Sandbox(t)
			stock := snapshot(t, root)
			m := manager(root)
			if err := c.run(m); err != nil {
				t.Fatal(err)
			}
			goldenTreeAs(t, "access-"+c.name+".diff", "access-"+c.name, root)
			if err := m.Teardown(ctx); err != nil {
				t.Fatal(err)
			}
			sameTree(t, stock, snapshot(t, root))
		})
	}
}

// TestAccessRuleOrder: changing a device's access keeps its rules in the
// order firewall4 needs them (what it may reach, then the REJECT), and
// rules that stay the same are not rewritten.
func TestAccessRuleOrder(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "b", Access: access(t, "lan")}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "c", Access: access(t, "internet")}); err != nil {
		t.Fatal(err)
	}
	// b gains a rule before its REJECT: it must not land after it.
	for _, acc := range [][]string{{"lan", "internet"}, {"lan", "internet", "spoke"}, {"spoke"}, {"lan", "internet", "spoke"}} {
		if _, err := m.PeerUpdate(ctx, "b", hub.PeerUpdate{Access: access(t, acc...)}); err != nil {
			t.Fatal(err)
		}
		fw := read(t, root+"/firewall")
		deny := strings.Index(fw, "config rule 'wghub_1_deny'")
		if deny < 0 {
			t.Fatalf("access %v: no REJECT rule for b:\n%s", acc, fw)
		}
		for _, k := range acc {
			sec := map[string]string{"lan": "wghub_1_lan", "internet": "wghub_1_wan", "spoke": "wghub_1_spoke"}[k]
			at := strings.Index(fw, "config rule '"+sec+"'")
			if at < 0 || at > deny {
				t.Errorf("access %v: rule %s at %d, REJECT at %d: %s must come first", acc, sec, at, deny, sec)
			}
		}
		if strings.Count(fw, "config rule 'wghub_1_") != len(acc)+1 {
			t.Errorf("access %v: %d rules for b, want %d", acc, strings.Count(fw, "config rule 'wghub_1_"), len(acc)+1)
		}
	}
	// A change that keeps b's rules (a new name) rewrites only their names.
	m.Changes = nil
	if _, err := m.PeerUpdate(ctx, "b", hub.PeerUpdate{Name: ptr("bee")}); err != nil {
		t.Fatal(err)
	}
	d := string(diffs(m))
	if strings.Contains(d, "+config rule") || strings.Contains(d, "-config rule") {
		t.Errorf("a rename re-created rules:\n%s", d)
	}
	// Back on the default: no rules, no record.
	if _, err := m.PeerUpdate(ctx, "bee", hub.PeerUpdate{DefaultAccess: true}); err != nil {
		t.Fatal(err)
	}
	if fw, wg := read(t, root+"/firewall"), read(t, root+"/wghub"); strings.Contains(fw, "wghub_1_") || strings.Contains(wg, "wghub_1_") {
		t.Errorf("b back on the default keeps rules:\n%s\n%s", fw, wg)
	}
}

func ptr[T any](v T) *T { return &v }

// reloadTally is the OpenWrt backend with the live steps counted, not
// run, and their order logged.
type reloadTally struct {
	backend.Backend
	reloads int
	log     []string
}

func (r *reloadTally) ApplyAccess(context.Context, *hub.Hub) error {
	r.reloads++
	r.log = append(r.log, "access")
	return nil
}

func (r *reloadTally) ApplyPeers(context.Context, string, backend.PeerDelta) error {
	r.log = append(r.log, "peers")
	return nil
}

// TestAccessBeforeJoin: a device that joins the tunnel with access of its
// own gets its rules before it is on the tunnel, never the default's reach
// in between; a device that leaves keeps its rules until it is off.
func TestAccessBeforeJoin(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	rc := &reloadTally{Backend: m.Backend}
	m.Backend, m.NoApply = rc, false
	steps := []struct {
		what string
		run  func() error
		want string
	}{
		{"added with its own access", func() error {
			_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "guest", Access: access(t, "192.168.1.10 tcp/22")})
			return err
		}, "access peers"},
		{"disabled", func() error { _, err := m.PeerSetEnabled(ctx, "guest", false); return err }, "peers access"},
		{"enabled", func() error { _, err := m.PeerSetEnabled(ctx, "guest", true); return err }, "access peers"},
		{"removed", func() error { return m.PeerRemove(ctx, "guest") }, "peers access"},
	}
	for _, s := range steps {
		rc.log = nil
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		if got := strings.Join(rc.log, " "); got != s.want {
			t.Errorf("%s: applied %q; want %q", s.what, got, s.want)
		}
	}
}

// TestAccessReloads: the firewall is reloaded when a change changes who
// may reach what or writes the firewall config (a hub an older wghub
// wrote, with the router open to the zone, gets its rules loaded on its
// first change), and not for a change that leaves both alone.
func TestAccessReloads(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	uciEdit(t, root, "firewall", func(c *uci.Config) error { return c.Section("wghub_zone").Set("input", "ACCEPT") })
	rc := &reloadTally{Backend: m.Backend}
	m.Backend, m.NoApply = rc, false
	steps := []struct {
		what    string
		run     func() error
		reloads int
	}{
		{"first change after an older wghub", func() error { _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop"}); return err }, 1},
		{"a device on the default", func() error { _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "phone"}); return err }, 1},
		{"access of its own", func() error {
			_, err := m.PeerUpdate(ctx, "phone", hub.PeerUpdate{Access: access(t, "internet")})
			return err
		}, 2},
		{"back on the default", func() error {
			_, err := m.PeerUpdate(ctx, "phone", hub.PeerUpdate{DefaultAccess: true})
			return err
		}, 3},
		{"the hub default", func() error {
			_, err := m.Settings(ctx, control.SetupRequest{Access: access(t, "lan", "spoke")})
			return err
		}, 4},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		if rc.reloads != s.reloads {
			t.Errorf("%s: %d firewall reloads in all, want %d", s.what, rc.reloads, s.reloads)
		}
	}
}

// TestAccessRulesOwnedByRecord: an owner's rule that happens to be named
// like a device's (wghub_1_deny) is not wghub's: the device's rule gets
// another name, and neither a change nor teardown touches the owner's.
func TestAccessRulesOwnedByRecord(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	uciEdit(t, root, "firewall", func(c *uci.Config) error {
		s, err := c.Add("rule", "wghub_1_deny")
		if err != nil {
			return err
		}
		return s.Set("name", "the owner's")
	})
	owners := "config rule 'wghub_1_deny'\n\toption name 'the owner'\\''s'\n"
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "b", Access: access(t, "internet")}); err != nil {
		t.Fatal(err)
	}
	fw := read(t, root+"/firewall")
	if !strings.Contains(fw, owners) || !strings.Contains(fw, "config rule 'wghub_1_deny_2'\n\toption name 'wghub b: nothing else'") {
		t.Fatalf("device rule not beside the owner's:\n%s", fw)
	}
	for _, step := range []func() error{
		func() error {
			_, err := m.PeerUpdate(ctx, "b", hub.PeerUpdate{Access: access(t, "lan", "internet")})
			return err
		},
		func() error { return m.PeerRemove(ctx, "b") },
		func() error { return m.Teardown(ctx) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
		if fw := read(t, root+"/firewall"); !strings.Contains(fw, owners) {
			t.Fatalf("the owner's rule is gone:\n%s", fw)
		}
	}
}

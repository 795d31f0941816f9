package control_test

import (
	"bytes"
	"context"
	"flag"
	"github.com/wghub/wghub/internal/wghubtest"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wghub/wghub/backend/openwrt"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
)

var update = flag.Bool("update", false, "rewrite golden files")

func manager(root string) *control.Manager {
	return &control.Manager{Tree: &uci.Tree{Dir: root}, Backend: openwrt.New(root, nil), NoApply: true}
}

// snapshot reads every file of a tree.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[strings.TrimPrefix(p, dir)] = b
		}
		return nil
	})
	return out
}

func sameTree(t *testing.T, before, after map[string][]byte) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("file count %d -> %d", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(b, after[name]) {
			t.Errorf("%s changed:\n--- before\n%s\n--- after\n%s", name, b, after[name])
		}
	}
}

var keyRE = regexp.MustCompile(`[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=`)
var ulaRE = regexp.MustCompile(`fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::`)

// normalize replaces keys (random per run) by KEY1, KEY2... in order.
func normalize(b []byte) []byte {
	seen := map[string]string{}
	return keyRE.ReplaceAllFunc(b, func(k []byte) []byte {
		if _, ok := seen[string(k)]; !ok {
			seen[string(k)] = "<KEY" + string(rune('A'+len(seen))) + ">"
		}
		return []byte(seen[string(k)])
	})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	got = normalize(got)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

func diffs(m *control.Manager) []byte {
	var b bytes.Buffer
	for _, c := range m.Changes {
		b.WriteString(uci.Diff(c))
	}
	return b.Bytes()
}

// TestGolden walks the life of a hub on the stock tree and checks each
// step's file diff against testdata/golden.
func TestGolden(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	stock := snapshot(t, root)
	m := manager(root)
	m.Diff = true

	steps := []struct {
		golden string
		run    func() error
	}{
		{"01-setup.diff", func() error {
			_, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org", Subnet6: mustPrefix("fd42:4242:4242::/64")})
			return err
		}},
		{"02-setup-again.diff", func() error {
			_, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"})
			return err
		}},
		{"03-peer-add-laptop.diff", func() error {
			_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop", PSK: true})
			return err
		}},
		{"04-peer-add-phone-full.diff", func() error {
			_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "phone", FullTunnel: true})
			return err
		}},
		{"05-peer-disable.diff", func() error {
			_, err := m.PeerSetEnabled(ctx, "laptop", false)
			return err
		}},
		{"06-peer-enable.diff", func() error {
			_, err := m.PeerSetEnabled(ctx, "laptop", true)
			return err
		}},
		{"07-peer-remove-phone.diff", func() error { return m.PeerRemove(ctx, "phone") }},
		{"08-teardown.diff", func() error { return m.Teardown(ctx) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.golden, err)
		}
		golden(t, s.golden, diffs(m))
	}
	sameTree(t, stock, snapshot(t, root))
}

func TestImportGolden(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	stock := snapshot(t, root)
	m := manager(root)
	m.Diff = true
	conf, err := os.ReadFile(filepath.Join("testdata", "server.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Import(ctx, conf, control.SetupRequest{Endpoint: "home.example.org"}); err != nil {
		t.Fatal(err)
	}
	golden(t, "import.diff", diffs(m))
	peers, err := m.Peers()
	if err != nil {
		t.Fatal(err)
	}
	if len(peers) != 3 {
		t.Fatalf("imported %d peers, want 3", len(peers))
	}
	if err := m.Teardown(ctx); err != nil {
		t.Fatal(err)
	}
	sameTree(t, stock, snapshot(t, root))
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func TestImportRejects(t *testing.T) {
	conf, err := os.ReadFile(filepath.Join("testdata", "server.conf"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(conf)
	firstPub := regexp.MustCompile(`PublicKey = (\S+)`).FindStringSubmatch(s)[1]
	tests := []struct {
		name, conf, errHas string
	}{
		{"duplicate key", s + "\n[Peer]\nPublicKey = " + firstPub + "\nAllowedIPs = 192.168.100.40/32\n", "same public key"},
		{"duplicate address", s + "\n[Peer]\nPublicKey = 8JWl1vMD6IL4rrAN1y5m9ZSEaqKgcDhYbW4/E6yJ/3k=\nAllowedIPs = 192.168.100.10/32\n", "both have address"},
		{"hub not first host", strings.Replace(s, "Address = 192.168.100.1/24", "Address = 192.168.100.5/24", 1), "first host"},
		{"no key", strings.Replace(s, "PrivateKey", "# PrivateKey", 1), "no PrivateKey"},
		{"garbage", "[Interface\n", "unknown section"},
		// The route checks of peer add apply to imported peers too.
		{"route 0.0.0.0/0", s + "\n[Peer]\nPublicKey = 8JWl1vMD6IL4rrAN1y5m9ZSEaqKgcDhYbW4/E6yJ/3k=\nAllowedIPs = 192.168.100.40/32, 0.0.0.0/0\n", "all traffic"},
		{"route over the LAN", s + "\n[Peer]\nPublicKey = 8JWl1vMD6IL4rrAN1y5m9ZSEaqKgcDhYbW4/E6yJ/3k=\nAllowedIPs = 192.168.100.40/32, 192.168.1.0/24\n", "overlaps the LAN"},
		{"route over the VPN", s + "\n[Peer]\nPublicKey = 8JWl1vMD6IL4rrAN1y5m9ZSEaqKgcDhYbW4/E6yJ/3k=\nAllowedIPs = 192.168.100.0/25\n", "overlaps the VPN subnet"},
		{"route over another peer's", s + "\n[Peer]\nPublicKey = 8JWl1vMD6IL4rrAN1y5m9ZSEaqKgcDhYbW4/E6yJ/3k=\nAllowedIPs = 192.168.100.40/32, 10.20.0.128/25\n", "routed to peer"},
		{"multicast route", s + "\n[Peer]\nPublicKey = 8JWl1vMD6IL4rrAN1y5m9ZSEaqKgcDhYbW4/E6yJ/3k=\nAllowedIPs = 192.168.100.40/32, 224.0.0.0/24\n", "multicast"},
		{"multicast subnet", strings.Replace(s, "Address = 192.168.100.1/24", "Address = 224.0.0.1/24", 1), "multicast"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := wghubtest.Sandbox(t)
			before := snapshot(t, root)
			_, err := manager(root).Import(context.Background(), []byte(tt.conf), control.SetupRequest{})
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("err = %v, want %q", err, tt.errHas)
			}
			sameTree(t, before, snapshot(t, root))
		})
	}
}

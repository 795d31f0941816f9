package control_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/uci"
)

// goldenTree compares the configs of root (keys replaced by fixed valid
// keys, one per key of the run) with testdata/trees/NAME. These trees are
// what wghub writes in the owner's situations below; the firewall4 check
// of the integration tier loads every testdata/trees/*/firewall.
func goldenTree(t *testing.T, name, root string) {
	t.Helper()
	goldenTreeAs(t, "owner-"+name+".diff", name, root)
}

// goldenTreeAs is goldenTree with the golden diff's name given.
func goldenTreeAs(t *testing.T, diffName, name, root string) {
	t.Helper()
	dir := filepath.Join("testdata", "trees", name)
	if *update {
		os.MkdirAll(dir, 0o755)
	}
	seen := map[string]string{}
	for _, f := range []string{"network", "firewall", "wghub"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		got := keyRE.ReplaceAllFunc(b, func(k []byte) []byte {
			if _, ok := seen[string(k)]; !ok {
				sum := sha256.Sum256([]byte{byte(len(seen))})
				seen[string(k)] = base64.StdEncoding.EncodeToString(sum[:])
			}
			return []byte(seen[string(k)])
		})
		p := filepath.Join(dir, f)
		if *update {
			os.WriteFile(p, got, 0o644)
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/%s differs (go test -update rewrites it):\n--- want\n%s\n--- got\n%s", name, f, want, got)
		}
	}
	// The firewall also as a diff from the stock tree in testdata/golden,
	// where the integration tier's firewall4 check finds every golden diff
	// (names without a step number are applied to the stock tree).
	stock, _ := os.ReadFile(filepath.Join(wghubtest.Sandbox(t), "firewall"))
	fw, _ := os.ReadFile(filepath.Join(root, "firewall"))
	golden(t, diffName, []byte(uci.Diff(uci.Change{Config: "firewall", Old: stock, New: fw})))
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(text)
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// onlyAdded fails unless after is before with lines added (never one of
// before's lines changed or dropped).
func onlyAdded(t *testing.T, what, before, after string) {
	t.Helper()
	a, b := strings.Split(before, "\n"), strings.Split(after, "\n")
	j := 0
	for _, l := range b {
		if j < len(a) && l == a[j] {
			j++
		}
	}
	if j != len(a) {
		t.Errorf("%s: the owner's line %q was changed or dropped", what, a[j])
	}
}

// uciEdit edits one config as `uci set/add_list; uci commit` would.
func uciEdit(t *testing.T, root, config string, fn func(c *uci.Config) error) {
	t.Helper()
	tr := &uci.Tree{Dir: root}
	if _, err := tr.Update([]string{config}, func(m map[string]*uci.Config) error { return fn(m[config]) }); err != nil {
		t.Fatal(err)
	}
}

// TestOwnerZoneNamedVPN: an owner's zone already named "vpn": setup names
// its zone "wghub" (firewall4 refuses two zones of one name), leaves the
// owner's zone byte for byte, forwards from its own zone only, and
// teardown gives back the file.
func TestOwnerZoneNamedVPN(t *testing.T) {
	root := wghubtest.Sandbox(t)
	fw := filepath.Join(root, "firewall")
	appendFile(t, fw, "\nconfig zone\n\toption name 'vpn'\n\tlist network 'office'\n\toption input 'REJECT'\n")
	stock := snapshot(t, root)
	before := read(t, fw)
	m := manager(root)
	if _, err := m.Setup(context.Background(), control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	after := read(t, fw)
	onlyAdded(t, "firewall", before, after)
	for _, want := range []string{"\toption name 'wghub'\n", "\toption src 'wghub'\n\toption dest 'lan'\n"} {
		if !strings.Contains(after, want) {
			t.Errorf("firewall lacks %q:\n%s", want, after)
		}
	}
	if strings.Count(after, "option name 'vpn'") != 1 {
		t.Error("a second zone named vpn")
	}
	goldenTree(t, "zone-vpn-taken", root)
	if err := m.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameTree(t, stock, snapshot(t, root))
}

// TestOwnerInterfaceTaken: an owner's own wg0: setup takes wg1 and leaves
// wg0 alone; asking for wg0 explicitly is a clear conflict that writes
// nothing.
func TestOwnerInterfaceTaken(t *testing.T) {
	root := wghubtest.Sandbox(t)
	appendFile(t, filepath.Join(root, "network"), "\nconfig interface 'wg0'\n\toption proto 'wireguard'\n\toption private_key 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk='\n")
	stock := snapshot(t, root)
	m := manager(root)
	_, err := m.Setup(context.Background(), control.SetupRequest{Interface: "wg0"})
	if !errors.Is(err, errkind.Conflict) || errkind.FieldOf(err) != "interface" {
		t.Fatalf("setup --interface wg0: %v, want a conflict on interface", err)
	}
	sameTree(t, stock, snapshot(t, root))
	res, err := m.Setup(context.Background(), control.SetupRequest{Endpoint: "vpn.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Hub.Settings.Interface != "wg1" {
		t.Errorf("interface %q, want wg1", res.Hub.Settings.Interface)
	}
	onlyAdded(t, "network", string(stock["/network"]), read(t, filepath.Join(root, "network")))
	goldenTree(t, "wg0-taken", root)
	if err := m.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameTree(t, stock, snapshot(t, root))
}

// TestOwnerAdditionsSurvive: what the owner adds to wghub's sections with
// uci (an address on wg0, an mtu, a network in the zone, logging on the
// zone, an option on a peer) survives peer add, disable, setup again and
// peer remove, line for line.
func TestOwnerAdditionsSurvive(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop"}); err != nil {
		t.Fatal(err)
	}
	uciEdit(t, root, "network", func(c *uci.Config) error {
		wg := c.Section("wg0")
		if err := wg.SetList("addresses", append(wg.List("addresses"), "10.77.0.1/24")); err != nil {
			return err
		}
		if err := wg.Set("mtu", "1380"); err != nil {
			return err
		}
		return c.Section("wghub_1").Set("persistent_keepalive", "15")
	})
	uciEdit(t, root, "firewall", func(c *uci.Config) error {
		z := c.Section("wghub_zone")
		if err := z.SetList("network", append(z.List("network"), "office")); err != nil {
			return err
		}
		return z.Set("log", "1")
	})
	owner := []struct{ file, line string }{
		{"network", "\tlist addresses '10.77.0.1/24'\n"},
		{"network", "\toption mtu '1380'\n"},
		{"network", "\toption persistent_keepalive '15'\n"},
		{"firewall", "\tlist network 'office'\n"},
		{"firewall", "\toption log '1'\n"},
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"peer add", func() error { _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "phone"}); return err }},
		{"disable", func() error { _, err := m.PeerSetEnabled(ctx, "laptop", false); return err }},
		{"setup again", func() error {
			_, err := m.Setup(ctx, control.SetupRequest{Endpoint: "other.example.org", Port: 51900})
			return err
		}},
		{"peer remove", func() error { return m.PeerRemove(ctx, "phone") }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for _, o := range owner {
			if !strings.Contains(read(t, filepath.Join(root, o.file)), o.line) {
				t.Errorf("after %s, %s lost the owner's %q", s.name, o.file, o.line)
			}
		}
	}
	goldenTree(t, "owner-additions", root)
}

// TestOwnerSectionNotAdopted: a peer section the owner named wghub_mine is
// not wghub's (no marker in /etc/config/wghub): not listed, its address
// never handed out, left byte for byte by peer commands and teardown.
func TestOwnerSectionNotAdopted(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	mine := "\nconfig wireguard_wg0 'wghub_mine'\n\toption description 'mine'\n\toption public_key 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='\n\tlist allowed_ips '192.168.100.2/32'\n"
	appendFile(t, filepath.Join(root, "network"), mine)
	peers, err := m.Peers()
	if err != nil || len(peers) != 0 {
		t.Fatalf("peers %v %v, want none", peers, err)
	}
	p, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Addresses[0].String() != "192.168.100.3/32" {
		t.Errorf("address %v: the owner's peer has .2", p.Addresses)
	}
	if err := m.PeerRemove(ctx, "mine"); !errors.Is(err, errkind.NotFound) {
		t.Errorf("removing the owner's peer: %v, want not found", err)
	}
	if err := m.Teardown(ctx); err != nil {
		t.Fatal(err)
	}
	stock := snapshot(t, wghubtest.Sandbox(t))
	if got, want := read(t, filepath.Join(root, "network")), string(stock["/network"])+mine; got != want {
		t.Errorf("network after teardown:\n%s\nwant the stock file plus the owner's section", got)
	}
}

// TestNamesAsPeopleWriteThem: free-text names are stored as typed and
// shown everywhere; the section id never follows the name, so renaming in
// LuCI (the description) breaks nothing; equal names from hand edits make
// lookups a clear conflict but never block other writes.
func TestNamesAsPeopleWriteThem(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"my tablet", "Ännas Telefon", "Anna's phone"} {
		if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: n}); err != nil {
			t.Fatalf("%q: %v", n, err)
		}
	}
	nw := read(t, filepath.Join(root, "network"))
	for _, want := range []string{
		"config wireguard_wg0 'wghub_1'\n\toption description 'my tablet'\n",
		"config wireguard_wg0 'wghub_2'\n\toption description 'Ännas Telefon'\n",
		"config wireguard_wg0 'wghub_3'\n\toption description 'Anna'\\''s phone'\n",
	} {
		if !strings.Contains(nw, want) {
			t.Errorf("network lacks %q", want)
		}
	}
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "ANNA'S PHONE"}); !errors.Is(err, errkind.Conflict) {
		t.Errorf("same name in capitals: %v, want a conflict", err)
	}
	if conf, err := m.ClientConfig("Anna's phone"); err != nil || !bytes.Contains(conf, []byte("[Interface]")) {
		t.Errorf("client config: %v", err)
	}
	st, _ := m.Status()
	var names []string
	for _, p := range st.Peers {
		names = append(names, p.Name)
	}
	if strings.Join(names, "|") != "Anna's phone|my tablet|Ännas Telefon" {
		t.Errorf("status names %q", names)
	}

	// LuCI edits the description: the peer is renamed, nothing else moves.
	uciEdit(t, root, "network", func(c *uci.Config) error { return c.Section("wghub_1").Set("description", "Anna's tablet") })
	before := read(t, filepath.Join(root, "network"))
	if _, err := m.PeerSetEnabled(ctx, "Anna's tablet", false); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(root, "network")); !strings.Contains(got, "\toption description 'Anna'\\''s tablet'\n") || !strings.Contains(got, "\toption disabled '1'\n") {
		t.Errorf("disable after a LuCI rename:\n%s", got)
	}
	onlyAdded(t, "network", before, read(t, filepath.Join(root, "network")))

	// Two equal descriptions: writes go on, lookups by that name say which
	// sections clash, and the section id still works.
	uciEdit(t, root, "network", func(c *uci.Config) error { return c.Section("wghub_2").Set("description", "Anna's phone") })
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop"}); err != nil {
		t.Fatalf("peer add beside two equal names: %v", err)
	}
	err := m.PeerRemove(ctx, "Anna's phone")
	if !errors.Is(err, errkind.Conflict) || !strings.Contains(err.Error(), "wghub_2, wghub_3") {
		t.Errorf("remove by a shared name: %v", err)
	}
	if err := m.PeerRemove(ctx, "wghub_3"); err != nil {
		t.Errorf("remove by section: %v", err)
	}
	goldenTree(t, "free-names", root)
}

// TestLegacyPeersMigrate: a hub written by earlier versions (sections
// named after peers, fixed firewall names, no fw_ options) keeps working:
// its peers keep their sections, new peers get numbered ones, the
// firewall sections are adopted, and teardown gives back the stock tree.
func TestLegacyPeersMigrate(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	stock := snapshot(t, root)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop"}); err != nil {
		t.Fatal(err)
	}
	// Rewrite to the old layout.
	for f, repl := range map[string]*strings.Replacer{
		"network": strings.NewReplacer("'wghub_1'", "'wghub_laptop'"),
		"wghub":   strings.NewReplacer("'client_1'", "'client_laptop'"),
	} {
		p := filepath.Join(root, f)
		os.WriteFile(p, []byte(repl.Replace(read(t, p))), 0o600)
	}
	var kept []string
	for _, l := range strings.SplitAfter(read(t, filepath.Join(root, "wghub")), "\n") {
		if !strings.HasPrefix(l, "\toption fw_") {
			kept = append(kept, l)
		}
	}
	os.WriteFile(filepath.Join(root, "wghub"), []byte(strings.Join(kept, "")), 0o600)
	fwBefore := read(t, filepath.Join(root, "firewall"))

	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "phone"}); err != nil {
		t.Fatal(err)
	}
	nw := read(t, filepath.Join(root, "network"))
	if !strings.Contains(nw, "'wghub_laptop'") || !strings.Contains(nw, "config wireguard_wg0 'wghub_1'\n\toption description 'phone'") {
		t.Errorf("network after migration:\n%s", nw)
	}
	if got := read(t, filepath.Join(root, "firewall")); got != fwBefore {
		t.Errorf("firewall changed by adopting its sections:\n%s", got)
	}
	if !strings.Contains(read(t, filepath.Join(root, "wghub")), "\toption fw_zone 'wghub_zone'\n") {
		t.Error("the adopted firewall sections are not recorded")
	}
	if _, err := m.PeerSetEnabled(ctx, "laptop", false); err != nil {
		t.Fatal(err)
	}
	if err := m.Teardown(ctx); err != nil {
		t.Fatal(err)
	}
	sameTree(t, stock, snapshot(t, root))
}

// TestHandEditedSubnetRefused: an unusable subnet written into
// /etc/config/wghub by hand is refused at the next write, with the reason.
func TestHandEditedSubnetRefused(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "wghub")
	os.WriteFile(p, []byte(strings.Replace(read(t, p), "'192.168.100.0/24'", "'224.0.0.0/24'", 1)), 0o600)
	before := snapshot(t, root)
	_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop"})
	if !errors.Is(err, errkind.Invalid) || !strings.Contains(err.Error(), "multicast") {
		t.Fatalf("peer add on a multicast subnet: %v", err)
	}
	sameTree(t, before, snapshot(t, root))
}

// TestDoctorZoneClash: a zone the owner adds later under the hub's zone
// name (firewall4 would not load) is a doctor failure.
func TestDoctorZoneClash(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	zoneCheck := func() control.Check {
		checks, err := m.Doctor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range checks {
			if c.Name == "zone_name" {
				return c
			}
		}
		t.Fatal("no zone_name check")
		return control.Check{}
	}
	if c := zoneCheck(); !c.OK {
		t.Errorf("fresh hub: %+v", c)
	}
	appendFile(t, filepath.Join(root, "firewall"), "\nconfig zone\n\toption name 'vpn'\n")
	if c := zoneCheck(); c.OK || !strings.Contains(c.Message, "2 firewall zone(s)") {
		t.Errorf("with a second vpn zone: %+v", c)
	}
}

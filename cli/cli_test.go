package cli_test

import (
	"bytes"
	"fmt"
	"github.com/wghub/wghub/internal/wghubtest"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var wghub string // the real binary, built once

func TestMain(m *testing.M) {
	bin, cleanup, err := wghubtest.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	wghub = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t testing.TB, root string, args ...string) result {
	t.Helper()
	cmd := exec.Command(wghub, append([]string{"--backend", "openwrt", "--root", root}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	r := result{o.String(), e.String(), 0}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustRun(t testing.TB, root string, args ...string) string {
	t.Helper()
	r := run(t, root, args...)
	if r.code != 0 {
		t.Fatalf("wghub %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			b, _ := os.ReadFile(p)
			st, _ := os.Stat(p)
			out[strings.TrimPrefix(p, dir)] = fmt.Sprintf("%v\n%s", st.Mode(), b)
		}
		return nil
	})
	return out
}

// TestBadInputWritesNothing: every bad input gives a clear error and a
// non-zero exit, and every file stays byte-identical.
func TestBadInputWritesNothing(t *testing.T) {
	root := wghubtest.Sandbox(t)
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org")
	mustRun(t, root, "peer", "add", "laptop")
	// Fill a tiny second hub? No: exhaust via a /30 on a separate tree below.
	tests := []struct {
		name   string
		args   []string
		errHas string
		code   int // the exit status: the error kind's
	}{
		{"overlapping subnet", []string{"setup", "--subnet", "192.168.1.0/24"}, "overlaps", 4},
		{"bad subnet", []string{"setup", "--subnet", "192.168.100.300/24"}, "not a CIDR", 2},
		{"duplicate name", []string{"peer", "add", "laptop"}, "already exists", 4},
		{"duplicate name in other case", []string{"peer", "add", "LapTop"}, "already exists", 4},
		{"space at the end of a name", []string{"peer", "add", "lap "}, "peer name", 2},
		{"newline in name", []string{"peer", "add", "lap\ntop"}, "peer name", 2},
		{"200 char name", []string{"peer", "add", strings.Repeat("x", 200)}, "at most 64", 2},
		{"subnet ::/0", []string{"setup", "--subnet6", "::/0"}, "too large", 2},
		{"subnet fe80::/64", []string{"setup", "--subnet6", "fe80::/64"}, "link-local", 2},
		{"subnet ff02::/64", []string{"setup", "--subnet6", "ff02::/64"}, "multicast", 2},
		{"subnet 224.0.0.0/24", []string{"setup", "--subnet", "224.0.0.0/24"}, "multicast", 2},
		{"subnet 0.0.0.0/24", []string{"setup", "--subnet", "0.0.0.0/24"}, "never routed", 2},
		{"subnet 255.255.255.0/24", []string{"setup", "--subnet", "255.255.255.0/24"}, "broadcast", 2},
		{"subnet too small", []string{"setup", "--subnet", "10.9.0.0/31"}, "too small", 2},
		{"route 0.0.0.0/0", []string{"peer", "add", "x", "--route", "0.0.0.0/0"}, "all traffic", 2},
		{"invalid key", []string{"peer", "add", "k", "--public-key", "notakey"}, "not a base64 WireGuard key", 2},
		{"short key", []string{"peer", "add", "k", "--public-key", "AAAA"}, "not a base64 WireGuard key", 2},
		{"unknown peer remove", []string{"peer", "remove", "nobody"}, "no peer named", 3},
		{"unknown peer disable", []string{"peer", "disable", "nobody"}, "no peer named", 3},
		{"unknown peer config", []string{"peer", "config", "nobody"}, "no peer named", 3},
		{"ip outside", []string{"peer", "add", "x", "--ip", "10.0.0.5"}, "outside", 2},
		{"ip in use", []string{"peer", "add", "x", "--ip", "192.168.100.2"}, "in use", 4},
		{"bad endpoint", []string{"setup", "--endpoint", "a b"}, "endpoint", 2},
		{"unknown command", []string{"frobnicate"}, "unknown command", 2},
		{"unknown flag", []string{"peer", "add", "x", "--nope"}, "unknown flag --nope", 2},
		{"move interface", []string{"setup", "--interface", "wg1"}, "after a teardown", 4},
		{"port out of range", []string{"setup", "--port", "70000"}, "port 70000 is out of range 1-65535", 2},
		{"port not a number", []string{"setup", "--port", "x"}, "--port \"x\" is not a whole number", 2},
		{"missing name", []string{"peer", "add"}, "missing NAME", 2},
		{"extra argument", []string{"peer", "remove", "a", "b"}, "unexpected argument", 2},
		{"peer group alone", []string{"peer"}, "expected a subcommand", 2},
		{"unknown subcommand", []string{"peer", "explode"}, "unknown subcommand", 2},
		{"access: unknown word", []string{"peer", "set", "laptop", "--access", "printer"}, `access "printer": not an access kind, address or subnet`, 2},
		{"access: bad port", []string{"peer", "add", "x", "--access", "192.168.1.10 tcp/0"}, `port "0" is not a port 1-65535`, 2},
		{"access: bad protocol", []string{"peer", "set", "laptop", "--access", "192.168.1.10 gre"}, `protocol "gre" is not tcp, udp or icmp`, 2},
		{"access: icmp port", []string{"peer", "set", "laptop", "--access", "192.168.1.10 icmp/8"}, "icmp has no ports", 2},
		{"access: kinds without commas", []string{"peer", "add", "x", "--access", "lan router"}, `access "lan router": separate access items with commas`, 2},
		{"access: none with more", []string{"peer", "set", "laptop", "--access", "none,lan"}, `"none" cannot be combined`, 2},
		{"access: hub default", []string{"settings", "set", "--access", "lan,10.0.0.0/33"}, `access "10.0.0.0/33"`, 2},
		{"access: a host on the VPN", []string{"settings", "set", "--access", "192.168.100.7"}, `use "spoke"`, 4},
		{"linux backend on an OpenWrt tree", []string{"--backend", "linux", "setup"}, "use --backend openwrt", 2},
	}
	before := snapshot(t, root)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, root, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.errHas) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.errHas)
			}
			after := snapshot(t, root)
			for f, b := range before {
				if after[f] != b {
					t.Errorf("%s changed", f)
				}
			}
			if len(after) != len(before) {
				t.Errorf("files: %d -> %d", len(before), len(after))
			}
		})
	}
}

func TestExhaustedPool(t *testing.T) {
	root := wghubtest.Sandbox(t)
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org", "--subnet", "10.99.0.0/30")
	mustRun(t, root, "peer", "add", "one")
	before := snapshot(t, root)
	r := run(t, root, "peer", "add", "two")
	if r.code == 0 || !strings.Contains(r.stderr, "no free address") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	after := snapshot(t, root)
	for f, b := range before {
		if after[f] != b {
			t.Errorf("%s changed", f)
		}
	}
}

// TestConcurrentPeerAdd: 100 wghub processes adding a peer each at the same
// time leave 100 peers with 100 distinct addresses.
func TestConcurrentPeerAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const n = 100
	root := wghubtest.Sandbox(t)
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org")
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := run(t, root, "peer", "add", fmt.Sprintf("dev%03d", i))
			if r.code != 0 {
				errs <- r.stderr
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	out := mustRun(t, root, "peer", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")[1:]
	if len(lines) != n {
		t.Fatalf("%d peers listed, want %d", len(lines), n)
	}
	addrs := map[string]bool{}
	for _, l := range lines {
		f := strings.Fields(l)
		if addrs[f[1]] {
			t.Errorf("address %s handed out twice", f[1])
		}
		addrs[f[1]] = true
	}
}

func TestSetupTeardownByteIdentical(t *testing.T) {
	root := wghubtest.Sandbox(t)
	before := snapshot(t, root)
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org", "--ipv6")
	mustRun(t, root, "peer", "add", "a", "--psk")
	mustRun(t, root, "peer", "add", "b", "--full-tunnel")
	mustRun(t, root, "peer", "disable", "a")
	mustRun(t, root, "teardown")
	after := snapshot(t, root)
	for f, b := range before {
		if after[f] != b {
			t.Errorf("%s differs after teardown:\n%s\n---\n%s", f, b, after[f])
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	root := wghubtest.Sandbox(t)
	before := snapshot(t, root)
	out := mustRun(t, root, "--dry-run", "setup", "--endpoint", "vpn.example.org")
	if !strings.Contains(out, "+config interface 'wg0'") && !strings.Contains(out, "interface 'wg0'") {
		t.Errorf("dry run printed no diff:\n%s", out)
	}
	after := snapshot(t, root)
	for f, b := range before {
		if after[f] != b {
			t.Errorf("%s changed in a dry run", f)
		}
	}
}

func TestKeyFilesArePrivate(t *testing.T) {
	root := wghubtest.Sandbox(t)
	os.Remove(filepath.Join(root, "wghub"))
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org")
	mustRun(t, root, "peer", "add", "a")
	st, err := os.Stat(filepath.Join(root, "wghub"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("/etc/config/wghub mode %v, want 0600", st.Mode().Perm())
	}
	png := filepath.Join(t.TempDir(), "a.png")
	mustRun(t, root, "peer", "qr", "a", "--png", png)
	if st, err := os.Stat(png); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("QR png: %v %v", st, err)
	}
}

// TestLinuxSetupTeardownLeavesNothing: on a plain Linux host the hub lives
// in one file of its own; teardown removes it.
func TestLinuxSetupTeardownLeavesNothing(t *testing.T) {
	root := t.TempDir()
	l := func(args ...string) {
		t.Helper()
		cmd := exec.Command(wghub, append([]string{"--backend", "linux", "--root", root, "--no-apply"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("wghub %v: %v\n%s", args, err, out)
		}
	}
	l("setup", "--endpoint", "vpn.example.org", "--subnet", "10.213.7.0/24", "--lan", "10.213.8.0/24", "--lan-device", "eth9")
	l("peer", "add", "laptop")
	st, err := os.Stat(filepath.Join(root, "wghub"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("hub file: %v %v", st, err)
	}
	l("teardown")
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("teardown left %v", ents)
	}
}

// TestAccessShown: peer list marks which devices follow the hub's default
// access and shows the others' own; settings shows the default, and a
// change of it reaches every device that follows it.
func TestAccessShown(t *testing.T) {
	root := wghubtest.Sandbox(t)
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org")
	mustRun(t, root, "peer", "add", "laptop")
	mustRun(t, root, "peer", "add", "nas-backup", "--access", "192.168.1.10 tcp/22")
	mustRun(t, root, "peer", "add", "phone", "--access", "lan,internet")
	mustRun(t, root, "peer", "add", "cam", "--access", "none")
	accessOf := func() map[string]string {
		out := mustRun(t, root, "peer", "list")
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		head := lines[0]
		from, to := strings.Index(head, "ACCESS"), strings.Index(head, "PUBLIC KEY")
		if from < 0 || to < from {
			t.Fatalf("peer list has no ACCESS column before PUBLIC KEY:\n%s", out)
		}
		got := map[string]string{}
		for _, l := range lines[1:] {
			got[strings.Fields(l)[0]] = strings.TrimSpace(l[from:to])
		}
		return got
	}
	want := map[string]string{"laptop": "lan (hub default)", "nas-backup": "192.168.1.10 tcp/22", "phone": "lan, internet", "cam": "none"}
	if got := accessOf(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("peer list access %v, want %v", got, want)
	}
	if out := mustRun(t, root, "settings"); !regexpMatch(`(?m)^default access +lan$`, out) || !regexpMatch(`(?m)^spoke to spoke +no$`, out) {
		t.Errorf("settings does not show the default access lan and spoke to spoke off:\n%s", out)
	}

	out := mustRun(t, root, "settings", "set", "--access", "lan,spoke")
	if !regexpMatch(`(?m)^default access +lan, spoke$`, out) || !regexpMatch(`(?m)^spoke to spoke +yes$`, out) {
		t.Errorf("settings set --access lan,spoke printed:\n%s", out)
	}
	want["laptop"] = "lan, spoke (hub default)"
	if got := accessOf(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after settings set: peer list access %v, want %v", got, want)
	}

	mustRun(t, root, "peer", "set", "nas-backup", "--access", "default")
	want["nas-backup"] = "lan, spoke (hub default)"
	if got := accessOf(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after peer set --access default: peer list access %v, want %v", got, want)
	}

	for _, cmd := range [][]string{{"peer", "add", "--help"}, {"peer", "set", "--help"}} {
		out := mustRun(t, root, cmd...)
		for _, s := range []string{"--access ACCESS", "192.168.1.10 tcp/22", "wghub " + cmd[0] + " " + cmd[1] + " laptop --access lan,router"} {
			if !strings.Contains(out, s) {
				t.Errorf("wghub %s lacks %q", strings.Join(cmd, " "), s)
			}
		}
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

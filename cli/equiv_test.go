package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wghub/wghub/cli"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/rpcd"
)

// byodKey is the public key of the precondition's peer that brought its own.
const byodKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="

// keyRE matches a base64 WireGuard key: new keys differ between two runs.
var keyRE = regexp.MustCompile(`[A-Za-z0-9+/]{43}=`)

// pkgPrefixRE matches a message that starts with one of the module's
// package names.
var pkgPrefixRE = regexp.MustCompile(`^(hub|control|rpcd|request|cli|uci|wgquick|backend|linux|openwrt|plainlinux|live|errkind|qr): `)

// kindOfExit maps an exit status back to the error kind it stands for.
func kindOfExit(code int) string {
	if code == 0 {
		return ""
	}
	for _, k := range errkind.Kinds() {
		if cli.ExitCode(&errkind.Error{Kind: k, Err: errkind.Internal}) == code {
			return k.String()
		}
	}
	return fmt.Sprintf("exit %d", code)
}

// TestCLIAndUbusAgree feeds the same inputs to the command line and to
// `wghub call` (as rpcd and LuCI run it), each on its own copy of the same
// tree, and requires the same outcome: accepted or refused, the same error
// kind (the exit status's, the reply's "kind"), the same files afterwards
// (keys generated in the run masked) and, for reads, the same JSON.
func TestCLIAndUbusAgree(t *testing.T) {
	tests := equivCases(t)
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.method] = true
		t.Run(tt.name, func(t *testing.T) {
			cliRoot, ubusRoot := copyTree(t, tt.tree), copyTree(t, tt.tree)
			c := run(t, cliRoot, tt.argv...)
			cliKind := kindOfExit(c.code)
			if tt.report && c.code == 1 {
				cliKind = ""
			}
			reply, raw := callIn(t, ubusRoot, tt.method, tt.in)
			ubusKind, _ := reply["kind"].(string)
			if cliKind != tt.kind || ubusKind != tt.kind {
				t.Fatalf("want %q; the CLI gave %q (exit %d, %q), ubus %q (%s)", tt.kind, cliKind, c.code, c.stderr, ubusKind, raw)
			}
			if msg, _ := reply["error"].(string); pkgPrefixRE.MatchString(msg) {
				t.Errorf("the message LuCI shows starts with a Go package name: %q", msg)
			}
			a, b := snapshot(t, cliRoot), snapshot(t, ubusRoot)
			for f := range a {
				if mask(a[f]) != mask(b[f]) {
					t.Errorf("%s differs:\n--- CLI\n%s\n--- ubus\n%s", f, a[f], b[f])
				}
			}
			if len(a) != len(b) {
				t.Errorf("files: CLI %d, ubus %d", len(a), len(b))
			}
			if tt.kind == "" && len(tt.argv) > 0 && slices.Contains(tt.argv, "--json") && mask(normalize(t, c.stdout)) != mask(normalize(t, string(raw))) {
				t.Errorf("output differs:\n--- CLI\n%s\n--- ubus\n%s", c.stdout, raw)
			}
			if tt.method == "peer_config" && tt.kind == "" && reply["config"] != c.stdout {
				t.Errorf("config differs:\n--- CLI\n%s\n--- ubus\n%v", c.stdout, reply["config"])
			}
		})
	}
	read, write := rpcd.Methods()
	for _, m := range append(read, write...) {
		if !covered[m] {
			t.Errorf("method %s has no case", m)
		}
	}
}

// equivCase is one request, written for ubus and for the command line.
type equivCase struct {
	name   string
	tree   string // the precondition
	method string
	in     string   // the ubus arguments
	argv   []string // the same request on the command line
	kind   string   // "" accepted, else the error kind both must give
	report bool     // a report command: exit 1 only says a check failed
}

// equivCases builds the two precondition trees (no hub; a hub with peers)
// and returns the requests, covering every ubus method.
func equivCases(t *testing.T) []equivCase {
	fresh := wghubtest.Sandbox(t)
	withHub := wghubtest.Sandbox(t)
	for _, args := range [][]string{
		{"setup", "--endpoint", "vpn.example.org", "--subnet6", "fd42:1::/64"},
		{"peer", "add", "laptop"},
		{"peer", "add", "byod", "--public-key", byodKey, "--no-psk"},
		{"peer", "add", "off"},
		{"peer", "disable", "off"},
	} {
		mustRun(t, withHub, args...)
	}
	return []equivCase{
		// Reads.
		{"status", withHub, "status", `{}`, []string{"status", "--json"}, "", false},
		{"status without a hub", fresh, "status", `{}`, []string{"status", "--json"}, "", false},
		{"peers", withHub, "peers", `{}`, []string{"peer", "list", "--json"}, "", false},
		{"peers without a hub", fresh, "peers", `{}`, []string{"peer", "list", "--json"}, "not_set_up", false},
		{"settings", withHub, "settings", `{}`, []string{"settings", "--json"}, "", false},
		{"settings without a hub", fresh, "settings", `{}`, []string{"settings", "--json"}, "not_set_up", false},
		{"doctor", withHub, "doctor", `{}`, []string{"doctor", "--json"}, "", true},
		{"read with an argument", withHub, "status", `{"verbose":true}`, []string{"status", "--verbose"}, "invalid", false},

		// peer_add.
		{"add", withHub, "peer_add", `{"name":"phone"}`, []string{"peer", "add", "phone"}, "", false},
		{"add with everything", withHub, "peer_add",
			`{"name":"site-b","ip":"192.168.100.77","psk":false,"full_tunnel":true,"lan":["10.1.0.0/24"],"routes":["10.50.0.0/24"]}`,
			[]string{"peer", "add", "site-b", "--ip", "192.168.100.77", "--no-psk", "--full-tunnel", "--lan", "10.1.0.0/24", "--route", "10.50.0.0/24"}, "", false},
		{"add with routes as one comma list", withHub, "peer_add", `{"name":"r","routes":["10.50.0.0/24, 10.51.0.0/24"]}`,
			[]string{"peer", "add", "r", "--route", "10.50.0.0/24,10.51.0.0/24"}, "", false},
		{"add with a LAN list split either way", withHub, "peer_add", `{"name":"l","lan":["10.1.0.0/24","10.2.0.0/24"]}`,
			[]string{"peer", "add", "l", "--lan", "10.1.0.0/24,10.2.0.0/24"}, "", false},
		{"add with the psk default", withHub, "peer_add", `{"name":"p"}`, []string{"peer", "add", "p"}, "", false},
		{"add with its own key (no psk by default)", withHub, "peer_add", `{"name":"k","public_key":"gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA="}`,
			[]string{"peer", "add", "k", "--public-key", "gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA="}, "", false},
		{"add: bad name", withHub, "peer_add", `{"name":"bad\tname"}`, []string{"peer", "add", "bad\tname"}, "invalid", false},
		{"add: empty name", withHub, "peer_add", `{"name":""}`, []string{"peer", "add", ""}, "invalid", false},
		{"add: no name", withHub, "peer_add", `{}`, []string{"peer", "add"}, "invalid", false},
		{"add: taken name", withHub, "peer_add", `{"name":"laptop"}`, []string{"peer", "add", "laptop"}, "conflict", false},
		{"add: taken key", withHub, "peer_add", `{"name":"k","public_key":"` + byodKey + `"}`,
			[]string{"peer", "add", "k", "--public-key", byodKey}, "conflict", false},
		{"add: bad key", withHub, "peer_add", `{"name":"k","public_key":"AAAA"}`, []string{"peer", "add", "k", "--public-key", "AAAA"}, "invalid", false},
		{"add: bad ip", withHub, "peer_add", `{"name":"k","ip":"1.2.3"}`, []string{"peer", "add", "k", "--ip", "1.2.3"}, "invalid", false},
		{"add: ip outside", withHub, "peer_add", `{"name":"k","ip":"10.0.0.5"}`, []string{"peer", "add", "k", "--ip", "10.0.0.5"}, "invalid", false},
		{"add: ip taken", withHub, "peer_add", `{"name":"k","ip":"192.168.100.2"}`, []string{"peer", "add", "k", "--ip", "192.168.100.2"}, "conflict", false},
		{"add: bad route", withHub, "peer_add", `{"name":"k","routes":["10.0.0.0/99"]}`, []string{"peer", "add", "k", "--route", "10.0.0.0/99"}, "invalid", false},
		{"add: route over the VPN", withHub, "peer_add", `{"name":"k","routes":["192.168.0.0/16"]}`, []string{"peer", "add", "k", "--route", "192.168.0.0/16"}, "conflict", false},
		{"add: bad lan in a list", withHub, "peer_add", `{"name":"k","lan":["10.1.0.0/24,nope"]}`, []string{"peer", "add", "k", "--lan", "10.1.0.0/24,nope"}, "invalid", false},
		{"add with access", withHub, "peer_add", `{"name":"nas","access":["192.168.1.10 tcp/22","192.168.1.20 icmp"]}`,
			[]string{"peer", "add", "nas", "--access", "192.168.1.10 tcp/22", "--access", "192.168.1.20 icmp"}, "", false},
		{"add with access as one comma list", withHub, "peer_add", `{"name":"a","access":["lan, router"]}`,
			[]string{"peer", "add", "a", "--access", "lan,router"}, "", false},
		{"add: bad access", withHub, "peer_add", `{"name":"k","access":["lan","192.168.1.10 tcp/99999"]}`,
			[]string{"peer", "add", "k", "--access", "lan", "--access", "192.168.1.10 tcp/99999"}, "invalid", false},
		{"add: access none and lan", withHub, "peer_add", `{"name":"k","access":["none","lan"]}`,
			[]string{"peer", "add", "k", "--access", "none,lan"}, "invalid", false},
		{"add without a hub", fresh, "peer_add", `{"name":"phone"}`, []string{"peer", "add", "phone"}, "not_set_up", false},

		// peer_remove.
		{"remove", withHub, "peer_remove", `{"name":"laptop"}`, []string{"peer", "remove", "laptop"}, "", false},
		{"remove: unknown", withHub, "peer_remove", `{"name":"nobody"}`, []string{"peer", "remove", "nobody"}, "not_found", false},
		{"remove: no name", withHub, "peer_remove", `{}`, []string{"peer", "remove"}, "invalid", false},
		{"remove without a hub", fresh, "peer_remove", `{"name":"laptop"}`, []string{"peer", "remove", "laptop"}, "not_set_up", false},

		// peer_set.
		{"disable", withHub, "peer_set", `{"name":"laptop","enabled":false}`, []string{"peer", "disable", "laptop"}, "", false},
		{"enable", withHub, "peer_set", `{"name":"off","enabled":true}`, []string{"peer", "enable", "off"}, "", false},
		{"set everything", withHub, "peer_set", `{"name":"laptop","enabled":false,"full_tunnel":true,"lan":["10.7.0.0/24"]}`,
			[]string{"peer", "set", "laptop", "--enabled=false", "--full-tunnel", "--lan", "10.7.0.0/24"}, "", false},
		{"set the LAN back to the hub's", withHub, "peer_set", `{"name":"laptop","lan":[]}`, []string{"peer", "set", "laptop", "--lan", ""}, "", false},
		{"set access", withHub, "peer_set", `{"name":"laptop","access":["lan","router"]}`,
			[]string{"peer", "set", "laptop", "--access", "lan,router"}, "", false},
		{"set access to none", withHub, "peer_set", `{"name":"laptop","access":["none"]}`,
			[]string{"peer", "set", "laptop", "--access", "none"}, "", false},
		{"set access back to the hub's", withHub, "peer_set", `{"name":"laptop","access":["default"]}`,
			[]string{"peer", "set", "laptop", "--access", "default"}, "", false},
		{"set access back to the hub's by an empty list", withHub, "peer_set", `{"name":"laptop","access":[]}`,
			[]string{"peer", "set", "laptop", "--access", ""}, "", false},
		{"set: bad access", withHub, "peer_set", `{"name":"laptop","access":["192.168.1.10 sctp/22"]}`,
			[]string{"peer", "set", "laptop", "--access", "192.168.1.10 sctp/22"}, "invalid", false},
		{"set: access to a host on the VPN", withHub, "peer_set", `{"name":"laptop","access":["192.168.100.3"]}`,
			[]string{"peer", "set", "laptop", "--access", "192.168.100.3"}, "conflict", false},
		{"set: unknown", withHub, "peer_set", `{"name":"nobody","enabled":false}`, []string{"peer", "disable", "nobody"}, "not_found", false},
		{"set: lan over the VPN", withHub, "peer_set", `{"name":"laptop","lan":["192.168.100.0/24"]}`,
			[]string{"peer", "set", "laptop", "--lan", "192.168.100.0/24"}, "conflict", false},
		{"set: enabled not a boolean", withHub, "peer_set", `{"name":"laptop","enabled":"no"}`,
			[]string{"peer", "set", "laptop", "--enabled=no"}, "invalid", false},

		// peer_config.
		{"config", withHub, "peer_config", `{"name":"laptop"}`, []string{"peer", "config", "laptop"}, "", false},
		{"config of a peer with its own key", withHub, "peer_config", `{"name":"byod"}`, []string{"peer", "config", "byod"}, "", false},
		{"config: unknown", withHub, "peer_config", `{"name":"nobody"}`, []string{"peer", "config", "nobody"}, "not_found", false},

		// setup.
		{"setup", fresh, "setup", `{"endpoint":"vpn.example.org"}`, []string{"setup", "--endpoint", "vpn.example.org"}, "", false},
		{"setup with everything", fresh, "setup",
			`{"endpoint":"[2001:db8::1]:51000","subnet":"10.77.0.0/24","subnet6":"fd42:7::/64","port":51000,"interface":"wgx","lan":["192.168.1.0/24, 192.168.2.0/24"],"dns":["192.168.1.1,9.9.9.9"],"keepalive":0,"full_tunnel":true}`,
			[]string{"setup", "--endpoint", "[2001:db8::1]:51000", "--subnet", "10.77.0.0/24", "--subnet6", "fd42:7::/64", "--port", "51000",
				"--interface", "wgx", "--lan", "192.168.1.0/24", "--lan", "192.168.2.0/24", "--dns", "192.168.1.1", "--dns", "9.9.9.9",
				"--keepalive", "0", "--full-tunnel"}, "", false},
		{"setup with access", fresh, "setup", `{"endpoint":"vpn.example.org","access":["lan","router","spoke"]}`,
			[]string{"setup", "--endpoint", "vpn.example.org", "--access", "lan,router,spoke"}, "", false},
		{"setup again changes nothing", withHub, "setup", `{"endpoint":"vpn.example.org"}`, []string{"setup", "--endpoint", "vpn.example.org"}, "", false},
		{"setup: port out of range", fresh, "setup", `{"port":70000}`, []string{"setup", "--port", "70000"}, "invalid", false},
		{"setup: port negative", fresh, "setup", `{"port":-1}`, []string{"setup", "--port", "-1"}, "invalid", false},
		{"setup: port not a number", fresh, "setup", `{"port":"x"}`, []string{"setup", "--port", "x"}, "invalid", false},
		{"setup: bad endpoint", fresh, "setup", `{"endpoint":"a b"}`, []string{"setup", "--endpoint", "a b"}, "invalid", false},
		{"setup: bad subnet", fresh, "setup", `{"subnet":"10.0.0.300/24"}`, []string{"setup", "--subnet", "10.0.0.300/24"}, "invalid", false},
		{"setup: IPv6 as subnet", fresh, "setup", `{"subnet":"fd00::/64"}`, []string{"setup", "--subnet", "fd00::/64"}, "invalid", false},
		{"setup: subnet over the LAN", fresh, "setup", `{"subnet":"192.168.1.0/24"}`, []string{"setup", "--subnet", "192.168.1.0/24"}, "conflict", false},
		{"setup: move the interface", withHub, "setup", `{"interface":"wg1"}`, []string{"setup", "--interface", "wg1"}, "conflict", false},
		{"setup: keepalive out of range", fresh, "setup", `{"keepalive":70000}`, []string{"setup", "--keepalive", "70000"}, "invalid", false},

		// settings_set.
		{"settings_set", withHub, "settings_set", `{"endpoint":"vpn2.example.org:51999","dns":["9.9.9.9"],"keepalive":10}`,
			[]string{"settings", "set", "--endpoint", "vpn2.example.org:51999", "--dns", "9.9.9.9", "--keepalive", "10"}, "", false},
		{"settings_set: no LAN, no DNS", withHub, "settings_set", `{"lan":[],"dns":[]}`,
			[]string{"settings", "set", "--lan", "", "--dns", ""}, "", false},
		{"settings_set: default access", withHub, "settings_set", `{"access":["lan","spoke","192.168.1.10 tcp/22"]}`,
			[]string{"settings", "set", "--access", "lan,spoke", "--access", "192.168.1.10 tcp/22"}, "", false},
		{"settings_set: default access back to lan", withHub, "settings_set", `{"access":[]}`,
			[]string{"settings", "set", "--access", ""}, "", false},
		{"settings_set: bad access", withHub, "settings_set", `{"access":["lan","printer"]}`,
			[]string{"settings", "set", "--access", "lan,printer"}, "invalid", false},
		{"settings_set: access to the VPN", withHub, "settings_set", `{"access":["192.168.100.0/24"]}`,
			[]string{"settings", "set", "--access", "192.168.100.0/24"}, "conflict", false},
		{"settings_set: bad endpoint", withHub, "settings_set", `{"endpoint":"a\nb"}`, []string{"settings", "set", "--endpoint", "a\nb"}, "invalid", false},
		{"settings_set: unknown argument", withHub, "settings_set", `{"port":1}`, []string{"settings", "set", "--port", "1"}, "invalid", false},
		{"settings_set without a hub", fresh, "settings_set", `{"endpoint":"x.example.org"}`, []string{"settings", "set", "--endpoint", "x.example.org"}, "not_set_up", false},
	}
}

// callIn runs `wghub call METHOD` with in on stdin, as rpcd does.
func callIn(t *testing.T, root, method, in string) (map[string]any, []byte) {
	t.Helper()
	cmd := exec.Command(wghub, "--backend", "openwrt", "--root", root, "call", method)
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("call %s: %v", method, err)
	}
	var r map[string]any
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("call %s: %v: %s", method, err, out)
	}
	return r, bytes.TrimSpace(out)
}

// normalize re-encodes JSON compactly, as the plugin prints it.
func normalize(t *testing.T, s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("CLI output is not JSON: %v\n%s", err, s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func mask(s string) string { return keyRE.ReplaceAllString(s, "KEY") }

// copyTree copies a config directory, modes included.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		st, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), st.Mode().Perm())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, st.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

package rpcd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/rpcd"
)

// wghub is the real binary, built once: the tests run it as rpcd does.
var wghub string

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

// sandbox returns a fresh copy of the stock OpenWrt config tree.
// plugin runs "wghub --backend openwrt ARGS..." the way rpcd runs a plugin:
// the input on stdin, stderr discarded, the config root from the
// environment. It returns stdout; a plugin must exit 0 when it answered.
func plugin(t testing.TB, root string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(wghub, append([]string{"--backend", "openwrt"}, args...)...)
	cmd.Env = append(os.Environ(), "WGHUB_ROOT="+root)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("wghub %s: %v (a plugin must answer, not fail)", strings.Join(args, " "), err)
	}
	return out
}

// call runs "wghub call METHOD" and checks that the reply is what rpcd
// accepts as OK: exactly one JSON object.
func call(t testing.TB, root, method string, stdin []byte) map[string]any {
	t.Helper()
	out := plugin(t, root, stdin, "call", method)
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var reply map[string]any
	if err := dec.Decode(&reply); err != nil || reply == nil {
		t.Fatalf("call %s: reply is not one JSON object: %q", method, out)
	}
	if _, err := dec.Token(); err == nil {
		t.Fatalf("call %s: more than one JSON value: %q", method, out)
	}
	return reply
}

// blobType is the blobmsg type rpcd registers for an example value of
// "list" (rpcd plugin.c, libubox blobmsg_json.c).
func blobType(v any) string {
	switch v := v.(type) {
	case bool:
		return "BOOL"
	case string:
		return "STRING"
	case []any:
		return "ARRAY"
	case map[string]any:
		return "TABLE"
	case nil:
		return "UNSPEC"
	case float64:
		if v != math.Trunc(v) {
			return "DOUBLE (not converted by older libubox)"
		}
		switch v {
		case 8:
			return "BOOL" // INT8: blobmsg's BOOL
		case 16:
			return "INT16"
		case 64:
			return "INT64"
		}
		return "INT32"
	}
	return fmt.Sprintf("%T", v)
}

// valueOf is a value of blob type typ as blobmsg_format_json writes it into
// the plugin's stdin.
func valueOf(typ string) string {
	switch typ {
	case "BOOL":
		return "true"
	case "STRING":
		return `"x"`
	case "ARRAY":
		return "[]"
	case "INT32":
		return "1"
	}
	return "null"
}

// TestList: "list" is one object of methods to example arguments whose
// inferred types are the contract's, and the methods accept values of those
// types. It opens nothing: the root and backend given are unusable.
func TestList(t *testing.T) {
	cmd := exec.Command(wghub, "--backend", "nonexistent", "--root", "/nonexistent", "list")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var list map[string]any
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("list is not one JSON object: %v\n%s", err, out)
	}
	want := map[string]map[string]string{
		"status":      {},
		"peers":       {},
		"settings":    {},
		"doctor":      {},
		"peer_add":    {"name": "STRING", "public_key": "STRING", "ip": "STRING", "psk": "BOOL", "full_tunnel": "BOOL", "lan": "ARRAY", "routes": "ARRAY", "access": "ARRAY"},
		"peer_remove": {"name": "STRING"},
		"peer_set":    {"name": "STRING", "enabled": "BOOL", "full_tunnel": "BOOL", "lan": "ARRAY", "access": "ARRAY"},
		"peer_config": {"name": "STRING"},
		"setup": {"endpoint": "STRING", "subnet": "STRING", "subnet6": "STRING", "ipv6": "BOOL", "port": "INT32",
			"interface": "STRING", "lan": "ARRAY", "dns": "ARRAY", "full_tunnel": "BOOL", "keepalive": "INT32", "lan_device": "STRING", "access": "ARRAY"},
		"settings_set": {"endpoint": "STRING", "dns": "ARRAY", "lan": "ARRAY", "keepalive": "INT32", "access": "ARRAY"},
	}
	read, write := rpcd.Methods()
	if all := slices.Sorted(slices.Values(append(read, write...))); !slices.Equal(all, slices.Sorted(maps.Keys(want))) {
		t.Errorf("method table has %v, the contract %v", all, slices.Sorted(maps.Keys(want)))
	}
	root := wghubtest.Sandbox(t)
	for name, args := range want {
		ex, ok := list[name].(map[string]any)
		if !ok {
			t.Errorf("list: %s is %T, not an object (rpcd would drop the method)", name, list[name])
			continue
		}
		got := map[string]string{}
		var in []string
		for arg, v := range ex {
			got[arg] = blobType(v)
			in = append(in, fmt.Sprintf("%q:%s", arg, valueOf(got[arg])))
		}
		if fmt.Sprint(got) != fmt.Sprint(args) {
			t.Errorf("list: %s arguments are typed %v, want %v", name, got, args)
		}
		// Every argument, with a value of the advertised type, is accepted
		// (the call may still fail for its content, e.g. no hub yet).
		sort.Strings(in)
		r := call(t, root, name, []byte("{"+strings.Join(in, ",")+"}"))
		if e, _ := r["error"].(string); strings.Contains(e, "must be") || strings.Contains(e, "unknown argument") {
			t.Errorf("%s refuses arguments of the types it advertises: %s", name, e)
		}
	}
	for name := range list {
		if _, ok := want[name]; !ok {
			t.Errorf("list has method %s, which the contract has not", name)
		}
	}
}

// TestACL: the LuCI app's ACL grants exactly the plugin's methods, with
// secrets (peer_config) and changes only in the write group.
func TestACL(t *testing.T) {
	b, err := os.ReadFile("../luci/luci-app-wghub/root/usr/share/rpcd/acl.d/luci-app-wghub.json")
	if err != nil {
		t.Fatal(err)
	}
	var acl map[string]struct {
		Read  struct{ Ubus map[string][]string } `json:"read"`
		Write struct{ Ubus map[string][]string } `json:"write"`
	}
	if err := json.Unmarshal(b, &acl); err != nil {
		t.Fatal(err)
	}
	g := acl["luci-app-wghub"]
	read, write := rpcd.Methods()
	r := slices.Sorted(slices.Values(g.Read.Ubus["wghub"]))
	w := slices.Sorted(slices.Values(g.Write.Ubus["wghub"]))
	if !slices.Equal(r, read) || !slices.Equal(w, write) {
		t.Errorf("ACL read %v write %v; plugin read %v write %v", r, w, read, write)
	}
	if !slices.Contains(write, "peer_config") {
		t.Error("peer_config reveals private keys: it belongs to the write group")
	}
}

// get walks a reply by keys and list indexes: get(r, "peer", "addresses", 0).
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any) string { return fmt.Sprint(v) }

// TestMethods drives every method through one hub's life, success and
// failure, as LuCI would.
func TestMethods(t *testing.T) {
	root := wghubtest.Sandbox(t)
	const byodKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
	type check func(t *testing.T, r map[string]any)
	is := func(path []any, want string) check {
		return func(t *testing.T, r map[string]any) {
			t.Helper()
			if got := str(get(r, path...)); got != want {
				t.Errorf("%v = %s, want %s", path, got, want)
			}
		}
	}
	p := func(path ...any) []any { return path }
	steps := []struct {
		name, method, in string
		code             string // "": success
		checks           []check
	}{
		{"status before setup", "status", `{}`, "", []check{is(p("setup"), "false"), is(p("peers"), "[]")}},
		{"peers before setup", "peers", `{}`, "NOT_FOUND", nil},
		{"settings before setup", "settings", `{}`, "NOT_FOUND", nil},
		{"peer_add before setup", "peer_add", `{"name":"laptop"}`, "NOT_FOUND", nil},
		{"doctor before setup", "doctor", `{}`, "", []check{is(p("checks", 0, "name"), "setup"), is(p("checks", 0, "ok"), "false")}},
		// blobmsg_format_json escapes '/' as "\/".
		{"setup", "setup", `{"endpoint":"vpn.example.org","subnet":"10.99.0.0\/24","subnet6":"fd42:9::\/64","port":51821,"dns":["192.168.1.1"],"keepalive":25,"full_tunnel":false}`, "",
			[]check{is(p("changed"), "true"), is(p("created"), "true"), func(t *testing.T, r map[string]any) {
				if len(str(r["public_key"])) != 44 {
					t.Errorf("public_key %v", r["public_key"])
				}
			}}},
		{"setup again changes nothing", "setup", `{"endpoint":"vpn.example.org","subnet":"10.99.0.0/24","port":51821}`, "", []check{is(p("changed"), "false"), is(p("created"), "false"),
			is(p("saved"), "false"), is(p("applied"), "true"), is(p("warning"), "<nil>")}},
		{"setup subnet overlapping the LAN", "setup", `{"subnet":"192.168.1.0/24"}`, "UNKNOWN_ERROR", nil},
		{"setup port out of range", "setup", `{"port":70000}`, "INVALID_ARGUMENT", nil},
		{"setup bad subnet", "setup", `{"subnet":"10.0.0.0/33"}`, "INVALID_ARGUMENT", nil},
		{"status", "status", `{}`, "", []check{is(p("setup"), "true"), is(p("interface"), "wg0"), is(p("up"), "false"),
			is(p("listen_port"), "51821"), is(p("endpoint"), "vpn.example.org"), is(p("addresses"), "[10.99.0.1/24 fd42:9::1/64]")}},
		{"settings", "settings", `{}`, "", []check{is(p("interface"), "wg0"), is(p("listen_port"), "51821"), is(p("subnets"), "[10.99.0.0/24 fd42:9::/64]"),
			is(p("dns"), "[192.168.1.1]"), is(p("keepalive"), "25"), is(p("lan"), "[192.168.1.0/24]")}},
		{"settings_set", "settings_set", `{"endpoint":"vpn2.example.org:51821","dns":["192.168.1.53"],"keepalive":30}`, "",
			[]check{is(p("endpoint"), "vpn2.example.org:51821"), is(p("dns"), "[192.168.1.53]"), is(p("keepalive"), "30"), is(p("listen_port"), "51821")}},
		{"settings_set keepalive negative", "settings_set", `{"keepalive":-1}`, "INVALID_ARGUMENT", nil},
		{"settings_set bad lan", "settings_set", `{"lan":["nonsense"]}`, "INVALID_ARGUMENT", nil},
		{"settings_set port is setup's", "settings_set", `{"port":1}`, "INVALID_ARGUMENT", nil},
		{"peer_add generated key and psk", "peer_add", `{"name":"laptop","psk":true}`, "",
			[]check{is(p("peer", "name"), "laptop"), is(p("peer", "has_private_key"), "true"), is(p("peer", "has_psk"), "true"),
				// Saved; not applied because the tree is a sandbox: a note, not a warning.
				is(p("saved"), "true"), is(p("applied"), "false"), is(p("warning"), "<nil>"),
				func(t *testing.T, r map[string]any) {
					if !strings.Contains(str(r["note"]), "not this host's") {
						t.Errorf("note %v", r["note"])
					}
				},
				is(p("peer", "addresses"), "[10.99.0.2/32 fd42:9::2/128]"), is(p("peer", "enabled"), "true")}},
		{"peer_add ip and full tunnel", "peer_add", `{"name":"phone","ip":"10.99.0.50","full_tunnel":true}`, "",
			[]check{is(p("peer", "addresses", 0), "10.99.0.50/32"), is(p("peer", "full_tunnel"), "true")}},
		{"peer_add own public key", "peer_add", `{"name":"byod","public_key":"` + byodKey + `"}`, "",
			[]check{is(p("peer", "public_key"), byodKey), is(p("peer", "has_private_key"), "false")}},
		{"peer_add lan", "peer_add", `{"name":"office","lan":["10.20.0.0/24"]}`, "", []check{is(p("peer", "lan"), "[10.20.0.0/24]")}},
		// uhttpd's /ubus adds the caller's session to every call's arguments.
		{"peer_set with LuCI's session field", "peer_set", `{"ubus_rpc_session":"4f6c1b0f9b1e7a8e1c1d2a3b4c5d6e7f","name":"office","enabled":true}`, "",
			[]check{is(p("peer", "enabled"), "true")}},
		{"peer_add duplicate", "peer_add", `{"name":"laptop"}`, "UNKNOWN_ERROR", nil},
		{"peer_add bad ip", "peer_add", `{"name":"tablet","ip":"10.99.0.300"}`, "INVALID_ARGUMENT", nil},
		{"peer_add bad name", "peer_add", `{"name":"my\nlaptop"}`, "INVALID_ARGUMENT", nil},
		{"peers", "peers", `{}`, "", []check{is(p("peers", 0, "name"), "byod"), is(p("peers", 1, "name"), "laptop"),
			is(p("peers", 2, "name"), "office"), is(p("peers", 3, "name"), "phone"), is(p("peers", 4), "<nil>")}},
		{"peer_set disable", "peer_set", `{"name":"phone","enabled":false}`, "", []check{is(p("peer", "enabled"), "false"), is(p("peer", "full_tunnel"), "true")}},
		{"peer_set lan back to the hub's", "peer_set", `{"name":"office","lan":[]}`, "", []check{is(p("peer", "lan"), "<nil>")}},
		{"peer_set full tunnel", "peer_set", `{"name":"laptop","full_tunnel":true}`, "", []check{is(p("peer", "full_tunnel"), "true")}},
		{"settings has the default access", "settings", `{}`, "", []check{is(p("access"), "[lan]")}},
		{"peer_set own access", "peer_set", `{"name":"office","access":["192.168.1.10 tcp/22"]}`, "",
			[]check{is(p("peer", "access"), "[192.168.1.10 tcp/22]"), is(p("peer", "own_access"), "true"), is(p("peer", "full_tunnel"), "false")}},
		{"peer_set bad access", "peer_set", `{"name":"office","access":["192.168.1.10 tcp/22/33"]}`, "INVALID_ARGUMENT",
			[]check{is(p("field"), "access"), is(p("kind"), "invalid")}},
		{"settings_set default access with spoke", "settings_set", `{"access":["lan","spoke"]}`, "",
			[]check{is(p("access"), "[lan spoke]"), is(p("saved"), "true")}},
		{"settings_set access on the VPN", "settings_set", `{"access":["10.99.0.7"]}`, "UNKNOWN_ERROR", []check{is(p("kind"), "conflict")}},
		{"peers: own and default access", "peers", `{}`, "", []check{
			is(p("peers", 2, "name"), "office"), is(p("peers", 2, "access"), "[192.168.1.10 tcp/22]"), is(p("peers", 2, "own_access"), "true"),
			is(p("peers", 0, "name"), "byod"), is(p("peers", 0, "access"), "[lan spoke]"), is(p("peers", 0, "own_access"), "false")}},
		{"status: own and default access", "status", `{}`, "", []check{
			is(p("peers", 2, "access"), "[192.168.1.10 tcp/22]"), is(p("peers", 2, "own_access"), "true"),
			is(p("peers", 0, "access"), "[lan spoke]"), is(p("peers", 0, "own_access"), "false")}},
		{"peer_set access back to the hub's", "peer_set", `{"name":"office","access":["default"]}`, "",
			[]check{is(p("peer", "access"), "[lan spoke]"), is(p("peer", "own_access"), "false")}},
		{"settings_set default access back to lan", "settings_set", `{"access":[]}`, "", []check{is(p("access"), "[lan]")}},
		{"peer_set unknown peer", "peer_set", `{"name":"nobody","enabled":true}`, "NOT_FOUND", nil},
		{"peer_set without name", "peer_set", `{"enabled":true}`, "INVALID_ARGUMENT", nil},
		{"peer_config", "peer_config", `{"name":"laptop"}`, "", []check{is(p("name"), "laptop"), is(p("warning"), "<nil>"),
			func(t *testing.T, r map[string]any) {
				c := str(r["config"])
				for _, s := range []string{"[Interface]", "PrivateKey = ", "PresharedKey = ", "Endpoint = vpn2.example.org:51821", "Address = 10.99.0.2/32"} {
					if !strings.Contains(c, s) {
						t.Errorf("config lacks %q:\n%s", s, c)
					}
				}
				if !strings.HasPrefix(str(r["qr_svg"]), "<svg") {
					t.Errorf("qr_svg %.40q", r["qr_svg"])
				}
			}}},
		{"peer_config without private key", "peer_config", `{"name":"byod"}`, "", []check{func(t *testing.T, r map[string]any) {
			if r["warning"] == nil || !strings.Contains(str(r["config"]), "[Peer]") || !strings.HasPrefix(str(r["qr_svg"]), "<svg") {
				t.Errorf("want config, QR and a warning: %v", r)
			}
			if strings.Contains(str(r["config"]), "PrivateKey = ") {
				t.Error("config has a PrivateKey line for a peer whose key the hub does not have")
			}
		}}},
		{"peer_config unknown peer", "peer_config", `{"name":"nobody"}`, "NOT_FOUND", nil},
		{"doctor", "doctor", `{}`, "", []check{func(t *testing.T, r map[string]any) {
			if n := len(get(r, "checks").([]any)); n < 2 {
				t.Errorf("doctor has %d checks", n)
			}
		}}},
		{"doctor with arguments", "doctor", `{"fix":true}`, "INVALID_ARGUMENT", nil},
		{"status with arguments", "status", `{"verbose":true}`, "INVALID_ARGUMENT", nil},
		{"peers with arguments", "peers", `{"all":true}`, "INVALID_ARGUMENT", nil},
		{"settings with arguments", "settings", `{"x":1}`, "INVALID_ARGUMENT", nil},
		{"peer_remove", "peer_remove", `{"name":"phone"}`, "", []check{is(p("removed"), "phone")}},
		{"peer_remove again", "peer_remove", `{"name":"phone"}`, "NOT_FOUND", nil},
		{"peer_remove without name", "peer_remove", `{}`, "INVALID_ARGUMENT", nil},
		{"status after remove", "status", ``, "", []check{func(t *testing.T, r map[string]any) {
			if n := len(get(r, "peers").([]any)); n != 3 {
				t.Errorf("status has %d peers, want 3", n)
			}
			if str(get(r, "peers", 0, "handshake_age")) != "-1" || str(get(r, "peers", 0, "latest_handshake")) != "0" {
				t.Errorf("peer never seen: %v", get(r, "peers", 0))
			}
		}}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := call(t, root, s.method, []byte(s.in))
			if s.code == "" {
				if r["error"] != nil {
					t.Fatalf("error reply %v", r)
				}
			} else if r["error"] == nil || r["code"] != s.code {
				t.Fatalf("reply %v, want an error with code %s", r, s.code)
			}
			for _, c := range s.checks {
				c(t, r)
			}
		})
	}
}

// snapshot maps every file under dir to its mode and bytes.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = info.Mode().String() + "\n" + string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBadInput: malformed or hostile input gets an error reply, and no
// file in the tree changes.
func TestBadInput(t *testing.T) {
	root := wghubtest.Sandbox(t)
	call(t, root, "setup", []byte(`{"endpoint":"vpn.example.org"}`))
	call(t, root, "peer_add", []byte(`{"name":"laptop","psk":true}`))
	before := snapshot(t, root)
	const privLike = "aGVsbG8gdGhpcyBpcyBub3QgYSBrZXkgYXQgYWxsIQ" // 42 chars: not a key
	tests := []struct {
		name, method, in, code string
	}{
		{"not json", "peer_add", `name=laptop`, "INVALID_ARGUMENT"},
		{"array", "peer_add", `["laptop"]`, "INVALID_ARGUMENT"},
		{"string", "peer_remove", `"laptop"`, "INVALID_ARGUMENT"},
		{"null", "peer_remove", `null`, "INVALID_ARGUMENT"},
		{"number", "status", `5`, "INVALID_ARGUMENT"},
		{"truncated", "peer_remove", `{"name":"lap`, "INVALID_ARGUMENT"},
		{"two objects", "peer_remove", `{"name":"laptop"}{"name":"laptop"}`, "INVALID_ARGUMENT"},
		{"trailing garbage", "peer_remove", `{"name":"laptop"} rm -rf`, "INVALID_ARGUMENT"},
		{"name as number", "peer_add", `{"name":5}`, "INVALID_ARGUMENT"},
		{"name as object", "peer_remove", `{"name":{"a":1}}`, "INVALID_ARGUMENT"},
		{"enabled as string", "peer_set", `{"name":"laptop","enabled":"no"}`, "INVALID_ARGUMENT"},
		{"enabled as number", "peer_set", `{"name":"laptop","enabled":0}`, "INVALID_ARGUMENT"},
		{"lan as string", "peer_set", `{"name":"laptop","lan":"10.0.0.0/24"}`, "INVALID_ARGUMENT"},
		{"lan item as number", "peer_add", `{"name":"x","lan":[10]}`, "INVALID_ARGUMENT"},
		{"port as string", "setup", `{"port":"51820"}`, "INVALID_ARGUMENT"},
		{"port fraction", "setup", `{"port":51820.5}`, "INVALID_ARGUMENT"},
		{"port negative", "setup", `{"port":-1}`, "INVALID_ARGUMENT"},
		{"keepalive huge", "settings_set", `{"keepalive":1e12}`, "INVALID_ARGUMENT"},
		{"unknown field", "peer_remove", `{"name":"laptop","force":true}`, "INVALID_ARGUMENT"},
		{"session and unknown field", "peer_remove", `{"ubus_rpc_session":"0123","name":"laptop","force":true}`, "INVALID_ARGUMENT"},
		{"session not a string", "peer_remove", `{"ubus_rpc_session":5,"name":"laptop"}`, "INVALID_ARGUMENT"},
		{"session nested", "peer_add", `{"name":"x","lan":[{"ubus_rpc_session":"a"}]}`, "INVALID_ARGUMENT"},
		{"field of another method", "peer_remove", `{"name":"laptop","enabled":false}`, "INVALID_ARGUMENT"},
		{"unknown method", "peer_explode", `{}`, "METHOD_NOT_FOUND"},
		{"method name with slash", "../status", `{}`, "METHOD_NOT_FOUND"},
		{"1 MB payload", "peer_add", `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, "INVALID_ARGUMENT"},
		{"1 MB of spaces", "status", strings.Repeat(" ", 1<<20) + `{}`, "INVALID_ARGUMENT"},
		{"deep nesting", "peer_add", `{"lan":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, "INVALID_ARGUMENT"},
		{"control char in name", "peer_add", `{"name":"lap\u0007top"}`, "INVALID_ARGUMENT"},
		{"space at the end of a name", "peer_add", `{"name":"laptop "}`, "INVALID_ARGUMENT"},
		{"name taken in another case", "peer_add", `{"name":"LAPTOP"}`, "UNKNOWN_ERROR"}, // rpcd has no conflict status,
		{"newline in name", "peer_add", `{"name":"lap\ntop"}`, "INVALID_ARGUMENT"},
		{"newline and option in name", "peer_add", `{"name":"x'\n\toption private_key 'y"}`, "INVALID_ARGUMENT"},
		{"200 char name", "peer_add", `{"name":"` + strings.Repeat("x", 200) + `"}`, "INVALID_ARGUMENT"},
		{"empty name", "peer_add", `{"name":""}`, "INVALID_ARGUMENT"},
		{"NUL in name", "peer_add", `{"name":"a\u0000b"}`, "INVALID_ARGUMENT"},
		{"newline in name lookup", "peer_remove", `{"name":"laptop\n"}`, "NOT_FOUND"},
		{"quote in name lookup", "peer_set", `{"name":"laptop'","enabled":false}`, "NOT_FOUND"},
		{"missing name", "peer_config", `{}`, "INVALID_ARGUMENT"},
		{"bad key", "peer_add", `{"name":"x","public_key":"` + privLike + `"}`, "INVALID_ARGUMENT"},
		{"bad lan", "peer_add", `{"name":"x","lan":["10.0.0.0/99"]}`, "INVALID_ARGUMENT"},
		{"bad subnet6", "setup", `{"subnet6":"fd00::/129"}`, "INVALID_ARGUMENT"},
		{"lan overlapping the VPN", "peer_set", `{"name":"laptop","lan":["192.168.100.0/24"]}`, "UNKNOWN_ERROR"},
		{"endpoint with newline", "settings_set", `{"endpoint":"a\n\toption x 'y'"}`, "INVALID_ARGUMENT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, root, tt.method, []byte(tt.in))
			msg, _ := r["error"].(string)
			if msg == "" || r["code"] != tt.code || !onlyError(r) {
				t.Errorf("reply %.300v, want only an error with code %s", r, tt.code)
			}
			if strings.Contains(msg, privLike) {
				t.Errorf("error echoes the key-like input: %s", msg)
			}
			if len(msg) > 300 {
				t.Errorf("error message is %d bytes long", len(msg))
			}
			after := snapshot(t, root)
			for f, b := range before {
				if after[f] != b {
					t.Errorf("%s changed", f)
				}
			}
			for f := range after {
				if _, ok := before[f]; !ok {
					t.Errorf("%s appeared", f)
				}
			}
		})
	}
}

var secretRE = regexp.MustCompile(`option (?:private_key|preshared_key) '([^']+)'`)

// TestReadsRevealNoSecrets: no private or preshared key in the tree shows
// up in any read-group reply.
func TestReadsRevealNoSecrets(t *testing.T) {
	root := wghubtest.Sandbox(t)
	call(t, root, "setup", []byte(`{"endpoint":"vpn.example.org","subnet6":"fd42:9::/64"}`))
	for _, in := range []string{
		`{"name":"laptop","psk":true}`,
		`{"name":"phone","full_tunnel":true,"psk":true}`,
		`{"name":"tablet"}`,
		`{"name":"byod","psk":true,"public_key":"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="}`,
	} {
		if r := call(t, root, "peer_add", []byte(in)); r["error"] != nil {
			t.Fatalf("peer_add %s: %v", in, r)
		}
	}
	call(t, root, "peer_set", []byte(`{"name":"tablet","enabled":false}`))
	var secrets []string
	for f, content := range snapshot(t, root) {
		for _, m := range secretRE.FindAllStringSubmatch(content, -1) {
			secrets = append(secrets, m[1])
			if len(m[1]) != 44 {
				t.Fatalf("%s: odd key %q", f, m[1])
			}
		}
	}
	// The hub's key, three generated client keys, four preshared keys
	// (tablet's by default).
	if len(secrets) != 8 {
		t.Fatalf("found %d private/preshared keys in the tree, want 8", len(secrets))
	}
	read, _ := rpcd.Methods()
	for _, m := range read {
		out := plugin(t, root, []byte(`{}`), "call", m)
		if bytes.Contains(out, []byte(`"error"`)) {
			t.Errorf("%s failed: %s", m, out)
		}
		for _, s := range secrets {
			// JSON may escape '/' or '+'; compare the decoded text too.
			var v any
			json.Unmarshal(out, &v)
			if bytes.Contains(out, []byte(s)) || strings.Contains(fmt.Sprint(v), s) {
				t.Errorf("read method %s reveals a private or preshared key", m)
			}
		}
	}
	// The check can see a key: peer_config (write group) does show them.
	out := plugin(t, root, []byte(`{"name":"phone"}`), "call", "peer_config")
	var r map[string]string
	json.Unmarshal(out, &r)
	n := 0
	for _, s := range secrets {
		if strings.Contains(r["config"], s) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("peer_config of phone shows %d of the tree's keys, want its private and preshared key", n)
	}
}

// TestRun covers the entry point in-process: list never opens the manager,
// a panic or a failed open becomes an error reply, a wrong command line an
// error.
func TestRun(t *testing.T) {
	noOpen := func() (*control.Manager, error) {
		t.Error("the manager was opened")
		return nil, errors.New("no")
	}
	tests := []struct {
		name    string
		args    []string
		in      string
		open    func() (*control.Manager, error)
		wantErr bool
		want    string // substring of stdout
	}{
		{"list", []string{"list"}, "", noOpen, false, `"peer_add":{`},
		{"usage", []string{"call"}, "", noOpen, true, ""},
		{"usage extra", []string{"list", "x"}, "", noOpen, true, ""},
		{"unknown command", []string{"cal", "status"}, "", noOpen, true, ""},
		{"bad args never open", []string{"call", "peer_add"}, `{"name":1}`, noOpen, false, `"code":"INVALID_ARGUMENT"`},
		{"open fails", []string{"call", "status"}, `{}`, func() (*control.Manager, error) {
			return nil, errors.New("cannot lock /etc/config")
		}, false, `{"code":"UNKNOWN_ERROR","error":"cannot lock /etc/config","kind":"internal"}`},
		{"panic", []string{"call", "status"}, `{}`, func() (*control.Manager, error) { panic("boom") }, false,
			`{"code":"UNKNOWN_ERROR","error":"internal error in status: boom","kind":"internal"}`},
		{"nil manager", []string{"call", "peers"}, ``, func() (*control.Manager, error) { return nil, nil }, false, `"code":"UNKNOWN_ERROR"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := rpcd.Run(context.Background(), tt.args, strings.NewReader(tt.in), &out, tt.open)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("stdout %q, want %q in it", out.String(), tt.want)
			}
			if !tt.wantErr && (!strings.HasSuffix(out.String(), "}\n") || strings.Count(out.String(), "\n") != 1) {
				t.Errorf("stdout %q is not one JSON object on one line", out.String())
			}
		})
	}
}

// TestBenchCallStatus prints what one "wghub call status" costs with 250
// peers: wall time per call and the child's peak RSS (run with
// WGHUB_BENCH=1). It measures status reading UCI only (no device), and, as
// root with wireguard-go, status reading a real userspace device with the
// 250 peers in a network namespace of the test's own.
//
// Peak RSS is given twice. ProcessState.SysUsage's Maxrss is an upper
// bound: Go starts children with CLONE_VM, and exec carries the old memory
// image's high-water mark into ru_maxrss, so the figure includes this test
// process's resident size (printed next to it). GNU time, a small C parent,
// gives the child's own figure.
func TestBenchCallStatus(t *testing.T) {
	if os.Getenv("WGHUB_BENCH") == "" {
		t.Skip("set WGHUB_BENCH=1")
	}
	const peers = 250
	root := wghubtest.Sandbox(t)
	iface := fmt.Sprintf("wgb%d", os.Getpid()%100000)
	cli := func(args ...string) {
		t.Helper()
		full := append([]string{"--backend", "openwrt", "--root", root, "--no-apply"}, args...)
		if out, err := exec.Command(wghub, full...).CombinedOutput(); err != nil {
			t.Fatalf("wghub %v: %v\n%s", args, err, out)
		}
	}
	cli("setup", "--interface", iface, "--endpoint", "127.0.0.1", "--subnet", "10.77.0.0/16")
	for i := range peers {
		cli("peer", "add", fmt.Sprintf("p%03d", i))
	}
	benchStatus(t, "no device: UCI only", nil, root, peers)

	if os.Geteuid() != 0 || !lookPath("wireguard-go", "wg", "ip") {
		fmt.Println("bench: live device skipped (needs root, wireguard-go, wg, ip)")
		return
	}
	ns := fmt.Sprintf("wghub-%d-bench", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v %s", err, out)
	}
	t.Cleanup(func() {
		exec.Command("ip", "netns", "exec", ns, "ip", "link", "del", iface).Run()
		exec.Command("ip", "netns", "del", ns).Run()
		os.Remove("/var/run/wireguard/" + iface + ".sock")
	})
	conf := filepath.Join(t.TempDir(), "hub.conf")
	exp, err := exec.Command(wghub, "--backend", "openwrt", "--root", root, "export").Output()
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if err := os.WriteFile(conf, exp, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{"wireguard-go", iface},
		{"sh", "-c", `wg-quick strip "$1" > "$1.s" && wg setconf "$2" "$1.s"`, "sh", conf, iface},
	} {
		if out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, c...)...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	benchStatus(t, "live userspace device, via ip netns exec", []string{"ip", "netns", "exec", ns}, root, peers)
}

// benchStatus times "call status" run under prefix and prints the figures.
func benchStatus(t *testing.T, where string, prefix []string, root string, peers int) {
	argv := append(append([]string{}, prefix...), wghub, "--backend", "openwrt", "--root", root, "call", "status")
	m := measure(t, prefix, argv[len(prefix):])
	var st struct {
		Up    bool
		Peers []json.RawMessage
	}
	if err := json.Unmarshal(m.out, &st); err != nil || len(st.Peers) != peers || st.Up != (prefix != nil) {
		t.Fatalf("status: up %v, %d peers, %v: %.200s", st.Up, len(st.Peers), err, m.out)
	}
	fmt.Printf("bench: wghub call status, %d peers (%s): %s; reply %d bytes\n", peers, where, m, len(m.out))
	if prefix != nil {
		fmt.Printf("bench: wg show all dump, same device (the floor): %s\n", measure(t, prefix, []string{"wg", "show", "all", "dump"}))
	}
}

type figures struct {
	walls     []time.Duration // sorted
	rusageRSS int64           // KiB, ProcessState's Maxrss: an upper bound
	timeRSS   int64           // KiB, from GNU time; 0 without it
	out       []byte
}

func (f figures) String() string {
	var sum time.Duration
	for _, w := range f.walls {
		sum += w
	}
	rss := "n/a (no /usr/bin/time)"
	if f.timeRSS > 0 {
		rss = fmt.Sprintf("%d KiB", f.timeRSS)
	}
	return fmt.Sprintf("%d calls, mean %.2f ms, median %.2f ms, max %.2f ms; peak RSS %s (GNU time), ProcessState Maxrss %d KiB (upper bound; the test has %s resident)",
		len(f.walls), ms(sum/time.Duration(len(f.walls))), ms(f.walls[len(f.walls)/2]), ms(f.walls[len(f.walls)-1]),
		rss, f.rusageRSS, selfRSS())
}

// measure runs prefix+argv 50 times for wall time and ProcessState's
// Maxrss, then 10 times under GNU time for the command's own peak RSS.
func measure(t *testing.T, prefix, argv []string) figures {
	t.Helper()
	var f figures
	full := append(append([]string{}, prefix...), argv...)
	for range 50 {
		cmd := exec.Command(full[0], full[1:]...)
		cmd.Stdin = strings.NewReader("{ }")
		start := time.Now()
		out, err := cmd.Output()
		f.walls = append(f.walls, time.Since(start))
		if err != nil {
			t.Fatalf("%v: %v", argv, err)
		}
		f.out = out
		f.rusageRSS = max(f.rusageRSS, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	}
	slices.Sort(f.walls)
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return f
	}
	for range 10 {
		rss := filepath.Join(t.TempDir(), "rss")
		full := append(append([]string{}, prefix...), append([]string{"/usr/bin/time", "-f", "%M", "-o", rss}, argv...)...)
		cmd := exec.Command(full[0], full[1:]...)
		cmd.Stdin = strings.NewReader("{ }")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("/usr/bin/time: %v %s", err, out)
		}
		b, _ := os.ReadFile(rss)
		var kib int64
		fmt.Sscan(strings.TrimSpace(string(b)), &kib)
		f.timeRSS = max(f.timeRSS, kib)
	}
	return f
}

// selfRSS is this process's VmRSS line from /proc.
func selfRSS() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "?"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func lookPath(names ...string) bool {
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			return false
		}
	}
	return true
}

// onlyError reports whether a reply holds nothing but an error: its
// message and code, its kind and, optionally, the argument at fault.
func onlyError(r map[string]any) bool {
	for k := range r {
		switch k {
		case "error", "code", "kind", "field":
		default:
			return false
		}
	}
	_, hasKind := r["kind"]
	return hasKind
}

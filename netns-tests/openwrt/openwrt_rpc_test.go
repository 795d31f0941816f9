//go:build linux

package openwrt_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/openwrtrig"
)

// declared is one rpc.declare of the LuCI view.
type declared struct {
	Object, Method string
	Params         []string
}

var (
	declareRE = regexp.MustCompile(`(?s)rpc\.declare\(\{(.*?)\}\)`)
	objectRE  = regexp.MustCompile(`object:\s*'([^']*)'`)
	methodRE  = regexp.MustCompile(`method:\s*'([^']*)'`)
	paramsRE  = regexp.MustCompile(`(?s)params:\s*\[(.*?)\]`)
	quotedRE  = regexp.MustCompile(`'([^']*)'`)
)

// viewDeclares parses every rpc.declare block of the app's views, so that
// a method added to a view is tested without editing this test.
func viewDeclares(t *testing.T) []declared {
	t.Helper()
	views, _ := filepath.Glob(filepath.Join(openwrtrig.RepoRoot(), "luci", "luci-app-wghub", "htdocs", "luci-static", "resources", "view", "*", "*.js"))
	if len(views) == 0 {
		t.Fatal("no LuCI views found")
	}
	var out []declared
	for _, v := range views {
		src, err := os.ReadFile(v)
		if err != nil {
			t.Fatal(err)
		}
		blocks := declareRE.FindAllSubmatch(src, -1)
		if n := strings.Count(string(src), "rpc.declare("); n != len(blocks) {
			t.Fatalf("%s: %d rpc.declare calls, %d parsed: extend declareRE", v, n, len(blocks))
		}
		for _, b := range blocks {
			var d declared
			if m := objectRE.FindSubmatch(b[1]); m != nil {
				d.Object = string(m[1])
			}
			if m := methodRE.FindSubmatch(b[1]); m != nil {
				d.Method = string(m[1])
			}
			if m := paramsRE.FindSubmatch(b[1]); m != nil {
				for _, q := range quotedRE.FindAllSubmatch(m[1], -1) {
					d.Params = append(d.Params, string(q[1]))
				}
			}
			if d.Object == "" || d.Method == "" {
				t.Fatalf("%s: cannot read object and method of rpc.declare({%s})", v, b[1])
			}
			out = append(out, d)
		}
	}
	return out
}

// appACL reads the app's rpcd ACL: the wghub methods of its read and
// write halves.
func appACL(t *testing.T) (read, write map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(openwrtrig.RepoRoot(), "luci", "luci-app-wghub", "root", "usr", "share", "rpcd", "acl.d", "luci-app-wghub.json"))
	if err != nil {
		t.Fatal(err)
	}
	var acl map[string]struct {
		Read, Write struct {
			Ubus map[string][]string `json:"ubus"`
		}
	}
	if err := json.Unmarshal(b, &acl); err != nil {
		t.Fatal(err)
	}
	set := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range l {
			m[s] = true
		}
		return m
	}
	g := acl["luci-app-wghub"]
	return set(g.Read.Ubus["wghub"]), set(g.Write.Ubus["wghub"])
}

// sample is the value the test sends for an argument the view passes,
// by name; a new parameter needs an entry here.
var sample = map[string]any{
	"name":        "laptop",
	"full_tunnel": false,
	"psk":         true,
	"enabled":     false,
	"endpoint":    openwrtrig.WANAddr,
	"subnet":      "192.168.100.0/24",
	"lan":         []string{openwrtrig.LANNet},
	"dns":         []string{openwrtrig.LANAddr},
	"keepalive":   25,
	"port":        51820,
	"subnet6":     "fd00:100::/64",
	"public_key":  "", // empty: the hub makes the key pair (peer_config then has a private key)
	"access":      []string{"lan", "192.168.1.10 tcp/22"},
}

// undeclared are the arguments for methods the ACL grants but no view
// calls (scripts may).
var undeclared = map[string]map[string]any{
	"settings_set": {"keepalive": 25},
}

// callOrder runs setup first and removal last, so that every call has a
// hub and a peer to work on.
var callOrder = []string{"setup", "settings_set", "peer_add", "status", "peers", "settings", "doctor", "peer_set", "peer_config", "peer_remove"}

// TestOpenwrtLuCIMethods is issue 9 point 3a: every method the LuCI view
// declares (and every one the app's ACL grants), called through uhttpd's
// /ubus with real rpcd sessions. The read-only login gets the read methods
// and is denied every write with -32002; the read-write login gets all,
// with the arguments the view sends (and uhttpd's ubus_rpc_session);
// wghub still refuses any other unknown argument.
func TestOpenwrtLuCIMethods(t *testing.T) {
	t.Parallel()
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin})
	decls := viewDeclares(t)
	read, write := appACL(t)

	args := map[string]map[string]any{}
	for _, d := range decls {
		if d.Object != "wghub" {
			continue
		}
		if !read[d.Method] && !write[d.Method] {
			t.Errorf("the view calls wghub.%s, which the app's ACL grants to nobody", d.Method)
		}
		a := map[string]any{}
		for _, p := range d.Params {
			v, ok := sample[p]
			if !ok {
				t.Fatalf("the view passes %q to %s: add a sample value", p, d.Method)
			}
			a[p] = v
		}
		args[d.Method] = a
	}
	for m := range read {
		if args[m] == nil {
			args[m] = map[string]any{}
		}
	}
	for m := range write {
		if args[m] == nil {
			a, ok := undeclared[m]
			if !ok {
				t.Fatalf("the ACL grants %s, which no view calls: add its arguments to undeclared", m)
			}
			args[m] = a
		}
	}
	rank := map[string]int{}
	for i, m := range callOrder {
		rank[m] = i + 1
	}
	var methods []string
	for m := range args {
		if rank[m] == 0 {
			t.Fatalf("method %s: add it to callOrder", m)
		}
		methods = append(methods, m)
	}
	sort.Slice(methods, func(i, j int) bool { return rank[methods[i]] < rank[methods[j]] })

	viewer, err := g.Login(openwrtrig.ReadOnly.User, openwrtrig.ReadOnly.Password)
	if err != nil {
		t.Fatal(err)
	}
	operator, err := g.Login(openwrtrig.ReadWrite.User, openwrtrig.ReadWrite.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Login(openwrtrig.ReadOnly.User, "wrong"); err == nil {
		t.Error("login with a wrong password succeeded")
	}

	// call runs one method and fails on any error, including wghub's
	// {"error": ...} reply.
	call := func(who, sid, m string) {
		t.Helper()
		res, err := g.RPC(sid, "wghub", m, args[m])
		if err != nil {
			t.Errorf("%s: wghub.%s(%v): %v", who, m, args[m], err)
			return
		}
		var reply map[string]any
		if err := json.Unmarshal(res, &reply); err != nil {
			t.Errorf("%s: wghub.%s: reply %s: %v", who, m, res, err)
			return
		}
		if e, ok := reply["error"]; ok {
			t.Errorf("%s: wghub.%s(%v): error reply %v (%v)", who, m, args[m], e, reply["code"])
		}
	}

	call("read-write login", operator, "setup")
	for _, m := range methods {
		if read[m] {
			call("read-only login", viewer, m)
			continue
		}
		_, err := g.RPC(viewer, "wghub", m, args[m])
		var re *openwrtrig.RPCError
		if !errors.As(err, &re) || re.Code != openwrtrig.AccessDenied {
			t.Errorf("read-only login: wghub.%s: got %v, want JSON-RPC error %d (access denied)", m, err, openwrtrig.AccessDenied)
		}
	}
	for _, m := range methods {
		call("read-write login", operator, m)
	}

	// uhttpd adds ubus_rpc_session to every call above; any other
	// unknown field is still refused.
	res, err := g.RPC(operator, "wghub", "peers", map[string]any{"bogus": 1})
	if err != nil {
		t.Fatalf("peers with an unknown argument: %v", err)
	}
	var reply struct{ Error, Code string }
	json.Unmarshal(res, &reply)
	if reply.Error == "" || reply.Code != "INVALID_ARGUMENT" {
		t.Errorf("peers with an unknown argument answered %s, want an INVALID_ARGUMENT error", res)
	}

	// root (list read/write '*') gets a write method too.
	root, err := g.Login(openwrtrig.Root.User, openwrtrig.Root.Password)
	if err != nil {
		t.Fatal(err)
	}
	args["peer_add"] = map[string]any{"name": "rootphone"}
	call("root", root, "peer_add")
}

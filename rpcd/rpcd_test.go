package rpcd_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/wghub/wghub/internal/wghubtest"
	sandboxtree "github.com/wghub/wghub/sandbox"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/rpcd"
)

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

func sandbox(t testing.TB) string {
	t.Helper()
	dir, err := sandboxtree.Copy(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// call runs the plugin the way rpcd does: argv "call METHOD", JSON on
// stdin, the config root from the environment.
func call(t testing.TB, root, method string, stdin []byte) map[string]any {
	t.Helper()
	cmd := exec.Command(wghub, "--backend", "openwrt", "call", method)
	cmd.Env = append(os.Environ(), "WGHUB_ROOT="+root)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("call %s: %v (a plugin must answer, not fail)", method, err)
	}
	var reply map[string]any
	if err := json.Unmarshal(out, &reply); err != nil {
		t.Fatalf("call %s: reply is not one JSON object: %q", method, out)
	}
	return reply
}

func TestList(t *testing.T) {
	out, err := exec.Command(wghub, "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	var list map[string]map[string]any
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	read, write := rpcd.Methods()
	all := append(read, write...)
	sort.Strings(all)
	var got []string
	for n := range list {
		got = append(got, n)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(all, ",") {
		t.Errorf("list has %v, want %v", got, all)
	}
	// rpcd infers types from example values: names are strings, flags booleans.
	if _, ok := list["peer_add"]["name"].(string); !ok {
		t.Error("peer_add.name example must be a string")
	}
	if _, ok := list["peer_set"]["enabled"].(bool); !ok {
		t.Error("peer_set.enabled example must be a boolean")
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
	r, w := append([]string(nil), g.Read.Ubus["wghub"]...), append([]string(nil), g.Write.Ubus["wghub"]...)
	sort.Strings(r)
	sort.Strings(w)
	if strings.Join(r, ",") != strings.Join(read, ",") || strings.Join(w, ",") != strings.Join(write, ",") {
		t.Errorf("ACL read %v write %v; plugin read %v write %v", r, w, read, write)
	}
}

var keyRE = regexp.MustCompile(`option (private_key|preshared_key) '([^']+)'`)

func TestMethodsAndNoSecretsInReads(t *testing.T) {
	root := sandbox(t)
	if r := call(t, root, "status", nil); r["setup"] != false {
		t.Fatalf("status before setup: %v", r)
	}
	if r := call(t, root, "setup", []byte(`{"endpoint":"vpn.example.org","subnet6":"fd42:9::/64"}`)); r["changed"] != true {
		t.Fatalf("setup: %v", r)
	}
	if r := call(t, root, "peer_add", []byte(`{"name":"laptop","psk":true}`)); r["peer"] == nil {
		t.Fatalf("peer_add: %v", r)
	}
	if r := call(t, root, "peer_add", []byte(`{"name":"phone","full_tunnel":true}`)); r["peer"] == nil {
		t.Fatalf("peer_add: %v", r)
	}
	if r := call(t, root, "peer_set", []byte(`{"name":"phone","enabled":false}`)); r["peer"].(map[string]any)["enabled"] != false {
		t.Fatalf("peer_set: %v", r)
	}
	r := call(t, root, "peer_config", []byte(`{"name":"laptop"}`))
	if !strings.Contains(r["config"].(string), "PrivateKey = ") || !strings.HasPrefix(r["qr_svg"].(string), "<svg") {
		t.Fatalf("peer_config: %v", r)
	}
	if r := call(t, root, "settings_set", []byte(`{"dns":["192.168.1.53"]}`)); r["dns"].([]any)[0] != "192.168.1.53" {
		t.Fatalf("settings_set: %v", r)
	}
	// Every secret in the files must be absent from every read reply.
	var secrets []string
	for _, f := range []string{"network", "wghub"} {
		b, _ := os.ReadFile(filepath.Join(root, f))
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			secrets = append(secrets, m[2])
		}
	}
	if len(secrets) < 4 {
		t.Fatalf("expected hub, client and preshared keys, found %d", len(secrets))
	}
	read, _ := rpcd.Methods()
	for _, m := range read {
		out, _ := json.Marshal(call(t, root, m, []byte(`{}`)))
		for _, s := range secrets {
			if strings.Contains(string(out), s) {
				t.Errorf("read method %s reveals a secret", m)
			}
		}
	}
	if r := call(t, root, "peer_remove", []byte(`{"name":"phone"}`)); r["removed"] != "phone" {
		t.Fatalf("peer_remove: %v", r)
	}
	if r := call(t, root, "doctor", nil); r["checks"] == nil {
		t.Fatalf("doctor: %v", r)
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}

func TestBadInput(t *testing.T) {
	root := sandbox(t)
	call(t, root, "setup", []byte(`{"endpoint":"vpn.example.org"}`))
	call(t, root, "peer_add", []byte(`{"name":"laptop"}`))
	before := snapshot(t, root)
	big := []byte(`{"name":"` + strings.Repeat("a", 1<<20) + `"}`)
	tests := []struct {
		name, method string
		in           []byte
		code         string
	}{
		{"not json", "peer_add", []byte("name=laptop"), "INVALID_ARGUMENT"},
		{"array", "peer_add", []byte(`["laptop"]`), "INVALID_ARGUMENT"},
		{"name as number", "peer_add", []byte(`{"name":5}`), "INVALID_ARGUMENT"},
		{"enabled as string", "peer_set", []byte(`{"name":"laptop","enabled":"no"}`), "INVALID_ARGUMENT"},
		{"unknown field", "peer_remove", []byte(`{"name":"laptop","force":true}`), "INVALID_ARGUMENT"},
		{"unknown method", "peer_explode", []byte(`{}`), "METHOD_NOT_FOUND"},
		{"1 MB payload", "peer_add", big, "INVALID_ARGUMENT"},
		{"quote in name", "peer_add", []byte(`{"name":"lap'top"}`), "INVALID_ARGUMENT"},
		{"newline in name", "peer_add", []byte(`{"name":"lap\ntop"}`), "INVALID_ARGUMENT"},
		{"200 char name", "peer_add", []byte(`{"name":"` + strings.Repeat("x", 200) + `"}`), "INVALID_ARGUMENT"},
		{"missing name", "peer_remove", []byte(`{}`), "INVALID_ARGUMENT"},
		{"unknown peer", "peer_remove", []byte(`{"name":"nobody"}`), "NOT_FOUND"},
		{"bad key", "peer_add", []byte(`{"name":"x","public_key":"abc"}`), "INVALID_ARGUMENT"},
		{"bad lan", "peer_add", []byte(`{"name":"x","lan":["10.0.0.0/99"]}`), "INVALID_ARGUMENT"},
		{"overlap", "setup", []byte(`{"subnet":"192.168.1.0/24"}`), "UNKNOWN_ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, root, tt.method, tt.in)
			if r["error"] == nil || r["code"] != tt.code {
				t.Errorf("reply %v, want error with code %s", r, tt.code)
			}
			after := snapshot(t, root)
			for f, b := range before {
				if after[f] != b {
					t.Errorf("%s changed", f)
				}
			}
		})
	}
}

// TestBenchCallStatus prints the per-call cost of `wghub call status` with
// 250 peers, next to `wg show all dump` on the same device as the floor
// (run with WGHUB_BENCH=1; as root the device is a real userspace one in a
// namespace of the test's own, so status reads it live).
func TestBenchCallStatus(t *testing.T) {
	if os.Getenv("WGHUB_BENCH") == "" {
		t.Skip("set WGHUB_BENCH=1")
	}
	root := sandbox(t)
	iface := fmt.Sprintf("wgb%d", os.Getpid()%100000)
	out, err := exec.Command(wghub, "--backend", "openwrt", "--root", root, "--no-apply", "setup",
		"--interface", iface, "--endpoint", "127.0.0.1", "--subnet", "10.77.0.0/16").CombinedOutput()
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	for i := 0; i < 250; i++ {
		call(t, root, "peer_add", []byte(fmt.Sprintf(`{"name":"p%03d"}`, i)))
	}
	prefix := []string{}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("wireguard-go"); err == nil {
			ns := fmt.Sprintf("wghub-%d-bench", os.Getpid())
			exec.Command("ip", "netns", "add", ns).Run()
			t.Cleanup(func() {
				exec.Command("ip", "netns", "exec", ns, "ip", "link", "del", iface).Run()
				exec.Command("ip", "netns", "del", ns).Run()
				os.Remove("/var/run/wireguard/" + iface + ".sock")
			})
			prefix = []string{"ip", "netns", "exec", ns}
			conf := filepath.Join(root, "hub.conf")
			exp, _ := exec.Command(wghub, "--backend", "openwrt", "--root", root, "export").Output()
			os.WriteFile(conf, exp, 0o600)
			for _, c := range [][]string{{"wireguard-go", iface}, {"sh", "-c", "wg-quick strip " + conf + " > " + conf + ".s && wg setconf " + iface + " " + conf + ".s"}} {
				if out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, c...)...).CombinedOutput(); err != nil {
					t.Fatalf("%v: %v %s", c, err, out)
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	measure := func(argv ...string) (float64, int64) {
		const n = 30
		var total time.Duration
		var rss int64
		for i := 0; i < n; i++ {
			// GNU time reports the command's own peak RSS; a direct child's
			// rusage would start from this test process's high-water mark.
			rssFile := filepath.Join(t.TempDir(), "rss")
			full := append(append([]string{}, prefix...), append([]string{"/usr/bin/time", "-f", "%M", "-o", rssFile}, argv...)...)
			cmd := exec.Command(full[0], full[1:]...)
			cmd.Stdin = strings.NewReader("{}")
			start := time.Now()
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %v (needs GNU time: apt-get install time)", argv, err)
			}
			total += time.Since(start)
			raw, _ := os.ReadFile(rssFile)
			r, _ := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
			rss = max(rss, r)
			if i == 0 && argv[0] == wghub && !strings.Contains(string(out), `"up":true`) && len(prefix) > 0 {
				t.Fatalf("status did not read the live device: %.200s", out)
			}
		}
		return float64(total.Microseconds()) / n / 1000, rss
	}
	where := "sandbox, no device"
	if len(prefix) > 0 {
		where = "live userspace device, via ip netns exec"
	}
	ms, rss := measure(wghub, "--backend", "openwrt", "--root", root, "call", "status")
	fmt.Printf("bench: wghub call status, 250 peers (%s): %.2f ms/call, peak RSS %d KiB\n", where, ms, rss)
	if len(prefix) > 0 {
		ms, rss = measure("wg", "show", "all", "dump")
		fmt.Printf("bench: wg show all dump, same device (floor):   %.2f ms/call, peak RSS %d KiB\n", ms, rss)
	}
}

package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wghub/wghub/internal/userland"
)

// realUbus runs OpenWrt's own ubusd and rpcd (from the userland prefix)
// with wghub installed as rpcd's exec plugin, and returns a function that
// runs `ubus call wghub METHOD ARGS` against the tree at root. rpcd finds
// plugins only under the prefix, so it runs in a private mount namespace
// with the prefix overlaid; the shared prefix itself is never written.
func realUbus(t *testing.T) func(root, method, in string) (map[string]any, []byte) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a private mount namespace")
	}
	p := userland.Prefix(t)
	d := t.TempDir()
	for _, dir := range []string{"up", "work"} {
		if err := os.Mkdir(filepath.Join(d, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rootFile := filepath.Join(d, "root")
	plugin := "#!/bin/sh\nexec " + wghub + " --root \"$(cat " + rootFile + ")\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(d, "plugin"), []byte(plugin), 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(d, "ubus.sock")
	script := `set -e
mount -t overlay overlay -o lowerdir="$P",upperdir="$D/up",workdir="$D/work" "$P"
mkdir -p "$P/libexec/rpcd"
cp "$D/plugin" "$P/libexec/rpcd/wghub"
"$P/sbin/ubusd" -s "$D/ubus.sock" &
while [ ! -S "$D/ubus.sock" ]; do sleep 0.05; done
exec "$P/sbin/rpcd" -s "$D/ubus.sock"`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "P="+p, "D="+d)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
	})
	ubus := filepath.Join(p, "bin", "ubus")
	// rpcd registers the plugin's methods once it has run "wghub list".
	for i := 0; ; i++ {
		if out, err := exec.Command(ubus, "-s", sock, "list", "wghub").Output(); err == nil && strings.TrimSpace(string(out)) == "wghub" {
			break
		}
		if i > 200 {
			t.Fatalf("rpcd never registered wghub\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func(root, method, in string) (map[string]any, []byte) {
		t.Helper()
		if err := os.WriteFile(rootFile, []byte(root), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ubus, "-s", sock, "call", "wghub", method, in).Output()
		if err != nil {
			t.Fatalf("ubus call wghub %s %s: %v\n%s", method, in, err, logs.String())
		}
		var r map[string]any
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("ubus call wghub %s: %v: %s", method, err, out)
		}
		return r, out
	}
}

// TestRealUbusAgrees runs the cases of TestCLIAndUbusAgree through real
// ubusd and rpcd (`ubus call wghub ...`, the path LuCI's calls take after
// uhttpd): every argument and reply crosses rpcd intact, and the outcome
// (accepted or the error kind, the files, the JSON of reads) is the command
// line's. (rpcd does not check an exec plugin's arguments against the
// types it registered from `wghub list` — a list registered as a string
// still passes an array — so those types are pinned by rpcd's TestList.)
func TestRealUbusAgrees(t *testing.T) {
	call := realUbus(t)
	for _, tt := range equivCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			cliRoot, ubusRoot := copyTree(t, tt.tree), copyTree(t, tt.tree)
			c := run(t, cliRoot, tt.argv...)
			cliKind := kindOfExit(c.code)
			if tt.report && c.code == 1 {
				cliKind = ""
			}
			reply, raw := call(ubusRoot, tt.method, tt.in)
			ubusKind, _ := reply["kind"].(string)
			if cliKind != tt.kind || ubusKind != tt.kind {
				t.Fatalf("want %q; the CLI gave %q (exit %d, %q), ubus %q (%s)", tt.kind, cliKind, c.code, c.stderr, ubusKind, raw)
			}
			a, b := snapshot(t, cliRoot), snapshot(t, ubusRoot)
			for f := range a {
				if mask(a[f]) != mask(b[f]) {
					t.Errorf("%s differs:\n--- CLI\n%s\n--- ubus\n%s", f, a[f], b[f])
				}
			}
			if tt.kind == "" && slices.Contains(tt.argv, "--json") && mask(normalize(t, c.stdout)) != mask(normalize(t, string(raw))) {
				t.Errorf("output differs:\n--- CLI\n%s\n--- ubus\n%s", c.stdout, raw)
			}
		})
	}
}

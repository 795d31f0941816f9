package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/wghub/wghub/cli"
	"github.com/wghub/wghub/internal/wghubtest"
)

// commandPaths are every command of wghub --help.
var commandPaths = []string{
	"setup", "teardown", "up", "down", "status", "doctor", "sync", "settings", "settings set", "import", "export",
	"peer add", "peer remove", "peer enable", "peer disable", "peer set", "peer list", "peer config", "peer qr",
	"version", "list", "call",
}

func runIn(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = cli.Run(context.Background(), args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

// TestHelpForEveryCommand: `wghub CMD --help` (and -h, and `wghub help
// CMD`) prints that command's usage and every one of its flags, exits 0
// and opens no config (no --root needed).
func TestHelpForEveryCommand(t *testing.T) {
	code, top, _ := runIn("--help")
	if code != 0 {
		t.Fatalf("wghub --help: exit %d", code)
	}
	for _, p := range commandPaths {
		if !strings.Contains(top, "  "+p+" ") {
			t.Errorf("wghub --help does not list %q", p)
		}
		words := strings.Fields(p)
		for _, line := range [][]string{append(words, "--help"), append(words, "-h"), append([]string{"help"}, words...)} {
			code, out, errOut := runIn(line...)
			if code != 0 || !strings.HasPrefix(out, "usage: wghub "+p) || errOut != "" {
				t.Errorf("wghub %s: exit %d, stdout %.80q, stderr %q", strings.Join(line, " "), code, out, errOut)
			}
			if !strings.Contains(out, "--no-apply") {
				t.Errorf("wghub %s does not show the global flags", strings.Join(line, " "))
			}
		}
	}
	_, add, _ := runIn("peer", "add", "--help")
	for _, flag := range []string{"NAME", "--ip ADDR", "--public-key KEY", "--psk", "--full-tunnel", "--lan CIDR", "--route CIDR", "peer_add"} {
		if !strings.Contains(add, flag) {
			t.Errorf("peer add --help lacks %q:\n%s", flag, add)
		}
	}
	_, qr, _ := runIn("peer", "qr", "--help")
	if !strings.Contains(qr, "--png FILE") || !strings.Contains(qr, "--svg FILE") {
		t.Errorf("peer qr --help lacks its output flags:\n%s", qr)
	}
	for _, group := range [][]string{{"peer", "--help"}, {"help", "peer"}, {"settings", "set", "-h"}} {
		if code, out, _ := runIn(group...); code != 0 || !strings.Contains(out, "peer add") && group[0] != "settings" {
			t.Errorf("wghub %v: exit %d\n%s", group, code, out)
		}
	}
	if code, _, errOut := runIn("peer"); code != 2 || !strings.Contains(errOut, "expected a subcommand") {
		t.Errorf("wghub peer: exit %d, %q; want 2", code, errOut)
	}
}

// TestGlobalFlagsAnywhere: a global flag means the same before the command,
// after it and after its arguments.
func TestGlobalFlagsAnywhere(t *testing.T) {
	lines := [][]string{
		{"--no-apply", "--backend", "openwrt", "--root", "ROOT", "setup", "--endpoint", "vpn.example.org"},
		{"setup", "--no-apply", "--endpoint", "vpn.example.org", "--backend=openwrt", "--root", "ROOT"},
		{"setup", "--endpoint", "vpn.example.org", "--root=ROOT", "--backend", "openwrt", "--no-apply"},
	}
	var want map[string]string
	for i, line := range lines {
		root := wghubtest.Sandbox(t)
		for j := range line {
			line[j] = strings.ReplaceAll(line[j], "ROOT", root)
		}
		if code, _, errOut := runIn(line...); code != 0 {
			t.Fatalf("wghub %v: exit %d: %s", line, code, errOut)
		}
		got := snapshot(t, root)
		for f := range got {
			got[f] = mask(got[f])
		}
		if i == 0 {
			want = got
			continue
		}
		for f := range want {
			if got[f] != want[f] {
				t.Errorf("wghub %v: %s differs from the global-flags-first line", line, f)
			}
		}
	}
	// A dry run after the arguments is still a dry run.
	root := wghubtest.Sandbox(t)
	before := snapshot(t, root)
	if code, out, errOut := runIn("--backend", "openwrt", "--root", root, "setup", "--endpoint", "vpn.example.org", "--dry-run"); code != 0 || !strings.Contains(out, "wg0") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	for f, b := range snapshot(t, root) {
		if before[f] != b {
			t.Errorf("--dry-run after the arguments wrote %s", f)
		}
	}
}

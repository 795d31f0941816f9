package cli

import (
	"bytes"
	"context"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/wghubtest"
)

// TestGCOfCalls: rpcd's status and peer edits (LuCI's) get the same
// collector setting as the command line's (see relaxGC and editGC); other
// calls keep Go's default.
func TestGCOfCalls(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	root := wghubtest.Sandbox(t)
	line := func(stdin string, args ...string) {
		t.Helper()
		var o, e bytes.Buffer
		args = append([]string{"--backend", "openwrt", "--root", root, "--no-apply"}, args...)
		if code := Run(context.Background(), args, strings.NewReader(stdin), &o, &e); code != 0 || strings.Contains(o.String(), `"error"`) {
			t.Fatalf("%v: exit %d: %s%s", args, code, o.String(), e.String())
		}
	}
	line("", "setup", "--endpoint", "vpn.example.org")
	for _, c := range []struct {
		method, args string
		want         int
	}{
		{"peers", `{}`, 100},
		{"peer_add", `{"name":"Anna's phone"}`, 400},
		{"peer_set", `{"name":"Anna's phone","enabled":false}`, 400},
		{"status", `{}`, 400},
		{"peer_remove", `{"name":"Anna's phone"}`, 400},
		{"settings", `{}`, 100},
	} {
		debug.SetGCPercent(100)
		line(c.args, "call", c.method)
		if got := debug.SetGCPercent(100); got != c.want {
			t.Errorf("call %s: GOGC %d, want %d", c.method, got, c.want)
		}
	}
}

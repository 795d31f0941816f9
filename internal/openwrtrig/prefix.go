//go:build linux

package openwrtrig

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	prefixOnce sync.Once
	prefixDir  string
	prefixErr  string
)

// userlandPrefix is the prefix of OpenWrt's userland: $WGHUB_USERLAND_PREFIX,
// or the last line scripts/userland.sh prints (it builds once, cached).
// Without it the test skips, except in CI, where it fails.
func userlandPrefix(t testing.TB) string {
	t.Helper()
	prefixOnce.Do(func() {
		if p := os.Getenv("WGHUB_USERLAND_PREFIX"); p != "" {
			prefixDir = p
			return
		}
		script := filepath.Join(RepoRoot(), "scripts", "userland.sh")
		out, err := exec.Command(script).Output()
		if err != nil {
			prefixErr = "scripts/userland.sh: " + err.Error()
			return
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		prefixDir = lines[len(lines)-1]
	})
	if prefixDir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openwrtrig: no OpenWrt userland: %s", prefixErr)
		}
		t.Skipf("openwrtrig: no OpenWrt userland: %s", prefixErr)
	}
	return prefixDir
}

package uci

import (
	"os"
	"path/filepath"
	"testing"
)

// libuciBin is the real `uci` program built from OpenWrt's sources.
// TEMPORARY until internal/userland lands on main: WGHUB_USERLAND_PREFIX.
func libuciBin(t testing.TB) string {
	t.Helper()
	prefix := os.Getenv("WGHUB_USERLAND_PREFIX")
	if prefix == "" {
		t.Skip("no userland prefix")
	}
	for _, d := range []string{"bin", "sbin"} {
		p := filepath.Join(prefix, d, "uci")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("no uci in %s", prefix)
	return ""
}

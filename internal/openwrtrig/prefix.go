//go:build linux

package openwrtrig

import (
	"testing"

	"github.com/wghub/wghub/internal/userland"
)

// userlandPrefix is the prefix of OpenWrt's userland (scripts/userland.sh):
// without it the test skips, except in CI, where it fails.
func userlandPrefix(t testing.TB) string {
	t.Helper()
	return userland.Prefix(t)
}

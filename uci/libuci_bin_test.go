package uci

import (
	"testing"

	"github.com/wghub/wghub/internal/userland"
)

// libuciBin is the real `uci` program, OpenWrt's libuci and CLI built
// from source by scripts/userland.sh.
func libuciBin(t testing.TB) string {
	t.Helper()
	return userland.Bin(t, "uci")
}

package uci

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadOnlyConfig: a config on a read-only mount is refused before
// anything is written.
func TestReadOnlyConfig(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a bind mount")
	}
	tr := tempTree(t, nil)
	writeTree(t, tr.Dir, jBefore)
	p := filepath.Join(tr.Dir, "firewall")
	if err := syscall.Mount(p, p, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("bind mount: %v", err)
	}
	defer syscall.Unmount(p, syscall.MNT_DETACH)
	if err := syscall.Mount("", p, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	_, err := tr.Update(jNames, jChange)
	var ce *CommitError
	if !errors.As(err, &ce) || ce.Pending || !errors.Is(err, syscall.EROFS) {
		t.Fatalf("want a not-saved CommitError wrapping EROFS, got %v", err)
	}
	if got := configs(t, tr.Dir); !maps.Equal(got, jBefore) {
		t.Fatalf("files changed: %q", got)
	}
}

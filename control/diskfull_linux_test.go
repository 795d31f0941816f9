package control_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/uci"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory (root only).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill leaves about free bytes free on the file system of dir.
func fill(t *testing.T, dir string, free int64) {
	t.Helper()
	var st syscall.Statfs_t
	syscall.Statfs(dir, &st)
	avail := int64(st.Bavail) * st.Bsize
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n := avail - free; n > 0 {
		buf := make([]byte, n)
		f.Write(buf) // a short write on ENOSPC is fine
	}
}

// TestFullDisk runs each operation on a nearly full file system, with
// 0 to 40 KiB left, where some of its writes fail with ENOSPC: it saves
// everything (after) or says that nothing was saved (before), never half.
func TestFullDisk(t *testing.T) {
	stock := wghubtest.Sandbox(t)
	withHub := hubTree(t, "laptop", "phone", "tablet")
	counts := map[string]int{}
	for _, sc := range []struct{ op, from string }{
		{"setup", stock}, {"import", stock}, {"peer-add", withHub}, {"peer-remove", withHub}, {"disable", withHub}, {"teardown", withHub},
	} {
		ref := shmDir(t)
		copyTree(t, sc.from, ref)
		before := treeText(t, ref)
		if err := crashOps[sc.op](manager(ref)); err != nil {
			t.Fatal(err)
		}
		after := treeText(t, ref)
		for free := int64(0); free <= 40<<10; free += 4 << 10 {
			root := mountTmpfs(t, 1<<20)
			cfg := filepath.Join(root, "config")
			os.Mkdir(cfg, 0o755)
			copyTree(t, sc.from, cfg)
			fill(t, root, free)
			err := crashOps[sc.op](manager(cfg))
			got := treeText(t, cfg)
			var ce *uci.CommitError
			switch {
			case err == nil && got == after:
				counts["saved: after"]++
			case errors.As(err, &ce) && !ce.Pending && got == before && errors.Is(err, syscall.ENOSPC):
				counts["not saved: before"]++
			default:
				t.Fatalf("%s with %d bytes free: %v, tree:\n%s", sc.op, free, err, got)
			}
			if _, err := os.Stat(filepath.Join(cfg, uci.JournalName)); err == nil {
				t.Errorf("%s with %d bytes free: journal left", sc.op, free)
			}
		}
	}
	t.Logf("full disk: %v", counts)
	if counts["not saved: before"] == 0 {
		t.Error("no case ran out of space")
	}
}

// TestReadOnlyFile: one config bind-mounted read-only (as a read-only
// overlay or a locked-down file would be): every operation refuses before
// anything is written, so the WAN rule is not opened while the interface
// is missing, and says nothing was saved.
func TestReadOnlyFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a bind mount")
	}
	stock := wghubtest.Sandbox(t)
	withHub := hubTree(t, "laptop", "phone", "tablet")
	counts := map[string]int{}
	for _, ro := range []string{"network", "firewall", "wghub"} {
		for _, sc := range []struct{ op, from string }{
			{"setup", stock}, {"peer-add", withHub}, {"peer-remove", withHub}, {"disable", withHub}, {"teardown", withHub},
		} {
			ref := t.TempDir()
			copyTree(t, sc.from, ref)
			old, _ := os.ReadFile(filepath.Join(ref, ro))
			if err := crashOps[sc.op](manager(ref)); err != nil {
				t.Fatal(err)
			}
			cur, _ := os.ReadFile(filepath.Join(ref, ro))
			touches := string(old) != string(cur)
			after := treeText(t, ref)

			root := t.TempDir()
			copyTree(t, sc.from, root)
			p := filepath.Join(root, ro)
			if err := syscall.Mount(p, p, "", syscall.MS_BIND, ""); err != nil {
				t.Skipf("bind mount: %v", err)
			}
			if err := syscall.Mount("", p, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
				syscall.Unmount(p, syscall.MNT_DETACH)
				t.Fatal(err)
			}
			before := treeText(t, root)
			err := crashOps[sc.op](manager(root))
			got := treeText(t, root)
			syscall.Unmount(p, syscall.MNT_DETACH)
			var ce *uci.CommitError
			switch {
			case !touches && err == nil && got == after:
				counts["file not in the change: saved"]++
			case touches && errors.As(err, &ce) && !ce.Pending && errors.Is(err, syscall.EROFS) && got == before:
				counts["refused, nothing saved"]++
			default:
				t.Errorf("%s with %s read-only (in the change: %v): %v; tree changed: %v", sc.op, ro, touches, err, got != before)
			}
		}
	}
	t.Logf("read-only file: %v", counts)
}

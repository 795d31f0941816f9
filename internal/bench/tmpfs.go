package bench

import (
	"io"
	"os"
	"path/filepath"
	"strings"
)

// OnTmpfs returns a copy of the executable bin on tmpfs (/dev/shm) and a
// function that removes it; bin itself when it is already there or there
// is no tmpfs. Why: on ext4 with large folios (kernel 6.18 here) the first
// touch of a Go binary maps the whole file, about 4 MB more file RSS in
// every process than a router shows running wghub from squashfs or overlay,
// which map it page by page as tmpfs does. A peak-RSS figure measured from
// ext4 would mostly measure that.
func OnTmpfs(bin string) (string, func()) {
	const shm = "/dev/shm"
	if strings.HasPrefix(bin, shm+"/") {
		return bin, func() {}
	}
	d, err := os.MkdirTemp(shm, "wghub-bench-bin-")
	if err != nil {
		return bin, func() {}
	}
	done := func() { os.RemoveAll(d) }
	dst := filepath.Join(d, filepath.Base(bin))
	if err := copyExec(bin, dst); err != nil {
		done()
		return bin, func() {}
	}
	return dst, done
}

func copyExec(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

package uci

import (
	"bytes"
	"os"

	"golang.org/x/sys/unix"
)

// writeAt writes iov at offset off of f in one system call (see
// refreshReplaced), without joining them into a copy: at the end of a
// commit the new contents of a big config are already live, and a copy
// would raise the peak memory by their size.
func writeAt(f *os.File, iov [][]byte, off int64) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	if len(iov) > 1024 { // IOV_MAX
		iov = [][]byte{bytes.Join(iov, nil)}
	}
	rc.Write(func(fd uintptr) bool {
		unix.Pwritev(int(fd), iov, off)
		return true
	})
}

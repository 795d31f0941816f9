package uci

import (
	"bytes"
	"os"

	"golang.org/x/sys/unix"
)

// writePadded writes data and pad newlines at the start of f in one
// system call (see refreshReplaced), without joining them into a copy of
// data: at the end of a commit the new contents of a big config are
// already live, and a copy would raise the peak memory by their size.
func writePadded(f *os.File, data []byte, pad int) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	iov := [][]byte{data, bytes.Repeat([]byte{'\n'}, pad)}
	rc.Write(func(fd uintptr) bool {
		unix.Pwritev(int(fd), iov, 0)
		return true
	})
}

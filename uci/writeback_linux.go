package uci

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing f's data to disk now,
// without waiting for it: a commit's next file is written meanwhile, and
// the fsyncs that follow (which alone make the data durable) find it
// under way. A hint only; where it is not taken the fsync does it all.
func startWriteback(f *os.File) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.SyncFileRange(int(fd), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
	})
}

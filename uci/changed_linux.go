package uci

import (
	"os"
	"syscall"
)

// changed is the later of a file's ctime and mtime, in Unix nanoseconds.
func changed(st os.FileInfo) int64 {
	t := st.ModTime().UnixNano()
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		t = max(t, sys.Ctim.Nano())
	}
	return t
}

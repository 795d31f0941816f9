//go:build !linux

package uci

import "os"

// changed is a file's mtime in Unix nanoseconds (the lock protocol's
// /proc checks only exist on Linux).
func changed(st os.FileInfo) int64 { return st.ModTime().UnixNano() }

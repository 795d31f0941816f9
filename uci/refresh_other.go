//go:build !linux

package uci

import (
	"bytes"
	"os"
)

// writeAt writes iov at offset off of f in one call (see
// refreshReplaced).
func writeAt(f *os.File, iov [][]byte, off int64) {
	f.WriteAt(bytes.Join(iov, nil), off)
}

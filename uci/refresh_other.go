//go:build !linux

package uci

import (
	"bytes"
	"os"
)

// writePadded writes data and pad newlines at the start of f in one call
// (see refreshReplaced).
func writePadded(f *os.File, data []byte, pad int) {
	if pad > 0 {
		data = append(append([]byte{}, data...), bytes.Repeat([]byte{'\n'}, pad)...)
	}
	f.WriteAt(data, 0)
}

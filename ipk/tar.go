package ipk

import (
	"bytes"
	"fmt"
	"strconv"
)

// GNU tar constants (tar.h of GNU tar; POSIX.1-1988 layout with GNU magic).
const (
	blockSize  = 512
	recordSize = 20 * blockSize // GNU tar's default blocking factor

	typeReg     = '0'
	typeSymlink = '2'
	typeDir     = '5'
)

// tarEntry is one member of a tar written by tarWriter.
type tarEntry struct {
	name string // "./usr/sbin/wghub"; directories end in "/"
	mode int64  // permission bits
	typ  byte   // typeReg, typeSymlink or typeDir
	link string // symlink target
	data []byte // regular file contents
}

// gnuTar returns the entries as GNU tar writes them with --numeric-owner
// under fakeroot: uid and gid 0, empty user and group names, empty device
// numbers, the same mtime everywhere, and the archive padded to whole
// records. archive/tar would write "0000000" into the device fields, which
// GNU tar leaves empty, so the headers are written here.
func gnuTar(entries []tarEntry, mtime int64) ([]byte, error) {
	var buf bytes.Buffer
	for _, e := range entries {
		h, err := gnuHeader(e, mtime)
		if err != nil {
			return nil, err
		}
		buf.Write(h)
		if e.typ == typeReg {
			buf.Write(e.data)
			if n := len(e.data) % blockSize; n != 0 {
				buf.Write(make([]byte, blockSize-n))
			}
		}
	}
	buf.Write(make([]byte, 2*blockSize)) // end-of-archive marker
	if n := buf.Len() % recordSize; n != 0 {
		buf.Write(make([]byte, recordSize-n))
	}
	return buf.Bytes(), nil
}

func gnuHeader(e tarEntry, mtime int64) ([]byte, error) {
	h := make([]byte, blockSize)
	if len(e.name) > 100 || len(e.link) > 100 {
		return nil, fmt.Errorf("ipk: path %q or link target %q is longer than a tar header holds (100 bytes)", e.name, e.link)
	}
	size := int64(0)
	if e.typ == typeReg {
		size = int64(len(e.data))
	}
	copy(h[0:100], e.name)
	if err := octal(h[100:108], e.mode); err != nil {
		return nil, fmt.Errorf("ipk: %s: mode: %w", e.name, err)
	}
	octal(h[108:116], 0) // uid
	octal(h[116:124], 0) // gid
	if err := octal(h[124:136], size); err != nil {
		return nil, fmt.Errorf("ipk: %s: size: %w", e.name, err)
	}
	if err := octal(h[136:148], mtime); err != nil {
		return nil, fmt.Errorf("ipk: %s: mtime: %w", e.name, err)
	}
	h[156] = e.typ
	copy(h[157:257], e.link)
	copy(h[257:265], "ustar  \x00") // GNU magic and version
	// uname, gname, devmajor, devminor stay empty (--numeric-owner, not a device).
	copy(h[148:156], "        ")
	sum := 0
	for _, b := range h {
		sum += int(b)
	}
	copy(h[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return h, nil
}

// octal writes v as zero-padded octal digits filling all of f but its
// last byte, which is NUL.
func octal(f []byte, v int64) error {
	s := strconv.FormatInt(v, 8)
	if v < 0 || len(s) > len(f)-1 {
		return fmt.Errorf("%d does not fit %d octal digits", v, len(f)-1)
	}
	for i := range f[:len(f)-1] {
		f[i] = '0'
	}
	copy(f[len(f)-1-len(s):], s)
	f[len(f)-1] = 0
	return nil
}

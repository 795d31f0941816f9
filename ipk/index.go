package ipk

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrNotIPK is returned by IndexEntry for a file that is not an .ipk.
var ErrNotIPK = errors.New("ipk: not an .ipk (gzip-compressed tar with control.tar.gz)")

// IndexEntry returns the package's stanza in an opkg feed's Packages
// file, as OpenWrt's scripts/ipkg-make-index.sh writes it: the control
// file with Filename, Size and SHA256sum inserted before Description,
// then an empty line. fileName is the package's path relative to the
// Packages file.
func IndexEntry(fileName string, data []byte) (string, error) {
	ctl, err := tgzMember(data, "./control.tar.gz")
	if err != nil {
		return "", err
	}
	control, err := tgzMember(ctl, "./control")
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	extra := "Filename: " + fileName + "\nSize: " + strconv.Itoa(len(data)) + "\nSHA256sum: " + hex.EncodeToString(sum[:]) + "\n"
	text := string(control)
	i := strings.Index(text, "\nDescription:")
	if i < 0 {
		return "", fmt.Errorf("%w: control has no Description", ErrNotIPK)
	}
	return text[:i+1] + extra + text[i+1:] + "\n", nil
}

// tgzMember returns a regular file from a gzip-compressed tar.
func tgzMember(tgz []byte, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, ErrNotIPK
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%w: no %s", ErrNotIPK, name)
		}
		if h.Name == name && h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

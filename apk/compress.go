package apk

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"

	"github.com/wghub/wghub/ipk"
)

// Compressor turns an uncompressed ADB file into the file apk reads:
// "ADBd" and raw deflate.
type Compressor func(adb []byte) ([]byte, error)

// GoDeflate compresses with Go's compress/flate at its best level. It
// needs nothing else, but packs about 1% worse than zlib: on a Go binary
// that makes the .apk larger than the .ipk, whose data.tar.gz, itself
// compressed again by the .ipk's outer gzip, comes out smaller.
func GoDeflate(adb []byte) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString("ADBd")
	zw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(adb); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Gzip compresses with `gzip -9 -n` (GNU gzip, part of every Debian
// system), keeping the raw deflate stream between gzip's 10-byte header
// and 8-byte trailer. GNU gzip is deterministic and packs like zlib -9,
// which apk mkpkg uses. The result is checked by decompressing it.
func Gzip(adb []byte) ([]byte, error) {
	gz, err := ipk.Gzip9(adb)
	if err != nil {
		return nil, fmt.Errorf("apk: %w", err)
	}
	// Header: 1f 8b, method 8, flags 0 (-n stores no name), mtime 0,
	// extra flags, OS.
	if len(gz) < 18 || gz[0] != 0x1f || gz[1] != 0x8b || gz[2] != 8 || gz[3] != 0 {
		return nil, fmt.Errorf("apk: gzip: unexpected header % x", gz[:min(len(gz), 10)])
	}
	raw := gz[10 : len(gz)-8]
	got, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil || !bytes.Equal(got, adb) {
		return nil, fmt.Errorf("apk: gzip: its deflate stream does not decompress to the input (%v)", err)
	}
	return append([]byte("ADBd"), raw...), nil
}

package ipk

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// gz makes a gzip member opkg reads back exactly, with no name and no
// time (reproducible), and packs smaller than compress/gzip's
// best level, on a Go binary (this test's own).
func TestGz(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	z, err := Gzip9(b)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("round trip: %v, equal %v", err, bytes.Equal(got, b))
	}
	if zr.Name != "" || !zr.ModTime.IsZero() || z[3] != 0 {
		t.Errorf("header: name %q, time %v, flags %#x; want none", zr.Name, zr.ModTime, z[3])
	}
	var std bytes.Buffer
	w, _ := gzip.NewWriterLevel(&std, gzip.BestCompression)
	w.Write(b)
	w.Close()
	t.Logf("%d bytes: gz %d, compress/gzip -9 %d", len(b), len(z), std.Len())
	if len(z) >= std.Len() {
		t.Errorf("gz packs %d bytes into %d, compress/gzip into %d", len(b), len(z), std.Len())
	}
}

package ipk

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
)

func TestIndexEntry(t *testing.T) {
	p := &Package{Name: "demo", Version: "1.0-r1", Architecture: "all", Depends: []string{"libc"},
		Description: "first\n second", Files: []File{{Path: "/etc/demo", Mode: 0o644, Data: []byte("x")}}, Epoch: 1}
	b, err := p.Build()
	if err != nil {
		t.Fatal(err)
	}
	got, err := IndexEntry("demo_1.0-r1_all.ipk", b)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	want := "Package: demo\nVersion: 1.0-r1\nDepends: libc\nSourceName: demo\nSourceDateEpoch: 1\nArchitecture: all\nInstalled-Size: 10240\n" +
		"Filename: demo_1.0-r1_all.ipk\nSize: " + strconv.Itoa(len(b)) + "\nSHA256sum: " + hex.EncodeToString(sum[:]) + "\n" +
		"Description: first\n second\n\n"
	if got != want {
		t.Errorf("entry:\n%s\nwant:\n%s", got, want)
	}
	for name, data := range map[string][]byte{"empty": nil, "text": []byte("hello"), "gzip of no tar": gzBytes(t, []byte("hello"))} {
		if _, err := IndexEntry("x.ipk", data); !errors.Is(err, ErrNotIPK) {
			t.Errorf("%s: %v, want ErrNotIPK", name, err)
		}
	}
}

func gzBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	z, err := Gzip9(b)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

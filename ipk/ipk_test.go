package ipk

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"testing"
	"time"
)

// Entry is one member of a tar.gz, read back for checks.
type Entry struct {
	Header *tar.Header
	Data   []byte
}

// ReadTarGz lists a tar.gz in order.
func ReadTarGz(b []byte) ([]Entry, error) {
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	var out []Entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		d, _ := io.ReadAll(tr)
		out = append(out, Entry{h, d})
	}
}

func sample() *Package {
	return &Package{
		Name: "demo", Version: "1.0.0+g1", Architecture: "mipsel_24kc",
		Depends: []string{"libc"}, Section: "net", Maintainer: "m <m@x>", License: "MIT",
		Description: "summary\n second line",
		Files: []File{
			{Path: "/usr/sbin/demo", Mode: 0o755, Data: []byte("binary")},
			{Path: "/etc/config/demo", Mode: 0o600, Data: []byte("cfg\n")},
			{Path: "/usr/libexec/rpcd/demo", Mode: fs.ModeSymlink, Data: []byte("/usr/sbin/demo")},
		},
		Conffiles: []string{"/etc/config/demo"},
		Postinst:  "#!/bin/sh\nexit 0\n",
		Time:      time.Unix(1700000000, 0),
	}
}

func TestFormat(t *testing.T) {
	b, err := sample().Build()
	if err != nil {
		t.Fatal(err)
	}
	outer, err := ReadTarGz(b)
	if err != nil {
		t.Fatalf("outer is not a gzip'd tar: %v", err)
	}
	var names []string
	for _, e := range outer {
		names = append(names, e.Header.Name)
	}
	if len(names) != 3 || names[0] != "./debian-binary" || names[1] != "./data.tar.gz" || names[2] != "./control.tar.gz" {
		t.Fatalf("outer entries %v", names)
	}
	if string(outer[0].Data) != "2.0\n" {
		t.Errorf("debian-binary %q", outer[0].Data)
	}
	data, _ := ReadTarGz(outer[1].Data)
	modes := map[string]int64{}
	for _, e := range data {
		modes[e.Header.Name] = e.Header.Mode
		if e.Header.Uid != 0 || e.Header.Uname != "root" || !e.Header.ModTime.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("%s: owner %d/%s time %v", e.Header.Name, e.Header.Uid, e.Header.Uname, e.Header.ModTime)
		}
	}
	for name, mode := range map[string]int64{"./usr/sbin/demo": 0o755, "./etc/config/demo": 0o600, "./usr/": 0o755} {
		if modes[name] != mode {
			t.Errorf("%s mode %o, want %o", name, modes[name], mode)
		}
	}
	ctl, _ := ReadTarGz(outer[2].Data)
	if ctl[0].Header.Name != "./control" || !bytes.Contains(ctl[0].Data, []byte("Installed-Size: 10\n")) ||
		!bytes.Contains(ctl[0].Data, []byte("Description: summary\n second line\n")) {
		t.Errorf("control:\n%s", ctl[0].Data)
	}
}

func TestReproducible(t *testing.T) {
	a, _ := sample().Build()
	b, _ := sample().Build()
	if !bytes.Equal(a, b) {
		t.Fatal("two builds differ")
	}
	p := sample()
	p.Files[0], p.Files[1] = p.Files[1], p.Files[0]
	c, _ := p.Build()
	if !bytes.Equal(a, c) {
		t.Fatal("file order changed the bytes")
	}
}

func TestInvalid(t *testing.T) {
	p := sample()
	p.Version = "1.0 beta"
	if _, err := p.Build(); err == nil {
		t.Fatal("a version with a space must be refused")
	}
}

package ipk

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// member is one tar entry read back with archive/tar.
type member struct {
	h    *tar.Header
	data []byte
}

// gunzip decompresses b and checks the header is as `gzip -n` writes it.
func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() || zr.OS != 3 {
		t.Errorf("gzip header: name %q mtime %v os %d, want no name, no time, Unix", zr.Name, zr.ModTime, zr.OS)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// untar lists a tar in order.
func untar(t *testing.T, b []byte) []member {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var out []member
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		d, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, member{h, d})
	}
}

// unpacked is an .ipk taken apart.
type unpacked struct {
	outer   []member
	dataTar []byte
	data    []member
	control map[string]member // by name, e.g. "./control"
	ctlList []string          // control.tar.gz names in order
	fields  map[string]string // control file fields
}

func unpack(t *testing.T, b []byte) *unpacked {
	t.Helper()
	u := &unpacked{outer: untar(t, gunzip(t, b)), control: map[string]member{}, fields: map[string]string{}}
	var names []string
	for _, m := range u.outer {
		names = append(names, m.h.Name)
	}
	if strings.Join(names, " ") != "./debian-binary ./data.tar.gz ./control.tar.gz" {
		t.Fatalf("outer members %v, want ./debian-binary ./data.tar.gz ./control.tar.gz", names)
	}
	if string(u.outer[0].data) != "2.0\n" {
		t.Errorf("debian-binary %q", u.outer[0].data)
	}
	u.dataTar = gunzip(t, u.outer[1].data)
	u.data = untar(t, u.dataTar)
	for _, m := range untar(t, gunzip(t, u.outer[2].data)) {
		u.control[m.h.Name] = m
		u.ctlList = append(u.ctlList, m.h.Name)
	}
	last := ""
	for _, l := range strings.Split(string(u.control["./control"].data), "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && !strings.HasPrefix(l, " ") {
			u.fields[k], last = v, k
		} else if strings.HasPrefix(l, " ") && last != "" {
			u.fields[last] += "\n" + l[1:]
		}
	}
	return u
}

func sample() *Package {
	return &Package{
		Name: "demo", Version: "1.0.0+3.gabc", Architecture: "mipsel_24kc",
		Depends: []string{"libc", "rpcd"}, Source: "feeds/packages/net/demo",
		License: "MIT", LicenseFiles: "LICENSE", Section: "net", URL: "https://example.org",
		Maintainer:  "A B <a@example.org>",
		Description: "first line\n  second line\n",
		Files: []File{
			{Path: "/usr/sbin/demo", Mode: 0o755, Data: []byte("\x7fELF binary")},
			{Path: "/etc/config/demo", Mode: 0o600, Data: []byte("config demo\n")},
			{Path: "/usr/libexec/rpcd/demo", Link: "/usr/sbin/demo"},
			{Path: "/usr/lib-foo/a", Mode: 0o644, Data: []byte("a")},
			{Path: "/usr/lib/b", Mode: 0o644, Data: nil},
		},
		Conffiles:   []string{"/etc/config/demo"},
		PostinstPkg: "#!/bin/sh\n[ -n \"${IPKG_INSTROOT}\" ] || /etc/init.d/rpcd reload",
		Epoch:       1700000000,
	}
}

func TestFormat(t *testing.T) {
	b, err := sample().Build()
	if err != nil {
		t.Fatal(err)
	}
	u := unpack(t, b)
	for _, m := range u.outer {
		if m.h.Mode != 0o644 || m.h.Uid != 0 || m.h.Gid != 0 || m.h.ModTime.Unix() != 1700000000 {
			t.Errorf("outer %s: mode %o uid %d gid %d mtime %d", m.h.Name, m.h.Mode, m.h.Uid, m.h.Gid, m.h.ModTime.Unix())
		}
	}

	// Data: GNU tar --sort=name order (lib/ before lib-foo/), modes, owner, time.
	want := []struct {
		name string
		mode int64
		typ  byte
	}{
		{"./", 0o755, tar.TypeDir},
		{"./etc/", 0o755, tar.TypeDir},
		{"./etc/config/", 0o755, tar.TypeDir},
		{"./etc/config/demo", 0o600, tar.TypeReg},
		{"./usr/", 0o755, tar.TypeDir},
		{"./usr/lib/", 0o755, tar.TypeDir},
		{"./usr/lib/b", 0o644, tar.TypeReg},
		{"./usr/lib-foo/", 0o755, tar.TypeDir},
		{"./usr/lib-foo/a", 0o644, tar.TypeReg},
		{"./usr/libexec/", 0o755, tar.TypeDir},
		{"./usr/libexec/rpcd/", 0o755, tar.TypeDir},
		{"./usr/libexec/rpcd/demo", 0o777, tar.TypeSymlink},
		{"./usr/sbin/", 0o755, tar.TypeDir},
		{"./usr/sbin/demo", 0o755, tar.TypeReg},
	}
	if len(u.data) != len(want) {
		t.Fatalf("data has %d entries, want %d", len(u.data), len(want))
	}
	for i, w := range want {
		h := u.data[i].h
		if h.Name != w.name || h.Mode != w.mode || h.Typeflag != w.typ {
			t.Errorf("data[%d] = %s %o %c, want %s %o %c", i, h.Name, h.Mode, h.Typeflag, w.name, w.mode, w.typ)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || h.ModTime.Unix() != 1700000000 || h.Format != tar.FormatGNU {
			t.Errorf("%s: uid %d gid %d names %q/%q mtime %d format %v", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime.Unix(), h.Format)
		}
	}
	if l := u.data[11].h.Linkname; l != "/usr/sbin/demo" {
		t.Errorf("symlink target %q", l)
	}
	if len(u.dataTar)%10240 != 0 {
		t.Errorf("data tar is %d bytes, not whole 10240-byte records", len(u.dataTar))
	}

	// Control: package-pack.mk's files, sorted as tar --sort=name lists them.
	if got := strings.Join(u.ctlList, " "); got != "./ ./conffiles ./control ./postinst ./postinst-pkg ./prerm" {
		t.Errorf("control.tar.gz members: %s", got)
	}
	for name, mode := range map[string]int64{"./conffiles": 0o644, "./control": 0o644, "./postinst": 0o755, "./postinst-pkg": 0o755, "./prerm": 0o755} {
		if m := u.control[name].h.Mode; m != mode {
			t.Errorf("%s mode %o, want %o", name, m, mode)
		}
	}
	wantControl := `Package: demo
Version: 1.0.0+3.gabc
Depends: libc, rpcd
Source: feeds/packages/net/demo
SourceName: demo
License: MIT
LicenseFiles: LICENSE
Section: net
SourceDateEpoch: 1700000000
URL: https://example.org
Maintainer: A B <a@example.org>
Architecture: mipsel_24kc
Installed-Size: 10240
Description: first line
 second line
`
	if got := string(u.control["./control"].data); got != wantControl {
		t.Errorf("control:\n%s\nwant:\n%s", got, wantControl)
	}
	if got := u.fields["Installed-Size"]; got != "10240" || len(u.dataTar) != 10240 {
		t.Errorf("Installed-Size %s, uncompressed data tar %d bytes", got, len(u.dataTar))
	}
	if got := string(u.control["./conffiles"].data); got != "/etc/config/demo\n" {
		t.Errorf("conffiles %q", got)
	}
	if got := string(u.control["./postinst"].data); got != postinst || !strings.Contains(got, "default_postinst $0 $@\n") {
		t.Errorf("postinst:\n%s", got)
	}
	if got := string(u.control["./postinst-pkg"].data); got != sample().PostinstPkg+"\n" {
		t.Errorf("postinst-pkg %q", got)
	}
	if got := string(u.control["./prerm"].data); !strings.HasSuffix(got, "default_prerm $0 $@\n") {
		t.Errorf("prerm:\n%s", got)
	}
}

// TestGNUTar checks the data and control tars byte for byte against GNU
// tar run as ipkg-build runs it, on the same files staged in a directory.
func TestGNUTar(t *testing.T) {
	if out, err := exec.Command("tar", "--version").Output(); err != nil || !bytes.Contains(out, []byte("GNU tar")) {
		t.Skip("GNU tar not installed")
	}
	p := sample()
	b, err := p.Build()
	if err != nil {
		t.Fatal(err)
	}
	u := unpack(t, b)
	gnutar := func(dir string) []byte {
		// ipkg-build: tar --format=gnu --numeric-owner --sort=name -cpf - --mtime=... .
		// under fakeroot; --owner/--group stand in for fakeroot.
		cmd := exec.Command("tar", "--format=gnu", "--numeric-owner", "--owner=0", "--group=0", "--sort=name",
			"-cpf", "-", "--mtime=@1700000000", ".")
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		return out
	}
	stage := func(files map[string]member) string {
		dir := t.TempDir()
		for name, m := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			switch m.h.Typeflag {
			case tar.TypeSymlink:
				if err := os.Symlink(m.h.Linkname, p); err != nil {
					t.Fatal(err)
				}
			case tar.TypeReg:
				if err := os.WriteFile(p, m.data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, m := range files { // modes last, umask aside
			if m.h.Typeflag != tar.TypeSymlink {
				os.MkdirAll(filepath.Join(dir, name), 0o755) // directories only; files exist
				if err := os.Chmod(filepath.Join(dir, name), os.FileMode(m.h.Mode)); err != nil {
					t.Fatal(err)
				}
			}
		}
		return dir
	}
	data := map[string]member{}
	for _, m := range u.data {
		data[m.h.Name] = m
	}
	if got := gnutar(stage(data)); !bytes.Equal(got, u.dataTar) {
		t.Errorf("data tar differs from GNU tar's (%d vs %d bytes)", len(u.dataTar), len(got))
	}
	ctl := gunzip(t, u.outer[2].data)
	if got := gnutar(stage(u.control)); !bytes.Equal(got, ctl) {
		t.Errorf("control tar differs from GNU tar's (%d vs %d bytes)", len(ctl), len(got))
	}
}

func TestReproducible(t *testing.T) {
	a, err := sample().Build()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sample().Build()
	if !bytes.Equal(a, b) {
		t.Fatal("two builds differ")
	}
	p := sample()
	p.Files[0], p.Files[4] = p.Files[4], p.Files[0]
	c, _ := p.Build()
	if !bytes.Equal(a, c) {
		t.Fatal("the order of Files changed the bytes")
	}
	p = sample()
	p.Epoch++
	if d, _ := p.Build(); bytes.Equal(a, d) {
		t.Fatal("another epoch gave the same bytes")
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *Package)
		want string
	}{
		{"name with space", func(p *Package) { p.Name = "de mo" }, `package name "de mo"`},
		{"version with space", func(p *Package) { p.Version = "1.0 beta" }, `version "1.0 beta"`},
		{"version not starting with a digit", func(p *Package) { p.Version = "v1.0" }, `version "v1.0"`},
		{"no architecture", func(p *Package) { p.Architecture = "" }, `architecture ""`},
		{"no description", func(p *Package) { p.Description = " \n" }, "no description"},
		{"relative path", func(p *Package) { p.Files[0].Path = "usr/sbin/demo" }, `path "usr/sbin/demo"`},
		{"unclean path", func(p *Package) { p.Files[0].Path = "/usr/../sbin/demo" }, `path "/usr/../sbin/demo"`},
		{"duplicate path", func(p *Package) { p.Files[1].Path = "/usr/sbin/demo" }, "listed twice"},
		{"file as directory", func(p *Package) { p.Files[1].Path = "/usr/sbin/demo/x" }, "/usr/sbin/demo is a file and a directory"},
		{"mode with type bits", func(p *Package) { p.Files[0].Mode |= os.ModeSetuid }, "permission bits only"},
		{"conffile not in package", func(p *Package) { p.Conffiles = []string{"/etc/config/other"} }, `conffile "/etc/config/other"`},
		{"conffile is a link", func(p *Package) { p.Conffiles = []string{"/usr/libexec/rpcd/demo"} }, `conffile "/usr/libexec/rpcd/demo"`},
		{"bad dependency", func(p *Package) { p.Depends = []string{"lib c"} }, `dependency "lib c"`},
		{"long path", func(p *Package) { p.Files[0].Path = "/" + strings.Repeat("x", 100) }, "longer than a tar header holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := sample()
			tc.edit(p)
			_, err := p.Build()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "ipk: ") {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

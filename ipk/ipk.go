package ipk

import (
	"bytes"
	"fmt"
	"io/fs"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// File is one entry of a package's data: a regular file, or a symbolic
// link when Link is set. Directories are not listed; every parent of a
// file is added with mode 0755.
type File struct {
	Path string      // absolute path on the target, e.g. /usr/sbin/wghub; clean, not "/"
	Mode fs.FileMode // permission bits of a regular file (0755, 0644, 0600); ignored for a link
	Data []byte      // contents of a regular file; nil is an empty file
	Link string      // target of a symbolic link; "" for a regular file
}

// Package describes one .ipk. Empty optional fields are left out of the
// control file, as package-pack.mk leaves them out.
type Package struct {
	Name         string   // Package:, [a-zA-Z0-9_.+-] as ipkg-build requires
	Version      string   // Version:, starts with a digit, [A-Za-z0-9.+~-]
	Architecture string   // Architecture:, e.g. mipsel_24kc, or all
	Depends      []string // Depends:, joined with ", "; nil for none
	Source       string   // Source:, the feed path, e.g. feeds/packages/net/wghub
	SourceName   string   // SourceName:, the feed Makefile's PKG_NAME; "" means Name
	License      string   // License:, SPDX identifier
	LicenseFiles string   // LicenseFiles:, e.g. LICENSE
	Section      string   // Section:, e.g. net or luci
	URL          string   // URL:
	Maintainer   string   // Maintainer:
	Description  string   // Description:, first line first; required

	Files     []File
	Conffiles []string // paths of regular files in Files that opkg keeps on upgrade

	// PostinstPkg and PrermPkg are the package's own scripts, kept beside
	// the generated postinst and prerm as postinst-pkg and prerm-pkg (as
	// package-pack.mk stores Package/<name>/postinst and /prerm);
	// default_postinst and default_prerm source them. "" for none.
	PostinstPkg, PrermPkg string

	// Epoch is SOURCE_DATE_EPOCH: the mtime of every tar entry and the
	// SourceDateEpoch: field. Zero is allowed (1970) but leaves the field out.
	Epoch int64
}

// The scripts package-pack.mk writes for every package.
const (
	postinst = `#!/bin/sh
[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_postinst $0 $@
`
	prerm = `#!/bin/sh
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_prerm $0 $@
`
)

var (
	nameRE    = regexp.MustCompile(`^[a-zA-Z0-9_.+-]+$`)
	versionRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~-]*$`)
	// dependRE is one Depends: entry, a name with an optional version
	// constraint, e.g. "libc" or "wghub (>= 0.1.0)".
	dependRE = regexp.MustCompile(`^[a-zA-Z0-9_.+-]+( \((<<|<=|=|>=|>>|<|>) [A-Za-z0-9.+~:-]+\))?$`)
)

// FileName is ipkg-build's name for the package: <name>_<version>_<arch>.ipk.
func (p *Package) FileName() string {
	return p.Name + "_" + p.Version + "_" + p.Architecture + ".ipk"
}

// Build returns the .ipk file's bytes.
func (p *Package) Build() ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	dataTar, err := gnuTar(p.dataEntries(), p.Epoch)
	if err != nil {
		return nil, err
	}
	data, err := Gzip9(dataTar)
	if err != nil {
		return nil, err
	}
	control := []tarEntry{
		{name: "./", mode: 0o755, typ: typeDir},
		{name: "./control", mode: 0o644, typ: typeReg, data: []byte(p.control(len(dataTar)))},
		{name: "./postinst", mode: 0o755, typ: typeReg, data: []byte(postinst)},
		{name: "./prerm", mode: 0o755, typ: typeReg, data: []byte(prerm)},
	}
	if len(p.Conffiles) > 0 {
		cf := slices.Clone(p.Conffiles)
		slices.Sort(cf) // ipkg-build: LC_ALL=C sort
		control = append(control, tarEntry{name: "./conffiles", mode: 0o644, typ: typeReg, data: []byte(strings.Join(cf, "\n") + "\n")})
	}
	if p.PostinstPkg != "" {
		control = append(control, tarEntry{name: "./postinst-pkg", mode: 0o755, typ: typeReg, data: []byte(script(p.PostinstPkg))})
	}
	if p.PrermPkg != "" {
		control = append(control, tarEntry{name: "./prerm-pkg", mode: 0o755, typ: typeReg, data: []byte(script(p.PrermPkg))})
	}
	slices.SortFunc(control, func(a, b tarEntry) int { return strings.Compare(a.name, b.name) })
	controlTar, err := gnuTar(control, p.Epoch)
	if err != nil {
		return nil, err
	}
	ctl, err := Gzip9(controlTar)
	if err != nil {
		return nil, err
	}
	// The outer members are named on ipkg-build's tar command line, so
	// they keep this order and have no "./" entry.
	outer, err := gnuTar([]tarEntry{
		{name: "./debian-binary", mode: 0o644, typ: typeReg, data: []byte("2.0\n")},
		{name: "./data.tar.gz", mode: 0o644, typ: typeReg, data: data},
		{name: "./control.tar.gz", mode: 0o644, typ: typeReg, data: ctl},
	}, p.Epoch)
	if err != nil {
		return nil, err
	}
	return Gzip9(outer)
}

// script ends s with a newline, as package-pack.mk's echo does.
func script(s string) string {
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// Check reports what makes p unpackable, as Build would.
func (p *Package) Check() error { return p.check() }

func (p *Package) check() error {
	switch {
	case !nameRE.MatchString(p.Name):
		return fmt.Errorf("ipk: package name %q: want [a-zA-Z0-9_.+-]", p.Name)
	case !versionRE.MatchString(p.Version):
		return fmt.Errorf("ipk: %s: version %q: want a digit, then [A-Za-z0-9.+~-]", p.Name, p.Version)
	case !nameRE.MatchString(p.Architecture):
		return fmt.Errorf("ipk: %s: architecture %q: want [a-zA-Z0-9_.+-]", p.Name, p.Architecture)
	case strings.TrimSpace(p.Description) == "":
		return fmt.Errorf("ipk: %s: no description", p.Name)
	case p.Epoch < 0:
		return fmt.Errorf("ipk: %s: epoch %d before 1970", p.Name, p.Epoch)
	}
	for _, d := range p.Depends {
		if !dependRE.MatchString(d) {
			return fmt.Errorf("ipk: %s: dependency %q", p.Name, d)
		}
	}
	seen := map[string]bool{}
	for _, f := range p.Files {
		if !strings.HasPrefix(f.Path, "/") || path.Clean(f.Path) != f.Path || f.Path == "/" {
			return fmt.Errorf("ipk: %s: path %q: want an absolute, clean file path", p.Name, f.Path)
		}
		if seen[f.Path] {
			return fmt.Errorf("ipk: %s: path %q listed twice", p.Name, f.Path)
		}
		seen[f.Path] = true
		if f.Mode&^fs.ModePerm != 0 {
			return fmt.Errorf("ipk: %s: %s: mode %v: want permission bits only", p.Name, f.Path, f.Mode)
		}
	}
	for _, f := range p.Files { // a file's parent cannot be a file
		for d := path.Dir(f.Path); d != "/"; d = path.Dir(d) {
			if seen[d] {
				return fmt.Errorf("ipk: %s: %s is a file and a directory", p.Name, d)
			}
		}
	}
	for _, c := range p.Conffiles {
		i := slices.IndexFunc(p.Files, func(f File) bool { return f.Path == c })
		if i < 0 || p.Files[i].Link != "" {
			return fmt.Errorf("ipk: %s: conffile %q is not a regular file of the package", p.Name, c)
		}
	}
	return nil
}

// control is the control file, fields in package-pack.mk's order.
func (p *Package) control(installedSize int) string {
	var b strings.Builder
	field := func(k, v string) {
		if v != "" {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	field("Package", p.Name)
	field("Version", p.Version)
	field("Depends", strings.Join(p.Depends, ", "))
	field("Source", p.Source)
	sourceName := p.SourceName
	if sourceName == "" {
		sourceName = p.Name
	}
	field("SourceName", sourceName)
	field("License", p.License)
	field("LicenseFiles", p.LicenseFiles)
	field("Section", p.Section)
	if p.Epoch != 0 {
		field("SourceDateEpoch", strconv.FormatInt(p.Epoch, 10))
	}
	field("URL", p.URL)
	field("Maintainer", p.Maintainer)
	field("Architecture", p.Architecture)
	field("Installed-Size", strconv.Itoa(installedSize))
	for i, l := range strings.Split(strings.TrimSpace(p.Description), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case i == 0:
			b.WriteString("Description: " + l + "\n")
		case l == "":
			b.WriteString(" .\n")
		default:
			b.WriteString(" " + l + "\n")
		}
	}
	return b.String()
}

// dataEntries lists the files and every directory leading to them in GNU
// tar's --sort=name order: a directory, then its entries sorted by name,
// each directory's contents right after it.
func (p *Package) dataEntries() []tarEntry {
	type node struct {
		file     *File
		children map[string]*node
	}
	root := &node{children: map[string]*node{}}
	for i := range p.Files {
		f := &p.Files[i]
		n := root
		parts := strings.Split(f.Path[1:], "/")
		for j, part := range parts {
			c := n.children[part]
			if c == nil {
				c = &node{children: map[string]*node{}}
				n.children[part] = c
			}
			if j == len(parts)-1 {
				c.file = f
			}
			n = c
		}
	}
	var out []tarEntry
	var walk func(name string, n *node)
	walk = func(name string, n *node) {
		switch {
		case n.file == nil:
			out = append(out, tarEntry{name: name + "/", mode: 0o755, typ: typeDir})
		case n.file.Link != "":
			out = append(out, tarEntry{name: name, mode: 0o777, typ: typeSymlink, link: n.file.Link})
			return
		default:
			out = append(out, tarEntry{name: name, mode: int64(n.file.Mode.Perm()), typ: typeReg, data: n.file.Data})
			return
		}
		names := make([]string, 0, len(n.children))
		for k := range n.children {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			walk(name+"/"+k, n.children[k])
		}
	}
	walk(".", root)
	return out
}

// Gzip9 compresses b with `gzip -9 -n` (GNU gzip, on every Debian
// system): no name, no time. GNU gzip packs about 1% smaller than
// compress/gzip at its best level, which on a router's flash is worth the
// dependency (the .apk builder uses it too), and its output is
// deterministic.
func Gzip9(b []byte) ([]byte, error) {
	cmd := exec.Command("gzip", "-9", "-n", "-c")
	cmd.Stdin = bytes.NewReader(b)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("gzip -9: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

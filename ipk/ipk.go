// Package ipk writes OpenWrt .ipk packages reproducibly: a gzip'd tar (not
// an ar archive as in .deb) holding ./debian-binary, ./data.tar.gz and
// ./control.tar.gz, as opkg and OpenWrt's scripts/ipkg-build expect.
//
// Every entry is owned by root, has the same modification time (the
// caller's SOURCE_DATE_EPOCH) and comes in sorted order, and gzip headers
// carry no name or time, so building twice gives the same bytes.
package ipk

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
)

// File is one entry of the package's data.
type File struct {
	Path string      // absolute path on the target, e.g. /usr/sbin/wghub
	Mode fs.FileMode // permission bits; fs.ModeSymlink for a link
	Data []byte      // contents; for a symlink, the link target
}

// Package describes one .ipk.
type Package struct {
	Name, Version, Architecture string
	Depends                     []string
	Section, Maintainer         string
	License, Source, URL        string
	Description                 string // first line is the summary
	Files                       []File
	Conffiles                   []string
	Postinst, Prerm             string // complete scripts; "" for none
	Time                        time.Time
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)

// FileName is the conventional name: <name>_<version>_<arch>.ipk.
func (p *Package) FileName() string {
	return fmt.Sprintf("%s_%s_%s.ipk", p.Name, p.Version, p.Architecture)
}

// InstalledSize is the size of the unpacked data, as ipkg-build counts it.
func (p *Package) InstalledSize() int {
	n := 0
	for _, f := range p.Files {
		if f.Mode&fs.ModeSymlink == 0 {
			n += len(f.Data)
		}
	}
	return n
}

// Control is the control file's text.
func (p *Package) Control() string {
	var b strings.Builder
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	field("Package", p.Name)
	field("Version", p.Version)
	field("Depends", strings.Join(p.Depends, ", "))
	field("Source", p.Source)
	field("SourceName", p.Name)
	field("License", p.License)
	field("Section", p.Section)
	field("SourceDateEpoch", fmt.Sprint(p.Time.Unix()))
	field("URL", p.URL)
	field("Maintainer", p.Maintainer)
	field("Architecture", p.Architecture)
	field("Installed-Size", fmt.Sprint(p.InstalledSize()))
	desc := strings.Split(strings.TrimSpace(p.Description), "\n")
	fmt.Fprintf(&b, "Description: %s\n", desc[0])
	for _, l := range desc[1:] {
		if l = strings.TrimSpace(l); l == "" {
			l = "."
		}
		fmt.Fprintf(&b, " %s\n", l)
	}
	return b.String()
}

// Build returns the .ipk bytes.
func (p *Package) Build() ([]byte, error) {
	if !nameRE.MatchString(p.Name) || !nameRE.MatchString(p.Version) || p.Architecture == "" {
		return nil, fmt.Errorf("ipk: invalid name %q, version %q or architecture %q", p.Name, p.Version, p.Architecture)
	}
	data, err := p.tarGz(p.dataEntries())
	if err != nil {
		return nil, err
	}
	ctl := []entry{{name: "./control", mode: 0o644, data: []byte(p.Control())}}
	if len(p.Conffiles) > 0 {
		ctl = append(ctl, entry{name: "./conffiles", mode: 0o644, data: []byte(strings.Join(p.Conffiles, "\n") + "\n")})
	}
	if p.Postinst != "" {
		ctl = append(ctl, entry{name: "./postinst", mode: 0o755, data: []byte(p.Postinst)})
	}
	if p.Prerm != "" {
		ctl = append(ctl, entry{name: "./prerm", mode: 0o755, data: []byte(p.Prerm)})
	}
	control, err := p.tarGz(ctl)
	if err != nil {
		return nil, err
	}
	// The outer archive keeps ipkg-build's order, not sorted order.
	return p.tarGz([]entry{
		{name: "./debian-binary", mode: 0o644, data: []byte("2.0\n")},
		{name: "./data.tar.gz", mode: 0o644, data: data},
		{name: "./control.tar.gz", mode: 0o644, data: control},
	})
}

type entry struct {
	name string
	mode fs.FileMode
	dir  bool
	link string
	data []byte
}

// dataEntries lists every file and the directories leading to it, sorted.
func (p *Package) dataEntries() []entry {
	dirs := map[string]bool{}
	var out []entry
	for _, f := range p.Files {
		for d := path.Dir(f.Path); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
		e := entry{name: "." + f.Path, mode: f.Mode.Perm()}
		if f.Mode&fs.ModeSymlink != 0 {
			e.link, e.mode = string(f.Data), 0o777
		} else {
			e.data = f.Data
		}
		out = append(out, e)
	}
	out = append(out, entry{name: "./", mode: 0o755, dir: true})
	for d := range dirs {
		out = append(out, entry{name: "." + d + "/", mode: 0o755, dir: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (p *Package) tarGz(entries []entry) ([]byte, error) {
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	gz.ModTime = time.Unix(0, 0) // no timestamp, no name: reproducible
	gz.OS = 3
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{
			Name: e.name, Mode: int64(e.mode), Size: int64(len(e.data)),
			ModTime: p.Time.UTC().Truncate(time.Second), Uname: "root", Gname: "root",
			Typeflag: tar.TypeReg, Format: tar.FormatGNU,
		}
		switch {
		case e.dir:
			h.Typeflag, h.Size = tar.TypeDir, 0
		case e.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("ipk: %s: %w", e.name, err)
		}
		if h.Size > 0 {
			if _, err := tw.Write(e.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

package ipk

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// ParseSpec reads a package spec: what `make ipk` packs, written like an
// opkg control file followed by the files, e.g.
//
//	# comment
//	Package: wghub
//	Version: ${VERSION}
//	Depends: libc, rpcd
//	Description: first line
//	 more lines, each indented
//
//	file 0755 /usr/sbin/wghub ${BIN}
//	link /usr/libexec/rpcd/wghub /usr/sbin/wghub
//	tree 0644 /www luci/luci-app-wghub/htdocs
//	conffile /etc/config/wghub
//	postinst-pkg <<EOF
//	#!/bin/sh
//	[ -n "${IPKG_INSTROOT}" ] || /etc/init.d/rpcd reload
//	EOF
//
// The header ends at the first empty line. Its fields are Package,
// Version, Architecture, Depends, Source, SourceName, License,
// LicenseFiles, Section, URL, Maintainer and Description; Installed-Size
// and SourceDateEpoch are computed. In the body, `file MODE DST SRC` packs
// one file, `link DST TARGET` a symbolic link, `tree MODE DST DIR` every
// file under DIR with MODE (skipping what package-pack.mk deletes: CVS,
// .svn, .#*, *~), `conffile PATH` marks a conffile, and `postinst-pkg` and
// `prerm-pkg` take a here-document, kept verbatim. ${NAME} in header
// values and body fields is replaced from vars; an unknown name is an
// error. Sources are read relative to dir.
func ParseSpec(src []byte, vars map[string]string, dir string) (*Package, error) {
	p := &Package{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	line, header, last := 0, true, ""
	fail := func(format string, a ...any) error {
		return fmt.Errorf("ipk: spec line %d: %s", line, fmt.Sprintf(format, a...))
	}
	fields := map[string]*string{
		"Package": &p.Name, "Version": &p.Version, "Architecture": &p.Architecture,
		"Source": &p.Source, "SourceName": &p.SourceName, "License": &p.License,
		"LicenseFiles": &p.LicenseFiles, "Section": &p.Section, "URL": &p.URL,
		"Maintainer": &p.Maintainer, "Description": &p.Description,
	}
	var depends string
	fields["Depends"] = &depends
	set := map[string]bool{}
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(text, "#") {
			continue
		}
		if header {
			switch {
			case strings.TrimSpace(text) == "":
				header = false
			case text[0] == ' ' || text[0] == '\t':
				if last == "" {
					return nil, fail("continuation line before any field")
				}
				v, err := expand(strings.TrimSpace(text), vars)
				if err != nil {
					return nil, fail("%v", err)
				}
				*fields[last] += "\n" + v
			default:
				k, v, ok := strings.Cut(text, ":")
				if !ok || fields[k] == nil {
					return nil, fail("unknown field %q", k)
				}
				if set[k] {
					return nil, fail("field %s given twice", k)
				}
				v, err := expand(strings.TrimSpace(v), vars)
				if err != nil {
					return nil, fail("%v", err)
				}
				*fields[k], last, set[k] = v, k, true
			}
			continue
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		if f[0] == "postinst-pkg" || f[0] == "prerm-pkg" {
			if len(f) != 2 || !strings.HasPrefix(f[1], "<<") || len(f[1]) < 3 {
				return nil, fail("want %s <<WORD", f[0])
			}
			word, start := f[1][2:], line
			var body []string
			closed := false
			for sc.Scan() {
				line++
				if sc.Text() == word {
					closed = true
					break
				}
				body = append(body, sc.Text())
			}
			if !closed {
				line = start
				return nil, fail("here-document not ended by %q", word)
			}
			s := strings.Join(body, "\n") + "\n"
			if f[0] == "postinst-pkg" {
				p.PostinstPkg = s
			} else {
				p.PrermPkg = s
			}
			continue
		}
		for i := range f {
			v, err := expand(f[i], vars)
			if err != nil {
				return nil, fail("%v", err)
			}
			f[i] = v
		}
		switch {
		case f[0] == "file" && len(f) == 4:
			mode, err := parseMode(f[1])
			if err != nil {
				return nil, fail("%v", err)
			}
			b, err := os.ReadFile(source(dir, f[3]))
			if err != nil {
				return nil, fail("%v", err)
			}
			p.Files = append(p.Files, File{Path: f[2], Mode: mode, Data: b})
		case f[0] == "link" && len(f) == 3:
			p.Files = append(p.Files, File{Path: f[1], Link: f[2]})
		case f[0] == "tree" && len(f) == 4:
			mode, err := parseMode(f[1])
			if err != nil {
				return nil, fail("%v", err)
			}
			files, err := tree(source(dir, f[3]), f[2], mode)
			if err != nil {
				return nil, fail("%v", err)
			}
			p.Files = append(p.Files, files...)
		case f[0] == "conffile" && len(f) == 2:
			p.Conffiles = append(p.Conffiles, f[1])
		default:
			return nil, fail("want file MODE DST SRC, link DST TARGET, tree MODE DST DIR, conffile PATH, postinst-pkg or prerm-pkg; got %q", text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ipk: spec: %w", err)
	}
	for _, d := range strings.Split(depends, ",") {
		if d = strings.TrimSpace(d); d != "" {
			p.Depends = append(p.Depends, d)
		}
	}
	return p, nil
}

// source is a spec's source path: as given when absolute, else under dir.
func source(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

var varRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func expand(s string, vars map[string]string) (string, error) {
	var err error
	out := varRE.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := vars[name]
		if !ok && err == nil {
			err = fmt.Errorf("no value for ${%s}", name)
		}
		return v
	})
	return out, err
}

func parseMode(s string) (fs.FileMode, error) {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o777 || len(s) != 4 || s[0] != '0' {
		return 0, fmt.Errorf("mode %q: want four octal digits, e.g. 0644", s)
	}
	return fs.FileMode(m), nil
}

// tree lists the regular files under dir as installed under dst.
func tree(dir, dst string, mode fs.FileMode) ([]File, error) {
	var out []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if name == "CVS" || name == ".svn" || strings.HasPrefix(name, ".#") || strings.HasSuffix(name, "~") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, File{Path: path.Join(dst, filepath.ToSlash(rel)), Mode: mode, Data: b})
		return nil
	})
	return out, err
}

package ipk

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "bin"), []byte("BIN"), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "htdocs/view/x"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "htdocs/view/x/a.js"), []byte("js"), 0o600))
	must(os.WriteFile(filepath.Join(dir, "htdocs/view/x/a.js~"), []byte("backup"), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "htdocs/CVS"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "htdocs/CVS/Entries"), []byte("cvs"), 0o644))
	spec := `# comment
Package: demo
Version: ${VERSION}
Architecture: ${ARCH}
Depends: libc,  rpcd
License: MIT
Description: first
 second ${ARCH}

file 0755 /usr/sbin/demo bin
link /usr/libexec/rpcd/demo /usr/sbin/demo
tree 0644 /www htdocs
# comment in the body
conffile /usr/sbin/demo
postinst-pkg <<EOF
#!/bin/sh
echo ${IPKG_INSTROOT} $$

EOF
prerm-pkg <<END
true
END
`
	p, err := ParseSpec([]byte(spec), map[string]string{"VERSION": "1.0", "ARCH": "all"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Package{
		Name: "demo", Version: "1.0", Architecture: "all", Depends: []string{"libc", "rpcd"},
		License: "MIT", Description: "first\nsecond all",
		Files: []File{
			{Path: "/usr/sbin/demo", Mode: 0o755, Data: []byte("BIN")},
			{Path: "/usr/libexec/rpcd/demo", Link: "/usr/sbin/demo"},
			{Path: "/www/view/x/a.js", Mode: 0o644, Data: []byte("js")},
		},
		Conffiles:   []string{"/usr/sbin/demo"},
		PostinstPkg: "#!/bin/sh\necho ${IPKG_INSTROOT} $$\n\n",
		PrermPkg:    "true\n",
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
	if _, err := p.Build(); err != nil {
		t.Fatal(err)
	}
}

func TestParseSpecErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "d"), 0o755)
	os.Symlink("f", filepath.Join(dir, "d", "l"))
	for _, tc := range []struct{ name, spec, want string }{
		{"unknown field", "Pakage: x\n", `line 1: unknown field "Pakage"`},
		{"computed field", "Installed-Size: 3\n", `unknown field "Installed-Size"`},
		{"field twice", "Package: a\nPackage: b\n", "line 2: field Package given twice"},
		{"continuation first", " more\n", "line 1: continuation line before any field"},
		{"unknown variable", "Version: ${NOPE}\n", "line 1: no value for ${NOPE}"},
		{"unknown variable in body", "Package: a\n\nfile 0644 /x ${BIN}\n", "line 3: no value for ${BIN}"},
		{"unknown directive", "Package: a\n\ncopy /a /b\n", `line 3: want file MODE DST SRC`},
		{"file arity", "Package: a\n\nfile 0644 /x\n", `line 3: want file`},
		{"bad mode", "Package: a\n\nfile 644 /x f\n", `line 3: mode "644"`},
		{"mode too wide", "Package: a\n\nfile 4755 /x f\n", `mode "4755"`},
		{"missing source", "Package: a\n\nfile 0644 /x nofile\n", "line 3: open"},
		{"link in tree", "Package: a\n\ntree 0644 /x d\n", "not a regular file"},
		{"here-document unended", "Package: a\n\npostinst-pkg <<EOF\nexit 0\n", `line 3: here-document not ended by "EOF"`},
		{"here-document syntax", "Package: a\n\npostinst-pkg EOF\n", "line 3: want postinst-pkg <<WORD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSpec([]byte(tc.spec), map[string]string{}, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "ipk: spec ") {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

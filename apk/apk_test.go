package apk_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/apk"
	"github.com/wghub/wghub/internal/pkgtest"
	"github.com/wghub/wghub/internal/userland"
	"github.com/wghub/wghub/ipk"
)

const epoch = 1700000000

// testPackage has every kind of entry wghub's packages have (a binary,
// a link, a 0600 conffile, a uci-defaults script, nested directories)
// plus an empty file, and scripts.
func testPackage() *ipk.Package {
	return &ipk.Package{
		Name: "demo", Version: "1.2.3.4~abc1234-r1", Architecture: "x86_64",
		Depends: []string{"libc", "rpcd", "kmod-wireguard"},
		Source:  "feeds/packages/net/demo", License: "MIT", URL: "https://example.org/demo",
		Maintainer:  "Demo <demo@example.org>",
		Description: "first line\n more text\n\n after a gap",
		Files: []ipk.File{
			{Path: "/usr/sbin/demo", Mode: 0o755, Data: bytes.Repeat([]byte("\x7fELF binary "), 5000)},
			{Path: "/usr/libexec/rpcd/demo", Link: "/usr/sbin/demo"},
			{Path: "/etc/config/demo", Mode: 0o600, Data: []byte("config demo 'main'\n")},
			{Path: "/etc/uci-defaults/90-demo", Mode: 0o644, Data: []byte("#!/bin/sh\nexit 0\n")},
			{Path: "/etc/demo-empty", Mode: 0o644},
			{Path: "/www/luci-static/resources/view/demo/a-b.js", Mode: 0o644, Data: []byte("'use strict';\n")},
			{Path: "/www/luci-static/resources/view/demo.js", Mode: 0o644, Data: []byte("x\n")},
		},
		Conffiles:   []string{"/etc/config/demo"},
		PostinstPkg: "#!/bin/sh\n[ -n \"${IPKG_INSTROOT}\" ] || /etc/init.d/rpcd reload\nexit 0\n",
		PrermPkg:    "  #!/bin/sh\necho bye\n",
		Epoch:       epoch,
	}
}

func inflateBytes(t *testing.T, b []byte) []byte { t.Helper(); return inflate(t, string(b)) }

// TestMatchesMkpkg packs the same tree with the real `apk mkpkg`, called
// as OpenWrt's include/package-pack.mk calls it (under fakeroot there, as
// root here), and checks the uncompressed files are identical: the same
// ADB layout, values, order and data blocks.
func TestMatchesMkpkg(t *testing.T) {
	pkgtest.NeedRoot(t) // apk mkpkg stores owners by name: root's files say "root"
	apkBin := userland.Bin(t, "apk")
	pkgs := []*ipk.Package{testPackage(), pkgtest.Stubs("x86_64")[3], pkgtest.Stubs("x86_64")[4]}
	bin := filepath.Join(t.TempDir(), "wghub")
	os.WriteFile(bin, bytes.Repeat([]byte("\x7fELF stand-in "), 20000), 0o755)
	for _, spec := range []string{"wghub", "luci-app-wghub"} { // what make apk packs
		text, err := os.ReadFile(filepath.Join("..", "openwrt", "ipk", spec+".ipkspec"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ipk.ParseSpec(text, map[string]string{"VERSION": "1.0.0-r1", "ARCH": "mipsel_24kc", "BIN": bin}, "..")
		if err != nil {
			t.Fatal(err)
		}
		p.Epoch = epoch
		pkgs = append(pkgs, p)
	}
	for _, p := range pkgs {
		t.Run(p.Name, func(t *testing.T) {
			ours, err := apk.Build(p, apk.GoDeflate)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			root := filepath.Join(tmp, "root")
			os.Mkdir(root, 0o755)
			for _, f := range apk.Files(p) {
				dst := filepath.Join(root, f.Path)
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					t.Fatal(err)
				}
				if f.Link != "" {
					err = os.Symlink(f.Link, dst)
				} else if err = os.WriteFile(dst, f.Data, f.Mode); err == nil {
					err = os.Chmod(dst, f.Mode)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			post, upgrade, deinstall := apk.Scripts(p)
			args := []string{"mkpkg",
				"--info", "name:" + p.Name, "--info", "version:" + p.Version,
				"--info", "description:" + apk.Description(p), "--info", "arch:" + apk.Arch(p.Architecture),
				"--info", "license:" + p.License, "--info", "origin:" + p.Source,
				"--info", "url:" + p.URL, "--info", "maintainer:" + p.Maintainer}
			for name, text := range map[string]string{"post-install": post, "post-upgrade": upgrade, "pre-deinstall": deinstall} {
				f := filepath.Join(tmp, name)
				os.WriteFile(f, []byte(text), 0o755)
				args = append(args, "--script", name+":"+f)
			}
			out := filepath.Join(tmp, "ref.apk")
			args = append(args, "--info", "depends:"+strings.Join(apk.Depends(p), " "), "--files", root, "--output", out)
			cmd := exec.Command(apkBin, args...)
			cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("apk mkpkg: %v\n%s", err, b)
			}
			ref, _ := os.ReadFile(out)
			a, b := inflateBytes(t, ours), inflateBytes(t, ref)
			if !bytes.Equal(a, b) {
				i := 0
				for i < min(len(a), len(b)) && a[i] == b[i] {
					i++
				}
				t.Errorf("uncompressed package differs from apk mkpkg's at byte %d (%d and %d bytes)\nours   %q\nmkpkg  %q",
					i, len(a), len(b), a[max(0, i-32):min(len(a), i+32)], b[max(0, i-32):min(len(b), i+32)])
			}
		})
	}
}

func TestReproducible(t *testing.T) {
	for name, z := range map[string]apk.Compressor{"go": apk.GoDeflate, "gzip": apk.Gzip} {
		a, err := apk.Build(testPackage(), z)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := apk.Build(testPackage(), z)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two builds differ", name)
		}
		if !bytes.Equal(inflateBytes(t, a), inflateBytes(t, b)) {
			t.Errorf("%s: contents differ", name)
		}
	}
}

func TestScripts(t *testing.T) {
	post, upgrade, deinstall := apk.Scripts(testPackage())
	for _, c := range []struct{ name, got, want string }{
		{"post-install", post, "#!/bin/sh\n[ \"${IPKG_NO_SCRIPT}\" = \"1\" ] && exit 0\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\nexport root=\"${IPKG_INSTROOT}\"\nexport pkgname=\"demo\"\nadd_group_and_user\ndefault_postinst\n[ -n \"${IPKG_INSTROOT}\" ] || /etc/init.d/rpcd reload\nexit 0\n"},
		{"post-upgrade", upgrade, "#!/bin/sh\nexport PKG_UPGRADE=1\n" + strings.TrimPrefix(post, "#!/bin/sh\n")},
		{"pre-deinstall", deinstall, "#!/bin/sh\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\nexport root=\"${IPKG_INSTROOT}\"\nexport pkgname=\"demo\"\ndefault_prerm\necho bye\n"},
	} {
		if c.got != c.want {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, c.got, c.want)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(p *ipk.Package)
		want string
	}{
		{"opkg-only version", func(p *ipk.Package) { p.Version = "1.2.3+4.gabc" }, "not valid for apk"},
		{"versioned dependency", func(p *ipk.Package) { p.Depends = []string{"wghub (>= 1.0)"} }, "only plain package names"},
		{"generated file", func(p *ipk.Package) {
			p.Files = append(p.Files, ipk.File{Path: "/lib/apk/packages/demo.list", Mode: 0o644})
		}, "generated by the apk packer"},
		{"ipk check", func(p *ipk.Package) { p.Description = "" }, "no description"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testPackage()
			c.edit(p)
			if _, err := apk.Build(p, apk.GoDeflate); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestValidVersion checks the version grammar against apk's own check
// (`apk version -c`) when the userland is there.
func TestValidVersion(t *testing.T) {
	cases := map[string]bool{
		"1.0": true, "1.0-r1": true, "1.2.3.4~abc1234-r1": true, "0.0.0.25~944355b-r0": true,
		"1.0a": true, "1.0_rc1": true, "1.0_p2_git-r3": true, "2": true,
		"1.0+4.gabc": false, "1.0-1": false, "1.0~xyz": false, "v1.0": false, "1.0_foo": false,
		"": false, "1.0-r1-r2": false, "1..0": false, "1.0~": false,
	}
	for v, want := range cases {
		if got := apk.ValidVersion(v); got != want {
			t.Errorf("ValidVersion(%q) = %v, want %v", v, got, want)
		}
	}
	p, err := userland.Build()
	if err != nil {
		t.Skip(err)
	}
	for v, want := range cases {
		if v == "" {
			continue
		}
		err := exec.Command(filepath.Join(p, "bin", "apk"), "version", "-c", v).Run()
		if (err == nil) != want {
			t.Errorf("apk version -c %q: %v, want valid=%v", v, err, want)
		}
	}
}

func TestIndex(t *testing.T) {
	key, err := apk.ParseKey([]byte(pkgtest.ReadFile(t, pkgtest.APKKey(t, t.TempDir()))))
	if err != nil {
		t.Fatal(err)
	}
	var files []apk.PackageFile
	for _, p := range append(pkgtest.Stubs("x86_64"), testPackage()) {
		b, err := apk.Build(p, apk.GoDeflate)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, apk.PackageFile{Name: apk.FileName(p), Data: b})
	}
	ndx, err := apk.Index(files, "test feed", key, apk.GoDeflate)
	if err != nil {
		t.Fatal(err)
	}
	raw := inflateBytes(t, ndx)
	if !bytes.HasPrefix(raw, []byte("ADB.indx")) {
		t.Fatalf("not an index: %q", raw[:8])
	}
	// Each package's identity is the SHA-256 of its ADB block.
	for _, f := range files {
		pr := inflateBytes(t, f.Data)
		n := int(binary.LittleEndian.Uint32(pr[8:]) & 0x3fffffff)
		sum := sha256.Sum256(pr[12 : 8+n])
		if !bytes.Contains(raw, sum[:]) {
			t.Errorf("%s: identity not in the index", f.Name)
		}
	}
	again, _ := apk.Index(files, "test feed", key, apk.GoDeflate)
	if !bytes.Equal(ndx, again) {
		t.Error("two signed indexes of the same packages differ")
	}
	for _, c := range []struct {
		name  string
		files []apk.PackageFile
		want  string
	}{
		{"misnamed", []apk.PackageFile{{Name: "demo.apk", Data: files[0].Data}}, "must be named"},
		{"twice", []apk.PackageFile{files[0], files[0]}, "given twice"},
		{"not a package", []apk.PackageFile{{Name: "x-1.apk", Data: []byte("hello")}}, "not an apk v3 package"},
		{"an index", []apk.PackageFile{{Name: "x-1.apk", Data: ndx}}, "not an apk v3 package"},
	} {
		if _, err := apk.Index(c.files, "", key, apk.GoDeflate); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestParseKey(t *testing.T) {
	dir := t.TempDir()
	ok := pkgtest.APKKey(t, dir)
	k, err := apk.ParseKey([]byte(pkgtest.ReadFile(t, ok)))
	if err != nil {
		t.Fatal(err)
	}
	// The public key apk reads from /etc/apk/keys is openssl's.
	pub, err := exec.Command("openssl", "ec", "-in", ok, "-pubout").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.PublicPEM(), pub) {
		t.Errorf("public key:\n%s\nopenssl:\n%s", k.PublicPEM(), pub)
	}
	withParams := filepath.Join(dir, "params.pem")
	if out, err := exec.Command("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-out", withParams).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := apk.ParseKey([]byte(pkgtest.ReadFile(t, withParams))); err != nil {
		t.Errorf("key after EC PARAMETERS: %v", err)
	}
	p384 := filepath.Join(dir, "p384.pem")
	exec.Command("openssl", "ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", p384).Run()
	rsa := filepath.Join(dir, "rsa.pem")
	exec.Command("openssl", "genrsa", "-out", rsa, "2048").Run()
	for name, b := range map[string][]byte{"empty": nil, "garbage": []byte("not a key"),
		"P-384": []byte(pkgtest.ReadFile(t, p384)), "RSA": []byte(pkgtest.ReadFile(t, rsa)), "public": pub} {
		if _, err := apk.ParseKey(b); !errors.Is(err, apk.ErrKey) {
			t.Errorf("%s: %v, want ErrKey", name, err)
		}
	}
}

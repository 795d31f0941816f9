package ipk

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Stand-ins for the parts of OpenWrt's build system the feed Makefiles
// use, with the values OpenWrt's rules.mk, golang-package.mk (its
// golang-build.sh install_bin) and golang-values.mk give them.
const (
	stubRules = `INCLUDE_DIR:=$(TOPDIR)/include
INSTALL_DIR:=install -d -m0755
INSTALL_BIN:=install -m0755
INSTALL_DATA:=install -m0644
INSTALL_CONF:=install -m0600
LN:=ln -sf
CP:=cp -fpR
`
	stubPackage = "define BuildPackage\nendef\n"
	stubGolang  = `GO_ARCH_DEPENDS:=@(aarch64||arm||i386||i686||mips||mips64||mips64el||mipsel||powerpc64||x86_64)
GO_PKG_INSTALL_BIN_PATH?=/usr/bin
define GoPackage/Package/Install/Bin
	install -d -m0755 $(1)/$(GO_PKG_INSTALL_BIN_PATH)
	install -m0755 $(GO_PKG_BUILD_BIN_DIR)/* $(1)/$(GO_PKG_INSTALL_BIN_PATH)/
endef
define GoBinPackage
endef
`
	// driver runs Package/$(PKG)/install into $(STAGE) and writes the
	// package's variables to files in $(OUT), one per name.
	stubDriver = `$(eval $(Package/$(PKG)))
.PHONY: stage
stage:
	$(foreach v,PKG_NAME PKG_VERSION PKG_RELEASE PKG_LICENSE PKG_LICENSE_FILES PKG_MAINTAINER GO_PKG_LDFLAGS_X LUCI_TITLE LUCI_DEPENDS SECTION URL DEPENDS TITLE,$(file >$(OUT)/$(v),$($(v))))
	$(file >$(OUT)/description,$(Package/$(PKG)/description))
	$(file >$(OUT)/conffiles,$(Package/$(PKG)/conffiles))
	$(file >$(OUT)/postinst,$(Package/$(PKG)/postinst))
	$(call Package/$(PKG)/install,$(STAGE))
`
)

// feedMake runs the package Makefile in src (copied to feed/rel, so that
// its ../../ includes land on the stubs) and returns the staged install
// directory and the variables it wrote.
func feedMake(t *testing.T, src, rel, pkg string, extra map[string]string) (string, map[string]string) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("make not installed")
		}
		t.Skip("make not installed")
	}
	tmp := t.TempDir()
	files := map[string]string{
		"top/rules.mk":                       stubRules,
		"top/include/package.mk":             stubPackage,
		"feed/lang/golang/golang-package.mk": stubGolang,
		"feed/luci.mk":                       "",
		"driver.mk":                          stubDriver,
	}
	for name, text := range extra {
		files[name] = text
	}
	for name, text := range files {
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(tmp, "feed", rel)
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	stage, out := filepath.Join(tmp, "stage"), filepath.Join(tmp, "out")
	os.Mkdir(stage, 0o755)
	os.Mkdir(out, 0o755)
	cmd := exec.Command("make", "-s", "-f", "Makefile", "-f", filepath.Join(tmp, "driver.mk"),
		"TOPDIR="+filepath.Join(tmp, "top"), "PKG="+pkg, "STAGE="+stage, "OUT="+out,
		"GO_PKG_BUILD_BIN_DIR="+filepath.Join(tmp, "bin"), "stage")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make: %v\n%s", err, b)
	}
	vars := map[string]string{}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		vars[e.Name()] = strings.TrimSuffix(string(b), "\n")
	}
	return stage, vars
}

// stagedTree lists a directory as checkTree wants it.
func stagedTree(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		name := "./" + filepath.ToSlash(rel)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case rel == ".":
			got["./"] = fmt.Sprintf("dir %o", info.Mode().Perm())
		case d.Type()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			got[name] = "link " + l
		case d.IsDir():
			got[name+"/"] = fmt.Sprintf("dir %o", info.Mode().Perm())
		default:
			got[name] = fmt.Sprintf("file %o", info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// depends turns a feed DEPENDS into control Depends as the SDK does:
// build conditions (@...) dropped, '+' stripped, libc first.
func depends(s string) string {
	d := []string{"libc"}
	for _, f := range strings.Fields(s) {
		if !strings.HasPrefix(f, "@") {
			d = append(d, strings.TrimPrefix(f, "+"))
		}
	}
	return strings.Join(d, ", ")
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		out = append(out, strings.TrimSpace(l))
	}
	return out
}

// TestFeedMakefile runs openwrt/wghub/Makefile's install as the SDK would
// and checks that `make ipk` (openwrt/ipk/wghub.ipkspec) ships the same
// files with the same modes and contents, and the same control fields,
// conffiles and postinst.
func TestFeedMakefile(t *testing.T) {
	binary := []byte("\x7fELF stand-in for the wghub binary\n")
	stage, v := feedMake(t, filepath.Join("..", "openwrt", "wghub"), "net/wghub", "wghub",
		map[string]string{"bin/wghub": string(binary)})

	specText, err := os.ReadFile(filepath.Join("..", "openwrt", "ipk", "wghub.ipkspec"))
	if err != nil {
		t.Fatal(err)
	}
	binPath := filepath.Join(t.TempDir(), "wghub")
	os.WriteFile(binPath, binary, 0o644)
	p, err := ParseSpec(specText, map[string]string{"VERSION": "1.0", "ARCH": "x86_64", "BIN": binPath}, "..")
	if err != nil {
		t.Fatal(err)
	}
	p.Epoch = 1700000000
	b, err := p.Build()
	if err != nil {
		t.Fatal(err)
	}
	u := unpack(t, b)
	checkTree(t, u, stagedTree(t, stage))
	for _, m := range u.data {
		if m.h.Typeflag != '0' {
			continue
		}
		staged, err := os.ReadFile(filepath.Join(stage, m.h.Name))
		if err != nil || !bytes.Equal(staged, m.data) {
			t.Errorf("%s: contents differ from what the feed Makefile installs (%v)", m.h.Name, err)
		}
	}

	for _, c := range []struct{ field, got, want string }{
		{"Package", p.Name, v["PKG_NAME"]},
		{"SourceName", p.SourceName, v["PKG_NAME"]},
		{"License", p.License, v["PKG_LICENSE"]},
		{"LicenseFiles", p.LicenseFiles, v["PKG_LICENSE_FILES"]},
		{"Maintainer", p.Maintainer, v["PKG_MAINTAINER"]},
		{"Section", p.Section, v["SECTION"]},
		{"URL", p.URL, v["URL"]},
		{"Depends", strings.Join(p.Depends, ", "), depends(v["DEPENDS"])},
		{"Description", strings.Join(lines(p.Description), "\n"), strings.Join(lines(v["description"]), "\n")},
		{"Conffiles", strings.Join(p.Conffiles, "\n"), v["conffiles"]},
		{"postinst-pkg", p.PostinstPkg, v["postinst"] + "\n"},
		{"version stamp", v["GO_PKG_LDFLAGS_X"], "github.com/wghub/wghub/cli.version=" + v["PKG_VERSION"] + "-r" + v["PKG_RELEASE"]},
	} {
		if c.got != c.want {
			t.Errorf("%s: spec has %q, feed Makefile %q", c.field, c.got, c.want)
		}
	}
	script, err := os.ReadFile(filepath.Join("..", "scripts", "ipk.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if x, _, _ := strings.Cut(v["GO_PKG_LDFLAGS_X"], "="); !bytes.Contains(script, []byte("-X "+x+"=")) {
		t.Errorf("scripts/ipk.sh does not stamp %s", x)
	}
}

// TestFeedLuciMakefile checks luci-app-wghub.ipkspec against the LuCI
// app's Makefile (luci.mk's package: title as description, LUCI_DEPENDS).
func TestFeedLuciMakefile(t *testing.T) {
	_, v := feedMake(t, filepath.Join("..", "luci", "luci-app-wghub"), "applications/luci-app-wghub", "none", nil)
	specText, err := os.ReadFile(filepath.Join("..", "openwrt", "ipk", "luci-app-wghub.ipkspec"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseSpec(specText, map[string]string{"VERSION": "1.0"}, "..")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ field, got, want string }{
		{"Depends", strings.Join(p.Depends, ", "), depends(v["LUCI_DEPENDS"])},
		{"Description", p.Description, v["LUCI_TITLE"]},
		{"License", p.License, v["PKG_LICENSE"]},
	} {
		if c.got != c.want {
			t.Errorf("%s: spec has %q, luci Makefile %q", c.field, c.got, c.want)
		}
	}
}

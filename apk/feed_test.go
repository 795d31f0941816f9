package apk_test

import (
	"bytes"
	"compress/flate"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/apk"
	"github.com/wghub/wghub/internal/userland"
	"github.com/wghub/wghub/ipk"
)

// functionsSh is a STAND-IN for OpenWrt's /lib/functions.sh (package
// base-files), written for these tests, not copied: it has only what the
// packages' scripts call, behaving as OpenWrt's does in what the tests
// check. On a router (no IPKG_INSTROOT) default_postinst runs the
// package's uci-defaults scripts listed in its file list and deletes
// those that succeed; opkg's postinst-pkg and prerm-pkg are sourced from
// /usr/lib/opkg/info; every call is logged to /tmp/scripts.log.
const functionsSh = `# STAND-IN for OpenWrt's /lib/functions.sh, test use only.
add_group_and_user() { :; }
default_postinst() {
	local root="${IPKG_INSTROOT}" list ret=0
	[ -n "$pkgname" ] || pkgname=$(basename "${1%.*}")
	list="$root/lib/apk/packages/$pkgname.list"
	[ -f "$list" ] || list="$root/usr/lib/opkg/info/$pkgname.list"
	echo "default_postinst $pkgname root=$root upgrade=$PKG_UPGRADE" >>"$root/tmp/scripts.log"
	if [ -z "$root" ]; then
		for i in $(grep -s '^/etc/uci-defaults/' "$list" | cut -f1); do
			( [ -f "$i" ] && cd "$(dirname "$i")" && . "$i" ) && rm -f "$i"
		done
	fi
	if [ -f "$root/usr/lib/opkg/info/$pkgname.postinst-pkg" ]; then
		( . "$root/usr/lib/opkg/info/$pkgname.postinst-pkg" )
		ret=$?
	fi
	return $ret
}
default_prerm() {
	local root="${IPKG_INSTROOT}"
	[ -n "$pkgname" ] || pkgname=$(basename "${1%.*}")
	echo "default_prerm $pkgname root=$root" >>"$root/tmp/scripts.log"
	if [ -f "$root/usr/lib/opkg/info/$pkgname.prerm-pkg" ]; then
		( . "$root/usr/lib/opkg/info/$pkgname.prerm-pkg" )
	fi
}
`

// rpcdInit stands in for rpcd's init script: it logs what it is asked.
const rpcdInit = "#!/bin/sh\necho \"rpcd $*\" >>/tmp/scripts.log\n"

// stubs are the packages wghub and luci-app-wghub depend on, empty but
// for rpcd's init script: a router has them installed.
func stubs(arch string) []*ipk.Package {
	var out []*ipk.Package
	for _, s := range []struct {
		name, arch string
		files      []ipk.File
	}{
		{"libc", arch, nil},
		{"kmod-wireguard", arch, nil},
		{"wireguard-tools", arch, nil},
		{"rpcd", arch, []ipk.File{{Path: "/etc/init.d/rpcd", Mode: 0o755, Data: []byte(rpcdInit)}}},
		{"luci-base", "all", nil},
	} {
		out = append(out, &ipk.Package{Name: s.name, Version: "1.0-r1", Architecture: s.arch,
			Description: "stand-in for OpenWrt's " + s.name, Files: s.files, Epoch: 1700000000})
	}
	return out
}

// busybox returns Debian's static busybox (package busybox-static): the
// package scripts run chrooted into the root and need a /bin/sh there.
func busybox(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if b, err := exec.Command("file", "-L", p).Output(); err == nil && bytes.Contains(b, []byte("statically linked")) {
			return p
		}
		if _, err := os.Stat(p); err == nil {
			if _, err := exec.LookPath("file"); err != nil {
				return p // cannot check; Debian's busybox-static is the usual one
			}
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no static busybox (Debian: busybox-static)")
	}
	t.Skip("no static busybox (Debian: busybox-static)")
	return ""
}

// routerRoot makes a root directory with what a router has before wghub
// is installed: a shell and its tools (busybox), the /lib/functions.sh
// stand-in, /tmp.
func routerRoot(t *testing.T) string {
	t.Helper()
	bb := busybox(t)
	root := t.TempDir()
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "lib", "tmp", "etc/config"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chroot", root, "/bin/busybox", "--install", "-s").CombinedOutput(); err != nil {
		t.Fatalf("busybox --install: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(root, "lib/functions.sh"), []byte(functionsSh), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: package scripts run chrooted into the test root")
	}
}

// feedScript runs `make feed` (scripts/ipk.sh feed) for x86_64 only,
// with the given version and keys, into out; it returns the feed's
// x86_64 directory.
func feedScript(t *testing.T, out, build, version, apkKey, usignKey string) string {
	t.Helper()
	cmd := exec.Command("./scripts/ipk.sh", "feed")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "TARGETS=x86_64", "OUT="+out, "BUILD="+build, "VERSION="+version,
		"SOURCE_DATE_EPOCH=1700000000", "APK_KEY="+apkKey, "USIGN_KEY="+usignKey)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/ipk.sh feed: %v\n%s", err, b)
	}
	return filepath.Join(out, "feed", "x86_64")
}

// apkKey writes a throwaway ECDSA P-256 key as owners make one.
func apkKey(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "feed-key.pem")
	if out, err := exec.Command("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	return p
}

// stubFeed writes the stub packages and their signed index into dir.
func stubFeed(t *testing.T, dir, keyPath string) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	kb, _ := os.ReadFile(keyPath)
	key, err := apk.ParseKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	var files []apk.PackageFile
	for _, p := range stubs("x86_64") {
		b, err := apk.Build(p, apk.GoDeflate)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, apk.PackageFile{Name: apk.FileName(p), Data: b})
		os.WriteFile(filepath.Join(dir, apk.FileName(p)), b, 0o644)
	}
	ndx, err := apk.Index(files, "stubs", key, apk.GoDeflate)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "packages.adb"), ndx, 0o644)
}

// apkIn runs the real apk on root, offline, with the given repositories.
func apkIn(t *testing.T, root string, repos []string, args ...string) (string, error) {
	t.Helper()
	rf := filepath.Join(t.TempDir(), "repositories")
	os.WriteFile(rf, []byte(strings.Join(repos, "\n")+"\n"), 0o644)
	argv := append([]string{"--root", root, "--arch", "x86_64", "--repositories-file", rf,
		"--no-network", "--no-cache", "--no-interactive"}, args...)
	out, err := exec.Command(userland.Bin(t, "apk"), argv...).CombinedOutput()
	return string(out), err
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFeedWithApk installs wghub and luci-app-wghub from the signed feed
// `make feed` writes, with the real apk-tools in an offline root, as
// apk does on a router: the index must verify with the owner's public
// key (no --allow-untrusted), the post-install scripts run (uci-defaults
// applied and deleted, rpcd reloaded), an upgrade keeps the owner's
// /etc/config/wghub, removal removes, and a tampered package or index is
// refused.
func TestFeedWithApk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wghub and runs apk")
	}
	needRoot(t)
	userland.Bin(t, "apk")
	tmp := t.TempDir()
	key := apkKey(t, tmp)
	build := filepath.Join(tmp, "build")
	v1, v2 := "1.0.0-r1", "1.0.0.3~abc1234-r1"
	feed1 := feedScript(t, filepath.Join(tmp, "v1"), build, v1, key, "")
	feed2 := feedScript(t, filepath.Join(tmp, "v2"), build, v2, key, "")
	base := filepath.Join(tmp, "base")
	stubFeed(t, base, key)

	root := routerRoot(t)
	os.MkdirAll(filepath.Join(root, "etc/apk/keys"), 0o755)
	pub := readFile(t, filepath.Join(tmp, "v1", "feed", "keys", "wghub-apk.pem"))
	os.WriteFile(filepath.Join(root, "etc/apk/keys/wghub-apk.pem"), []byte(pub), 0o644)
	repos1 := []string{filepath.Join(base, "packages.adb"), filepath.Join(feed1, "packages.adb")}
	repos2 := []string{filepath.Join(base, "packages.adb"), filepath.Join(feed2, "packages.adb")}

	if out, err := apkIn(t, root, repos1, "--initdb", "add", "wghub", "luci-app-wghub"); err != nil {
		t.Fatalf("apk add: %v\n%s", err, out)
	}
	log := func() string { return readFile(t, filepath.Join(root, "tmp/scripts.log")) }
	t.Run("install", func(t *testing.T) {
		st, err := os.Stat(filepath.Join(root, "usr/sbin/wghub"))
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("/usr/sbin/wghub: %v %v", st, err)
		}
		if l, err := os.Readlink(filepath.Join(root, "usr/libexec/rpcd/wghub")); l != "/usr/sbin/wghub" {
			t.Errorf("rpcd plugin link: %q %v", l, err)
		}
		if st, err := os.Stat(filepath.Join(root, "etc/config/wghub")); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("/etc/config/wghub: %v %v", st, err)
		}
		if _, err := os.Stat(filepath.Join(root, "etc/uci-defaults/90-wghub")); !os.IsNotExist(err) {
			t.Errorf("uci-defaults script not applied and deleted: %v", err)
		}
		if _, err := os.Stat(filepath.Join(root, "www/luci-static/resources/view/wghub/overview.js")); err != nil {
			t.Error(err)
		}
		for _, want := range []string{"default_postinst wghub root= upgrade=\n", "rpcd reload\n", "default_postinst luci-app-wghub root="} {
			if !strings.Contains(log(), want) {
				t.Errorf("scripts log lacks %q:\n%s", want, log())
			}
		}
		if got := installed(t, root, "wghub"); got != v1 {
			t.Errorf("installed wghub %q, want %q", got, v1)
		}
	})
	t.Run("upgrade keeps the owner's config", func(t *testing.T) {
		conf := filepath.Join(root, "etc/config/wghub")
		edited := readFile(t, conf) + "\nconfig hub 'owner'\n\toption note 'edited by the owner'\n"
		os.WriteFile(conf, []byte(edited), 0o600)
		if out, err := apkIn(t, root, repos2, "upgrade"); err != nil {
			t.Fatalf("apk upgrade: %v\n%s", err, out)
		}
		if got := installed(t, root, "wghub"); got != v2 {
			t.Errorf("installed wghub %q after the upgrade, want %q", got, v2)
		}
		if got := readFile(t, conf); got != edited {
			t.Errorf("/etc/config/wghub after upgrade:\n%s\nwant the owner's:\n%s", got, edited)
		}
		if !strings.Contains(log(), "default_postinst wghub root= upgrade=1\n") {
			t.Errorf("post-upgrade did not run:\n%s", log())
		}
		if strings.Count(log(), "rpcd reload\n") != 2 {
			t.Errorf("rpcd not reloaded after the upgrade:\n%s", log())
		}
	})
	t.Run("tampered package", func(t *testing.T) {
		tampered := filepath.Join(tmp, "tampered")
		copyDir(t, feed2, tampered)
		p := filepath.Join(tampered, "wghub-"+v2+".apk")
		os.WriteFile(p, []byte(flipInData(t, readFile(t, p))), 0o644)
		r := routerRoot(t)
		os.MkdirAll(filepath.Join(r, "etc/apk/keys"), 0o755)
		os.WriteFile(filepath.Join(r, "etc/apk/keys/wghub-apk.pem"), []byte(pub), 0o644)
		out, err := apkIn(t, r, []string{filepath.Join(base, "packages.adb"), filepath.Join(tampered, "packages.adb")}, "--initdb", "add", "wghub")
		if err == nil {
			t.Errorf("apk installed a package whose data was changed:\n%s", out)
		}
		if _, err := os.Stat(filepath.Join(r, "usr/sbin/wghub")); err == nil {
			t.Error("the tampered binary is installed")
		}
	})
	t.Run("tampered index", func(t *testing.T) {
		tampered := filepath.Join(tmp, "tampered-index")
		copyDir(t, feed2, tampered)
		p := filepath.Join(tampered, "packages.adb")
		os.WriteFile(p, []byte(replaceInADB(t, readFile(t, p), "wghub "+v2, "wghub "+strings.Repeat("X", len(v2)))), 0o644)
		r := routerRoot(t)
		os.MkdirAll(filepath.Join(r, "etc/apk/keys"), 0o755)
		os.WriteFile(filepath.Join(r, "etc/apk/keys/wghub-apk.pem"), []byte(pub), 0o644)
		out, err := apkIn(t, r, []string{filepath.Join(base, "packages.adb"), filepath.Join(tampered, "packages.adb")}, "--initdb", "add", "wghub")
		if err == nil || !strings.Contains(out, "UNTRUSTED") {
			t.Errorf("apk used an index whose contents changed after signing: %v\n%s", err, out)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if out, err := apkIn(t, root, repos2, "del", "luci-app-wghub", "wghub"); err != nil {
			t.Fatalf("apk del: %v\n%s", err, out)
		}
		for _, f := range []string{"usr/sbin/wghub", "usr/libexec/rpcd/wghub", "www/luci-static/resources/view/wghub/overview.js"} {
			if _, err := os.Lstat(filepath.Join(root, f)); !os.IsNotExist(err) {
				t.Errorf("%s still there after apk del: %v", f, err)
			}
		}
		if !strings.Contains(log(), "default_prerm wghub root=") {
			t.Errorf("pre-deinstall did not run:\n%s", log())
		}
	})
}

// installed returns the version of a package in apk's database of root
// (lib/apk/db/installed: "P:name" then "V:version" lines).
func installed(t *testing.T, root, name string) string {
	t.Helper()
	db := readFile(t, filepath.Join(root, "lib/apk/db/installed"))
	for _, stanza := range strings.Split(db, "\n\n") {
		if strings.Contains("\n"+stanza+"\n", "\nP:"+name+"\n") {
			for _, l := range strings.Split(stanza, "\n") {
				if v, ok := strings.CutPrefix(l, "V:"); ok {
					return v
				}
			}
		}
	}
	return ""
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// inflate returns the uncompressed ADB file of an .apk or index.
func inflate(t *testing.T, b string) []byte {
	t.Helper()
	if !strings.HasPrefix(b, "ADBd") {
		t.Fatalf("not a deflated ADB file: %q", b[:4])
	}
	raw, err := io.ReadAll(flate.NewReader(strings.NewReader(b[4:])))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// flipInData changes one byte of the last data block (the end of the
// largest file), leaving the ADB block and its identity as they were.
func flipInData(t *testing.T, b string) string {
	t.Helper()
	raw := inflate(t, b)
	raw[len(raw)-20] ^= 0xff
	out, err := apk.GoDeflate(raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// replaceInADB replaces text of the same length in an ADB file.
func replaceInADB(t *testing.T, b, old, new string) string {
	t.Helper()
	raw := inflate(t, b)
	if len(old) != len(new) || !bytes.Contains(raw, []byte(old)) {
		t.Fatalf("no %q to replace", old)
	}
	out, err := apk.GoDeflate(bytes.Replace(raw, []byte(old), []byte(new), 1))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

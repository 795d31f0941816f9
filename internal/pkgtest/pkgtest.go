// Package pkgtest helps the tests that install wghub's packages with the
// real package managers (apk-tools, opkg) in a throwaway root directory
// made to look like a router: a shell and its tools (Debian's static
// busybox), a stand-in for OpenWrt's /lib/functions.sh, stand-ins for the
// packages wghub depends on, throwaway signing keys, and `make feed` run
// for one architecture. Package scripts run chrooted into that root, so
// the tests need root.
package pkgtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/wghub/wghub/ipk"
)

// FunctionsSh is a STAND-IN for OpenWrt's /lib/functions.sh (package
// base-files), written for these tests, not copied: it has only what the
// packages' scripts call, behaving as OpenWrt's does in what the tests
// check. On a router (no IPKG_INSTROOT) default_postinst runs the
// package's uci-defaults scripts listed in its file list (apk's
// /lib/apk/packages/NAME.list or opkg's info/NAME.list) and deletes those
// that succeed; opkg's postinst-pkg and prerm-pkg are sourced from
// /usr/lib/opkg/info; every call is logged to /tmp/scripts.log.
const FunctionsSh = `# STAND-IN for OpenWrt's /lib/functions.sh, test use only.
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

// Stubs are the packages wghub and luci-app-wghub depend on, empty but
// for rpcd's init script: a router has them installed.
func Stubs(arch string) []*ipk.Package {
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

// NeedRoot skips a test when not run as root.
func NeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: package scripts run chrooted into the test root")
	}
}

// busybox returns Debian's static busybox (package busybox-static).
func busybox(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		out, err := exec.Command("ldd", p).CombinedOutput()
		if err != nil && bytes.Contains(out, []byte("not a dynamic executable")) {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no static busybox (Debian: busybox-static)")
	}
	t.Skip("no static busybox (Debian: busybox-static)")
	return ""
}

// RouterRoot makes a root directory with what a router has before wghub
// is installed: busybox as /bin/sh and its tools, the /lib/functions.sh
// stand-in, /dev/null, /tmp and /var/lock.
func RouterRoot(t *testing.T) string {
	t.Helper()
	NeedRoot(t)
	bb := busybox(t)
	root := t.TempDir()
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "lib", "tmp", "var/lock", "etc/config", "dev"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// /dev/null (character device 1,3) for the scripts' redirections.
	if err := syscall.Mknod(filepath.Join(root, "dev/null"), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatal(err)
	}
	CopyFile(t, bb, filepath.Join(root, "bin/busybox"), 0o755)
	if out, err := exec.Command("chroot", root, "/bin/busybox", "--install", "-s").CombinedOutput(); err != nil {
		t.Fatalf("busybox --install: %v\n%s", err, out)
	}
	WriteFile(t, filepath.Join(root, "lib/functions.sh"), FunctionsSh, 0o644)
	return root
}

// CopyProgram copies a dynamically linked program into root at dst with
// the shared libraries ldd lists, each at its own path, so that it runs
// chrooted into root.
func CopyProgram(t *testing.T, root, src, dst string) {
	t.Helper()
	CopyFile(t, src, filepath.Join(root, dst), 0o755)
	out, err := exec.Command("ldd", src).Output()
	if err != nil {
		t.Fatalf("ldd %s: %v", src, err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		var lib string
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			lib = f[2]
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			lib = f[0]
		default:
			continue
		}
		if _, err := os.Stat(filepath.Join(root, lib)); err == nil {
			continue
		}
		CopyFile(t, lib, filepath.Join(root, lib), 0o755)
	}
}

// CopyFile copies src to dst (following links), creating dst's parents.
func CopyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	WriteFile(t, dst, string(b), mode)
}

// WriteFile writes s to p, creating p's parents.
func WriteFile(t *testing.T, p, s string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
}

// ReadFile returns p's contents.
func ReadFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// APKKey writes a throwaway ECDSA P-256 key into dir, as an owner makes one.
func APKKey(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "feed-key.pem")
	if out, err := exec.Command("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	return p
}

// UsignKey writes a throwaway usign key pair into dir with usign and
// returns the secret and public key files.
func UsignKey(t *testing.T, usign, dir string) (secret, public string) {
	t.Helper()
	secret, public = filepath.Join(dir, "usign.sec"), filepath.Join(dir, "usign.pub")
	if out, err := exec.Command(usign, "-G", "-s", secret, "-p", public).CombinedOutput(); err != nil {
		t.Fatalf("usign -G: %v\n%s", err, out)
	}
	return secret, public
}

// FeedScript runs `make feed` (scripts/ipk.sh feed) for x86_64 only, with
// the given version and keys (usignKey may be ""), into out; it returns
// the feed's x86_64 directory. build is shared between calls, so the
// second build reuses the first's tools.
func FeedScript(t *testing.T, out, build, version, apkKey, usignKey string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("./scripts/ipk.sh", "feed")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	cmd.Env = append(os.Environ(), "TARGETS=x86_64", "OUT="+out, "BUILD="+build, "VERSION="+version,
		"SOURCE_DATE_EPOCH=1700000000", "APK_KEY="+apkKey, "USIGN_KEY="+usignKey)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/ipk.sh feed: %v\n%s", err, b)
	}
	return filepath.Join(out, "feed", "x86_64")
}

package ipk_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/pkgtest"
	"github.com/wghub/wghub/internal/userland"
)

// opkgKey is a STAND-IN for OpenWrt's /usr/sbin/opkg-key (package opkg),
// test use only: opkg runs `opkg-key verify SIG LIST` for each feed list
// when check_signature is set, LIST being the downloaded Packages.gz as
// is; like OpenWrt's, this decompresses it and checks it with usign
// against the public keys in /etc/opkg/keys (named by fingerprint).
const opkgKey = `#!/bin/sh
# STAND-IN for OpenWrt's opkg-key, test use only.
[ "$1" = verify ] || exit 1
(zcat "$3" 2>/dev/null || cat "$3") | /usr/bin/usign -V -q -P /etc/opkg/keys -x "$2" -m -
`

// opkgConf is the router's /etc/opkg.conf for the test: the two feeds
// copied into the root, signatures checked.
const opkgConf = `dest root /
dest ram /tmp
lists_dir ext /var/opkg-lists
option overlay_root /overlay
option check_signature 1
arch all 1
arch noarch 1
arch x86_64 10
src/gz base file:///feeds/base
src/gz wghub file:///feeds/wghub
`

// opkgRoot makes a router root with opkg-cl and usign (built from
// OpenWrt's sources, with their libraries), the opkg-key stand-in, the
// feed's public key installed as `opkg-key add` installs it (named by
// its fingerprint), and the stub feed signed with the same key.
func opkgRoot(t *testing.T, usignSec, usignPub, mkfeed string) string {
	t.Helper()
	root := pkgtest.RouterRoot(t)
	pkgtest.CopyProgram(t, root, userland.Bin(t, "opkg-cl"), "/usr/bin/opkg-cl")
	usign := userland.Bin(t, "usign")
	pkgtest.CopyProgram(t, root, usign, "/usr/bin/usign")
	pkgtest.WriteFile(t, filepath.Join(root, "usr/sbin/opkg-key"), opkgKey, 0o755)
	pkgtest.WriteFile(t, filepath.Join(root, "etc/opkg.conf"), opkgConf, 0o644)
	fp, err := exec.Command(usign, "-F", "-p", usignPub).Output()
	if err != nil {
		t.Fatalf("usign -F: %v", err)
	}
	pkgtest.CopyFile(t, usignPub, filepath.Join(root, "etc/opkg/keys", strings.TrimSpace(string(fp))), 0o644)

	base := filepath.Join(root, "feeds/base")
	os.MkdirAll(base, 0o755)
	for _, p := range pkgtest.Stubs("x86_64") {
		b, err := p.Build()
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(base, p.FileName()), b, 0o644)
	}
	if out, err := exec.Command(mkfeed, "-usign-key", usignSec, base).CombinedOutput(); err != nil {
		t.Fatalf("mkfeed: %v\n%s", err, out)
	}
	return root
}

// setFeed puts a feed directory's .ipk files and indexes at /feeds/wghub
// in root, replacing what was there.
func setFeed(t *testing.T, root, feed string) {
	t.Helper()
	dst := filepath.Join(root, "feeds/wghub")
	os.RemoveAll(dst)
	os.MkdirAll(dst, 0o755)
	entries, _ := os.ReadDir(feed)
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, ".ipk") || strings.HasPrefix(n, "Packages") {
			pkgtest.CopyFile(t, filepath.Join(feed, n), filepath.Join(dst, n), 0o644)
		}
	}
}

// opkg runs opkg-cl chrooted into root, as on a router.
func opkg(t *testing.T, root string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("chroot", append([]string{root, "/usr/bin/opkg-cl"}, args...)...).CombinedOutput()
	return string(out), err
}

// status returns the Version of an installed package from opkg's status
// file.
func status(t *testing.T, root, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "usr/lib/opkg/status"))
	if err != nil {
		return ""
	}
	for _, stanza := range strings.Split(string(b), "\n\n") {
		if strings.HasPrefix(stanza, "Package: "+name+"\n") && strings.Contains(stanza, " installed") {
			for _, l := range strings.Split(stanza, "\n") {
				if v, ok := strings.CutPrefix(l, "Version: "); ok {
					return v
				}
			}
		}
	}
	return ""
}

// TestFeedWithOpkg installs wghub and luci-app-wghub from the feed
// `make feed` writes, with the real opkg (opkg-lede) run chrooted into a
// router root, signatures checked with usign: install runs the scripts as
// on a router (uci-defaults applied, rpcd reloaded), an upgrade keeps the
// owner's /etc/config/wghub, removal removes, and a Packages list changed
// after signing, a changed package, or a feed signed by another key are
// refused.
func TestFeedWithOpkg(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wghub and runs opkg")
	}
	pkgtest.NeedRoot(t)
	usign := userland.Bin(t, "usign")
	tmp := t.TempDir()
	apkKey := pkgtest.APKKey(t, tmp)
	sec, pub := pkgtest.UsignKey(t, usign, tmp)
	build := filepath.Join(tmp, "build")
	v1, v2 := "1.0.0-r1", "1.0.0.3~abc1234-r1"
	feed1 := pkgtest.FeedScript(t, filepath.Join(tmp, "v1"), build, v1, apkKey, sec)
	feed2 := pkgtest.FeedScript(t, filepath.Join(tmp, "v2"), build, v2, apkKey, sec)
	if got := pkgtest.ReadFile(t, filepath.Join(tmp, "v1/feed/keys/wghub-opkg.pub")); got != pkgtest.ReadFile(t, pub) {
		t.Errorf("feed's public key:\n%s\nwant usign's:\n%s", got, pkgtest.ReadFile(t, pub))
	}
	mkfeed := filepath.Join(build, "mkfeed")

	root := opkgRoot(t, sec, pub, mkfeed)
	setFeed(t, root, feed1)
	log := func() string { return pkgtest.ReadFile(t, filepath.Join(root, "tmp/scripts.log")) }
	if out, err := opkg(t, root, "update"); err != nil || strings.Count(out, "Signature check passed") != 2 {
		t.Fatalf("opkg update: %v\n%s", err, out)
	}
	if out, err := opkg(t, root, "install", "wghub", "luci-app-wghub"); err != nil {
		t.Fatalf("opkg install: %v\n%s", err, out)
	}
	t.Run("install", func(t *testing.T) {
		if got := status(t, root, "wghub"); got != v1 {
			t.Errorf("installed wghub %q, want %q", got, v1)
		}
		if st, err := os.Stat(filepath.Join(root, "usr/sbin/wghub")); err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("/usr/sbin/wghub: %v %v", st, err)
		}
		if st, err := os.Stat(filepath.Join(root, "etc/config/wghub")); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("/etc/config/wghub: %v %v", st, err)
		}
		if _, err := os.Stat(filepath.Join(root, "etc/uci-defaults/90-wghub")); !os.IsNotExist(err) {
			t.Errorf("uci-defaults script not applied and deleted: %v", err)
		}
		// opkg exports PKG_UPGRADE=0 on a first install (apk leaves it unset).
		for _, want := range []string{"default_postinst wghub root= upgrade=0\n", "rpcd reload\n", "default_postinst luci-app-wghub root="} {
			if !strings.Contains(log(), want) {
				t.Errorf("scripts log lacks %q:\n%s", want, log())
			}
		}
	})
	t.Run("upgrade keeps the owner's config", func(t *testing.T) {
		conf := filepath.Join(root, "etc/config/wghub")
		edited := pkgtest.ReadFile(t, conf) + "\nconfig hub 'owner'\n\toption note 'edited by the owner'\n"
		os.WriteFile(conf, []byte(edited), 0o600)
		setFeed(t, root, feed2)
		if out, err := opkg(t, root, "update"); err != nil {
			t.Fatalf("opkg update: %v\n%s", err, out)
		}
		if out, err := opkg(t, root, "upgrade", "wghub", "luci-app-wghub"); err != nil {
			t.Fatalf("opkg upgrade: %v\n%s", err, out)
		}
		if got := status(t, root, "wghub"); got != v2 {
			t.Errorf("installed wghub %q after the upgrade, want %q", got, v2)
		}
		if got := pkgtest.ReadFile(t, conf); got != edited {
			t.Errorf("/etc/config/wghub after upgrade:\n%s\nwant the owner's:\n%s", got, edited)
		}
		if !strings.Contains(log(), "default_postinst wghub root= upgrade=1\n") || strings.Count(log(), "rpcd reload\n") != 2 {
			t.Errorf("postinst did not run as an upgrade, reloading rpcd:\n%s", log())
		}
	})
	t.Run("tampered Packages", func(t *testing.T) {
		r := opkgRoot(t, sec, pub, mkfeed)
		setFeed(t, r, feed1)
		p := filepath.Join(r, "feeds/wghub/Packages")
		changed := strings.Replace(pkgtest.ReadFile(t, p), "Depends: libc, kmod-wireguard", "Depends: libc, evil-payload ", 1)
		pkgtest.WriteFile(t, p, changed, 0o644)
		gzipTo(t, changed, p+".gz")
		out, _ := opkg(t, r, "update")
		if !strings.Contains(out, "Signature check failed") {
			t.Errorf("opkg accepted a Packages list changed after signing:\n%s", out)
		}
		if out, err := opkg(t, r, "install", "wghub"); err == nil {
			t.Errorf("opkg installed from it:\n%s", out)
		}
	})
	t.Run("other key", func(t *testing.T) {
		otherSec, otherPub := pkgtest.UsignKey(t, usign, t.TempDir())
		r := opkgRoot(t, otherSec, otherPub, mkfeed) // trusts only the other key
		setFeed(t, r, feed1)
		out, _ := opkg(t, r, "update")
		if strings.Count(out, "Signature check failed") != 1 {
			t.Errorf("want the wghub feed (signed by another key) refused:\n%s", out)
		}
		if out, err := opkg(t, r, "install", "wghub"); err == nil {
			t.Errorf("opkg installed from it:\n%s", out)
		}
	})
	t.Run("tampered package", func(t *testing.T) {
		r := opkgRoot(t, sec, pub, mkfeed)
		setFeed(t, r, feed1)
		p := filepath.Join(r, "feeds/wghub/wghub_"+v1+"_x86_64.ipk")
		b := []byte(pkgtest.ReadFile(t, p))
		b[len(b)-100] ^= 0xff
		os.WriteFile(p, b, 0o644)
		if out, err := opkg(t, r, "update"); err != nil || strings.Count(out, "Signature check passed") != 2 {
			t.Fatalf("opkg update: %v\n%s", err, out)
		}
		out, err := opkg(t, r, "install", "wghub")
		if err == nil || !strings.Contains(out, "Checksum or size mismatch") {
			t.Errorf("opkg installed a package that does not match the signed list: %v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(r, "usr/sbin/wghub")); err == nil {
			t.Error("the changed package is installed")
		}
	})
	t.Run("remove", func(t *testing.T) {
		if out, err := opkg(t, root, "remove", "luci-app-wghub", "wghub"); err != nil {
			t.Fatalf("opkg remove: %v\n%s", err, out)
		}
		for _, f := range []string{"usr/sbin/wghub", "usr/libexec/rpcd/wghub", "www/luci-static/resources/view/wghub/overview.js"} {
			if _, err := os.Lstat(filepath.Join(root, f)); !os.IsNotExist(err) {
				t.Errorf("%s still there after opkg remove: %v", f, err)
			}
		}
		if !strings.Contains(log(), "default_prerm wghub root=") {
			t.Errorf("prerm did not run:\n%s", log())
		}
	})
}

func gzipTo(t *testing.T, s, dst string) {
	t.Helper()
	cmd := exec.Command("gzip", "-9", "-n", "-c")
	cmd.Stdin = strings.NewReader(s)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dst, out, 0o644)
}

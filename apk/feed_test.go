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
	"github.com/wghub/wghub/internal/pkgtest"
	"github.com/wghub/wghub/internal/userland"
)

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
	for _, p := range pkgtest.Stubs("x86_64") {
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
	pkgtest.NeedRoot(t)
	userland.Bin(t, "apk")
	tmp := t.TempDir()
	key := pkgtest.APKKey(t, tmp)
	build := filepath.Join(tmp, "build")
	v1, v2 := "1.0.0-r1", "1.0.0.3~abc1234-r1"
	feed1 := pkgtest.FeedScript(t, filepath.Join(tmp, "v1"), build, v1, key, "")
	feed2 := pkgtest.FeedScript(t, filepath.Join(tmp, "v2"), build, v2, key, "")
	base := filepath.Join(tmp, "base")
	stubFeed(t, base, key)

	root := pkgtest.RouterRoot(t)
	os.MkdirAll(filepath.Join(root, "etc/apk/keys"), 0o755)
	pub := pkgtest.ReadFile(t, filepath.Join(tmp, "v1", "feed", "keys", "wghub-apk.pem"))
	os.WriteFile(filepath.Join(root, "etc/apk/keys/wghub-apk.pem"), []byte(pub), 0o644)
	repos1 := []string{filepath.Join(base, "packages.adb"), filepath.Join(feed1, "packages.adb")}
	repos2 := []string{filepath.Join(base, "packages.adb"), filepath.Join(feed2, "packages.adb")}

	if out, err := apkIn(t, root, repos1, "--initdb", "add", "wghub", "luci-app-wghub"); err != nil {
		t.Fatalf("apk add: %v\n%s", err, out)
	}
	log := func() string { return pkgtest.ReadFile(t, filepath.Join(root, "tmp/scripts.log")) }
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
		edited := pkgtest.ReadFile(t, conf) + "\nconfig hub 'owner'\n\toption note 'edited by the owner'\n"
		os.WriteFile(conf, []byte(edited), 0o600)
		if out, err := apkIn(t, root, repos2, "upgrade"); err != nil {
			t.Fatalf("apk upgrade: %v\n%s", err, out)
		}
		if got := installed(t, root, "wghub"); got != v2 {
			t.Errorf("installed wghub %q after the upgrade, want %q", got, v2)
		}
		if got := pkgtest.ReadFile(t, conf); got != edited {
			t.Errorf("/etc/config/wghub after upgrade:\n%s\nwant the owner's:\n%s", got, edited)
		}
		if !strings.Contains(log(), "default_postinst wghub root= upgrade=1\n") {
			t.Errorf("post-upgrade did not run:\n%s", log())
		}
		if strings.Count(log(), "rpcd reload\n") != 2 {
			t.Errorf("rpcd not reloaded after the upgrade:\n%s", log())
		}
	})
	for name, tamper := range map[string]func(string) string{
		// a file's contents: the ADB block (and the index's hash of it)
		// unchanged, the file's own SHA-256 no longer matches
		"data": func(b string) string { return flipInData(t, b) },
		// the package's metadata: the ADB block no longer has the hash
		// the signed index lists
		"metadata": func(b string) string { return replaceInADB(t, b, "wghub makes", "wghub MAKES") },
	} {
		t.Run("tampered package "+name, func(t *testing.T) {
			tampered := filepath.Join(t.TempDir(), "feed")
			copyDir(t, feed2, tampered)
			p := filepath.Join(tampered, "wghub-"+v2+".apk")
			os.WriteFile(p, []byte(tamper(pkgtest.ReadFile(t, p))), 0o644)
			r := pkgtest.RouterRoot(t)
			os.MkdirAll(filepath.Join(r, "etc/apk/keys"), 0o755)
			os.WriteFile(filepath.Join(r, "etc/apk/keys/wghub-apk.pem"), []byte(pub), 0o644)
			out, err := apkIn(t, r, []string{filepath.Join(base, "packages.adb"), filepath.Join(tampered, "packages.adb")}, "--initdb", "add", "wghub")
			// apk says "file integrity error" or "ADB integrity error".
			if err == nil || !strings.Contains(out, "wghub-"+v2+": ") || !strings.Contains(out, "integrity error") {
				t.Errorf("apk installed a changed package, or failed for another reason: %v\n%s", err, out)
			}
			if _, err := os.Stat(filepath.Join(r, "usr/sbin/wghub")); err == nil {
				t.Error("the changed package is installed")
			}
		})
	}
	t.Run("tampered index", func(t *testing.T) {
		tampered := filepath.Join(tmp, "tampered-index")
		copyDir(t, feed2, tampered)
		p := filepath.Join(tampered, "packages.adb")
		os.WriteFile(p, []byte(replaceInADB(t, pkgtest.ReadFile(t, p), "wghub "+v2, "wghub "+strings.Repeat("X", len(v2)))), 0o644)
		r := pkgtest.RouterRoot(t)
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
	db := pkgtest.ReadFile(t, filepath.Join(root, "lib/apk/db/installed"))
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

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/apk"
	"github.com/wghub/wghub/internal/pkgtest"
	"github.com/wghub/wghub/ipk"
)

func feedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range pkgtest.Stubs("x86_64")[3:] { // rpcd (a file) and luci-base (all)
		b, err := p.Build()
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, p.FileName()), b, 0o644)
		a, err := apk.Build(p, apk.GoDeflate)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, apk.FileName(p)), a, 0o644)
	}
	return dir
}

// TestRun runs mkfeed on a directory of stub packages in both formats
// (signatures are checked by the real apk and opkg in TestFeedWithApk and
// TestFeedWithOpkg).
func TestRun(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	keys := t.TempDir()
	apkKey := pkgtest.APKKey(t, keys)
	for _, tc := range []struct {
		name   string
		args   func(dir string) []string
		code   int
		stderr string
	}{
		{"no dir", func(string) []string { return nil }, 2, "usage: mkfeed"},
		{"apk without key", func(dir string) []string { return []string{dir} }, 1, "-apk-key is required"},
		{"bad apk key", func(dir string) []string { return []string{"-apk-key", filepath.Join(dir, "Packages"), dir} }, 1, "no such file"},
		{"ok", func(dir string) []string {
			return []string{"-apk-key", apkKey, "-keys", filepath.Join(dir, "keys"), dir}
		}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := feedDir(t)
			var stdout, stderr bytes.Buffer
			if code := run(tc.args(dir), &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, stderr.String(), tc.code, tc.stderr)
			}
			if tc.code != 0 {
				return
			}
			for _, f := range []string{"packages.adb", "Packages", "Packages.gz", "keys/wghub-apk.pem"} {
				if !strings.Contains(stdout.String(), filepath.Join(dir, f)+"\n") {
					t.Errorf("%s not written: %s", f, stdout.String())
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "Packages.sig")); err == nil {
				t.Error("Packages.sig written without a usign key")
			}
			pk, _ := os.ReadFile(filepath.Join(dir, "Packages"))
			want := ""
			for _, f := range []string{"luci-base_1.0-r1_all.ipk", "rpcd_1.0-r1_x86_64.ipk"} {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				e, err := ipk.IndexEntry(f, b)
				if err != nil {
					t.Fatal(err)
				}
				want += e
			}
			if string(pk) != want {
				t.Errorf("Packages:\n%s\nwant:\n%s", pk, want)
			}
			// Reproducible: a second run writes the same bytes.
			first := map[string][]byte{}
			for _, f := range []string{"packages.adb", "Packages", "Packages.gz"} {
				first[f], _ = os.ReadFile(filepath.Join(dir, f))
			}
			run(tc.args(dir), &stdout, &stderr)
			for f, b := range first {
				if again, _ := os.ReadFile(filepath.Join(dir, f)); !bytes.Equal(again, b) {
					t.Errorf("%s differs between two runs", f)
				}
			}
		})
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "demo.ipkspec")
	os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
	os.WriteFile(spec, []byte("Package: demo\nVersion: ${V}\nArchitecture: all\nDescription: d\n\nfile 0644 /etc/f f\n"), 0o644)
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no spec", []string{"-epoch", "1"}, 2, "", "usage: mkipk"},
		{"no epoch", []string{"-epoch", "", spec}, 2, "", `mkipk: epoch ""`},
		{"bad var", []string{"-var", "V", spec}, 2, "", `want NAME=VALUE, got "V"`},
		{"missing var", []string{"-epoch", "1", "-C", dir, "-o", out, spec}, 1, "", "no value for ${V}"},
		{"ok", []string{"-epoch", "1", "-C", dir, "-o", out, "-var", "V=1.0", spec}, 0, filepath.Join(out, "demo_1.0_all.ipk") + "\n", ""},
		{"bad format", []string{"-format", "deb", "-epoch", "1", spec}, 2, "", `format "deb"`},
		{"apk", []string{"-format", "apk", "-epoch", "1", "-C", dir, "-o", out, "-var", "V=1.0-r1", spec}, 0, filepath.Join(out, "demo-1.0-r1.apk") + "\n", ""},
		{"apk version", []string{"-format", "apk", "-epoch", "1", "-C", dir, "-o", out, "-var", "V=1.0+4.gabc", spec}, 1, "", "not valid for apk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.code || stdout.String() != tc.stdout || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, stderr containing %q",
					code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.stderr)
			}
		})
	}
	for _, f := range []string{"demo_1.0_all.ipk", "demo-1.0-r1.apk"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

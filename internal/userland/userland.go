// Package userland finds, for tests, OpenWrt's own userland (ubusd, rpcd,
// uhttpd, uci, ucode, netifd, firewall4, LuCI, apk, opkg, usign) built from
// source by scripts/userland.sh.
package userland

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	once   sync.Once
	prefix string
	err    error
)

// Build runs scripts/userland.sh once per process (it is cached across
// processes, so a warm call costs a hash of the archives) and returns the
// prefix it built into.
func Build() (string, error) {
	once.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "userland.sh")
		var stdout, stderr bytes.Buffer
		cmd := exec.Command("bash", script)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if e := cmd.Run(); e != nil {
			err = fmt.Errorf("userland: %s: %v\n%s", script, e, stderr.String())
			return
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		prefix = lines[len(lines)-1]
		if _, e := os.Stat(filepath.Join(prefix, ".complete")); e != nil {
			err = fmt.Errorf("userland: %s printed %q, which is not a built prefix", script, prefix)
		}
	})
	return prefix, err
}

// Prefix returns the built userland's prefix. When it cannot be built the
// test fails in CI (CI=true: the tier must never be skipped silently there)
// and is skipped elsewhere, with the reason.
func Prefix(t testing.TB) string {
	t.Helper()
	p, err := Build()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return p
}

// Bin returns the path of a program of the userland (bin/ or sbin/).
func Bin(t testing.TB, name string) string {
	t.Helper()
	p := Prefix(t)
	for _, dir := range []string{"bin", "sbin"} {
		if path := filepath.Join(p, dir, name); fileExists(path) {
			return path
		}
	}
	t.Fatalf("userland: no program %s in %s", name, p)
	return ""
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

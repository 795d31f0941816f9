package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/wghubtest"
)

// TestBackendFollowsTheTree (issue 9 point 3f): without --backend, an
// OpenWrt config tree gets the OpenWrt layout (the interface in its network
// file) wherever wghub runs; the plain-Linux backend refuses an OpenWrt
// tree with a message saying what to use, and changes nothing. (That the
// plain-Linux backend leaves the host alone for any tree but its own is
// tested in backend/plainlinux against a fake system layer.)
func TestBackendFollowsTheTree(t *testing.T) {
	root := wghubtest.Sandbox(t)
	exe := func(args ...string) (int, string) {
		cmd := exec.Command(wghub, args...)
		cmd.Env = append(os.Environ(), "WGHUB_ROOT=")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	before := snapshot(t, root)
	code, out := exe("--backend", "linux", "--root", root, "setup", "--endpoint", "vpn.example.org")
	if code != 2 || !strings.Contains(out, "is an OpenWrt config directory") || !strings.Contains(out, "--backend openwrt") {
		t.Errorf("linux backend on an OpenWrt tree: exit %d\n%s", code, out)
	}
	for f, b := range snapshot(t, root) {
		if before[f] != b {
			t.Errorf("the refused run changed %s", f)
		}
	}
	if code, out := exe("--root", root, "--no-apply", "setup", "--endpoint", "vpn.example.org"); code != 0 {
		t.Fatalf("setup on the OpenWrt tree: exit %d\n%s", code, out)
	}
	network, _ := os.ReadFile(filepath.Join(root, "network"))
	if !strings.Contains(string(network), "config interface 'wg0'") {
		t.Errorf("the OpenWrt tree did not get the OpenWrt layout:\n%s", network)
	}

	// A tree of the plain-Linux layout stays with it.
	plain := t.TempDir()
	if code, out := exe("--backend", "linux", "--root", plain, "--no-apply", "setup", "--endpoint", "vpn.example.org", "--lan", "10.213.8.0/24"); code != 0 {
		t.Fatalf("plain setup: exit %d\n%s", code, out)
	}
	if code, out := exe("--root", plain, "settings", "--json"); code != 0 || !strings.Contains(out, `"interface": "wg0"`) {
		t.Errorf("a plain-Linux tree without --backend: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(plain, "network")); err == nil {
		t.Error("the plain-Linux tree got an OpenWrt network file")
	}

	// A look at a directory that does not exist creates nothing.
	missing := filepath.Join(t.TempDir(), "none")
	if code, out := exe("--backend", "linux", "--root", missing, "status"); code != 0 || !strings.Contains(out, "no hub is set up") {
		t.Errorf("status of a missing tree: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("status created the config directory")
	}
}

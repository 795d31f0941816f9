package control_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/userland"
)

// TestTreesLoadInLibuci: every tree in testdata/trees (what wghub writes
// in the owner's situations) loads in the real libuci (`uci show`), and
// the free-text names read back exactly as they were typed.
func TestTreesLoadInLibuci(t *testing.T) {
	prefix := userland.Prefix(t)
	uciBin := filepath.Join(prefix, "bin", "uci")
	trees, _ := filepath.Glob(filepath.Join("testdata", "trees", "*"))
	if len(trees) == 0 {
		t.Fatal("no trees")
	}
	run := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(uciBin, append([]string{"-c", dir}, args...)...)
		cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+filepath.Join(prefix, "lib"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("uci %v in %s: %v\n%s", args, dir, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, dir := range trees {
		for _, f := range []string{"network", "firewall", "wghub"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				run(dir, "show", f)
			}
		}
	}
	free := filepath.Join("testdata", "trees", "free-names")
	for sec, want := range map[string]string{"wghub_1": "Anna's tablet", "wghub_2": "Anna's phone", "wghub_4": "laptop"} {
		if got := run(free, "get", "network."+sec+".description"); got != want {
			t.Errorf("libuci reads network.%s.description as %q, want %q", sec, got, want)
		}
	}
}

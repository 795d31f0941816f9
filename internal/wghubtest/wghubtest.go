// Package wghubtest helps tests that run wghub the way users, scripts and
// rpcd do: it builds the real binary and copies the stock config tree.
package wghubtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wghub/wghub/sandbox"
)

// Build compiles cmd/wghub into a fresh temporary directory and returns the
// binary's path and a function that removes the directory.
func Build() (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "wghub-test-bin-")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(dir, "wghub")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/wghub/wghub/cmd/wghub").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("building wghub: %v\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// Sandbox copies the stock-router config tree (package sandbox) into a
// temporary directory of the test and returns it.
func Sandbox(t testing.TB) string {
	t.Helper()
	dir, err := sandbox.Copy(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

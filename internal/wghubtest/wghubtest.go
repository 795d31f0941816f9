// Package wghubtest builds the real wghub binary for tests that run it the
// way users, scripts and rpcd do.
package wghubtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// Starting the program builds nothing of wghub's: every start pays for
// package initialisation (rpcd runs "wghub list" at each of its starts,
// "wghub call" for each ubus call), so package variables stay data and
// tables, maps and parsed values are made where they are used. The Go
// runtime's init trace counts each package's allocations.
func TestInitAllocatesNothing(t *testing.T) {
	cmd := exec.Command(wghub, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("wghub version: %v\n%s", err, stderr.Bytes())
	}
	line := regexp.MustCompile(`(?m)^init (\S+) @.*, (\d+) bytes, (\d+) allocs$`)
	all := line.FindAllStringSubmatch(stderr.String(), -1)
	if len(all) == 0 {
		t.Fatalf("no init trace in:\n%s", stderr.Bytes())
	}
	for _, m := range all {
		if pkg := m[1]; regexp.MustCompile(`^github\.com/wghub/wghub(/|$)`).MatchString(pkg) && (m[2] != "0" || m[3] != "0") {
			t.Errorf("package %s allocates at initialisation: %s bytes, %s allocs", pkg, m[2], m[3])
		}
	}
}

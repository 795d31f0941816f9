package jsonval_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestRouterBuildWithoutEncodingJSON: the router build links no
// encoding/json (about 100 KB of the binary); jsonval does its work.
func TestRouterBuildWithoutEncodingJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-tags", "openwrt", "github.com/wghub/wghub/cmd/wghub").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/wghub/wghub/jsonval") {
		t.Fatal("go list output without jsonval: not the router build's package list")
	}
	if slices.Contains(deps, "encoding/json") {
		t.Error("the router build (-tags openwrt) links encoding/json; use jsonval")
	}
}

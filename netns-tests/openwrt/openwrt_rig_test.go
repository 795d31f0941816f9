//go:build linux

package openwrt_test

import (
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/openwrtrig"
)

// TestOpenwrtRig boots a gateway and checks what every other test relies on.
func TestOpenwrtRig(t *testing.T) {
	t.Parallel()
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin})
	out, err := g.Ubus("list")
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []string{"wghub", "system", "luci", "network.interface.lan", "session"} {
		if !strings.Contains(out, obj+"\n") {
			t.Errorf("ubus list lacks %s:\n%s", obj, out)
		}
	}
}

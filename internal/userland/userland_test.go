package userland_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/userland"
)

// TestPrograms runs each program the integration tests rely on, so a build
// that installs a broken or missing binary fails here first, by name.
func TestPrograms(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"uci", []string{"-c", t.TempDir(), "show"}, ""},
		{"ucode", []string{"-e", `print(join(",", map(["uci", "ubus", "fs", "rtnl", "luci.core", "lucihttp", "html"], m => type(require(m)))))`}, "object,object,object,object,object,object,object"},
		{"apk", []string{"--version"}, "apk-tools 3."},
		{"usign", []string{"-h"}, "usign"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := exec.Command(userland.Bin(t, tt.name), tt.args...).CombinedOutput()
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("%s %v: %q, want %q in it", tt.name, tt.args, out, tt.want)
			}
		})
	}
	for _, name := range []string{"ubusd", "rpcd", "uhttpd", "netifd", "opkg-cl", "ubus"} {
		userland.Bin(t, name)
	}
}

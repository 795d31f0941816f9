//go:build linux

package openwrtrig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/sandbox"
)

func TestRigNetwork(t *testing.T) {
	dir, err := sandbox.Copy(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stock, err := os.ReadFile(filepath.Join(dir, "network"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := RigNetwork(string(stock))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"config interface 'lan'\n\toption device 'lan1'\n",
		"config interface 'wan'\n\toption device 'wan'\n\toption proto 'static'\n\toption ipaddr '203.0.113.1'\n",
		"config interface 'loopback'",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rig network lacks %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"br-lan", "'wan6'", "dhcp"} {
		if strings.Contains(got, gone) {
			t.Errorf("rig network still has %q:\n%s", gone, got)
		}
	}
	// A stock config the rig does not know how to adapt is an error,
	// not a rig with the wrong devices.
	if _, err := RigNetwork(strings.Replace(string(stock), "'br-lan'", "'br-home'", -1)); err == nil {
		t.Error("RigNetwork accepted a stock config without br-lan")
	}
}

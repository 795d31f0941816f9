//go:build linux

// Package openwrt_test runs wghub on the OpenWrt gateway rig (package
// internal/openwrtrig): OpenWrt's own ubusd, rpcd, uhttpd + LuCI, netifd
// and firewall4, built from source, in network namespaces. The tests need
// root and the userland prefix (scripts/userland.sh); without root they
// skip, without the userland they skip outside CI and fail in it.
package openwrt_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/wghub/wghub/internal/openwrtrig"
	"github.com/wghub/wghub/internal/wghubtest"
	netnstests "github.com/wghub/wghub/netns-tests"
)

// wghubBin is the wghub binary TestMain built ("" when not root).
var wghubBin string

func TestMain(m *testing.M) {
	if os.Getenv(netnstests.RoleEnv) == "" && os.Geteuid() == 0 {
		bin, cleanup, err := wghubtest.Build()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		wghubBin = bin
		leaks := openwrtrig.HostGuard()
		code := netnstests.RunTests(m)
		cleanup()
		if l := leaks(); len(l) > 0 {
			fmt.Fprintf(os.Stderr, "openwrt: the rig wrote to the host: %v\n", l)
			code = 1
		}
		os.Exit(code)
	}
	netnstests.Main(m)
}

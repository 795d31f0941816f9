//go:build linux

package rtnl_test

import (
	"errors"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	netnstests "github.com/wghub/wghub/netns-tests"
	"github.com/wghub/wghub/rtnl"
)

// family is ip's -4 or -6 for a prefix.
func family(prefix string) string {
	if strings.Contains(prefix, ":") {
		return "-6"
	}
	return "-4"
}

// TestRtnl runs every operation against the kernel in a namespace of its
// own, with `ip` (iproute2) as the witness: it sets up links and routes
// rtnl must read, and reads back the routes rtnl writes.
func TestRtnl(t *testing.T) {
	netnstests.RequireRoot(t)
	ns := netnstests.NewNS(t, "rtnl")
	ip := func(args ...string) string {
		t.Helper()
		return netnstests.MustRun(t, ns, append([]string{"ip"}, args...)...)
	}
	ip("link", "add", "v0", "type", "veth", "peer", "name", "v1")
	ip("link", "set", "v0", "up")
	ip("link", "set", "v1", "up")
	ip("addr", "add", "192.0.2.1/24", "dev", "v0") // the kernel's own route
	ip("route", "add", "default", "via", "192.0.2.254", "dev", "v0", "metric", "7")
	ip("route", "add", "10.9.0.0/16", "dev", "v1", "metric", "3")
	ip("route", "add", "10.10.0.0/16", "dev", "v0", "table", "100") // not main: left out
	ip("-6", "route", "add", "fd00:9::/64", "dev", "v0", "metric", "5")
	ip("-6", "route", "add", "fd00:10::/64", "dev", "v0", "table", "100")
	index := func(name string) int {
		t.Helper()
		f := strings.SplitN(ip("-o", "link", "show", name), ":", 2)
		n, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("ip link show %s: %q", name, f)
		}
		return n
	}
	v0, v1 := index("v0"), index("v1")

	restore := netnstests.EnterNS(t, ns)
	c, err := rtnl.Dial() // the socket stays in ns
	restore()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	p := netip.MustParsePrefix
	routes, err := c.Routes(false)
	if err != nil {
		t.Fatal(err)
	}
	want := []rtnl.Route{{p("0.0.0.0/0"), v0, 7}, {p("10.9.0.0/16"), v1, 3}, {p("192.0.2.0/24"), v0, 0}}
	cmp := func(a, b rtnl.Route) int { return strings.Compare(a.Dst.String(), b.Dst.String()) }
	slices.SortFunc(routes, cmp)
	if !slices.Equal(routes, want) {
		t.Errorf("Routes(v4) = %v, want %v", routes, want)
	}
	routes6, err := c.Routes(true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(routes6, rtnl.Route{Dst: p("fd00:9::/64"), Index: v0, Priority: 5}) ||
		!slices.Contains(routes6, rtnl.Route{Dst: p("fe80::/64"), Index: v1, Priority: 256}) {
		t.Errorf("Routes(v6) = %v, lacks fd00:9::/64 via v0 or fe80::/64 via v1", routes6)
	}
	for _, r := range routes6 {
		if r.Dst == p("fd00:10::/64") || !r.Dst.Addr().Is6() {
			t.Errorf("Routes(v6) holds %v", r)
		}
	}

	if got, err := c.LinkIndex("v1"); got != v1 || err != nil {
		t.Errorf("LinkIndex(v1) = %d, %v; want %d", got, err, v1)
	}
	if got, err := c.LinkName(v0); got != "v0" || err != nil {
		t.Errorf("LinkName(%d) = %q, %v", v0, got, err)
	}
	if _, err := c.LinkIndex("nope"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LinkIndex(nope): %v, want os.ErrNotExist", err)
	}
	if _, err := c.LinkName(9999); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LinkName(9999): %v, want os.ErrNotExist", err)
	}

	// Replace adds, then moves the route; host bits are dropped.
	for _, tc := range []struct {
		dst   string
		index int
		show  string
		want  string
	}{
		{"10.20.0.0/16", v0, "10.20.0.0/16", "10.20.0.0/16 dev v0 scope link"},
		{"10.20.0.0/16", v1, "10.20.0.0/16", "10.20.0.0/16 dev v1 scope link"},
		{"10.21.1.1/16", v0, "10.21.0.0/16", "10.21.0.0/16 dev v0 scope link"},
		{"fd00:20::1/64", v0, "fd00:20::/64", "fd00:20::/64 dev v0 metric 1024 pref medium"},
	} {
		if err := c.RouteReplace(tc.index, p(tc.dst)); err != nil {
			t.Fatalf("RouteReplace(%d, %s): %v", tc.index, tc.dst, err)
		}
		if got := strings.TrimSpace(ip(family(tc.show), "route", "show", "table", "main", tc.show)); got != tc.want {
			t.Errorf("after RouteReplace(%d, %s): %q, want %q", tc.index, tc.dst, got, tc.want)
		}
	}

	// Delete removes routes whoever added them, and says when one is gone.
	ip("route", "add", "10.30.0.0/16", "dev", "v0", "proto", "static")
	for _, dst := range []string{"10.20.0.0/16", "10.30.0.0/16", "fd00:20::/64", "fd00:9::/64"} {
		index := v1
		if dst != "10.20.0.0/16" {
			index = v0
		}
		if err := c.RouteDel(index, p(dst)); err != nil {
			t.Errorf("RouteDel(%s): %v", dst, err)
		}
		if got := ip(family(dst), "route", "show", "table", "main", dst); got != "" {
			t.Errorf("after RouteDel(%s): %q", dst, got)
		}
	}
	for _, dst := range []string{"10.20.0.0/16", "fd00:20::/64"} {
		if err := c.RouteDel(v0, p(dst)); !errors.Is(err, syscall.ESRCH) && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("RouteDel of a missing route %s: %v, want ESRCH or ENOENT", dst, err)
		}
	}
	if got := ip("route", "show", "table", "main", "10.21.0.0/16"); got == "" {
		t.Error("a route not deleted is gone")
	}
	if err := c.RouteReplace(v0, netip.Prefix{}); err == nil {
		t.Error("RouteReplace without a destination succeeded")
	}
}

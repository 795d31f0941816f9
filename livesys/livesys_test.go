package livesys

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Files are read below Root and named as on the system.
func TestLinuxFiles(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/sysctl.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/sysctl.d/10-default.conf"), []byte("net.ipv4.ip_forward=1\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/sysctl.d/README"), nil, 0o644)
	l := NewLinux(root + "/")
	got, err := l.Glob("/etc/sysctl.d/*.conf")
	if err != nil || !slices.Equal(got, []string{"/etc/sysctl.d/10-default.conf"}) {
		t.Fatalf("Glob = %v, %v", got, err)
	}
	if b, err := l.ReadFile(got[0]); err != nil || string(b) != "net.ipv4.ip_forward=1\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if _, err := l.ReadFile("/etc/sysctl.conf"); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

// The fake routes by longest prefix, then the default route.
func TestFakeRoutes(t *testing.T) {
	f := &Fake{Routes: map[netip.Prefix]string{
		netip.MustParsePrefix("10.0.0.0/8"):  "a",
		netip.MustParsePrefix("10.1.0.0/16"): "b",
	}, Defaults: map[bool]string{false: "wan"}}
	for dst, want := range map[string]string{"10.1.2.3": "b", "10.2.0.1": "a", "192.0.2.1": "wan", "2001:db8::1": ""} {
		if got, _ := f.RouteDevice(netip.MustParseAddr(dst)); got != want {
			t.Errorf("RouteDevice(%s) = %q, want %q", dst, got, want)
		}
	}
}

package plainlinux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/backend/linux"
	"github.com/wghub/wghub/backend/live"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// fakeSystem records every call that would change the host.
type fakeSystem struct{ calls []string }

func (f *fakeSystem) Up(context.Context, linux.Spec) error {
	f.calls = append(f.calls, "up")
	return nil
}
func (f *fakeSystem) Down(context.Context, linux.Spec) error {
	f.calls = append(f.calls, "down")
	return nil
}
func (f *fakeSystem) ApplyPeers(string, []wgtypes.PeerConfig, []wgtypes.Key, []netip.Prefix, []netip.Prefix) error {
	f.calls = append(f.calls, "peers")
	return nil
}
func (f *fakeSystem) Status(string) (*wgtypes.Device, error) {
	f.calls = append(f.calls, "status")
	return &wgtypes.Device{}, nil
}
func (f *fakeSystem) ApplyAccess(linux.Spec) error {
	f.calls = append(f.calls, "access")
	return nil
}
func (f *fakeSystem) MissingRule(linux.Spec) string { return "" }
func (f *fakeSystem) Close() error                  { return nil }

func testHub(t *testing.T) *hub.Hub {
	k, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return &hub.Hub{PrivateKey: k, Settings: hub.Settings{Interface: "wg0",
		Subnets: []netip.Prefix{hub.DefaultSubnet}}}
}

// TestSandboxTreeNeverTouchesTheHost (issue 9 point 3f): for a --root that
// is not DefaultRoot, in the host's own network namespace, no operation
// reaches the system layer; `up` and `down` refuse with a clear,
// unsupported-kind error. The system layer here is a fake that records
// calls, so a regression fails the test without changing this machine.
func TestSandboxTreeNeverTouchesTheHost(t *testing.T) {
	if !live.InitialNetns() {
		t.Skip("runs in a network namespace of its own, where every tree may change the running system")
	}
	fake := &fakeSystem{}
	b := New(t.TempDir(), io.Discard)
	b.Open = func(io.Writer) (System, error) { return fake, nil }
	if b.Live() {
		t.Fatal("a temporary tree counts as the host's")
	}
	h := testHub(t)
	ctx := context.Background()
	if err := b.ApplySetup(ctx, nil, h); err != nil {
		t.Errorf("ApplySetup: %v (want: saved, host left alone)", err)
	}
	if err := b.ApplySetup(ctx, h, nil); err != nil {
		t.Errorf("ApplySetup (teardown): %v", err)
	}
	err := b.ApplyPeers(ctx, "wg0", backend.PeerDelta{Peers: []wgtypes.PeerConfig{{PublicKey: h.PrivateKey.PublicKey()}}})
	if !errors.Is(err, backend.ErrNotLive) {
		t.Errorf("ApplyPeers: %v, want ErrNotLive", err)
	}
	if err := b.ApplyAccess(ctx, h); !errors.Is(err, backend.ErrNotLive) {
		t.Errorf("ApplyAccess: %v, want ErrNotLive", err)
	}
	for name, f := range map[string]func(*hub.Hub) error{"up": b.Up, "down": b.Down} {
		err := f(h)
		if !errors.Is(err, errkind.Unsupported) || !errors.Is(err, backend.ErrNotLive) {
			t.Errorf("%s: %v, want an unsupported-kind refusal", name, err)
		}
	}
	if _, err := b.Device("wg0"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Device: %v, want not running", err)
	}
	b.Checks(ctx, h, nil)
	if len(fake.calls) > 0 {
		t.Errorf("the system layer was called for a sandbox tree: %v", fake.calls)
	}
}

// TestHostTreeIsLive: the default tree does reach the system layer (so the
// test above cannot pass by never calling it at all).
func TestHostTreeIsLive(t *testing.T) {
	fake := &fakeSystem{}
	b := New(DefaultRoot, io.Discard)
	b.Open = func(io.Writer) (System, error) { return fake, nil }
	if err := b.ApplySetup(context.Background(), nil, testHub(t)); err != nil {
		t.Fatal(err)
	}
	if len(fake.calls) != 1 || fake.calls[0] != "up" {
		t.Errorf("calls %v, want [up]", fake.calls)
	}
}

// TestSpecOfAccess: the hub's default access goes to the VPN subnets; only
// enabled devices whose reach differs from it get rules of their own, keyed
// by their addresses, with their own LAN list; the Internet device is
// looked up only when some access has internet.
func TestSpecOfAccess(t *testing.T) {
	h := testHub(t)
	h.Settings.LAN = []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
	h.Settings.LANDevice = "eth0"
	h.Settings.Access = hub.DefaultAccess
	addr := func(s string) []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix(s)} }
	key := func() wgtypes.Key {
		k, err := wgtypes.GeneratePrivateKey()
		if err != nil {
			t.Fatal(err)
		}
		return k.PublicKey()
	}
	internet := hub.Access{Internet: true}
	same := hub.DefaultAccess
	hosts := hub.Access{Hosts: []hub.Host{{Prefix: netip.MustParsePrefix("192.168.1.10/32"), Proto: "tcp", Ports: "22"}}}
	h.Peers = []hub.Peer{
		{Name: "default", PublicKey: key(), Addresses: addr("192.168.100.2/32")},
		{Name: "same", PublicKey: key(), Addresses: addr("192.168.100.3/32"), Access: &same},
		{Name: "internet", PublicKey: key(), Addresses: addr("192.168.100.4/32"), Access: &internet},
		{Name: "off", PublicKey: key(), Addresses: addr("192.168.100.5/32"), Access: &internet, Disabled: true},
		{Name: "ownlan", PublicKey: key(), Addresses: addr("192.168.100.6/32"), LAN: addr("192.168.2.0/24")},
		{Name: "hosts", PublicKey: key(), Addresses: addr("192.168.100.7/32"), Access: &hosts},
		// A site behind a device is held to the device's access, as on OpenWrt.
		{Name: "site", PublicKey: key(), Addresses: addr("192.168.100.8/32"), Routes: addr("10.9.0.0/24"), Access: &hosts},
	}
	s := SpecOf(h)
	if want := (linux.Access{LAN: true}); !equalAccess(s.Default, want) {
		t.Errorf("Default = %+v; want %+v", s.Default, want)
	}
	var got []string
	for _, d := range s.Devices {
		got = append(got, fmt.Sprintf("%v lan=%v %+v", d.Sources, d.LAN, d.Access))
	}
	want := []string{
		"[192.168.100.4/32] lan=[] {LAN:false Internet:true Router:false Spoke:false Hosts:[]}",
		"[192.168.100.6/32] lan=[192.168.2.0/24] {LAN:true Internet:false Router:false Spoke:false Hosts:[]}",
		"[192.168.100.7/32] lan=[] {LAN:false Internet:false Router:false Spoke:false Hosts:[{Prefix:192.168.1.10/32 Proto:tcp Ports:22}]}",
		"[192.168.100.8/32 10.9.0.0/24] lan=[] {LAN:false Internet:false Router:false Spoke:false Hosts:[{Prefix:192.168.1.10/32 Proto:tcp Ports:22}]}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Devices:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(s.Peers) != 6 {
		t.Errorf("%d peers; want the 6 enabled ones", len(s.Peers))
	}
	h.Peers[2].Access = nil
	if s := SpecOf(h); s.InternetDevice != "" {
		t.Errorf("InternetDevice %q without any internet access; want none", s.InternetDevice)
	}
}

func equalAccess(a, b linux.Access) bool { return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b) }

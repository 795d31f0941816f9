package plainlinux

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
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

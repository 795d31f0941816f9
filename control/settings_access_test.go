package control_test

import (
	"context"
	"testing"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/backend/openwrt"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/uci"
)

// reloadCounter is the OpenWrt backend with the live side replaced: it
// counts firewall reloads and applies no peers.
type reloadCounter struct {
	*openwrt.Backend
	reloads []hub.Access // the default access of each reload
}

func (r *reloadCounter) ApplyAccess(_ context.Context, h *hub.Hub) error {
	r.reloads = append(r.reloads, h.Settings.Access)
	return nil
}

func (r *reloadCounter) ApplyPeers(context.Context, string, backend.PeerDelta) error { return nil }

// TestSettingsAccess: the hub's default access changes after setup, and a
// change of it (spoke to spoke included) reloads the firewall once, where
// a change of anything else, or the same access again, reloads nothing.
func TestSettingsAccess(t *testing.T) {
	root := wghubtest.Sandbox(t)
	ctx := context.Background()
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop"}); err != nil {
		t.Fatal(err)
	}
	rc := &reloadCounter{Backend: openwrt.New(root, nil)}
	m = &control.Manager{Tree: &uci.Tree{Dir: root}, Backend: rc}

	spoke := hub.Access{LAN: true, Spoke: true}
	h, err := m.Settings(ctx, control.SetupRequest{Access: &spoke})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Settings.Access.Equal(spoke) || len(rc.reloads) != 1 || !rc.reloads[0].Equal(spoke) {
		t.Fatalf("settings access lan, spoke: hub has %v, firewall reloads %v", h.Settings.Access, rc.reloads)
	}
	peers, err := m.Peers()
	if err != nil || len(peers) != 1 || peers[0].OwnAccess || len(peers[0].Access) != 2 || peers[0].Access[1] != "spoke" {
		t.Errorf("laptop follows the default: %+v (%v)", peers, err)
	}

	// The same access again, or another setting: no reload.
	if _, err := m.Settings(ctx, control.SetupRequest{Access: &spoke}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Settings(ctx, control.SetupRequest{Endpoint: "vpn2.example.org"}); err != nil {
		t.Fatal(err)
	}
	if len(rc.reloads) != 1 {
		t.Errorf("%d firewall reloads after changes that leave access alone, want 1", len(rc.reloads))
	}

	// Full tunnel is the default access's "internet" now: allowed too.
	on := true
	if h, err = m.Settings(ctx, control.SetupRequest{FullTunnel: &on}); err != nil {
		t.Fatalf("settings full tunnel: %v", err)
	}
	if !h.Settings.Access.Internet || len(rc.reloads) != 2 {
		t.Errorf("settings full tunnel: access %v, %d reloads", h.Settings.Access, len(rc.reloads))
	}

	// The gateway itself stays setup's.
	if _, err := m.Settings(ctx, control.SetupRequest{Port: 51999}); errkind.Of(err) != errkind.Invalid {
		t.Errorf("settings port: %v, want invalid", err)
	}
	// A host on the VPN is refused for the default as for a device.
	host, _ := hub.ParseAccess("access", []string{"192.168.100.9"})
	if _, err := m.Settings(ctx, control.SetupRequest{Access: &host}); errkind.Of(err) != errkind.Conflict || errkind.FieldOf(err) != "access" {
		t.Errorf("default access on the VPN: %v (kind %v, field %q), want a conflict about access", err, errkind.Of(err), errkind.FieldOf(err))
	}
	if len(rc.reloads) != 2 {
		t.Errorf("%d firewall reloads after refused changes, want 2", len(rc.reloads))
	}
}

package openwrt

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/backend/live"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/uci"
)

// setUp returns a sandbox tree with a hub set up (UCI only).
func setUp(t *testing.T) (string, *control.Manager) {
	root := wghubtest.Sandbox(t)
	m := &control.Manager{Tree: &uci.Tree{Dir: root}, Backend: New(root, nil), NoApply: true}
	if _, err := m.Setup(context.Background(), control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	return root, m
}

func TestHost(t *testing.T) {
	root, _ := setUp(t)
	nc, err := (&uci.Tree{Dir: root}).Load("network")
	if err != nil {
		t.Fatal(err)
	}
	info := New(root, nil).Host(map[string]*uci.Config{"network": nc})
	if len(info.LAN) != 1 || info.LAN[0] != netip.MustParsePrefix("192.168.1.0/24") {
		t.Errorf("LAN %v", info.LAN)
	}
	if len(info.DNS) != 1 || info.DNS[0] != "192.168.1.1" {
		t.Errorf("DNS %v", info.DNS)
	}
	if _, ok := info.Subnets["wan"]; ok {
		t.Error("a DHCP wan has no static subnet")
	}
}

// TestChecks: each firewall piece, when missing, fails its own check.
func TestChecks(t *testing.T) {
	tests := []struct {
		name    string
		remove  string // firewall section to delete
		failing string // checks expected to fail, space separated
	}{
		{"all present", "", ""},
		{"no zone", "wghub_zone", "zone forwarding"}, // no zone, so nothing forwards from it
		{"no forwarding", "wghub_lan", "forwarding"},
		{"no masquerade", "wghub_masq", "masquerade"},
		{"no wan rule", "wghub_listen", "wan_port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, m := setUp(t)
			tree := &uci.Tree{Dir: root}
			if tt.remove != "" {
				if _, err := tree.Update([]string{"firewall"}, func(c map[string]*uci.Config) error {
					c["firewall"].Delete(c["firewall"].Section(tt.remove))
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			h, cfgs, err := m.Load()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range New(root, nil).Checks(context.Background(), h, cfgs) {
				if c.OK == strings.Contains(" "+tt.failing+" ", " "+c.Name+" ") {
					t.Errorf("check %s ok=%v (%s)", c.Name, c.OK, c.Message)
				}
				if !c.OK && c.Fix == "" {
					t.Errorf("check %s fails without saying what to do", c.Name)
				}
			}
		})
	}
}

// TestSandboxTreeLeavesTheHostAlone: for a tree other than /etc/config, in
// the host's own network namespace, a peer change is saved only: ApplyPeers
// refuses with backend.ErrNotLive before opening wgctrl, and the device of
// that name on this host reads as not running.
func TestSandboxTreeLeavesTheHostAlone(t *testing.T) {
	if !live.InitialNetns() {
		t.Skip("runs in a network namespace of its own")
	}
	b := New(t.TempDir(), nil)
	err := b.ApplyPeers(context.Background(), "wghubt0", backend.PeerDelta{})
	if !errors.Is(err, backend.ErrNotLive) {
		t.Errorf("ApplyPeers: %v, want ErrNotLive", err)
	}
	if b.conn != nil {
		t.Error("wgctrl and netlink were opened for a sandbox tree")
	}
	if _, err := b.Device("wghubt0"); !errors.Is(err, os.ErrNotExist) || b.conn != nil {
		t.Errorf("Device: %v (conn opened: %v)", err, b.conn != nil)
	}
}

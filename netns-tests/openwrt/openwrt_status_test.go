//go:build linux

package openwrt_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/wghub/wghub/internal/bench"
	"github.com/wghub/wghub/internal/openwrtrig"
)

// TestOpenwrtStatusManyPeers: the status of a hub with 1000 peers on its
// running interface reaches ubus callers and LuCI whole through the real
// rpcd and uhttpd. The reply (about 300 KB) is larger than rpcd's exec
// buffer (RPC_EXEC_MAX_SIZE, 256 KiB), which plugins do not hit only
// because rpcd parses their output as it arrives.
func TestOpenwrtStatusManyPeers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an OpenWrt rig")
	}
	t.Parallel()
	const peers = 1000
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin})
	if _, err := g.Wghub("--backend", "openwrt", "setup", "--endpoint", openwrtrig.WANAddr, "--subnet", "10.64.0.0/16"); err != nil {
		t.Fatal(err)
	}
	g.WaitUp(t, "wg0")
	err := bench.AddPeers(g.Path("/etc/config"), peers, func(name string) error {
		_, err := g.Wghub("--backend", "openwrt", "peer", "add", name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The copied peers are in UCI only: sync puts them on wg0.
	if out, err := g.Wghub("--backend", "openwrt", "sync"); err != nil {
		t.Fatalf("sync: %v: %s", err, out)
	}
	if n := len(g.Peers(t, "wg0")); n != peers {
		t.Fatalf("wg0 has %d peers after sync, want %d", n, peers)
	}

	type reply struct {
		Up    bool `json:"up"`
		Peers []struct {
			Name      string `json:"name"`
			PublicKey string `json:"public_key"`
		} `json:"peers"`
	}
	check := func(via string, r reply) {
		t.Helper()
		if !r.Up || len(r.Peers) != peers || r.Peers[0].Name != "p0000" || r.Peers[peers-1].Name != fmt.Sprintf("p%04d", peers-1) {
			t.Errorf("%s: up %v, %d peers, want all %d of the running wg0", via, r.Up, len(r.Peers), peers)
		}
	}
	var viaUbus reply
	if err := g.UbusCall("wghub", "status", map[string]any{}, &viaUbus); err != nil {
		t.Fatalf("ubus call wghub status: %v", err)
	}
	check("ubus call", viaUbus)

	sid, err := g.Login(openwrtrig.ReadOnly.User, openwrtrig.ReadOnly.Password)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := g.RPC(sid, "wghub", "status", map[string]any{})
	if err != nil {
		t.Fatalf("status through uhttpd's /ubus: %v", err)
	}
	var viaLuCI reply
	if err := json.Unmarshal(raw, &viaLuCI); err != nil {
		t.Fatal(err)
	}
	check("LuCI's /ubus", viaLuCI)
}

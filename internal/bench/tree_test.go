package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/wghub/wghub/backend/openwrt"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/uci"
)

// TestAddPeers: the copies are peers wghub itself reads and keeps
// working on: each with its own name, id, keys and address.
func TestAddPeers(t *testing.T) {
	ctx := context.Background()
	dir := wghubtest.Sandbox(t)
	m := &control.Manager{Tree: &uci.Tree{Dir: dir}, Backend: openwrt.New(dir, nil), NoApply: true}
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	const n = 40
	err := AddPeers(dir, n, func(name string) error {
		_, err := m.PeerAdd(ctx, hub.PeerRequest{Name: name, PSK: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, p := range h.Peers {
		for _, v := range []string{p.Name, p.ID, p.PublicKey.String(), p.PrivateKey.String(), p.PresharedKey.String(), p.Addresses[0].String()} {
			if seen[v] {
				t.Errorf("peer %d: %q is another peer's too", i, v)
			}
			seen[v] = true
		}
		if p.Name != fmt.Sprintf("p%04d", i) || p.PrivateKey.PublicKey() != p.PublicKey {
			t.Errorf("peer %d: name %q, public key of its private key %v", i, p.Name, p.PrivateKey.PublicKey() == p.PublicKey)
		}
	}
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "after"}); err != nil {
		t.Errorf("wghub cannot add to the tree: %v", err)
	}
	if err := m.PeerRemove(ctx, fmt.Sprintf("p%04d", n-1)); err != nil {
		t.Errorf("wghub cannot remove a copied peer: %v", err)
	}
}

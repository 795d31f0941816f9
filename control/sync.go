package control

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"github.com/wghub/wghub/wgsync"
)

// SyncResult is what Sync found and did.
type SyncResult struct {
	Interface string `json:"interface"`
	// Running is false when the interface is down: nothing was done.
	Running bool `json:"running"`
	// Changes are the differences found (and fixed unless DryRun).
	Changes []string `json:"changes"`
	// Remaining are differences still there afterwards.
	Remaining   []string       `json:"remaining,omitempty"`
	RoutesAdded []netip.Prefix `json:"routes_added,omitempty"`
	// Skipped are peer sections netifd ignores too (no or bad public key).
	Skipped []string `json:"skipped,omitempty"`
}

// ErrNoSystem is returned by Sync when the Manager has no live System.
var ErrNoSystem = errors.New("control: no live system to sync")

// Sync makes the running WireGuard interface equal UCI — peers, allowed
// IPs, preshared keys, keepalives, endpoints, listen port, private key —
// changing only what differs (wgsync), and adds the routes of peers with
// route_allowed_ips that are missing. It holds a shared lock on the
// config tree meanwhile, so a concurrent peer change is either seen whole
// or applies after it. On a down interface it does nothing.
func (m *Manager) Sync(ctx context.Context) (*SyncResult, error) {
	if m.System == nil {
		return nil, ErrNoSystem
	}
	var res *SyncResult
	_, err := m.Tree.Plan(m.layout().Configs(), func(cfgs map[string]*uci.Config) error {
		h, err := hub.Load(cfgs, m.layout())
		if err != nil {
			return err
		}
		res, err = m.sync(ctx, h, cfgs)
		return err
	})
	return res, err
}

func (m *Manager) sync(ctx context.Context, h *hub.Hub, cfgs map[string]*uci.Config) (*SyncResult, error) {
	iface := h.Settings.Interface
	res := &SyncResult{Interface: iface, Changes: []string{}}
	want, skipped, err := wgsync.FromUCI(cfgs[m.layout().Network], iface)
	if err != nil {
		return nil, err
	}
	for _, s := range skipped {
		res.Skipped = append(res.Skipped, fmt.Sprintf("%s: %s", s.Section, s.Reason))
	}
	var plan wgsync.Plan
	if m.DryRun {
		dev, err := m.System.Device(iface)
		if err != nil {
			return res, nil
		}
		res.Running = true
		plan = wgsync.Compare(want, dev, wgsync.Options{})
		res.Changes = texts(plan.Differences)
		return res, nil
	}
	r, err := wgsync.Sync(m.System, want, wgsync.Options{})
	if errors.Is(err, wgsync.ErrNotRunning) {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	res.Running = true
	res.Changes = texts(r.Plan.Differences)
	res.Remaining = texts(r.Remaining)
	var add []netip.Prefix
	for _, p := range want.Peers {
		if !p.RouteAllowedIPs {
			continue
		}
		for _, a := range p.AllowedIPs {
			if dev, err := m.System.RouteDevice(a.Addr()); err == nil && dev != iface {
				add = append(add, a)
			}
		}
	}
	if len(add) > 0 {
		if err := m.Backend.ApplyPeers(ctx, iface, PeerDelta{RoutesAdd: add}); err != nil {
			return res, fmt.Errorf("control: adding routes via %s: %w", iface, err)
		}
		res.RoutesAdded = add
	}
	return res, nil
}

func texts(ds []wgsync.Difference) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

package control

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/livesys"
	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// The backend contract lives in package backend; these names keep
// control's callers readable.
type (
	Backend   = backend.Backend
	HostInfo  = backend.HostInfo
	PeerDelta = backend.PeerDelta
)

// Manager runs operations on one config tree.
type Manager struct {
	Tree    *uci.Tree
	Backend Backend
	// NoApply writes UCI only; DryRun computes the change and writes nothing.
	NoApply bool
	DryRun  bool
	// Log receives one line per side effect worth telling ("applied live").
	Log io.Writer
	// Changes holds the file changes of the last operation (planned ones in
	// a dry run). Their contents (Old, New) are kept only in a dry run or
	// with Diff: a written change names its config only.
	Changes []uci.Change
	// Diff keeps the contents of written changes in Changes too (for a
	// diff of each change): they cost the memory of every changed file.
	Diff bool
	// Outcome says whether the last operation saved and applied its change.
	Outcome Outcome
	// System is the live system doctor reads and sync changes; nil
	// leaves doctor with UCI and the backend's checks only.
	System livesys.System
}

func (m *Manager) logf(format string, a ...any) {
	if m.Log != nil {
		fmt.Fprintf(m.Log, format+"\n", a...)
	}
}

func (m *Manager) layout() hub.Layout { return m.Backend.Layout() }

// transact runs fn on the layout's configs under the tree's lock.
func (m *Manager) transact(fn func(cfgs map[string]*uci.Config) error) error {
	m.Outcome = Outcome{}
	m.Changes = nil
	// wghub's own config holds client keys (and, on a plain Linux host,
	// the hub's): 0600, never through a symlink.
	m.Tree.Private = []string{m.layout().Hub}
	if !m.DryRun { // a dry run writes nothing, not even a recovery
		if err := m.recover(); err != nil {
			return err
		}
	}
	var err error
	switch {
	case m.DryRun:
		m.Changes, err = m.Tree.Plan(m.layout().Configs(), fn)
		return err
	case m.Diff:
		m.Changes, err = m.Tree.Update(m.layout().Configs(), fn)
	default:
		m.Changes, err = m.Tree.Commit(m.layout().Configs(), fn)
	}
	m.Outcome.Saved = err == nil && len(m.Changes) > 0
	return err
}

// Load reads the hub (and its configs) without locking for write.
func (m *Manager) Load() (*hub.Hub, map[string]*uci.Config, error) { return m.load(nil) }

// load is Load; onHub, when set, is called with the hub's own config as
// soon as it is read, before the others.
func (m *Manager) load(onHub func(*uci.Config)) (*hub.Hub, map[string]*uci.Config, error) {
	return m.loadConfigs(m.layout().Configs(), onHub)
}

// loadConfigs is load reading only the configs named (those hub.Load
// reads, at least).
func (m *Manager) loadConfigs(names []string, onHub func(*uci.Config)) (*hub.Hub, map[string]*uci.Config, error) {
	if err := m.recover(); err != nil {
		return nil, nil, err
	}
	cfgs := map[string]*uci.Config{}
	for _, n := range names {
		c, err := m.Tree.Load(n)
		if errors.Is(err, os.ErrNotExist) {
			c = uci.New(n)
		} else if err != nil {
			return nil, nil, err
		}
		cfgs[n] = c
		if onHub != nil && n == m.layout().Hub {
			onHub(c)
		}
	}
	h, err := hub.Load(cfgs, m.layout())
	return h, cfgs, err
}

// modify loads the hub, applies fn and stores it, then applies peers live.
func (m *Manager) modify(ctx context.Context, fn func(h *hub.Hub) error) (*hub.Hub, error) {
	var old, h *hub.Hub
	err := m.transact(func(cfgs map[string]*uci.Config) error {
		var err error
		if h, err = hub.Load(cfgs, m.layout()); err != nil {
			return err
		}
		// The hub as it was is only compared with the new one to apply
		// the change live; without that, no copy of every peer is made.
		if !m.NoApply && !m.DryRun {
			old = h.Clone()
		}
		if err := fn(h); err != nil {
			return err
		}
		return hub.Store(cfgs, m.layout(), h)
	})
	if err != nil {
		return nil, err
	}
	// A device that joins the tunnel gets its rules first, so it never
	// runs with the default's reach; one that leaves keeps its rules
	// until it is off the tunnel.
	if old != nil && joins(old, h) {
		m.applyAccess(ctx, old, h)
		m.applyPeers(ctx, old, h)
	} else {
		m.applyPeers(ctx, old, h)
		m.applyAccess(ctx, old, h)
	}
	return h, nil
}

// joins reports whether h has an enabled peer that old had not enabled.
func joins(old, h *hub.Hub) bool {
	was := map[wgtypes.Key]bool{}
	if old != nil {
		for i := range old.Peers {
			if !old.Peers[i].Disabled {
				was[old.Peers[i].PublicKey] = true
			}
		}
	}
	for i := range h.Peers {
		if p := &h.Peers[i]; !p.Disabled && !was[p.PublicKey] {
			return true
		}
	}
	return false
}

// applyAccess reloads the firewall when the change changed who may reach
// what, or wrote the firewall config (a hub written by an older wghub gets
// its access rules on its first change). Like applyPeers, a failure is a
// warning: UCI holds the change.
func (m *Manager) applyAccess(ctx context.Context, old, h *hub.Hub) {
	if !m.Outcome.Saved || m.NoApply || m.DryRun || old.Policy() == h.Policy() && !m.changed(m.layout().Firewall) {
		return
	}
	if err := m.Backend.ApplyAccess(ctx, h); err != nil {
		m.applied("firewall", err)
		return
	}
	m.logf("access rules reloaded")
}

// changed reports whether the last transaction changed config name.
func (m *Manager) changed(name string) bool {
	for _, c := range m.Changes {
		if name != "" && c.Config == name {
			return true
		}
	}
	return false
}

// applyPeers pushes the difference between old and h to the running
// interface. A failure here is a warning in the outcome, not an error: UCI
// already holds the change and the next ifup applies it.
func (m *Manager) applyPeers(ctx context.Context, old, h *hub.Hub) {
	if !m.Outcome.Saved || m.NoApply || m.DryRun {
		m.applied(h.Settings.Interface, nil)
		return
	}
	d := Delta(old, h)
	if d.Empty() {
		m.applied(h.Settings.Interface, nil)
		return
	}
	err := m.Backend.ApplyPeers(ctx, h.Settings.Interface, d)
	m.applied(h.Settings.Interface, err)
	if err == nil {
		m.logf("applied live to %s (%d peer change(s), no restart)", h.Settings.Interface, len(d.Peers))
	}
}

// Delta computes the live change from old to h over enabled peers.
func Delta(old, h *hub.Hub) PeerDelta {
	var d PeerDelta
	before := map[wgtypes.Key]*hub.Peer{}
	routesBefore := map[netip.Prefix]bool{}
	if old != nil {
		for i := range old.Peers {
			if p := &old.Peers[i]; !p.Disabled {
				before[p.PublicKey] = p
				for _, r := range p.Routes {
					routesBefore[r] = true
				}
			}
		}
	}
	after := map[wgtypes.Key]bool{}
	routesAfter := map[netip.Prefix]bool{}
	if h != nil {
		for i := range h.Peers {
			p := &h.Peers[i]
			if p.Disabled {
				continue
			}
			after[p.PublicKey] = true
			for _, r := range p.Routes {
				routesAfter[r] = true
				if !routesBefore[r] {
					d.RoutesAdd = append(d.RoutesAdd, r)
				}
			}
			if o, ok := before[p.PublicKey]; ok && samePeer(o, p) {
				continue
			}
			d.Peers = append(d.Peers, wgtypes.PeerConfig{
				PublicKey:         p.PublicKey,
				PresharedKey:      p.PresharedKey,
				ReplaceAllowedIPs: true,
				AllowedIPs:        ipNets(p.AllowedIPs()),
			})
		}
	}
	if old != nil {
		for i := range old.Peers {
			p := &old.Peers[i]
			if !p.Disabled && !after[p.PublicKey] {
				d.Peers = append(d.Peers, wgtypes.PeerConfig{PublicKey: p.PublicKey, Remove: true})
			}
		}
	}
	for r := range routesBefore {
		if !routesAfter[r] {
			d.RoutesDel = append(d.RoutesDel, r)
		}
	}
	return d
}

func samePeer(a, b *hub.Peer) bool {
	if (a.PresharedKey == nil) != (b.PresharedKey == nil) || a.PresharedKey != nil && *a.PresharedKey != *b.PresharedKey {
		return false
	}
	x, y := a.AllowedIPs(), b.AllowedIPs()
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// randomULA returns a random fdXX:XXXX:XXXX:XXXX::/64 (RFC 4193).
func randomULA() (netip.Prefix, error) {
	var b [16]byte
	if _, err := rand.Read(b[1:8]); err != nil {
		return netip.Prefix{}, err
	}
	b[0] = 0xfd
	for i := 8; i < 16; i++ {
		b[i] = 0
	}
	return netip.PrefixFrom(netip.AddrFrom16(b), 64), nil
}

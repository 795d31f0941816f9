package control

import (
	"context"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
)

// PeerAdd adds a peer, allocating its address inside the lock so concurrent
// adds never hand out one address twice.
func (m *Manager) PeerAdd(ctx context.Context, r hub.PeerRequest) (*Peer, error) {
	var added Peer
	_, err := m.modify(ctx, func(h *hub.Hub) error {
		p, err := h.AddPeer(r)
		if err == nil {
			added = Peer{*p, Info(h, p)}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &added, nil
}

// Peer is a peer as a change left it, with its description for replies.
type Peer struct {
	hub.Peer
	Info PeerInfo
}

// PeerRemove removes a peer and its stored client key.
func (m *Manager) PeerRemove(ctx context.Context, name string) error {
	_, err := m.modify(ctx, func(h *hub.Hub) error {
		_, err := h.RemovePeer(name)
		return err
	})
	return err
}

// PeerUpdate enables, disables or changes a peer.
func (m *Manager) PeerUpdate(ctx context.Context, name string, u hub.PeerUpdate) (*Peer, error) {
	var out Peer
	_, err := m.modify(ctx, func(h *hub.Hub) error {
		p, err := h.UpdatePeer(name, u)
		if err == nil {
			out = Peer{*p, Info(h, p)}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// PeerSetEnabled is PeerUpdate for the enable/disable commands.
func (m *Manager) PeerSetEnabled(ctx context.Context, name string, on bool) (*Peer, error) {
	return m.PeerUpdate(ctx, name, hub.PeerUpdate{Enabled: &on})
}

// Settings changes hub settings that do not need a restart: endpoint, DNS,
// LAN subnets and keepalive only touch client configs; the default access
// (full tunnel and spoke to spoke included) reloads the firewall, which
// modify does when the hub's Policy changed.
func (m *Manager) Settings(ctx context.Context, r SetupRequest) (*hub.Hub, error) {
	return m.modify(ctx, func(h *hub.Hub) error {
		if r.Interface != "" || r.Port != 0 || r.Subnet.IsValid() || r.Subnet6.IsValid() || r.IPv6 {
			return errSettingsScope
		}
		return m.applyRequest(h, r)
	})
}

// errSettingsScope refuses gateway settings in Settings.
var errSettingsScope error = &errkind.Error{Kind: errkind.Invalid,
	Err: errkind.Msg("interface, port and subnets change the gateway: they are set by setup")}

// EachPeer calls fn with every configured peer, sorted by name, as Peers
// lists them, without building the list: `peer list` streams its output.
func (m *Manager) EachPeer(fn func(PeerInfo) error) error {
	h, _, err := m.Load()
	if err != nil {
		return err
	}
	hub.SortPeers(h.Peers)
	for i := range h.Peers {
		if err := fn(Info(h, &h.Peers[i])); err != nil {
			return err
		}
	}
	return nil
}

package control

import (
	"errors"
	"os"
	"time"

	"github.com/wghub/wghub/hub"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Status is the hub as configured, joined with what the running interface
// reports. It carries no private or preshared key.
type Status struct {
	Setup      bool         `json:"setup"`
	Interface  string       `json:"interface,omitempty"`
	Up         bool         `json:"up"`
	ListenPort int          `json:"listen_port,omitempty"`
	PublicKey  string       `json:"public_key,omitempty"`
	Endpoint   string       `json:"endpoint,omitempty"`
	Addresses  []string     `json:"addresses,omitempty"`
	Peers      []PeerStatus `json:"peers"`
}

// PeerStatus is one peer's line in Status.
type PeerStatus struct {
	PeerInfo
	Endpoint        string `json:"endpoint"`
	LatestHandshake int64  `json:"latest_handshake"` // unix seconds, 0 never
	HandshakeAge    int64  `json:"handshake_age"`    // seconds, -1 never
	RxBytes         int64  `json:"rx_bytes"`
	TxBytes         int64  `json:"tx_bytes"`
}

// PeerInfo describes a configured peer without secrets.
type PeerInfo struct {
	Name          string   `json:"name"`
	PublicKey     string   `json:"public_key"`
	Addresses     []string `json:"addresses"`
	Routes        []string `json:"routes,omitempty"`
	Enabled       bool     `json:"enabled"`
	FullTunnel    bool     `json:"full_tunnel"`
	Access        []string `json:"access"`     // what the device may reach (its own or the hub's)
	OwnAccess     bool     `json:"own_access"` // the device has its own access, not the hub's default
	LAN           []string `json:"lan,omitempty"`
	HasPrivateKey bool     `json:"has_private_key"`
	HasPSK        bool     `json:"has_psk"`
}

// Info describes p without secrets.
func Info(h *hub.Hub, p *hub.Peer) PeerInfo {
	a := h.AccessOf(p)
	return PeerInfo{
		Name:          p.Name,
		PublicKey:     p.PublicKey.String(),
		Addresses:     strs(p.Addresses),
		Routes:        strs(p.Routes),
		Enabled:       !p.Disabled,
		FullTunnel:    a.Internet,
		Access:        append([]string{}, a.Items()...),
		OwnAccess:     p.Access != nil,
		LAN:           strs(p.LAN),
		HasPrivateKey: p.PrivateKey != nil,
		HasPSK:        p.PresharedKey != nil,
	}
}

func strs[T interface{ String() string }](xs []T) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, x.String())
	}
	return out
}

// Peers lists the configured peers, sorted by name.
func (m *Manager) Peers() ([]PeerInfo, error) {
	h, _, err := m.Load()
	if err != nil {
		return nil, err
	}
	hub.SortPeers(h.Peers)
	out := make([]PeerInfo, 0, len(h.Peers))
	for i := range h.Peers {
		out = append(out, Info(h, &h.Peers[i]))
	}
	return out, nil
}

// Status reads the hub and its running interface.
func (m *Manager) Status() (*Status, error) {
	h, _, err := m.Load()
	if errors.Is(err, hub.ErrNotSetUp) {
		return &Status{Peers: []PeerStatus{}}, nil
	}
	if err != nil {
		return nil, err
	}
	st := &Status{
		Setup:      true,
		Interface:  h.Settings.Interface,
		ListenPort: h.Settings.Port(),
		PublicKey:  h.PrivateKey.PublicKey().String(),
		Endpoint:   h.Settings.Endpoint,
		Addresses:  strs(h.Settings.Addresses()),
		Peers:      make([]PeerStatus, 0, len(h.Peers)),
	}
	live := map[wgtypes.Key]*wgtypes.Peer{}
	dev, err := m.Backend.Device(h.Settings.Interface)
	switch {
	case err == nil:
		st.Up = true
		st.ListenPort = dev.ListenPort
		for i := range dev.Peers {
			live[dev.Peers[i].PublicKey] = &dev.Peers[i]
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	now := time.Now()
	hub.SortPeers(h.Peers)
	for i := range h.Peers {
		p := &h.Peers[i]
		ps := PeerStatus{PeerInfo: Info(h, p), HandshakeAge: -1}
		if lp := live[p.PublicKey]; lp != nil {
			if lp.Endpoint != nil {
				ps.Endpoint = lp.Endpoint.String()
			}
			if !lp.LastHandshakeTime.IsZero() {
				ps.LatestHandshake = lp.LastHandshakeTime.Unix()
				ps.HandshakeAge = int64(now.Sub(lp.LastHandshakeTime).Seconds())
			}
			ps.RxBytes, ps.TxBytes = lp.ReceiveBytes, lp.TransmitBytes
		}
		st.Peers = append(st.Peers, ps)
	}
	return st, nil
}

// ClientConfig renders a peer's wg-quick config (this reveals its private
// key: only for explicit exports).
func (m *Manager) ClientConfig(name string) ([]byte, error) {
	h, _, err := m.Load()
	if err != nil {
		return nil, err
	}
	p, err := h.Peer(name)
	if err != nil {
		return nil, err
	}
	return h.ClientConfig(p)
}

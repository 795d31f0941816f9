package control

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"time"

	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/jsonw"
	"github.com/wghub/wghub/uci"
	"github.com/wghub/wghub/wgstat"
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
		Access:        nonNil(a.Items()),
		OwnAccess:     p.Access != nil,
		LAN:           strs(p.LAN),
		HasPrivateKey: p.PrivateKey != nil,
		HasPSK:        p.PresharedKey != nil,
	}
}

// nonNil is ss, or an empty slice for nil: JSON [] rather than null.
// (Items returns a new slice: nothing else holds it.)
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
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
	r, err := m.ReadStatus()
	if err != nil {
		return nil, err
	}
	return r.Status(), nil
}

// StatusReply is the status as read: the hub and what its running
// interface reports, not yet turned into one PeerStatus per peer.
// WriteJSON streams it, building one peer's line at a time; Status builds
// it whole. Both give the same value.
type StatusReply struct {
	head Status   // all but Peers
	h    *hub.Hub // nil when no hub is set up
	live *liveDevice
	now  time.Time
}

// livePeer is what status shows of a running peer. The device as wgctrl
// reads it (allowed IPs, keys, a UDPAddr per peer) is dropped as soon as
// this is taken from it, so that it is not live while the reply is built.
type livePeer struct {
	key       wgtypes.Key
	endpoint  string
	handshake int64 // unix nanoseconds; 0: never
	rx, tx    int64
}

// liveDevice is the part of a device read that status keeps: its peers
// in a slice sorted by key (a map of a thousand peers allocates about
// three times as much while it grows, all of it live to the end).
type liveDevice struct {
	listenPort int
	peers      []livePeer
}

// keep is the wgstat callback that fills ld.
func (ld *liveDevice) keep(p *wgstat.Peer) {
	var hs int64
	if !p.Handshake.IsZero() {
		hs = p.Handshake.UnixNano()
	}
	ld.peers = append(ld.peers, livePeer{key: p.PublicKey, endpoint: p.Endpoint, handshake: hs, rx: p.Rx, tx: p.Tx})
}

// sort orders the peers by key, keeping of a peer seen more than once the
// last line (a reader may start again after a failed fast read).
func (ld *liveDevice) sort() {
	slices.SortStableFunc(ld.peers, func(a, b livePeer) int { return bytes.Compare(a.key[:], b.key[:]) })
	out := ld.peers[:0]
	for i, p := range ld.peers {
		if i+1 < len(ld.peers) && ld.peers[i+1].key == p.key {
			continue
		}
		out = append(out, p)
	}
	ld.peers = out
}

// peer finds the running peer with key k.
func (ld *liveDevice) peer(k wgtypes.Key) (*livePeer, bool) {
	if ld == nil {
		return nil, false
	}
	i, ok := slices.BinarySearchFunc(ld.peers, k, func(p livePeer, k wgtypes.Key) int { return bytes.Compare(p.key[:], k[:]) })
	if !ok {
		return nil, false
	}
	return &ld.peers[i], true
}

// statsReader is a backend that reads a device's peers one at a time
// (the OpenWrt backend, see package wgstat); fn may see a peer again
// after a failed fast read, the last call counting.
type statsReader interface {
	Stats(iface string, fn func(*wgstat.Peer)) (listenPort int, err error)
}

// readLive reads what status shows of the running iface; about is how
// many peers it may have (a guess, for the first allocation).
func readLive(b Backend, iface string, about int) (*liveDevice, error) {
	if sr, ok := b.(statsReader); ok {
		ld := &liveDevice{peers: make([]livePeer, 0, about)}
		port, err := sr.Stats(iface, ld.keep)
		if err != nil {
			return nil, err
		}
		ld.listenPort = port
		ld.sort()
		return ld, nil
	}
	d, err := b.Device(iface)
	if err != nil {
		return nil, err
	}
	ld := &liveDevice{listenPort: d.ListenPort, peers: make([]livePeer, 0, len(d.Peers))}
	wgstat.FromDevice(d, ld.keep)
	ld.sort()
	return ld, nil
}

// statusConfigs names the configs hub.Load reads (not the firewall's,
// which only Store writes): status parses nothing else.
func statusConfigs(l hub.Layout) []string {
	if l.Network == "" || l.Network == l.Hub {
		return []string{l.Hub}
	}
	return []string{l.Hub, l.Network}
}

// ReadStatus reads the hub and its running interface. The device is read
// while UCI is parsed: the answer comes from another process (netlink, or
// wireguard-go's socket), so the two overlap instead of adding up.
func (m *Manager) ReadStatus() (*StatusReply, error) {
	type devResult struct {
		iface string
		dev   *liveDevice
		err   error
	}
	var pending chan devResult
	peers := 0 // about as many as the hub config has sections
	read := func(iface string) devResult {
		dev, err := readLive(m.Backend, iface, peers)
		return devResult{iface, dev, err}
	}
	h, _, err := m.loadConfigs(statusConfigs(m.layout()), func(hc *uci.Config) {
		// The interface named in the hub section (hub.Load's default when
		// unset). A guess: it is checked against hub.Load's answer below.
		hs := hc.Section("hub")
		if hs == nil {
			return
		}
		iface, _ := hs.Get("interface")
		if iface == "" {
			iface = hub.DefaultInterface
		}
		peers = len(hc.Sections())
		pending = make(chan devResult, 1)
		go func() { pending <- read(iface) }()
	})
	var d devResult
	if pending != nil {
		d = <-pending // also when Load failed: no goroutine outlives the call
	}
	if errors.Is(err, hub.ErrNotSetUp) {
		return &StatusReply{head: Status{Peers: []PeerStatus{}}}, nil
	}
	if err != nil {
		return nil, err
	}
	if pending == nil || d.iface != h.Settings.Interface {
		peers = len(h.Peers)
		d = read(h.Settings.Interface)
	}
	r := &StatusReply{h: h, now: time.Now(), head: Status{
		Setup:      true,
		Interface:  h.Settings.Interface,
		ListenPort: h.Settings.Port(),
		PublicKey:  h.PrivateKey.PublicKey().String(),
		Endpoint:   h.Settings.Endpoint,
		Addresses:  strs(h.Settings.Addresses()),
	}}
	switch {
	case d.err == nil:
		r.head.Up = true
		r.head.ListenPort = d.dev.listenPort
		r.live = d.dev
	case !errors.Is(d.err, os.ErrNotExist):
		return nil, d.err
	}
	hub.SortPeers(h.Peers)
	return r, nil
}

// eachPeer calls fn with each peer's line, sorted by name; ps is reused
// between calls.
func (r *StatusReply) eachPeer(fn func(ps *PeerStatus) error) error {
	if r.h == nil {
		return nil
	}
	var ps PeerStatus
	for i := range r.h.Peers {
		p := &r.h.Peers[i]
		ps = PeerStatus{PeerInfo: Info(r.h, p), HandshakeAge: -1}
		if lp, ok := r.live.peer(p.PublicKey); ok {
			ps.Endpoint = lp.endpoint
			if lp.handshake != 0 {
				hs := time.Unix(0, lp.handshake)
				ps.LatestHandshake = hs.Unix()
				ps.HandshakeAge = int64(r.now.Sub(hs).Seconds())
			}
			ps.RxBytes, ps.TxBytes = lp.rx, lp.tx
		}
		if err := fn(&ps); err != nil {
			return err
		}
	}
	return nil
}

// Status builds the whole status.
func (r *StatusReply) Status() *Status {
	st := r.head
	if r.h != nil {
		st.Peers = make([]PeerStatus, 0, len(r.h.Peers))
	}
	r.eachPeer(func(ps *PeerStatus) error {
		st.Peers = append(st.Peers, *ps)
		return nil
	})
	return &st
}

// WriteJSON writes the status as encoding/json would write Status
// (MarshalIndent with two spaces when indent is set), and a newline, one
// peer at a time.
func (r *StatusReply) WriteJSON(w io.Writer, indent bool) error {
	jw := jsonw.New(w, indent)
	r.head.writeHead(jw)
	jw.BeginArray()
	r.eachPeer(func(ps *PeerStatus) error {
		jw.Elem()
		ps.writeJSON(jw)
		return nil
	})
	jw.EndArray()
	jw.EndObject()
	return jw.Close()
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

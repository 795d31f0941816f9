// Package backend is the contract between package control and the backends
// that apply the hub to a running system (backend/openwrt for an OpenWrt
// gateway, backend/plainlinux for a plain Linux host): the Backend
// interface and the plain values that cross it. Backends import this
// package, not control.
//
// Non-goals: any implementation; the hub model itself lives in package hub.
package backend

import (
	"context"
	"errors"
	"net/netip"

	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Backend applies committed changes to the running system.
type Backend interface {
	// Layout says where the hub lives in UCI on this system.
	Layout() hub.Layout
	// ApplySetup brings the system in line after setup (h is the new hub)
	// or teardown (h is nil, old the hub that was removed).
	ApplySetup(ctx context.Context, old, h *hub.Hub) error
	// ApplyPeers changes peers on the running interface without restarting
	// it. It returns an error wrapping os.ErrNotExist when the interface is
	// not up; the change then takes effect when it next comes up.
	ApplyPeers(ctx context.Context, iface string, d PeerDelta) error
	// ApplyAccess loads h's access policy (the firewall) into the running
	// system atomically, without touching established connections. It is
	// called after a committed change that changed hub.Policy.
	ApplyAccess(ctx context.Context, h *hub.Hub) error
	// Device reads the running interface (os.ErrNotExist when it is down).
	Device(iface string) (*wgtypes.Device, error)
	// Host describes this machine's own networks, for defaults and overlap
	// checks. cfgs holds the layout's configs as loaded.
	Host(cfgs map[string]*uci.Config) HostInfo
	// Checks adds the backend's own doctor checks.
	Checks(ctx context.Context, h *hub.Hub, cfgs map[string]*uci.Config) []Check
}

// HostInfo is what a backend knows of the host's networks.
type HostInfo struct {
	Subnets   map[string][]netip.Prefix // subnets by interface, for overlap checks; nil: none known
	LAN       []netip.Prefix            // default LAN subnets handed to clients; nil: none
	LANDevice string                    // plain Linux: device towards the LAN; "": unknown
	DNS       []string                  // default DNS for clients; nil: none
}

// PeerDelta is a minimal live change: never ReplacePeers, so the sessions
// of untouched peers survive.
type PeerDelta struct {
	Peers     []wgtypes.PeerConfig // adds, updates (ReplaceAllowedIPs) and removals (Remove)
	RoutesAdd []netip.Prefix
	RoutesDel []netip.Prefix
}

// Empty reports whether d changes nothing.
func (d PeerDelta) Empty() bool {
	return len(d.Peers) == 0 && len(d.RoutesAdd) == 0 && len(d.RoutesDel) == 0
}

// Check is one doctor finding.
type Check struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"` // what to do; "" when OK
}

// ErrNotLive is wrapped by a backend's refusal to touch the running system
// for a config tree that is not the host's own (a sandbox copy).
var ErrNotLive = errors.New("the config tree is not this host's")

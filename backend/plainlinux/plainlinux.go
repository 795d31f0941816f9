// Package plainlinux is wghub's backend for a plain Linux host: it adapts
// the system layer in backend/linux to the contract in package backend. The
// hub's own UCI-format file (hub.Standalone) is the truth; setup and `up`
// build the running state from it, peer and access changes apply live.
//
// Only the tree that is this host's (DefaultRoot) changes the running
// system, or any tree when wghub runs in a network namespace other than
// PID 1's (one made for it, as tests and `ip netns exec` do). For any other
// --root the files change and the host is left alone, so a sandbox copy can
// never take over the host's interfaces or firewall.
//
// Non-goals: the system work itself (backend/linux), UCI file handling
// (package control).
package plainlinux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/backend/linux"
	"github.com/wghub/wghub/backend/live"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// DefaultRoot is where the plain-Linux hub keeps its UCI-format file.
const DefaultRoot = "/etc/wghub"

// Backend adapts linux.Host to backend.Backend.
type Backend struct {
	Root string // the config tree; "" means DefaultRoot
	Log  io.Writer
	// Open opens the system layer on first use; nil means linux.Host's.
	// Tests put a fake here.
	Open func(log io.Writer) (System, error)
	host System
}

// System is what the adapter uses of the system layer (*linux.Host).
type System interface {
	Up(ctx context.Context, s linux.Spec) error
	Down(ctx context.Context, s linux.Spec) error
	ApplyPeers(iface string, add []wgtypes.PeerConfig, remove []wgtypes.Key, routesAdd, routesDel []netip.Prefix) error
	Status(iface string) (*wgtypes.Device, error)
	ApplyAccess(s linux.Spec) error
	MissingRule(s linux.Spec) string
	Close() error
}

func openHost(log io.Writer) (System, error) {
	h, err := linux.NewWithOptions(linux.Options{Log: log})
	if err != nil {
		return nil, err
	}
	return h, nil
}

var _ backend.Backend = (*Backend)(nil)

// New returns a backend for the tree at root; kernel handles are opened on
// first use.
func New(root string, log io.Writer) *Backend { return &Backend{Root: root, Log: log} }

// Live reports whether this backend may change the running system: the
// tree is DefaultRoot, or wghub runs in a network namespace of its own.
func (b *Backend) Live() bool {
	if !live.InitialNetns() {
		return true
	}
	root := b.Root
	if root == "" {
		root = DefaultRoot
	}
	r, err := filepath.Abs(root)
	return err == nil && r == DefaultRoot
}

// notLive is the refusal for a tree that is not this host's.
func (b *Backend) notLive() error {
	return &errkind.Error{Kind: errkind.Unsupported, Err: fmt.Errorf(
		"config root %s is not %s and this is the host's own network: the running system is left alone (%w)",
		b.Root, DefaultRoot, backend.ErrNotLive)}
}

func (b *Backend) logf(format string, a ...any) {
	if b.Log != nil {
		fmt.Fprintf(b.Log, format+"\n", a...)
	}
}

// h opens the system layer, refusing for a tree that is not this host's:
// every change to the running system goes through here.
func (b *Backend) h() (System, error) {
	if !b.Live() {
		return nil, b.notLive()
	}
	if b.host == nil {
		open := b.Open
		if open == nil {
			open = openHost
		}
		h, err := open(b.Log)
		if err != nil {
			return nil, err
		}
		b.host = h
	}
	return b.host, nil
}

// Close releases kernel handles.
func (b *Backend) Close() error {
	if b.host != nil {
		return b.host.Close()
	}
	return nil
}

// Layout is hub.Standalone: everything in one file of wghub's own.
func (b *Backend) Layout() hub.Layout { return hub.Standalone }

// SpecOf turns the hub model into what the system layer needs: the hub's
// default access for the VPN subnets, and the devices whose reach differs
// from it (hub.OwnAccess) keyed by their addresses.
func SpecOf(h *hub.Hub) linux.Spec {
	s := linux.Spec{
		Interface:  h.Settings.Interface,
		PrivateKey: h.PrivateKey,
		ListenPort: h.Settings.Port(),
		Addresses:  h.Settings.Addresses(),
		LANDevice:  h.Settings.LANDevice,
		VPN:        h.Settings.Subnets,
		LAN:        h.Settings.LAN,
		Default:    accessOf(h.Settings.Access),
	}
	internet := h.Settings.Access.Internet
	for i := range h.Peers {
		p := &h.Peers[i]
		if p.Disabled {
			continue
		}
		if h.OwnAccess(p) {
			a := h.AccessOf(p)
			internet = internet || a.Internet
			s.Devices = append(s.Devices, linux.Device{Sources: p.AllowedIPs(), LAN: p.LAN, Access: accessOf(a)})
		}
		s.Peers = append(s.Peers, wgtypes.PeerConfig{
			PublicKey: p.PublicKey, PresharedKey: p.PresharedKey,
			ReplaceAllowedIPs: true, AllowedIPs: ipNets(p.AllowedIPs()),
		})
		s.Routes = append(s.Routes, p.Routes...)
	}
	if internet {
		s.InternetDevice = linux.DefaultRouteDevice()
	}
	return s
}

func accessOf(a hub.Access) linux.Access {
	out := linux.Access{LAN: a.LAN, Internet: a.Internet, Router: a.Router, Spoke: a.Spoke}
	for _, t := range a.Hosts {
		out.Hosts = append(out.Hosts, linux.Target{Prefix: t.Prefix, Proto: t.Proto, Ports: t.Ports})
	}
	return out
}

func ipNets(ps []netip.Prefix) []net.IPNet {
	out := make([]net.IPNet, 0, len(ps))
	for _, p := range ps {
		out = append(out, net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())})
	}
	return out
}

// Up starts the hub from h.
func (b *Backend) Up(h *hub.Hub) error {
	x, err := b.h()
	if err != nil {
		return err
	}
	return x.Up(context.Background(), SpecOf(h))
}

// Down stops the hub and removes what Up added.
func (b *Backend) Down(h *hub.Hub) error {
	x, err := b.h()
	if err != nil {
		return err
	}
	return x.Down(context.Background(), SpecOf(h))
}

// ApplySetup brings the hub up after setup (Up is idempotent, so a running
// hub is updated in place) and down after teardown. For a tree that is not
// this host's it only says so.
func (b *Backend) ApplySetup(ctx context.Context, old, h *hub.Hub) error {
	if !b.Live() {
		b.logf("config root %s is not %s: not changing this host's interfaces or firewall", b.Root, DefaultRoot)
		return nil
	}
	if h == nil {
		if old == nil {
			return nil
		}
		return b.Down(old)
	}
	return b.Up(h)
}

// ApplyPeers changes peers on the running interface without restarting it.
func (b *Backend) ApplyPeers(ctx context.Context, iface string, d backend.PeerDelta) error {
	x, err := b.h()
	if err != nil {
		return err
	}
	if _, err := x.Status(iface); err != nil {
		return fmt.Errorf("%s: %w", iface, os.ErrNotExist)
	}
	var add []wgtypes.PeerConfig
	var remove []wgtypes.Key
	for _, p := range d.Peers {
		if p.Remove {
			remove = append(remove, p.PublicKey)
		} else {
			add = append(add, p)
		}
	}
	return x.ApplyPeers(iface, add, remove, d.RoutesAdd, d.RoutesDel)
}

// Device reads the running interface; for a tree that is not this host's
// there is none (os.ErrNotExist), whatever runs under that name.
func (b *Backend) Device(iface string) (*wgtypes.Device, error) {
	x, err := b.h()
	if errors.Is(err, backend.ErrNotLive) {
		return nil, fmt.Errorf("%s: %w", iface, os.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	return x.Status(iface)
}

// Host reads this machine's networks: every interface's subnets for the
// overlap check, and the default-route device's IPv4 subnet as the LAN
// clients reach.
func (b *Backend) Host(cfgs map[string]*uci.Config) backend.HostInfo {
	subnets, dev, _ := linux.Networks()
	info := backend.HostInfo{Subnets: subnets, LANDevice: dev}
	for _, p := range subnets[dev] {
		if p.Addr().Is4() {
			info.LAN = []netip.Prefix{p}
			break
		}
	}
	return info
}

// Checks looks at forwarding and the iptables rules on this host.
func (b *Backend) Checks(ctx context.Context, h *hub.Hub, cfgs map[string]*uci.Config) []backend.Check {
	var out []backend.Check
	add := func(name string, ok bool, msg, fix string) {
		c := backend.Check{Name: name, OK: ok, Message: msg}
		if !ok {
			c.Fix = fix
		}
		out = append(out, c)
	}
	add("lan_device", h.Settings.LANDevice != "", "LAN device: "+orNone(h.Settings.LANDevice),
		"tell wghub where the LAN is: wghub setup --lan-device eth0")
	x, err := b.h()
	if err != nil {
		return out
	}
	on := linux.IPv4Forwarding()
	out = append([]backend.Check{{Name: "ip_forward", OK: on, Message: fmt.Sprintf("IPv4 forwarding enabled: %v", on)}}, out...)
	if !on {
		out[0].Fix = "wghub up enables it; something reset it (check /etc/sysctl.d)"
	}
	missing := x.MissingRule(SpecOf(h))
	add("iptables", missing == "", "forward, access and masquerade rules in place: "+fmt.Sprint(missing == ""),
		"run wghub up (missing: "+missing+")")
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// ApplyAccess loads h's access policy into wghub's chains on the running
// hub, in one transaction per family (nothing when the hub is down: up
// loads it).
func (b *Backend) ApplyAccess(ctx context.Context, h *hub.Hub) error {
	x, err := b.h()
	if err != nil {
		return err
	}
	return x.ApplyAccess(SpecOf(h))
}

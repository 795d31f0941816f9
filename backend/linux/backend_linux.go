package linux

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/wghub/wghub/backend/live"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// DefaultRoot is where the plain-Linux hub keeps its UCI-format file.
const DefaultRoot = "/etc/wghub"

// Backend adapts Host to control.Backend: the hub's own file is the truth,
// Up builds the running state from it and peer changes apply live.
type Backend struct {
	Log  io.Writer
	host *Host
}

var _ control.Backend = (*Backend)(nil)

// NewBackend returns a backend; kernel handles are opened on first use.
func NewBackend(log io.Writer) *Backend { return &Backend{Log: log} }

func (b *Backend) h() (*Host, error) {
	if b.host == nil {
		h, err := NewWithOptions(Options{Log: b.Log})
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

// SpecOf turns the hub model into what Up needs.
func SpecOf(h *hub.Hub) Spec {
	s := Spec{
		Interface:  h.Settings.Interface,
		PrivateKey: h.PrivateKey,
		ListenPort: h.Settings.Port(),
		Addresses:  h.Settings.Addresses(),
		LANDevice:  h.Settings.LANDevice,
		VPN:        h.Settings.Subnets,
		LAN:        h.Settings.LAN,
	}
	full := h.Settings.FullTunnel
	for _, p := range h.Peers {
		if p.Disabled {
			continue
		}
		full = full || p.FullTunnel
		s.Peers = append(s.Peers, wgtypes.PeerConfig{
			PublicKey: p.PublicKey, PresharedKey: p.PresharedKey,
			ReplaceAllowedIPs: true, AllowedIPs: ipNets(p.AllowedIPs()),
		})
		s.Routes = append(s.Routes, p.Routes...)
	}
	if full {
		s.FullTunnelDevice = defaultRouteDevice()
	}
	return s
}

func ipNets(ps []netip.Prefix) []net.IPNet {
	out := make([]net.IPNet, 0, len(ps))
	for _, p := range ps {
		out = append(out, *ipNet(p))
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
// hub is updated in place) and down after teardown.
func (b *Backend) ApplySetup(ctx context.Context, old, h *hub.Hub) error {
	if h == nil {
		if old == nil {
			return nil
		}
		return b.Down(old)
	}
	return b.Up(h)
}

// ApplyPeers changes peers on the running interface without restarting it.
func (b *Backend) ApplyPeers(ctx context.Context, iface string, d control.PeerDelta) error {
	x, err := b.h()
	if err != nil {
		return err
	}
	if _, err := x.Status(iface); err != nil {
		return fmt.Errorf("linux: %s: %w", iface, os.ErrNotExist)
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

// Device reads the running interface.
func (b *Backend) Device(iface string) (*wgtypes.Device, error) {
	x, err := b.h()
	if err != nil {
		return nil, err
	}
	return live.Device(x.wg, iface)
}

// Host reads this machine's networks through netlink: every interface's
// subnets for the overlap check, and the default-route device's IPv4
// subnet as the LAN clients reach.
func (b *Backend) Host(cfgs map[string]*uci.Config) control.HostInfo {
	info := control.HostInfo{Subnets: map[string][]netip.Prefix{}}
	links, err := netlink.LinkList()
	if err != nil {
		return info
	}
	dev := defaultRouteDevice()
	for _, l := range links {
		addrs, _ := netlink.AddrList(l, netlink.FAMILY_ALL)
		for _, a := range addrs {
			p, ok := netip.AddrFromSlice(a.IP)
			if !ok || p.IsLoopback() || p.IsLinkLocalUnicast() {
				continue
			}
			ones, _ := a.Mask.Size()
			pfx := netip.PrefixFrom(p.Unmap(), ones).Masked()
			info.Subnets[l.Attrs().Name] = append(info.Subnets[l.Attrs().Name], pfx)
			if l.Attrs().Name == dev && pfx.Addr().Is4() && len(info.LAN) == 0 {
				info.LAN = []netip.Prefix{pfx}
			}
		}
	}
	info.LANDevice = dev
	return info
}

// defaultRouteDevice is the device of the IPv4 default route, "" if none.
func defaultRouteDevice() string {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return ""
	}
	for _, r := range routes {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() && r.Dst.Mask != nil && isZeroMask(r.Dst.Mask) {
			if l, err := netlink.LinkByIndex(r.LinkIndex); err == nil {
				return l.Attrs().Name
			}
		}
	}
	return ""
}

func isZeroMask(m net.IPMask) bool {
	ones, _ := m.Size()
	return ones == 0
}

// Checks looks at forwarding and the masquerade rule on this host.
func (b *Backend) Checks(ctx context.Context, h *hub.Hub, cfgs map[string]*uci.Config) []control.Check {
	var out []control.Check
	add := func(name string, ok bool, msg, fix string) {
		c := control.Check{Name: name, OK: ok, Message: msg}
		if !ok {
			c.Fix = fix
		}
		out = append(out, c)
	}
	v, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	on := err == nil && strings.TrimSpace(string(v)) == "1"
	add("ip_forward", on, fmt.Sprintf("IPv4 forwarding enabled: %v", on), "wghub up enables it; something reset it (check /etc/sysctl.d)")
	add("lan_device", h.Settings.LANDevice != "", "LAN device: "+orNone(h.Settings.LANDevice),
		"tell wghub where the LAN is: wghub setup --lan-device eth0")
	x, err := b.h()
	if err != nil {
		return out
	}
	spec := SpecOf(h)
	missing := ""
	for _, fam := range []Family{IPv4, IPv6} {
		t, ok := x.ipt[fam]
		if !ok {
			continue
		}
		for _, r := range spec.Rules(fam) {
			if ok, err := t.Exists(r.Table, r.Chain, r.Spec...); err != nil || !ok {
				missing = r.String()
				break
			}
		}
	}
	add("iptables", missing == "", "forward and masquerade rules in place: "+fmt.Sprint(missing == ""),
		"run wghub up (missing: "+missing+")")
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

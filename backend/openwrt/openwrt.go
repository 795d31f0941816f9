// Package openwrt is wghub's backend for an OpenWrt gateway: netifd and
// firewall4 own the running state, read from UCI; wghub reloads them after
// setup and teardown, and changes peers live through wgctrl in between.
package openwrt

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/backend/live"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"github.com/wghub/wghub/wgstat"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// DefaultRoot is where OpenWrt keeps UCI configs.
const DefaultRoot = "/etc/config"

// Backend applies changes on an OpenWrt gateway.
type Backend struct {
	// Root is the UCI directory. Outside DefaultRoot (a sandbox copy) the
	// system's services are never reloaded.
	Root string
	Log  io.Writer
	// Sysctl is where sysctls are read ("/proc/sys"); tests may point elsewhere.
	Sysctl string

	conn *live.Conn
}

var _ backend.Backend = (*Backend)(nil)

// New returns a backend for the UCI tree at root. Clients to the kernel are
// opened on first use: most commands never need them.
func New(root string, log io.Writer) *Backend {
	return &Backend{Root: root, Log: log, Sysctl: "/proc/sys"}
}

// Close releases the netlink and wgctrl handles.
func (b *Backend) Close() error {
	if b.conn != nil {
		return b.conn.Close()
	}
	return nil
}

func (b *Backend) clients() error {
	if b.conn == nil {
		c, err := live.Open()
		if err != nil {
			return err
		}
		b.conn = c
	}
	return nil
}

// Layout is hub.OpenWrt.
func (b *Backend) Layout() hub.Layout { return hub.OpenWrt }

func (b *Backend) live() bool {
	r, err := filepath.Abs(b.Root)
	return err == nil && r == DefaultRoot
}

func (b *Backend) logf(format string, a ...any) {
	if b.Log != nil {
		fmt.Fprintf(b.Log, format+"\n", a...)
	}
}

// ApplySetup reloads netifd and the firewall the OpenWrt way. netifd
// recreates the WireGuard link only when the interface section changed,
// which setup and teardown do and peer commands do not.
func (b *Backend) ApplySetup(ctx context.Context, old, h *hub.Hub) error {
	if !b.live() {
		b.logf("config root %s is not %s: not reloading network and firewall", b.Root, DefaultRoot)
		return nil
	}
	// firewall4's reload keeps chains that lost all their rules (the vpn
	// zone's, an emptied srcnat_lan) until a restart: teardown restarts
	// it so that the stock ruleset comes back.
	fw := "reload"
	if h == nil {
		fw = "restart"
	}
	steps := [][]string{{"ubus", "call", "network", "reload"}, {"/etc/init.d/firewall", fw}}
	for _, s := range steps {
		if out, err := exec.CommandContext(ctx, s[0], s[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(s, " "), err, strings.TrimSpace(string(out)))
		}
	}
	if h != nil {
		b.logf("reloaded network and firewall; %s is coming up", h.Settings.Interface)
	} else {
		b.logf("reloaded network and firewall")
	}
	return nil
}

// ApplyAccess reloads firewall4, which loads the whole ruleset in one nft
// transaction and keeps conntrack: established connections are untouched.
func (b *Backend) ApplyAccess(ctx context.Context, h *hub.Hub) error {
	if !b.live() {
		return fmt.Errorf("config root %s is not %s: not reloading the firewall (%w)", b.Root, DefaultRoot, backend.ErrNotLive)
	}
	if out, err := exec.CommandContext(ctx, "/etc/init.d/firewall", "reload").CombinedOutput(); err != nil {
		return fmt.Errorf("/etc/init.d/firewall reload: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ApplyPeers changes peers on the running interface in place.
func (b *Backend) ApplyPeers(ctx context.Context, iface string, d backend.PeerDelta) error {
	if !b.live() && live.InitialNetns() {
		// A sandbox tree: the interface of that name on this host is not its.
		return fmt.Errorf("config root %s is not %s: not changing this host's %s (%w)", b.Root, DefaultRoot, iface, backend.ErrNotLive)
	}
	if err := b.clients(); err != nil {
		return err
	}
	return b.conn.Apply(iface, d.Peers, d.RoutesAdd, d.RoutesDel)
}

// Device reads the running interface.
func (b *Backend) Device(iface string) (*wgtypes.Device, error) {
	if !b.live() && live.InitialNetns() {
		return nil, fmt.Errorf("%s: %w", iface, os.ErrNotExist)
	}
	if err := b.clients(); err != nil {
		return nil, err
	}
	return b.conn.Device(iface)
}

// Stats reads what status shows of the running interface's peers, the
// same answer as Device, one peer at a time: a userspace device straight
// from its UAPI socket (package wgstat; no wgctrl or netlink handle is
// opened), else, or when that read fails, through wgctrl (fn then sees
// those peers again).
func (b *Backend) Stats(iface string, fn func(*wgstat.Peer)) (int, error) {
	if !b.live() && live.InitialNetns() {
		return 0, fmt.Errorf("%s: %w", iface, os.ErrNotExist)
	}
	if port, err := wgstat.Read(wgstat.SocketPath(iface), fn); err == nil {
		return port, nil
	}
	d, err := b.Device(iface)
	if err != nil {
		return 0, err
	}
	wgstat.FromDevice(d, fn)
	return d.ListenPort, nil
}

// Host reads the gateway's networks from /etc/config/network: the static
// subnets of every interface, the lan subnet for clients and the router's
// LAN address as their DNS server (dnsmasq answers there).
func (b *Backend) Host(cfgs map[string]*uci.Config) backend.HostInfo {
	nc := cfgs["network"]
	info := backend.HostInfo{Subnets: hub.StaticSubnets(nc)}
	info.LAN = info.Subnets["lan"]
	if a, ok := hub.LANAddress(nc, "lan"); ok {
		info.DNS = []string{a.String()}
	}
	return info
}

// Checks verifies the firewall pieces hub-and-spoke needs, whoever wrote
// them, and IP forwarding on a live system.
func (b *Backend) Checks(ctx context.Context, h *hub.Hub, cfgs map[string]*uci.Config) []backend.Check {
	s := &h.Settings
	fc := cfgs["firewall"]
	var out []backend.Check
	add := func(name string, ok bool, msg, fix string) {
		c := backend.Check{Name: name, OK: ok, Message: msg}
		if !ok {
			c.Fix = fix
		}
		out = append(out, c)
	}
	zone := ""
	for _, z := range fc.SectionsByType("zone") {
		for _, n := range z.List("network") {
			if n == s.Interface {
				zone, _ = z.Get("name")
			}
		}
	}
	add("zone", zone != "", fmt.Sprintf("interface %s is in firewall zone %q", s.Interface, zone),
		"run wghub setup again, or add the interface to a zone in LuCI (Network > Firewall)")
	fwd := false
	for _, f := range fc.SectionsByType("forwarding") {
		src, _ := f.Get("src")
		dst, _ := f.Get("dest")
		fwd = fwd || zone != "" && src == zone && dst == s.LANZone
	}
	add("forwarding", fwd, fmt.Sprintf("forwarding from zone %q to %q: %v", zone, s.LANZone, fwd),
		"run wghub setup again to restore the forwarding")
	masq := false
	for _, n := range fc.SectionsByType("nat") {
		src, _ := n.Get("src")
		ip, _ := n.Get("src_ip")
		t, _ := n.Get("target")
		for _, sn := range s.Subnets {
			masq = masq || src == s.LANZone && t == "MASQUERADE" && ip == sn.String()
		}
	}
	for _, z := range fc.SectionsByType("zone") {
		if name, _ := z.Get("name"); name == s.LANZone {
			if m, _ := z.Get("masq"); m == "1" {
				masq = true
			}
		}
	}
	add("masquerade", masq, fmt.Sprintf("VPN traffic is masqueraded into %q: %v", s.LANZone, masq),
		"without it LAN hosts cannot answer VPN clients: run wghub setup again")
	port := fmt.Sprint(s.Port())
	open := false
	for _, r := range fc.SectionsByType("rule") {
		src, _ := r.Get("src")
		dp, _ := r.Get("dest_port")
		t, _ := r.Get("target")
		proto, _ := r.Get("proto")
		open = open || src == s.WANZone && t == "ACCEPT" && strings.Contains(" "+dp+" ", " "+port+" ") && (proto == "" || strings.Contains(proto, "udp") || proto == "all")
	}
	add("wan_port", open, fmt.Sprintf("UDP port %s is open from zone %q: %v", port, s.WANZone, open),
		"run wghub setup again to restore the rule")
	if b.live() {
		v, err := os.ReadFile(filepath.Join(b.Sysctl, "net/ipv4/ip_forward"))
		on := err == nil && strings.TrimSpace(string(v)) == "1"
		add("ip_forward", on, fmt.Sprintf("IPv4 forwarding enabled: %v", on),
			"firewall4 turns it on: /etc/init.d/firewall restart, and check /etc/sysctl.d")
	}
	return out
}

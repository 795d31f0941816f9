package control

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/livesys"
	"github.com/wghub/wghub/nftrules"
	"github.com/wghub/wghub/uci"
	"github.com/wghub/wghub/wgsync"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Paths on an OpenWrt system that doctor reads.
const (
	// HandlerPath is netifd's WireGuard protocol handler.
	HandlerPath = "/lib/netifd/proto/wireguard.sh"
	// HotplugPath is wghub's ifup hook, which runs `wghub sync`.
	HotplugPath = "/etc/hotplug.d/iface/10-wghub"
)

// handler is what doctor knows of the installed netifd WireGuard handler.
type handler struct {
	found bool
	// readsPeerPSK: the syncconf generation takes the preshared key from
	// option peer_psk, so wghub's (and LuCI's) preshared_key is dropped.
	readsPeerPSK bool
	// firstSpaceOnly: it joins allowed_ips with ${peer_a_ips/ /, }, which
	// replaces only the first space; wg syncconf rejects 3 or more.
	firstSpaceOnly bool
}

func (m *Manager) handler() handler {
	b, err := m.System.ReadFile(HandlerPath)
	if err != nil {
		return handler{}
	}
	s := string(b)
	return handler{
		found:          true,
		readsPeerPSK:   strings.Contains(s, `"peer_psk"`) && !strings.Contains(s, `"preshared_key"`),
		firstSpaceOnly: strings.Contains(s, "${peer_a_ips/ /, }"),
	}
}

// liveChecks compares the running system with UCI.
func (m *Manager) liveChecks(ctx context.Context, h *hub.Hub, cfgs map[string]*uci.Config, dev *wgtypes.Device) checks {
	var out checks
	openwrt := m.layout() == hub.OpenWrt
	iface := h.Settings.Interface
	want, err := m.want(h, cfgs)
	if err != nil {
		out.add("device", false, err.Error(), "run wghub setup again to rewrite the interface section")
		want = nil
	}
	var hd handler
	if openwrt {
		hd = m.handler()
	}
	if want != nil && dev != nil {
		plan := wgsync.Compare(want, dev, wgsync.Options{})
		if len(plan.Differences) == 0 {
			out.add("device", true, fmt.Sprintf("%s runs what UCI says (%d peer(s))", iface, len(want.Peers)), "")
		}
		for _, d := range plan.Differences {
			out.add(diffName(d), false, d.String(), diffFix(d))
		}
		if openwrt {
			out = append(out, m.pskHandlerCheck(hd, want, dev)...)
		}
	}
	if want != nil && hd.firstSpaceOnly {
		for _, p := range want.Peers {
			if p.AllowedIPsItems < 3 {
				continue
			}
			state := "at the next ifup or reboot"
			if dev == nil {
				state = "which is why " + iface + " is down"
			}
			out.add("netifd_handler_allowed_ips_"+hub.PeerID(p.Name), false,
				fmt.Sprintf("netifd's WireGuard handler (%s) cannot apply peer %q's %d allowed_ips items: it joins them with ${peer_a_ips/ /, }, which replaces only the first space, so wg syncconf rejects the line and netifd retries with %s down — %s",
					HandlerPath, p.Name, p.AllowedIPsItems, iface, state),
				"write the peer's allowed_ips as at most 2 list items (the second may join several prefixes with commas, as wghub writes them), or install a wireguard.sh without this bug; wghub sync cannot help while netifd keeps the interface down")
		}
	}
	out = append(out, m.sysctlChecks(h, openwrt)...)
	if openwrt {
		out = append(out, m.firewallChecks(ctx, h)...)
	}
	if want != nil && dev != nil {
		out = append(out, m.routeChecks(h, want)...)
	}
	return out
}

func diffName(d wgsync.Difference) string {
	n := "device_" + string(d.Kind)
	switch {
	case d.Kind == wgsync.PeerExtra:
		n += "_" + keyID(d.PublicKey)
	case d.Peer != "":
		n += "_" + hub.PeerID(d.Peer)
	}
	return n
}

// keyID is the first 8 letters and digits of a public key, for check names.
func keyID(k wgtypes.Key) string {
	var b []byte
	for _, c := range []byte(k.String()) {
		if len(b) < 8 && (c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			b = append(b, c)
		}
	}
	return string(b)
}

func diffFix(d wgsync.Difference) string {
	switch d.Kind {
	case wgsync.EndpointUnknown:
		return fmt.Sprintf("check that %s resolves; wghub sync sets the endpoint once it does", d.Want)
	case wgsync.PeerExtra:
		return "wghub sync removes it from the running interface (add it in UCI instead if it should stay)"
	}
	return "apply UCI to the running interface without restarting it: wghub sync"
}

// pskHandlerCheck names the handler problem when UCI's preshared keys are
// all missing on the device.
func (m *Manager) pskHandlerCheck(hd handler, want *wgsync.Want, dev *wgtypes.Device) checks {
	live := map[wgtypes.Key]wgtypes.Peer{}
	for _, p := range dev.Peers {
		live[p.PublicKey] = p
	}
	with, missing := 0, 0
	for _, p := range want.Peers {
		lp, ok := live[p.PublicKey]
		if p.PresharedKey == nil || !ok {
			continue
		}
		with++
		if lp.PresharedKey == (wgtypes.Key{}) {
			missing++
		}
	}
	// An installed handler that reads preshared_key (the setconf
	// generation) is not why keys are missing: device_psk_missing_* says
	// which are.
	if with == 0 || missing < with || hd.found && !hd.readsPeerPSK {
		return nil
	}
	why := "(the syncconf generation of OpenWrt's handler reads option peer_psk, not preshared_key)"
	if hd.readsPeerPSK {
		why = fmt.Sprintf("(%s reads option peer_psk, not preshared_key)", HandlerPath)
	}
	fix := "run wghub sync; the hotplug hook " + HotplugPath + " does this on every ifup"
	if _, err := m.System.ReadFile(HotplugPath); err != nil {
		fix = "run wghub sync; the hotplug hook that does this on every ifup (" + HotplugPath + ") is missing: reinstall wghub"
	}
	var out checks
	out.add("netifd_handler_psk", false, fmt.Sprintf("netifd's WireGuard handler did not apply preshared keys %s: %d peer(s) run without theirs and cannot complete a handshake", why, missing), fix)
	return out
}

// sysctlChecks reads the forwarding sysctls the hub needs.
func (m *Manager) sysctlChecks(h *hub.Hub, openwrt bool) checks {
	var out checks
	v4, v6 := false, false
	for _, s := range h.Settings.Subnets {
		v4, v6 = v4 || s.Addr().Is4(), v6 || s.Addr().Is6()
	}
	for _, x := range []struct {
		check, key string
		need       bool
	}{{"ip_forward", "net.ipv4.ip_forward", v4}, {"ipv6_forwarding", "net.ipv6.conf.all.forwarding", v6}} {
		if !x.need {
			continue
		}
		v, err := m.System.Sysctl(x.key)
		if err != nil {
			continue
		}
		on := v == "1"
		out.add(x.check, on, fmt.Sprintf("%s = %s", x.key, v), m.sysctlFix(x.key, openwrt))
	}
	return out
}

// sysctlFix says how to turn key on now and keep it on at boot, from the
// files this system applies at boot: on OpenWrt /etc/init.d/sysctl applies
// /etc/sysctl.d/*.conf then /etc/sysctl.conf (base-files'
// 10-default.conf sets ip_forward=1 and asks for changes to go to
// /etc/sysctl.conf); systemd-sysctl reads sysctl.d directories by file name,
// then /etc/sysctl.conf.
func (m *Manager) sysctlFix(key string, openwrt bool) string {
	now := "sysctl -w " + key + "=1"
	dirs := []string{"/etc/sysctl.d"}
	if !openwrt {
		dirs = append(dirs, "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d")
	}
	byName := map[string]string{}
	for i := len(dirs) - 1; i >= 0; i-- { // /etc overrides a file of the same name
		fs, _ := m.System.Glob(dirs[i] + "/*.conf")
		for _, f := range fs {
			byName[f[strings.LastIndexByte(f, '/')+1:]] = f
		}
	}
	var files []string
	for _, n := range sortedKeys(byName) {
		files = append(files, byName[n])
	}
	files = append(files, "/etc/sysctl.conf")
	file, val := "", ""
	for _, f := range files {
		b, err := m.System.ReadFile(f)
		if err != nil {
			continue
		}
		if v, ok := sysctlValue(b, key); ok {
			file, val = f, v
		}
	}
	switch {
	case val != "" && val != "1":
		return fmt.Sprintf("%s now, and at boot %s sets %s=%s: change it to 1", now, file, key, val)
	case val == "1":
		return fmt.Sprintf("%s now; %s sets it at boot, so something turned it off since (a script or sysctl -w)", now, file)
	case openwrt:
		return fmt.Sprintf("%s now, and add %s=1 to /etc/sysctl.conf to keep it at boot (base-files' /etc/sysctl.d/10-default.conf normally sets it and does not here)", now, key)
	}
	return fmt.Sprintf("%s now, and keep it across reboots: echo '%s=1' > /etc/sysctl.d/90-wghub.conf (wghub up also turns it on)", now, key)
}

// sysctlValue finds the last "key = value" line of a sysctl.conf file.
func sysctlValue(b []byte, key string) (string, bool) {
	val, found := "", false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(k), "-"), "/", ".")
		if k == key {
			val, found = strings.TrimSpace(v), true
		}
	}
	return val, found
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ { // a handful of file names
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// firewallChecks asks the loaded nftables ruleset (firewall4's) what it
// does to a new connection from a peer to the LAN and to the listen port.
func (m *Manager) firewallChecks(ctx context.Context, h *hub.Hub) checks {
	var out checks
	s := &h.Settings
	rs, err := m.System.Ruleset(ctx)
	switch {
	case errors.Is(err, livesys.ErrNoNft):
		out.add("firewall", false, "nft is not installed: the loaded firewall cannot be read", "install nftables (firewall4 needs it): opkg install nftables / apk add nftables")
		return out
	case err != nil:
		out.add("firewall", false, "reading the loaded firewall: "+err.Error(), "check that nftables works: nft list ruleset")
		return out
	case rs.Empty():
		out.add("firewall", false, "no nftables ruleset is loaded: nothing forwards, masquerades or opens the port", "load the firewall: /etc/init.d/firewall restart")
		return out
	}
	uncertain := func(v nftrules.Verdict) string {
		if len(v.Unknown) == 0 {
			return ""
		}
		return fmt.Sprintf(" (uncertain: %d rule(s) not evaluated, first %s)", len(v.Unknown), v.Unknown[0])
	}
	// Forwarding is asked for a device that may reach the LAN (none may:
	// nothing to ask); the masquerade, which applies to any VPN source,
	// for it or else for the VPN subnet's first device address.
	src, lan := lanProbe(h)
	natSrc := src
	if !src.IsValid() {
		lan = firstV4(s.LAN)
		if sub := firstV4(s.Subnets); sub.IsValid() {
			natSrc = sub.Masked().Addr().Next().Next()
		}
	}
	lanDst, lanDev := netip.Addr{}, ""
	if lan.IsValid() {
		lanDst = probe(lan)
		lanDev, _ = m.System.RouteDevice(lanDst)
	}
	reload := "reload the firewall so that it loads what UCI holds: /etc/init.d/firewall reload (if the forwarding or masquerade check above fails too, run wghub setup again first)"
	if natSrc.IsValid() && lanDst.IsValid() && lanDev != "" && lanDev != "lo" && lanDev != s.Interface {
		p := nftrules.Packet{IIf: s.Interface, OIf: lanDev, Src: natSrc, Dst: lanDst, Proto: "tcp", DPort: 80}
		if src.IsValid() {
			v := rs.Filter("forward", p)
			out.add("nft_forwarding", v.Accept, fmt.Sprintf("loaded firewall %s new connections from %s (%s) to the LAN (%s via %s): %s%s",
				verb(v.Accept, "accepts", "drops"), s.Interface, src, lanDst, lanDev, orText(v.By, "no rule"), uncertain(v)), reload)
		}
		n := rs.SourceNAT(p)
		out.add("nft_masquerade", n.NAT, fmt.Sprintf("loaded firewall %s VPN traffic leaving by %s%s%s",
			verb(n.NAT, "masquerades", "does not masquerade"), lanDev, byText(n.By), uncertain(n)),
			"without it LAN hosts cannot answer VPN clients; "+reload)
	}
	if wan, _ := m.System.DefaultRouteDevice(false); wan != "" && wan != s.Interface {
		p := nftrules.Packet{IIf: wan, Src: netip.MustParseAddr("192.0.2.1"), Proto: "udp", DPort: s.Port()}
		v := rs.Filter("input", p)
		out.add("nft_wan_port", v.Accept, fmt.Sprintf("loaded firewall %s UDP port %d from %s (%s): %s%s",
			verb(v.Accept, "accepts", "drops"), s.Port(), wan, s.WANZone, orText(v.By, "no rule"), uncertain(v)), reload)
	}
	return out
}

// lanProbe is a VPN address that may reach the LAN and the LAN subnet it
// may reach (IPv4): an enabled device with lan access, else, when the hub
// default has lan, an address of the VPN subnet no device has (it is served
// by the zone's default). When nothing may reach the LAN, src is invalid:
// a firewall that drops VPN traffic to the LAN is then right.
func lanProbe(h *hub.Hub) (src netip.Addr, lan netip.Prefix) {
	taken := map[netip.Addr]bool{}
	for i := range h.Peers {
		p := &h.Peers[i]
		for _, a := range p.Addresses {
			taken[a.Addr()] = true
		}
		a, l := firstV4(p.Addresses), firstV4(h.LANOf(p))
		if !p.Disabled && h.AccessOf(p).LAN && a.IsValid() && l.IsValid() {
			return a.Addr(), l
		}
	}
	sub, l := firstV4(h.Settings.Subnets), firstV4(h.Settings.LAN)
	if !h.Settings.Access.LAN || !sub.IsValid() || !l.IsValid() {
		return netip.Addr{}, netip.Prefix{}
	}
	for a := sub.Masked().Addr().Next().Next(); sub.Contains(a); a = a.Next() {
		if !taken[a] {
			return a, l
		}
	}
	return netip.Addr{}, netip.Prefix{}
}

func firstV4(ps []netip.Prefix) netip.Prefix {
	for _, p := range ps {
		if p.Addr().Is4() {
			return p
		}
	}
	return netip.Prefix{}
}

// probe is an address inside p unlikely to be the host's own: the last
// host of an IPv4 subnet.
func probe(p netip.Prefix) netip.Addr {
	p = p.Masked()
	if !p.Addr().Is4() || p.Bits() >= 31 {
		return p.Addr()
	}
	b := p.Addr().As4()
	host := ^uint32(0) >> p.Bits()
	v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) | host
	v-- // not the broadcast address
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func verb(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

func byText(by string) string {
	if by == "" {
		return ""
	}
	return ": " + by
}

// routeChecks asks the kernel where each peer's allowed IPs are routed.
func (m *Manager) routeChecks(h *hub.Hub, want *wgsync.Want) checks {
	var out checks
	iface := h.Settings.Interface
	bad := 0
	for _, p := range want.Peers {
		for _, a := range p.AllowedIPs {
			dev, err := m.System.RouteDevice(a.Addr())
			if err != nil || dev == iface {
				continue
			}
			bad++
			inVPN := false
			for _, s := range h.Settings.Subnets {
				inVPN = inVPN || s.Contains(a.Addr())
			}
			fix := fmt.Sprintf("set route_allowed_ips on peer %q (wghub does for --route), then wghub sync adds the route", p.Name)
			switch {
			case inVPN:
				fix = fmt.Sprintf("%s has no address in the VPN subnet: bring it up again (ifup %s on OpenWrt, wghub up on Linux)", iface, iface)
			case p.RouteAllowedIPs:
				fix = "wghub sync adds the route"
			}
			out.add("route_"+hub.PeerID(p.Name), false, fmt.Sprintf("traffic to %s (peer %q) is routed via %s, not %s", a, p.Name, orText(dev, "nowhere"), iface), fix)
		}
	}
	if bad == 0 {
		out.add("routes", true, fmt.Sprintf("every peer's allowed IPs are routed via %s", iface), "")
	}
	return out
}

package hub

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/wghub/wghub/errkind"
)

// Access is what a device may reach through the hub. The hub's setting
// (Settings.Access) is every device's default; a device either follows it
// or has its own (Peer.Access). The hub enforces it in its firewall and the
// device's client config routes just that through the tunnel.
//
// DNS on the hub is reachable whatever the access, so that the DNS server
// a client config names keeps working.
type Access struct {
	LAN      bool   // the LAN subnets: the device's own LAN list, else the hub's
	Internet bool   // everything beyond the LAN, out of the WAN (full tunnel)
	Router   bool   // the hub's own services (LuCI, SSH, ...)
	Spoke    bool   // other devices on the VPN (spoke to spoke)
	Hosts    []Host // single LAN hosts or subnets, optionally some ports only
}

// Host is one LAN host or subnet a device may reach, optionally with one
// protocol and port or port range only.
type Host struct {
	Prefix netip.Prefix
	Proto  string // "" (any), "tcp", "udp" or "icmp"
	Ports  string // "" (all), "22" or "8000-8080"; tcp and udp only
}

// Access kinds as written on the command line, in ubus and in UCI.
const (
	AccessLAN      = "lan"
	AccessInternet = "internet"
	AccessRouter   = "router"
	AccessSpoke    = "spoke"
)

// DefaultAccess is a new hub's default: the LAN only, as the design has it.
var DefaultAccess = Access{LAN: true}

// String is the host as an access item: "192.168.1.10 tcp/22".
func (h Host) String() string {
	s := h.Prefix.String()
	if h.Prefix.IsSingleIP() {
		s = h.Prefix.Addr().String()
	}
	if h.Proto != "" {
		s += " " + h.Proto
		if h.Ports != "" {
			s += "/" + h.Ports
		}
	}
	return s
}

// Items is the access as a list of items, in a fixed order: the kinds
// first, then the hosts. No access at all is an empty list.
func (a Access) Items() []string {
	var out []string
	for _, k := range []struct {
		on   bool
		name string
	}{{a.LAN, AccessLAN}, {a.Internet, AccessInternet}, {a.Router, AccessRouter}, {a.Spoke, AccessSpoke}} {
		if k.on {
			out = append(out, k.name)
		}
	}
	for _, h := range a.Hosts {
		out = append(out, h.String())
	}
	return out
}

// String joins Items with ", "; no access is "none".
func (a Access) String() string {
	if it := a.Items(); len(it) > 0 {
		return strings.Join(it, ", ")
	}
	return "none"
}

// Equal reports whether a and b grant the same.
func (a Access) Equal(b Access) bool {
	// Hosts are canonical as parsed (masked, "icmp", ports as numbers).
	return a.LAN == b.LAN && a.Internet == b.Internet && a.Router == b.Router && a.Spoke == b.Spoke &&
		slices.Equal(a.Hosts, b.Hosts)
}

// ParseAccess reads access items: "lan", "internet", "router", "spoke",
// "none" (nothing but DNS), or a LAN host or subnet with an optional
// protocol and port ("192.168.1.10", "192.168.1.0/28", "192.168.1.10 tcp/22",
// "10.0.0.5 udp/5000-5010", "192.168.1.20 icmp"). An item may hold several
// separated by commas. field names the request argument errors are about.
func ParseAccess(field string, items []string) (Access, error) {
	var a Access
	none := false
	for _, it := range items {
		for _, s := range strings.Split(it, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			switch strings.ToLower(s) {
			case AccessLAN:
				a.LAN = true
			case AccessInternet:
				a.Internet = true
			case AccessRouter:
				a.Router = true
			case AccessSpoke:
				a.Spoke = true
			case "none":
				none = true
			default:
				h, err := parseHost(field, s)
				if err != nil {
					return Access{}, err
				}
				if !slices.Contains(a.Hosts, h) {
					a.Hosts = append(a.Hosts, h)
				}
			}
		}
	}
	if none && len(a.Items()) > 0 {
		return Access{}, errkind.Invalidf(field, "access %q: \"none\" cannot be combined with anything else", strings.Join(items, ","))
	}
	return a, nil
}

func parseHost(field, s string) (Host, error) {
	f := strings.Fields(s)
	bad := func(why string) (Host, error) {
		return Host{}, errkind.Invalidf(field, "access %q: %s (write lan, internet, router, spoke, none, or a LAN host such as \"192.168.1.10 tcp/22\")", s, why)
	}
	if len(f) > 2 {
		return bad("too many words")
	}
	p, err := parsePrefix(f[0])
	if err != nil {
		switch strings.ToLower(f[0]) {
		case AccessLAN, AccessInternet, AccessRouter, AccessSpoke, "none":
			// "lan router": two kinds where one was meant per item.
			return bad("separate access items with commas")
		}
		return bad("not an access kind, address or subnet")
	}
	h := Host{Prefix: p.Masked()}
	if len(f) == 1 {
		return h, nil
	}
	proto, ports, hasPorts := strings.Cut(strings.ToLower(f[1]), "/")
	switch proto {
	case "tcp", "udp":
	case "icmp", "icmpv6": // icmpv6: how String writes icmp to an IPv6 host
		if hasPorts {
			return bad("icmp has no ports")
		}
		proto = "icmp"
	default:
		return bad("protocol " + strconv.Quote(proto) + " is not tcp, udp or icmp")
	}
	if proto == "icmp" && p.Addr().Is6() {
		proto = "icmpv6"
	}
	h.Proto = proto
	if hasPorts {
		lo, hi, isRange := strings.Cut(ports, "-")
		a, errA := strconv.Atoi(lo)
		b, errB := a, error(nil)
		if isRange {
			b, errB = strconv.Atoi(hi)
		}
		if errA != nil || errB != nil || a < 1 || b > 65535 || a > b {
			return bad("port " + strconv.Quote(ports) + " is not a port 1-65535 or a range such as 8000-8080")
		}
		h.Ports = strconv.Itoa(a)
		if isRange && b != a {
			h.Ports += "-" + strconv.Itoa(b)
		}
	}
	return h, nil
}

// AccessOf is the access the peer has: its own, else the hub's default.
func (h *Hub) AccessOf(p *Peer) Access {
	if p.Access != nil {
		return *p.Access
	}
	return h.Settings.Access
}

// LANOf is the LAN subnets the peer's "lan" access means: its own LAN
// list, else the hub's.
func (h *Hub) LANOf(p *Peer) []netip.Prefix {
	if p.LAN != nil {
		return p.LAN
	}
	return h.Settings.LAN
}

// OwnAccess reports whether the peer's reach differs from the hub default
// (its own access or its own LAN list): such a device needs rules keyed by
// its addresses, where the others are served by the zone's defaults. LAN
// hosts have no zone default (a zone forwards to zones, not hosts), so
// under a hub default with hosts every device has rules of its own.
func (h *Hub) OwnAccess(p *Peer) bool {
	if len(h.Settings.Access.Hosts) > 0 {
		return true
	}
	if p.Access != nil && !p.Access.Equal(h.Settings.Access) {
		return true
	}
	return p.LAN != nil && h.AccessOf(p).LAN && !slices.Equal(p.LAN, h.Settings.LAN)
}

// validateAccess checks what an access names against the hub: a host may
// not be on the VPN (that is what "spoke" is for).
func (s *Settings) validateAccess(field string, a Access) error {
	for _, host := range a.Hosts {
		for _, sn := range s.Subnets {
			if host.Prefix.Overlaps(sn) {
				return errkind.Conflictf(field, "access %q is on the VPN subnet %s: use \"spoke\" to let a device reach other devices", host, sn)
			}
		}
	}
	return nil
}

// Policy is the hub's access policy in one comparable string: the default
// access, the LAN, and every enabled device that has its own reach with its
// addresses. Two hubs with the same Policy need the same firewall, so a
// change that leaves it alone (most peer adds) reloads nothing.
func (h *Hub) Policy() string {
	if h == nil {
		return ""
	}
	var b strings.Builder
	s := &h.Settings
	b.WriteString(s.Access.String())
	for _, p := range prefixStrings(s.LAN) {
		b.WriteString(" lan=" + p)
	}
	for _, p := range prefixStrings(s.Subnets) {
		b.WriteString(" vpn=" + p)
	}
	b.WriteString(" if=" + s.Interface + " zone=" + s.Zone + "/" + s.LANZone + "/" + s.WANZone + " dev=" + s.LANDevice)
	for i := range h.Peers {
		p := &h.Peers[i]
		if p.Disabled || !h.OwnAccess(p) {
			continue
		}
		b.WriteString("\n" + strings.Join(prefixStrings(p.AllowedIPs()), ",") + ": " + h.AccessOf(p).String())
		for _, l := range prefixStrings(h.LANOf(p)) {
			b.WriteString(" lan=" + l)
		}
	}
	return b.String()
}

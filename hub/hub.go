package hub

import (
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Defaults for a new hub.
const (
	DefaultInterface = "wg0"
	DefaultPort      = 51820
	DefaultKeepalive = 25
	DefaultZone      = "vpn"
	DefaultLANZone   = "lan"
	DefaultWANZone   = "wan"
)

// DefaultSubnet is the VPN subnet of the design: hub at .1, peers from .2.
// (Built, not parsed: package variables are computed at every start.)
var DefaultSubnet = netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, 100, 0}), 24)

// ErrNotSetUp is returned when the config holds no hub yet.
var ErrNotSetUp error = &errkind.Error{Kind: errkind.NotSetUp, Err: errkind.Msg("no hub is set up")}

// Settings are the hub's own choices, kept in the "hub" section.
type Settings struct {
	Interface  string         // WireGuard interface (and its UCI section) name
	ListenPort int            // UDP port; 0 means DefaultPort
	Subnets    []netip.Prefix // VPN subnets, at most one IPv4 and one IPv6; the hub takes the first host of each
	Endpoint   string         // host:port written into client configs; "" means unknown yet
	DNS        []string       // DNS servers handed to clients; empty means none
	LAN        []netip.Prefix // subnets behind the hub that clients reach (split tunnel)
	Keepalive  int            // PersistentKeepalive in client configs; 0 means none
	// Access is every device's default reach (DefaultAccess for a new
	// hub); "internet" in it forwards every device to the WAN zone.
	Access    Access
	Zone      string // firewall zone of the VPN interface
	LANZone   string // zone VPN traffic is forwarded and masqueraded into
	WANZone   string // zone the listen port is opened on
	LANDevice string // plain Linux backend only: device LAN traffic leaves by
}

// Hub is the whole model: settings, the interface key and the peers.
type Hub struct {
	Settings   Settings
	PrivateKey wgtypes.Key
	Peers      []Peer
	// Foreign are allowed IPs of peer sections on the interface that wghub
	// does not manage (added in LuCI, say); they are never handed out again.
	Foreign []netip.Prefix

	// Set by Load, for Store: the firewall sections the hub owns by role,
	// and the interface addresses and name as loaded, so that Store can
	// tell wghub's list entries from the owner's.
	fw          map[string]string
	loadedAddrs []string
	loadedIface string
}

// Peer is one spoke.
type Peer struct {
	// Name is free text, as the owner wrote it (LuCI's description).
	Name string
	// ID names the peer's UCI sections (wghub_<ID>, client_<ID>); Store
	// gives a new peer one, and it never changes, whatever the name does.
	ID           string
	PublicKey    wgtypes.Key
	PresharedKey *wgtypes.Key
	// PrivateKey is the client's key when the hub generated it, so the
	// client config can be exported later; nil when the client brought its
	// own public key.
	PrivateKey *wgtypes.Key
	Addresses  []netip.Prefix // the peer's VPN addresses, /32 and /128
	Routes     []netip.Prefix // subnets behind the peer (site to site), routed to it
	Disabled   bool
	// Access is the device's own reach; nil means the hub's default.
	Access *Access
	LAN    []netip.Prefix // overrides Settings.LAN for this device's "lan" access; nil means the hub's

	// ps and cs are the sections Load read the peer from, so that Store
	// need not look them up by name again (see Peer.sections).
	ps, cs *uci.Section
}

// AllowedIPs is what the hub accepts from and routes to the peer.
func (p *Peer) AllowedIPs() []netip.Prefix {
	return append(append([]netip.Prefix(nil), p.Addresses...), p.Routes...)
}

// Peer returns the peer called name: its exact name, else its name in
// another case, else its section ("wghub_3"). A name two peers share (as a
// hand or LuCI edit can make) is a conflict that names their sections.
func (h *Hub) Peer(name string) (*Peer, error) {
	for _, match := range []func(p *Peer) bool{
		func(p *Peer) bool { return p.Name == name },
		func(p *Peer) bool { return strings.EqualFold(p.Name, name) },
		func(p *Peer) bool { return p.ID != "" && PeerSection(p.ID) == name },
	} {
		var found []*Peer
		for i := range h.Peers {
			if match(&h.Peers[i]) {
				found = append(found, &h.Peers[i])
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		}
		var secs []string
		for _, p := range found {
			secs = append(secs, PeerSection(p.ID))
		}
		return nil, errkind.Conflictf("name", "%d peers are named %q (sections %s): rename one, or name it by its section", len(found), name, strings.Join(secs, ", "))
	}
	return nil, errkind.NotFoundf("no peer named %q", name)
}

// Addresses are the hub's own interface addresses: the first host of each
// VPN subnet, with the subnet's length.
func (s *Settings) Addresses() []netip.Prefix {
	var out []netip.Prefix
	for _, sn := range s.Subnets {
		out = append(out, netip.PrefixFrom(sn.Masked().Addr().Next(), sn.Bits()))
	}
	return out
}

// Port is the listen port with the default applied.
func (s *Settings) Port() int {
	if s.ListenPort == 0 {
		return DefaultPort
	}
	return s.ListenPort
}

// isWord reports whether s is non-empty and all [A-Za-z0-9_] (by hand:
// package regexp would cost the router build about 200 KB).
func isWord(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// Validate checks settings on their own (not against the LAN/WAN).
func (s *Settings) Validate() error {
	if len(s.Interface) == 0 || len(s.Interface) > 15 || !isWord(s.Interface) {
		return errkind.Invalidf("interface", "interface name %q: 1-15 letters, digits or '_'", s.Interface)
	}
	if s.ListenPort != 0 {
		if err := ValidatePort(s.ListenPort); err != nil {
			return err
		}
	}
	var v4, v6 int
	for _, p := range s.Subnets {
		if err := CheckSubnet(subnetField(p), p); err != nil {
			return err
		}
		if p.Addr().Is4() {
			v4++
		} else {
			v6++
		}
	}
	if v4+v6 == 0 {
		return errkind.Invalidf("subnet", "no VPN subnet")
	}
	if v4 > 1 || v6 > 1 {
		return errkind.Invalidf("subnet", "at most one IPv4 and one IPv6 VPN subnet")
	}
	for _, z := range []string{s.Zone, s.LANZone, s.WANZone} {
		if z != "" && !isWord(z) {
			return errkind.Invalidf("zone", "firewall zone name %q: letters, digits and '_' only", z)
		}
	}
	if s.Endpoint != "" {
		if err := ValidateEndpoint(s.Endpoint); err != nil {
			return err
		}
	}
	for _, d := range s.DNS {
		if err := validateToken("dns", "DNS server", d); err != nil {
			return err
		}
	}
	// The default access may not name hosts on the VPN, as a device's may not.
	if err := s.validateAccess("access", s.Access); err != nil {
		return err
	}
	if err := ValidateKeepalive(s.Keepalive); err != nil {
		return err
	}
	for i, a := range s.Subnets {
		for _, l := range s.LAN {
			if Overlaps(a, l) {
				return errkind.Conflictf("", "VPN subnet %s overlaps LAN subnet %s", a, l)
			}
		}
		for _, b := range s.Subnets[:i] {
			if Overlaps(a, b) {
				return errkind.Conflictf("", "VPN subnets %s and %s overlap", a, b)
			}
		}
	}
	return nil
}

// ValidatePort checks a listen port: the one check and message for every
// interface.
func ValidatePort(n int) error {
	if n < 1 || n > 65535 {
		return errkind.Invalidf("port", "port %d is out of range 1-65535", n)
	}
	return nil
}

// ValidateKeepalive checks a PersistentKeepalive interval (0 is off).
func ValidateKeepalive(n int) error {
	if n < 0 || n > 65535 {
		return errkind.Invalidf("keepalive", "keepalive %d is out of range 0-65535", n)
	}
	return nil
}

// ValidateEndpoint checks "host:port", "[v6]:port" or a bare host.
func ValidateEndpoint(ep string) error {
	if err := validateToken("endpoint", "endpoint", ep); err != nil {
		return err
	}
	host := ep
	if strings.HasPrefix(ep, "[") {
		end := strings.Index(ep, "]")
		if end < 0 {
			return errkind.Invalidf("endpoint", "endpoint %q: unterminated '['", ep)
		}
		host = ep[1:end]
		if _, err := netip.ParseAddr(host); err != nil {
			return errkind.Invalidf("endpoint", "endpoint %q: %q is not an IPv6 address", ep, host)
		}
		rest := ep[end+1:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return errkind.Invalidf("endpoint", "endpoint %q: expected :port after ']'", ep)
		}
		return validatePort(ep, strings.TrimPrefix(rest, ":"))
	}
	if strings.Count(ep, ":") == 1 {
		var port string
		host, port, _ = strings.Cut(ep, ":")
		if err := validatePort(ep, port); err != nil {
			return err
		}
	} else if strings.Count(ep, ":") > 1 {
		return errkind.Invalidf("endpoint", "endpoint %q: write an IPv6 address as [addr]:port", ep)
	}
	if host == "" {
		return errkind.Invalidf("endpoint", "endpoint %q has no host", ep)
	}
	return nil
}

func validatePort(ep, port string) error {
	if port == "" {
		return nil
	}
	n := 0
	for _, c := range port {
		if c < '0' || c > '9' {
			return errkind.Invalidf("endpoint", "endpoint %q: port %q is not a number", ep, port)
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			break
		}
	}
	if n < 1 || n > 65535 {
		return errkind.Invalidf("endpoint", "endpoint %q: port %q is out of range 1-65535", ep, port)
	}
	return nil
}

// validateToken rejects what cannot stand in a wg-quick line or UCI value;
// field is the argument's request name, what its name for people.
func validateToken(field, what, s string) error {
	bad := " \t\r\n'\"#,=\\"
	if what != "endpoint" {
		bad += "[]"
	}
	if s == "" || strings.ContainsAny(s, bad) {
		return errkind.Invalidf(field, "%s %q is not valid", what, s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errkind.Invalidf(field, "%s %q contains control characters", what, s)
		}
	}
	return nil
}

// subnetField is the request argument a VPN subnet comes from.
func subnetField(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "subnet"
	}
	return "subnet6"
}

// Overlaps reports whether two prefixes share any address.
func Overlaps(a, b netip.Prefix) bool {
	return a.Overlaps(b)
}

// Clone returns a copy of h that shares no memory with it, so a
// change can be made to one and compared with the other (control keeps
// the hub as loaded beside the one an operation changes, without a second
// load of every peer).
func (h *Hub) Clone() *Hub {
	c := *h
	c.Settings = h.Settings.clone()
	c.Peers = make([]Peer, len(h.Peers), len(h.Peers)+1)
	for i := range h.Peers {
		c.Peers[i] = h.Peers[i].clone()
	}
	c.Foreign = slices.Clone(h.Foreign)
	c.fw = maps.Clone(h.fw)
	c.loadedAddrs = slices.Clone(h.loadedAddrs)
	return &c
}

func (s Settings) clone() Settings {
	s.Subnets = slices.Clone(s.Subnets)
	s.DNS = slices.Clone(s.DNS)
	s.LAN = slices.Clone(s.LAN)
	s.Access.Hosts = slices.Clone(s.Access.Hosts)
	return s
}

func (p Peer) clone() Peer {
	if p.PresharedKey != nil {
		k := *p.PresharedKey
		p.PresharedKey = &k
	}
	if p.PrivateKey != nil {
		k := *p.PrivateKey
		p.PrivateKey = &k
	}
	if p.Access != nil {
		a := *p.Access
		a.Hosts = slices.Clone(a.Hosts)
		p.Access = &a
	}
	p.Addresses = slices.Clone(p.Addresses)
	p.Routes = slices.Clone(p.Routes)
	p.LAN = slices.Clone(p.LAN)
	return p
}

package hub

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/uci"
	"github.com/wghub/wghub/wgquick"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Layout says which UCI config file holds which part of the hub.
type Layout struct {
	Hub      string // hub settings and client sections ("wghub")
	Network  string // interface and peer sections: "network" on OpenWrt, the hub's own file elsewhere
	Firewall string // firewall sections; "" where wghub manages no UCI firewall
}

// Configs lists the config names the layout touches, without duplicates.
func (l Layout) Configs() []string {
	out := []string{l.Hub}
	for _, n := range []string{l.Network, l.Firewall} {
		if n != "" && n != l.Hub {
			out = append(out, n)
		}
	}
	return out
}

// OpenWrt is the layout on a gateway: netifd and firewall4 read the
// interface, peers and zones from their own files.
var OpenWrt = Layout{Hub: "wghub", Network: "network", Firewall: "firewall"}

// Standalone is the layout on a plain Linux host: one file of wghub's own.
var Standalone = Layout{Hub: "wghub", Network: "wghub"}

// Section names and types wghub owns.
const (
	hubSection     = "hub"
	clientType     = "client"
	peerPrefix     = "wghub_"
	lanDeviceOpt   = "lan_device"
	peerTypePrefix = "wireguard_"
)

// PeerType is the UCI section type netifd reads peers of iface from.
func PeerType(iface string) string { return peerTypePrefix + iface }

// PeerSection is the name of the peer section of the peer with UCI id id.
func PeerSection(id string) string { return peerPrefix + id }

// clientSection names a peer's client section in the hub config. The prefix
// keeps peer ids apart from the "hub" and interface sections, which share
// one file in the Standalone layout.
func clientSection(id string) string { return "client_" + id }

// Load reads the hub from cfgs (keyed by config name). It returns
// ErrNotSetUp when there is no hub section.
func Load(cfgs map[string]*uci.Config, l Layout) (*Hub, error) {
	hc := cfgs[l.Hub]
	if hc == nil || hc.Section(hubSection) == nil {
		return nil, ErrNotSetUp
	}
	hs := hc.Section(hubSection)
	h := &Hub{}
	s := &h.Settings
	var err error
	s.Interface, _ = hs.Get("interface")
	if s.Interface == "" {
		s.Interface = DefaultInterface
	}
	if s.Subnets, err = prefixes(hs, "subnet"); err != nil {
		return nil, err
	}
	s.Endpoint, _ = hs.Get("endpoint")
	s.DNS = hs.List("dns")
	if s.LAN, err = prefixes(hs, "lan"); err != nil {
		return nil, err
	}
	if s.Keepalive, err = intOpt(hs, "keepalive", 0); err != nil {
		return nil, err
	}
	// full_tunnel is how wghub before per-device access said "internet".
	s.Access = DefaultAccess
	if items := hs.List("access"); len(items) > 0 {
		if s.Access, err = ParseAccess("access", items); err != nil {
			return nil, fmt.Errorf("%s.%s.access: %w", l.Hub, hubSection, err)
		}
	}
	if boolOpt(hs, "full_tunnel") {
		s.Access.Internet = true
	}
	s.Zone = strOpt(hs, "zone", DefaultZone)
	s.LANZone = strOpt(hs, "lan_zone", DefaultLANZone)
	s.WANZone = strOpt(hs, "wan_zone", DefaultWANZone)
	s.LANDevice, _ = hs.Get(lanDeviceOpt)
	h.fw = loadFirewallNames(hs)

	nc := cfgs[l.Network]
	if nc == nil {
		return nil, fmt.Errorf("config %q not loaded", l.Network)
	}
	is := nc.Section(s.Interface)
	if is == nil || is.Type() != "interface" {
		return nil, fmt.Errorf("%s: interface section %q is missing", l.Network, s.Interface)
	}
	if s.ListenPort, err = intOpt(is, "listen_port", DefaultPort); err != nil {
		return nil, err
	}
	pk, _ := is.Get("private_key")
	if h.PrivateKey, err = parseKey(pk); err != nil {
		return nil, fmt.Errorf("%s.%s.private_key is not a valid key", l.Network, s.Interface)
	}

	h.loadedAddrs = prefixStrings(s.Addresses())
	h.loadedIface = s.Interface
	peerSecs := nc.SectionsByType(PeerType(s.Interface))
	var slab peerSlab
	if len(peerSecs) > 0 {
		h.Peers = make([]Peer, 0, len(peerSecs)+1) // +1: room for an added peer
		slab.keys = make([]wgtypes.Key, 0, 2*len(peerSecs))
		slab.addrs = make([]netip.Prefix, 0, len(peerSecs))
	}
	// The client sections are usually in the order of the peer sections
	// (both are appended as peers are added): the next one is tried
	// before a lookup by name, which at thousands of peers costs more.
	var clients []*uci.Section
	if len(peerSecs) > 0 {
		clients = hc.SectionsByType(clientType)
	}
	for _, ps := range peerSecs {
		var cs *uci.Section
		if id := peerID(ps); id != "" && len(clients) > 0 && named(clients[0], "client_", id) {
			cs, clients = clients[0], clients[1:]
		} else {
			cs = ownerClient(hc, id)
		}
		if cs == nil {
			for _, a := range SplitList(ps.List("allowed_ips")) {
				if p, err := parsePrefix(a); err == nil {
					h.Foreign = append(h.Foreign, p)
				}
			}
			continue
		}
		h.Peers = append(h.Peers, Peer{})
		if err := loadPeer(&h.Peers[len(h.Peers)-1], ps, cs, s, &slab); err != nil {
			return nil, err
		}
	}
	if len(h.Peers) == 0 {
		h.Peers = nil
	}
	return h, nil
}

// peerSlab is what Load cuts the peers' keys and addresses from: one
// allocation each for thousands of peers, not one per key.
type peerSlab struct {
	keys  []wgtypes.Key
	addrs []netip.Prefix
}

// key returns a pointer to k in the slab.
func (sl *peerSlab) key(k wgtypes.Key) *wgtypes.Key {
	if len(sl.keys) == cap(sl.keys) {
		p := new(wgtypes.Key) // (not &k: k would then be allocated on every call)
		*p = k
		return p
	}
	sl.keys = append(sl.keys, k)
	return &sl.keys[len(sl.keys)-1]
}

// prefixes is prefixes, a list of one cut from the slab (capacity
// clipped: an append copies it).
func (sl *peerSlab) prefixes(s *uci.Section, name string) ([]netip.Prefix, error) {
	p, one, err := onePrefix(s, name)
	if !one || err != nil || !p.IsValid() || len(sl.addrs) == cap(sl.addrs) {
		return prefixes(s, name)
	}
	sl.addrs = append(sl.addrs, p)
	n := len(sl.addrs)
	return sl.addrs[n-1 : n : n], nil
}

// loadPeer reads a peer into p, an element of the hub's peers (not a copy
// of one: thousands of peers would make that much garbage); cs is the
// client section that makes it wghub's.
func loadPeer(p *Peer, ps, cs *uci.Section, s *Settings, slab *peerSlab) error {
	id := peerID(ps)
	*p = Peer{ID: id, Name: strOpt(ps, "description", ""), ps: ps, cs: cs}
	if p.Name == "" {
		p.Name = strOpt(cs, "name", "")
	}
	p.Name = cleanName(p.Name)
	if p.Name == "" {
		p.Name = id
	}
	// where names the peer in errors (built only for one).
	where := func() string { return fmt.Sprintf("peer %q", p.Name) }
	pub, _ := ps.Get("public_key")
	var err error
	if p.PublicKey, err = parseKey(pub); err != nil {
		return fmt.Errorf("%s: public_key %q is not a valid key", where(), pub)
	}
	if psk, ok := ps.Get("preshared_key"); ok && psk != "" {
		k, err := parseKey(psk)
		if err != nil {
			return fmt.Errorf("%s: preshared_key is not a valid key", where())
		}
		p.PresharedKey = slab.key(k)
	}
	allowed, err := slab.prefixes(ps, "allowed_ips")
	if err != nil {
		return fmt.Errorf("%s: %w", where(), err)
	}
	// Usually all are addresses: then the parsed list is p.Addresses.
	if !slices.ContainsFunc(allowed, func(a netip.Prefix) bool { return !a.IsSingleIP() || !inAny(s.Subnets, a.Addr()) }) {
		allowed, p.Addresses = nil, allowed
	}
	for _, a := range allowed {
		if a.IsSingleIP() && inAny(s.Subnets, a.Addr()) {
			p.Addresses = append(p.Addresses, a)
		} else {
			p.Routes = append(p.Routes, a)
		}
	}
	p.Disabled = boolOpt(ps, "disabled")
	if k, ok := cs.Get("private_key"); ok && k != "" {
		key, err := parseKey(k)
		if err != nil {
			return fmt.Errorf("%s: stored client private_key is not a valid key", where())
		}
		p.PrivateKey = slab.key(key)
	}
	if items := cs.List("access"); len(items) > 0 {
		a, err := ParseAccess("access", items)
		if err != nil {
			return fmt.Errorf("%s: %w", where(), err)
		}
		p.Access = &a
	}
	if boolOpt(cs, "full_tunnel") {
		a := s.Access
		if p.Access != nil {
			a = *p.Access
		}
		a.Internet = true
		p.Access = &a
	}
	if len(cs.List("lan")) > 0 {
		if p.LAN, err = prefixes(cs, "lan"); err != nil {
			return fmt.Errorf("%s: %w", where(), err)
		}
	}
	return nil
}

// Store writes h into cfgs: the hub and client sections, the interface and
// peer sections, and (with a firewall config) the zone, forwardings,
// masquerade and listen-port rule. Options already right are not touched, so
// the files change only where the hub did. Managed sections that h no longer
// has are deleted.
func Store(cfgs map[string]*uci.Config, l Layout, h *Hub) error {
	s := &h.Settings
	hc, nc := cfgs[l.Hub], cfgs[l.Network]
	if hc == nil || nc == nil {
		return fmt.Errorf("configs %q and %q must be loaded", l.Hub, l.Network)
	}
	if err := h.Validate(); err != nil {
		return err
	}
	hs, err := ensure(hc, "hub", hubSection)
	if err != nil {
		return err
	}
	w := writer{}
	w.set(hs, "interface", s.Interface)
	w.list(hs, "subnet", prefixStrings(s.Subnets))
	w.opt(hs, "endpoint", s.Endpoint)
	w.list(hs, "dns", s.DNS)
	w.list(hs, "lan", prefixStrings(s.LAN))
	w.opt(hs, "keepalive", itoa(s.Keepalive))
	w.opt(hs, "full_tunnel", "")
	if s.Access.Equal(DefaultAccess) {
		w.list(hs, "access", nil)
	} else {
		w.list(hs, "access", accessItems(s.Access))
	}
	w.opt(hs, "zone", nonDefault(s.Zone, DefaultZone))
	w.opt(hs, "lan_zone", nonDefault(s.LANZone, DefaultLANZone))
	w.opt(hs, "wan_zone", nonDefault(s.WANZone, DefaultWANZone))
	w.opt(hs, lanDeviceOpt, s.LANDevice)

	is := nc.Section(s.Interface)
	if is == nil {
		if is, err = nc.Add("interface", s.Interface); err != nil {
			return err
		}
	}
	w.set(is, "proto", "wireguard")
	w.set(is, "private_key", h.PrivateKey.String())
	w.set(is, "listen_port", strconv.Itoa(s.Port()))
	// Addresses the owner added to the interface stay.
	w.ownList(is, "addresses", prefixStrings(s.Addresses()), h.loadedAddrs)

	// keep: the ids of the peers h has; their sections are wghub_ID and
	// client_ID (one entry per peer, not one per section).
	keep := newIDSet(len(h.Peers))
	var ids []bool
	for i := range h.Peers {
		p := &h.Peers[i]
		if p.ID == "" {
			p.ID = newPeerID(h, nc, hc, &ids)
		}
		id := p.ID
		keep.add(id)
		ps, cs := p.sections(nc, hc)
		if w.err == nil && stored(ps, cs, p) {
			continue
		}
		name, cname := PeerSection(id), clientSection(id)
		if ps == nil {
			if ps, err = nc.Add(PeerType(s.Interface), name); err != nil {
				return err
			}
		}
		peerOptions(&sectionOpts{w: &w, s: ps}, p)
		if cs == nil {
			if cs, err = hc.Add(clientType, cname); err != nil {
				return err
			}
		}
		clientOptions(&sectionOpts{w: &w, s: cs}, p)
	}
	if w.err != nil {
		return w.err
	}
	for _, ps := range nc.SectionsByType(PeerType(s.Interface)) {
		// Owned as loaded: a client section added above is a kept peer's.
		if id := peerID(ps); !keep.has(id) && ownerClient(hc, id) != nil {
			nc.Delete(ps)
		}
	}
	var gone []string // firewall rules of removed devices
	for _, cs := range hc.SectionsByType(clientType) {
		if !keptSection(cs.Name(), keep) {
			gone = append(gone, cs.List(fwListOpt)...)
			hc.Delete(cs)
		}
	}
	if l.Firewall != "" {
		if err := storeFirewall(cfgs[l.Firewall], hc, h, gone); err != nil {
			return err
		}
		for _, r := range fwRoles {
			w.opt(hs, "fw_"+r.role, h.fw[r.role])
		}
	}
	return w.err
}

// sections are the peer's sections (by its id) in nc and hc, or nil: the
// ones Load read it from while they still are, else found by name.
func (p *Peer) sections(nc, hc *uci.Config) (ps, cs *uci.Section) {
	ps = p.ps
	if !ps.In(nc) || !named(ps, peerPrefix, p.ID) {
		ps = sectionOf(nc, peerPrefix, p.ID)
	}
	return ps, p.clientSection(hc)
}

// clientSection is the peer's client section in hc, or nil (see sections).
func (p *Peer) clientSection(hc *uci.Config) *uci.Section {
	if p.cs.In(hc) && named(p.cs, "client_", p.ID) {
		return p.cs
	}
	return sectionOf(hc, "client_", p.ID)
}

// named reports whether s is named prefix + id (named sections are one
// to a name in a config).
func named(s *uci.Section, prefix, id string) bool {
	n := s.Name()
	return !s.Anonymous() && len(n) == len(prefix)+len(id) && n[:len(prefix)] == prefix && n[len(prefix):] == id
}

// stored reports whether the peer's sections ps and cs are, byte for
// byte, what the writes below would leave in sections written afresh:
// then those writes would change nothing. It costs a comparison of their
// bytes, where the writes cost a parse of both (most of Store's time with
// thousands of peers). Sections written any other way take the writes,
// which rewrite them only where their options differ.
func stored(ps, cs *uci.Section, p *Peer) bool {
	if ps == nil || cs == nil {
		return false
	}
	o := sectionOpts{check: true, m: ps.Match()}
	peerOptions(&o, p)
	if !o.m.Done() {
		return false
	}
	o.m = cs.Match()
	clientOptions(&o, p)
	return o.m.Done()
}

// peerOptions are the options of a peer's section, in the order Store
// writes them; clientOptions those of its client section. Store's writes
// and stored's check both go through them, so the check cannot pass a
// section that lacks an option the writes set.
func peerOptions(o *sectionOpts, p *Peer) {
	o.set("description", p.Name)
	o.key("public_key", &p.PublicKey)
	o.key("preshared_key", p.PresharedKey)
	o.prefixList("allowed_ips", p.Addresses, p.Routes)
	o.opt("route_allowed_ips", flag(len(p.Routes) > 0))
	o.opt("disabled", flag(p.Disabled))
}

func clientOptions(o *sectionOpts, p *Peer) {
	o.set("name", p.Name)
	o.key("private_key", p.PrivateKey)
	o.opt("full_tunnel", "")
	if p.Access == nil {
		o.list("access", nil)
	} else {
		o.list("access", accessItems(*p.Access))
	}
	o.list("lan", prefixStrings(p.LAN))
}

// sectionOpts writes options into section s with w or, checking, only
// follows them through m: a section holding exactly those lines matches
// (an empty value or list expects no line, as the writes remove it).
type sectionOpts struct {
	w     *writer
	s     *uci.Section
	check bool
	m     uci.Match
}

func (o *sectionOpts) set(name, val string) {
	if o.check {
		o.m.Option(name, val)
		return
	}
	o.w.set(o.s, name, val)
}

func (o *sectionOpts) opt(name, val string) {
	if o.check {
		o.m.Option(name, val)
		return
	}
	o.w.opt(o.s, name, val)
}

func (o *sectionOpts) key(name string, k *wgtypes.Key) {
	if o.check {
		var buf [44]byte // base64 of 32 bytes
		o.m.OptionBytes(name, keyBytes(&buf, k))
		return
	}
	o.w.key(o.s, name, k)
}

func (o *sectionOpts) list(name string, vals []string) {
	if o.check {
		o.m.List(name, vals)
		return
	}
	o.w.list(o.s, name, vals)
}

func (o *sectionOpts) prefixList(name string, addrs, routes []netip.Prefix) {
	switch {
	case !o.check:
		o.w.prefixList(o.s, name, addrs, routes)
	case len(addrs) == 1 && len(routes) == 0:
		var buf [64]byte // the longest IPv6 prefix with a zone fits
		o.m.ListBytes(name, addrs[0].AppendTo(buf[:0]))
	default:
		o.m.List(name, HandlerList(prefixStrings(addrs, routes)))
	}
}

// keyBytes is k in base64 in buf, or nothing for a nil k.
func keyBytes(buf *[44]byte, k *wgtypes.Key) []byte {
	if k == nil {
		return nil
	}
	encodeKey(buf, k)
	return buf[:]
}

// keptSection reports whether name is the wghub_ID or client_ID of a kept
// peer's id.
func keptSection(name string, keep *idSet) bool {
	if id, ok := strings.CutPrefix(name, "client_"); ok && keep.has(id) {
		return true
	}
	id, ok := strings.CutPrefix(name, peerPrefix)
	return ok && keep.has(id)
}

// idSet is a set of peer ids: the usual ones, small numbers, as bits (a
// map of thousands of ids is a quarter of a megabyte).
type idSet struct {
	small []bool // small[n]: id n, as strconv.Itoa writes it
	other map[string]bool
}

func newIDSet(peers int) *idSet { return &idSet{small: make([]bool, 2*peers+16)} }

func (s *idSet) add(id string) {
	if n, ok := decimal(id); ok && n < len(s.small) {
		s.small[n] = true
		return
	}
	if s.other == nil {
		s.other = map[string]bool{}
	}
	s.other[id] = true
}

func (s *idSet) has(id string) bool {
	if n, ok := decimal(id); ok && n < len(s.small) {
		return s.small[n]
	}
	return s.other[id]
}

// Remove deletes everything Store wrote for the hub in cfgs.
func Remove(cfgs map[string]*uci.Config, l Layout) error {
	hc := cfgs[l.Hub]
	if hc == nil {
		return nil
	}
	hs := hc.Section(hubSection)
	if hs == nil {
		return ErrNotSetUp
	}
	iface := strOpt(hs, "interface", DefaultInterface)
	owned := ownedPeerIDs(hc)
	if nc := cfgs[l.Network]; nc != nil {
		for _, ps := range nc.SectionsByType(PeerType(iface)) {
			if owned[peerID(ps)] {
				nc.Delete(ps)
			}
		}
		if is := nc.Section(iface); is != nil && is.Type() == "interface" {
			nc.Delete(is)
		}
	}
	fc := cfgs[l.Firewall]
	if l.Firewall == "" {
		fc = nil
	}
	for _, cs := range hc.SectionsByType(clientType) {
		if fc != nil {
			deleteDeviceRules(fc, cs.List(fwListOpt))
		}
		hc.Delete(cs)
	}
	fw := loadFirewallNames(hs)
	hc.Delete(hs)
	if fc != nil {
		for _, r := range fwRoles {
			if sec := ownedFirewallSection(fc, fw, r); sec != nil {
				fc.Delete(sec)
			}
		}
	}
	return nil
}

// storeFirewall writes the zone, forwardings, masquerade, the listen and
// DNS rules, and the rules of devices with access of their own (see
// storeDeviceRules); gone lists the rules of devices no longer there.
//
// The masquerade is a `config nat` section in the LAN zone rather than
// `masq`/`masq_src` on the lan zone: it renders exactly the design's
// "POSTROUTING -s VPN -o lan MASQUERADE" rule, leaves the user's lan zone
// untouched (masq on a zone also drops invalid conntrack state and disables
// automatic helpers for the whole zone) and teardown removes it alone.
// firewall3 (snats.c, OpenWrt 19.07+) and firewall4 both read `config nat`.
func storeFirewall(fc, hc *uci.Config, h *Hub, gone []string) error {
	if fc == nil {
		return fmt.Errorf("firewall config not loaded")
	}
	s := &h.Settings
	if h.fw == nil {
		h.fw = map[string]string{}
	}
	w := writer{}
	sec := func(role string) *uci.Section {
		x, err := h.firewallSection(fc, role)
		if err != nil && w.err == nil {
			w.err = err
		}
		return x
	}
	drop := func(role string) {
		if x := ownedFirewallSection(fc, h.fw, roleOf(role)); x != nil {
			fc.Delete(x)
		}
		delete(h.fw, role)
	}
	z := sec("zone")
	if w.err == nil {
		if other := zoneNamed(fc, s.Zone, z); other != "" {
			return errkind.Conflictf("zone", "the firewall already has a zone named %q (section %s); firewall4 would not load with two", s.Zone, other)
		}
	}
	w.set(z, "name", s.Zone)
	// Networks the owner added to the zone stay.
	var prev []string
	if h.loadedIface != "" {
		prev = []string{h.loadedIface}
	}
	w.ownList(z, "network", []string{s.Interface}, prev)
	// The zone's policies are the hub default's: input is the router
	// itself, forward within the zone is device to device (spoke).
	w.set(z, "input", verdict(s.Access.Router))
	w.def(z, "output", "ACCEPT")
	w.set(z, "forward", verdict(s.Access.Spoke))

	// A zone forwarding, there while the default access has it.
	forward := func(role, dest string, on bool) {
		if !on {
			drop(role)
			return
		}
		f := sec(role)
		w.set(f, "src", s.Zone)
		w.set(f, "dest", dest)
	}
	forward("lan", s.LANZone, s.Access.LAN)

	for _, fam := range []struct {
		role, family string
		v4           bool
	}{{"masq", "ipv4", true}, {"masq6", "ipv6", false}} {
		var src []string
		for _, sn := range s.Subnets {
			if sn.Addr().Is4() == fam.v4 {
				src = append(src, sn.String())
			}
		}
		if len(src) == 0 {
			drop(fam.role)
			continue
		}
		n := sec(fam.role)
		w.set(n, "name", "wghub-masquerade-"+fam.family)
		w.set(n, "src", s.LANZone)
		w.set(n, "src_ip", src[0])
		w.set(n, "family", fam.family)
		w.set(n, "target", "MASQUERADE")
	}

	r := sec("listen")
	w.set(r, "name", "Allow-wghub-"+s.Interface)
	w.set(r, "src", s.WANZone)
	w.set(r, "proto", "udp")
	w.set(r, "dest_port", strconv.Itoa(s.Port()))
	w.set(r, "target", "ACCEPT")

	// DNS on the hub stays reachable whatever a device's access: client
	// configs name the hub as their DNS server.
	d := sec("dns")
	w.set(d, "name", "Allow-wghub-"+s.Interface+"-DNS")
	w.set(d, "src", s.Zone)
	w.set(d, "proto", "tcp udp")
	w.set(d, "dest_port", "53")
	w.set(d, "target", "ACCEPT")

	// The WAN is open to the zone only when the default has internet; a
	// device with internet of its own gets a rule keyed by its addresses.
	forward("wan", s.WANZone, s.Access.Internet)
	if w.err != nil {
		return w.err
	}
	return h.storeDeviceRules(fc, hc, d, gone)
}

func verdict(accept bool) string {
	if accept {
		return "ACCEPT"
	}
	return "REJECT"
}

// ensure returns the named section, adding it when missing. A section of
// that name but another type belongs to the user: refuse rather than clobber.
func ensure(c *uci.Config, typ, name string) (*uci.Section, error) {
	if s := c.Section(name); s != nil {
		if s.Type() != typ {
			return nil, errkind.Conflictf("", "%s: section %q exists with type %q, expected %q", c.Name(), name, s.Type(), typ)
		}
		return s, nil
	}
	return c.Add(typ, name)
}

// writer collects the first error of a run of option writes.
type writer struct{ err error }

func (w *writer) set(s *uci.Section, name, val string) {
	if w.err == nil && s != nil {
		if v, _, ok := s.Single(name); ok && v == val {
			return
		}
		w.err = s.Set(name, val)
	}
}

// key sets name to k's base64 form, or removes it for a nil k. The
// comparison encodes into a buffer on the stack: Store compares every
// peer's keys, and a string for each was most of its garbage.
func (w *writer) key(s *uci.Section, name string, k *wgtypes.Key) {
	if w.err != nil || s == nil {
		return
	}
	if k == nil {
		w.opt(s, name, "")
		return
	}
	var buf [44]byte // base64 of 32 bytes
	encodeKey(&buf, k)
	if v, _, ok := s.Single(name); ok && v == string(buf[:]) {
		return
	}
	w.err = s.Set(name, string(buf[:]))
}

// opt sets name, or removes it when val is "".
func (w *writer) opt(s *uci.Section, name, val string) {
	if s == nil || w.err != nil {
		return
	}
	if val == "" {
		if _, ok := s.Get(name); ok {
			s.Unset(name)
		}
		return
	}
	w.set(s, name, val)
}

// prefixList is list of the prefixes of lists as HandlerList items. One
// prefix, a peer's usual allowed_ips, is compared from a buffer on the
// stack (no strings for the thousands of peers already right).
func (w *writer) prefixList(s *uci.Section, name string, lists ...[]netip.Prefix) {
	if w.err != nil || s == nil {
		return
	}
	var one netip.Prefix
	n := 0
	for _, ps := range lists {
		for _, p := range ps {
			one = p
			n++
		}
	}
	if n == 1 {
		var buf [64]byte // the longest IPv6 prefix with a zone fits
		if v, list, ok := s.Single(name); ok && list && v == string(one.AppendTo(buf[:0])) {
			return
		}
	}
	w.list(s, name, HandlerList(prefixStrings(lists...)))
}

func (w *writer) list(s *uci.Section, name string, vals []string) {
	if w.err == nil && s != nil {
		if o, ok := s.Option(name); !ok && len(vals) == 0 || ok && o.List && slices.Equal(o.Values, vals) {
			return
		}
		w.err = s.SetList(name, vals)
	}
}

// HandlerList gives a peer's allowed IPs as at most two UCI list items,
// the second joining the rest with commas. Both generations of netifd's
// WireGuard handler carry that: the older writes an AllowedIPs line per
// item; the newer joins the items with ${peer_a_ips/ /, }, which replaces
// only the first space, so a third item makes wg syncconf reject the line
// and the whole interface stays down.
func HandlerList(vals []string) []string {
	if len(vals) <= 2 {
		return vals
	}
	return []string{vals[0], strings.Join(vals[1:], ",")}
}

// SplitList splits UCI list items into their entries: a list may be
// written as one space-separated option too, and an item may join several
// entries with commas (HandlerList).
func SplitList(items []string) []string {
	// One plain item, the usual allowed_ips of a peer, is the list.
	if len(items) == 1 && !hasListSep(items[0]) {
		if items[0] == "" {
			return nil
		}
		return items
	}
	var out []string
	for _, v := range items {
		out = append(out, strings.FieldsFunc(v, listSep)...)
	}
	return out
}

// listSep reports whether r separates entries of a list item.
func listSep(r rune) bool { return r == ',' || unicode.IsSpace(r) }

// hasListSep is strings.ContainsFunc(s, listSep), without a call per
// character for ASCII (Load reads thousands of allowed_ips).
func hasListSep(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80:
			return strings.ContainsFunc(s[i:], listSep)
		case c == ',' || c == ' ' || c >= '\t' && c <= '\r':
			return true
		}
	}
	return false
}

// accessItems is an access as UCI list items; no access at all is "none",
// so that it is not read back as "follows the hub".
func accessItems(a Access) []string {
	if it := a.Items(); len(it) > 0 {
		return it
	}
	return []string{"none"}
}

func prefixes(s *uci.Section, name string) ([]netip.Prefix, error) {
	if p, one, err := onePrefix(s, name); one {
		if err != nil || !p.IsValid() {
			return nil, err
		}
		return []netip.Prefix{p}, nil
	}
	var out []netip.Prefix
	for _, f := range SplitList(s.List(name)) {
		p, err := parsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", s.Name(), name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// parsePrefix accepts a CIDR or a bare address (a host prefix), as netifd does.
func parsePrefix(s string) (netip.Prefix, error) { return wgquick.ParsePrefix(s) }

// prefixStrings renders the prefixes of lists, in order.
func prefixStrings(lists ...[]netip.Prefix) []string {
	n := 0
	for _, ps := range lists {
		n += len(ps)
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for _, ps := range lists {
		for _, p := range ps {
			out = append(out, p.String())
		}
	}
	return out
}

// onePrefix reads option name when it is one plain item (one says so), a
// peer's usual allowed_ips, without building its list (Load reads
// thousands): its prefix, or none for an empty item.
func onePrefix(s *uci.Section, name string) (p netip.Prefix, one bool, err error) {
	v, _, ok := s.Single(name)
	if !ok || hasListSep(v) {
		return netip.Prefix{}, false, nil
	}
	if v == "" {
		return netip.Prefix{}, true, nil
	}
	if p, err = parsePrefix(v); err != nil {
		return netip.Prefix{}, true, fmt.Errorf("%s.%s: %w", s.Name(), name, err)
	}
	return p, true, nil
}

func intOpt(s *uci.Section, name string, def int) (int, error) {
	v, ok := s.Get(name)
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s.%s %q is not a number", s.Name(), name, v)
	}
	return n, nil
}

func boolOpt(s *uci.Section, name string) bool {
	v, _ := s.Get(name)
	switch v {
	case "1", "yes", "on", "true", "enabled":
		return true
	}
	return false
}

func strOpt(s *uci.Section, name, def string) string {
	if v, ok := s.Get(name); ok && v != "" {
		return v
	}
	return def
}

func nonDefault(v, def string) string {
	if v == def {
		return ""
	}
	return v
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// parseKey is wgtypes.ParseKey without its garbage or its generality:
// a key's usual form is decoded by decodeKey (Load reads three keys for
// each of thousands of peers). Anything else goes to ParseKey, which
// also decides what its error says.
func parseKey(s string) (wgtypes.Key, error) {
	if k, ok := decodeKey(s); ok {
		return k, nil
	}
	return wgtypes.ParseKey(s)
}

func inAny(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// SortPeers orders peers by name, for stable listings.
func SortPeers(ps []Peer) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
}

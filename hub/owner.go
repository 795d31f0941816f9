package hub

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/uci"
)

// What wghub owns is marked in its own config, never guessed from a name:
//   - a peer section (network, "wireguard_<iface>" type, named wghub_<id>) is
//     wghub's only when /etc/config/wghub has the client section client_<id>;
//     an owner's section called "wghub_mine" is someone else's peer;
//   - firewall sections are wghub's when the hub section names them, in
//     options fw_<role> (hubs written before these options adopt the fixed
//     names they used, wghub_zone and so on, once, and record them);
//   - a device's own firewall rules are wghub's when its client section
//     names them (list fw);
//   - the interface section is the one the hub section names.
// Options and list entries the owner adds to wghub's sections stay: lists
// are merged (see writer.ownList), and the zone's output policy is only a
// default (input and forward are the hub's default access).

// fwRole is one firewall section wghub keeps.
type fwRole struct{ role, typ string }

var fwRoles = []fwRole{
	{"zone", "zone"}, {"lan", "forwarding"}, {"wan", "forwarding"},
	{"masq", "nat"}, {"masq6", "nat"}, {"listen", "rule"}, {"dns", "rule"},
}

func roleOf(role string) fwRole {
	for _, r := range fwRoles {
		if r.role == role {
			return r
		}
	}
	panic("hub: unknown firewall role " + role)
}

// loadFirewallNames reads the fw_<role> options of the hub section, or, for
// a hub written before them, the fixed names it used.
func loadFirewallNames(hs *uci.Section) map[string]string {
	out := map[string]string{}
	for _, r := range fwRoles {
		if v, ok := hs.Get("fw_" + r.role); ok && v != "" {
			out[r.role] = v
		}
	}
	if len(out) == 0 {
		for _, r := range fwRoles {
			out[r.role] = "wghub_" + r.role
		}
	}
	return out
}

// ownedFirewallSection returns the section of role r that names records, if
// it exists with the right type.
func ownedFirewallSection(fc *uci.Config, names map[string]string, r fwRole) *uci.Section {
	n := names[r.role]
	if n == "" {
		return nil
	}
	if s := fc.Section(n); s != nil && !s.Anonymous() && s.Type() == r.typ {
		return s
	}
	return nil
}

// firewallSection returns the hub's section of role, creating it under a
// name no section has yet when the hub has none.
func (h *Hub) firewallSection(fc *uci.Config, role string) (*uci.Section, error) {
	r := roleOf(role)
	if n := h.fw[role]; n != "" {
		s := fc.Section(n)
		if s == nil {
			return fc.Add(r.typ, n)
		}
		if s.Type() != r.typ || s.Anonymous() {
			return nil, errkind.Conflictf("", "firewall: section %q has type %q; wghub's %s section of that name is gone", n, s.Type(), role)
		}
		return s, nil
	}
	n := "wghub_" + role
	for i := 2; fc.Section(n) != nil; i++ {
		n = "wghub_" + role + strconv.Itoa(i)
	}
	h.fw[role] = n
	return fc.Add(r.typ, n)
}

// zoneNamed returns how to find another zone than except called name ("" if
// there is none).
func zoneNamed(fc *uci.Config, name string, except *uci.Section) string {
	for i, z := range fc.SectionsByType("zone") {
		if v, _ := z.Get("name"); v == name && z != except {
			if z.Anonymous() {
				return fmt.Sprintf("@zone[%d]", i)
			}
			return z.Name()
		}
	}
	return ""
}

// FreeZoneName is want, or when a firewall zone already has that name, the
// first of "wghub", "wghub2", ... that none has (firewall4 refuses two zones
// of one name).
func FreeZoneName(fc *uci.Config, want string) string {
	if fc == nil || zoneNamed(fc, want, nil) == "" {
		return want
	}
	n := "wghub"
	for i := 2; zoneNamed(fc, n, nil) != ""; i++ {
		n = "wghub" + strconv.Itoa(i)
	}
	return n
}

// InterfaceTaken reports whether nc already uses name: a section of that
// name, or peer sections netifd would attach to an interface of that name.
func InterfaceTaken(nc *uci.Config, name string) bool {
	return nc != nil && (nc.Section(name) != nil || len(nc.SectionsByType(PeerType(name))) > 0)
}

// FreeInterface is want, or when the network config already uses it, the
// first of wg1, wg2, ... it does not.
func FreeInterface(nc *uci.Config, want string) string {
	if !InterfaceTaken(nc, want) {
		return want
	}
	for i := 1; ; i++ {
		if n := "wg" + strconv.Itoa(i); !InterfaceTaken(nc, n) {
			return n
		}
	}
}

// peerID is the id of a peer section named wghub_<id>, or "" for any other
// (anonymous, or another name): such a section is never wghub's.
func peerID(ps *uci.Section) string {
	if ps.Anonymous() || !strings.HasPrefix(ps.Name(), peerPrefix) {
		return ""
	}
	return strings.TrimPrefix(ps.Name(), peerPrefix)
}

// ownerClient is the client section that marks the peer with this id as
// one wghub made, or nil: what ownedPeerIDs would hold, for one id,
// without a map of them all (Load and Store ask for thousands of peers).
func ownerClient(hc *uci.Config, id string) *uci.Section {
	if id == "" {
		return nil
	}
	if cs := sectionOf(hc, "client_", id); cs != nil && cs.Type() == clientType && !cs.Anonymous() {
		return cs
	}
	return nil
}

// ownedPeerIDs are the ids that have a client section in the hub config:
// the marker of a peer wghub made.
func ownedPeerIDs(hc *uci.Config) map[string]bool {
	clients := hc.SectionsByType(clientType)
	out := make(map[string]bool, len(clients))
	for _, cs := range clients {
		if id, ok := strings.CutPrefix(cs.Name(), "client_"); ok && id != "" && !cs.Anonymous() {
			out[id] = true
		}
	}
	return out
}

// newPeerID picks the lowest number no peer and no section uses. It is the
// peer's id for good: names are free text and change, the id never does.
// ids holds the peers' ids (built on first use, then kept up to date), so
// that a new peer among thousands costs one pass over them, not one each.
func newPeerID(h *Hub, nc, hc *uci.Config, ids *[]bool) string {
	// ids[n]: a peer has id n. The lowest free id is at most one more
	// than the number of peers, unless sections of other peers' names
	// are in the way; ids beyond are looked up among the peers.
	if *ids == nil {
		*ids = make([]bool, len(h.Peers)+2)
		for i := range h.Peers {
			if n, ok := decimal(h.Peers[i].ID); ok && n < len(*ids) {
				(*ids)[n] = true
			}
		}
	}
	taken := func(n int, id string) bool {
		if n < len(*ids) {
			return (*ids)[n]
		}
		return slices.ContainsFunc(h.Peers, func(p Peer) bool { return p.ID == id })
	}
	for n := 1; ; n++ {
		id := strconv.Itoa(n)
		if !taken(n, id) && sectionOf(nc, peerPrefix, id) == nil && sectionOf(hc, "client_", id) == nil {
			if n < len(*ids) {
				(*ids)[n] = true
			}
			return id
		}
	}
}

// decimal is the number id writes as strconv.Itoa would.
func decimal(id string) (int, bool) {
	if id == "" || len(id) > 9 || id[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range []byte(id) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// sectionOf is c.Section(prefix + id) without building the name in
// memory of its own (Load and Store look up thousands).
func sectionOf(c *uci.Config, prefix, id string) *uci.Section {
	var buf [32]byte // a conversion of up to 32 bytes stays on the stack
	if len(prefix)+len(id) > len(buf) {
		return c.Section(prefix + id)
	}
	n := copy(buf[:], prefix)
	n += copy(buf[n:], id)
	return c.Section(string(buf[:n]))
}

// ownList makes want part of list name and drops the entries of prev (what
// wghub wrote before) that want no longer has; entries the owner added stay
// where they are.
func (w *writer) ownList(s *uci.Section, name string, want, prev []string) {
	if w.err != nil || s == nil {
		return
	}
	cur := s.List(name)
	var out []string
	for _, c := range cur {
		if (slices.Contains(want, c) || !slices.Contains(prev, c)) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, v := range want {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	w.list(s, name, out)
}

// def sets name only when the section has no such option.
func (w *writer) def(s *uci.Section, name, val string) {
	if w.err == nil && s != nil {
		if _, ok := s.Get(name); !ok {
			w.err = s.Set(name, val)
		}
	}
}

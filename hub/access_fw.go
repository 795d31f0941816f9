package hub

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/wghub/wghub/uci"
)

// fwListOpt is the client section's list of the firewall rules wghub wrote
// for that device, in order: the record of what wghub owns.
const fwListOpt = "fw"

// deviceRule is one firewall4 rule keyed by a device's VPN addresses.
type deviceRule struct {
	purpose string   // the section name's suffix: lan, wan, spoke, router, host1, deny, deny_router
	label   string   // for the rule's name
	dest    string   // "" (the router itself: input), a zone, or "*" (any)
	destIP  []string // none: any
	proto   string   // "all", "tcp", "udp", "icmp", "icmpv6"
	port    string   // "" all, else tcp/udp port or range
	src     []string // the device's addresses of the families dest_ip has
	target  string   // ACCEPT or REJECT
}

// deviceRules is what a device with its own access needs, in the order
// firewall4 must see it: what it may reach, then a REJECT of any other
// forwarding from it, then (when the hub default opens the router and the
// device may not) a REJECT of its input. firewall4 evaluates rules before
// the zone's forwardings and policies, so these override the defaults; the
// hub's DNS rule comes before the input REJECT.
func (h *Hub) deviceRules(p *Peer) []deviceRule {
	s := &h.Settings
	a := h.AccessOf(p)
	// Its addresses, and the subnets routed to it (a site behind the
	// device sends from those): the hub accepts both from its tunnel only.
	addrs := append(slices.Clone(p.Addresses), p.Routes...)
	var out []deviceRule
	add := func(r deviceRule) {
		r.src = srcFor(addrs, r.destIP)
		if len(r.src) == 0 {
			return // no address of the destination's family
		}
		if r.proto == "" {
			r.proto = "all"
		}
		if r.target == "" {
			r.target = "ACCEPT"
		}
		out = append(out, r)
	}
	if lan := h.LANOf(p); a.LAN && len(lan) > 0 {
		add(deviceRule{purpose: "lan", label: "LAN", dest: s.LANZone, destIP: prefixStrings(lan)})
	}
	if a.Internet {
		add(deviceRule{purpose: "wan", label: "internet", dest: s.WANZone})
	}
	if a.Spoke {
		add(deviceRule{purpose: "spoke", label: "devices", dest: s.Zone})
	}
	if a.Router {
		add(deviceRule{purpose: "router", label: "router"})
	}
	for i, host := range a.Hosts {
		n := strconv.Itoa(i + 1)
		add(deviceRule{purpose: "host" + n, label: host.String(), dest: "*", destIP: []string{ruleAddr(host.Prefix)}, proto: host.Proto, port: host.Ports})
	}
	add(deviceRule{purpose: "deny", label: "nothing else", dest: "*", target: "REJECT"})
	if s.Access.Router && !a.Router {
		add(deviceRule{purpose: "deny_router", label: "not the router", target: "REJECT"})
	}
	return out
}

// srcFor is the sources of the families dest has (all with no dest): a
// single address as the address, a subnet as CIDR.
func srcFor(srcs []netip.Prefix, dest []string) []string {
	var out []string
	for _, a := range srcs {
		ok := len(dest) == 0
		for _, d := range dest {
			if p, err := parsePrefix(d); err == nil && p.Addr().Is4() == a.Addr().Is4() {
				ok = true
			}
		}
		if ok {
			out = append(out, ruleAddr(a))
		}
	}
	return out
}

// ruleAddr is a prefix as a rule names it: a single address bare.
func ruleAddr(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.Masked().String()
}

// storeDeviceRules writes each enabled device's own rules (deviceRules) and
// records them in its client section; devices on the hub default, disabled
// devices and removed ones (gone) have none. A device's rules are kept in
// place while they are the same rules in the right order (all after the
// DNS rule dns); otherwise they are written anew at the end of the file,
// since UCI order is the order firewall4 evaluates them in.
func (h *Hub) storeDeviceRules(fc, hc *uci.Config, dns *uci.Section, gone []string) error {
	deleteDeviceRules(fc, gone)
	// Section positions, read once and only when some device has rules:
	// most hubs have none, and Store runs on every peer add.
	var pos map[*uci.Section]int
	position := func(sec *uci.Section) (int, bool) {
		if pos == nil {
			pos = map[*uci.Section]int{}
			for i, s := range fc.Sections() {
				pos[s] = i
			}
		}
		at, ok := pos[sec]
		return at, ok
	}
	w := writer{}
	for i := range h.Peers {
		p := &h.Peers[i]
		cs := p.clientSection(hc)
		if cs == nil {
			continue
		}
		old := cs.List(fwListOpt)
		var rules []deviceRule
		if !p.Disabled && h.OwnAccess(p) {
			rules = h.deviceRules(p)
		}
		if len(rules) == 0 && len(old) == 0 {
			continue
		}
		names := make([]string, len(rules))
		for j, r := range rules {
			names[j] = freeRuleName(fc, "wghub_"+p.ID+"_"+r.purpose, old, names[:j])
		}
		last, inPlace := position(dns)
		inPlace = inPlace && slices.Equal(names, old)
		for _, n := range old {
			sec := ownedRule(fc, n)
			at, ok := position(sec)
			if sec == nil || !ok || at <= last {
				inPlace = false
				break
			}
			last = at
		}
		if !inPlace {
			deleteDeviceRules(fc, old)
		}
		label := ruleLabel(p.Name)
		for j, r := range rules {
			sec := fc.Section(names[j])
			if sec == nil {
				var err error
				if sec, err = fc.Add("rule", names[j]); err != nil {
					return err
				}
			}
			w.set(sec, "name", "wghub "+label+": "+r.label)
			w.set(sec, "src", h.Settings.Zone)
			w.list(sec, "src_ip", r.src)
			w.opt(sec, "dest", r.dest)
			w.list(sec, "dest_ip", r.destIP)
			w.set(sec, "proto", r.proto)
			w.opt(sec, "dest_port", r.port)
			w.set(sec, "target", r.target)
		}
		w.list(cs, fwListOpt, names)
	}
	return w.err
}

// freeRuleName is want, or want_2, want_3... when a section that is not
// one of the device's own (mine) or already taken in this run has it.
func freeRuleName(fc *uci.Config, want string, mine, taken []string) string {
	n := want
	for i := 2; ; i++ {
		if !slices.Contains(taken, n) && (fc.Section(n) == nil || slices.Contains(mine, n) && ownedRule(fc, n) != nil) {
			return n
		}
		n = want + "_" + strconv.Itoa(i)
	}
}

// ownedRule is the named rule section n, if it is one (a recorded name
// whose section the owner replaced by another type is not ours).
func ownedRule(fc *uci.Config, n string) *uci.Section {
	if sec := fc.Section(n); sec != nil && !sec.Anonymous() && sec.Type() == "rule" {
		return sec
	}
	return nil
}

// deleteDeviceRules removes the recorded rule sections names.
func deleteDeviceRules(fc *uci.Config, names []string) {
	for _, n := range names {
		if sec := ownedRule(fc, n); sec != nil {
			fc.Delete(sec)
		}
	}
}

// ruleLabel is a device name fit for a rule name (firewall4 puts it in an
// nft comment): letters, digits, space, '-', '_' and '.'.
func ruleLabel(name string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ' ', r == '-', r == '_', r == '.':
			return r
		}
		return -1
	}, name)
	if out = strings.TrimSpace(out); out == "" {
		return "device"
	}
	return out
}

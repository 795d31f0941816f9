package linux

import (
	"net/netip"
	"slices"
	"strings"
)

// Family is an IP family: IPv4 (iptables) or IPv6 (ip6tables).
type Family int

// The two families, each with its own iptables binary and tables.
const (
	IPv4 Family = 4
	IPv6 Family = 6
)

func familyOf(p netip.Prefix) Family {
	if p.Addr().Is4() {
		return IPv4
	}
	return IPv6
}

// The built-in chains wghub jumps from.
const (
	forwardChain     = "FORWARD"
	inputChain       = "INPUT"
	postroutingChain = "POSTROUTING"
)

// FwdChain is the filter chain holding iface's forwarding rules, jumped to
// from FORWARD (e.g. "WGHUB-FWD-wg0").
func FwdChain(iface string) string { return "WGHUB-FWD-" + iface }

// InChain is the filter chain deciding what devices on iface may reach on
// the hub itself, jumped to from INPUT for -i iface (e.g. "WGHUB-IN-wg0").
func InChain(iface string) string { return "WGHUB-IN-" + iface }

// NATChain is the nat chain holding iface's masquerade rules, jumped to from
// POSTROUTING (e.g. "WGHUB-NAT-wg0").
func NATChain(iface string) string { return "WGHUB-NAT-" + iface }

// chains are iface's own chains by table, in the order they are loaded.
func chains(iface string) [][2]string {
	return [][2]string{{"filter", FwdChain(iface)}, {"filter", InChain(iface)}, {"nat", NATChain(iface)}}
}

// Rule is one iptables rule: Spec as given to `iptables -t Table -A Chain`.
type Rule struct {
	Family Family
	Table  string
	Chain  string
	Spec   []string
}

// String is the rule as iptables arguments, e.g.
// "-t nat -A WGHUB-NAT-wg0 -s 192.168.100.0/24 ... -j MASQUERADE".
func (r Rule) String() string {
	return "-t " + r.Table + " -A " + r.Chain + " " + strings.Join(r.Spec, " ")
}

var comment = []string{"-m", "comment", "--comment", Comment}

// Jumps are the rules that send traffic from the built-in chains to iface's
// own chains, for one family. They are inserted at position 1.
func Jumps(fam Family, iface string) []Rule {
	return []Rule{
		{fam, "filter", forwardChain, append(slices.Clone(comment), "-j", FwdChain(iface))},
		{fam, "filter", inputChain, append(append([]string{"-i", iface}, comment...), "-j", InChain(iface))},
		{fam, "nat", postroutingChain, append(slices.Clone(comment), "-j", NATChain(iface))},
	}
}

// ruleSet collects rules in order, without duplicates.
type ruleSet struct {
	fam  Family
	out  []Rule
	seen map[string]bool
}

// add appends match, the comment and "-j target" to table/chain (the
// order iptables-save prints them in).
func (rs *ruleSet) add(table, chain, target string, match ...string) {
	spec := append(append(slices.Clone(match), comment...), "-j", target)
	r := Rule{rs.fam, table, chain, spec}
	if k := r.String(); !rs.seen[k] {
		rs.seen[k] = true
		rs.out = append(rs.out, r)
	}
}

func inFamily(ps []netip.Prefix, fam Family) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		if familyOf(p) == fam {
			out = append(out, p.Masked())
		}
	}
	return out
}

// covered reports whether one of ps contains all of p.
func covered(p netip.Prefix, ps []netip.Prefix) bool {
	for _, q := range ps {
		if q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// Rules are the rules of iface's own chains for one family, in order. An
// empty result means the family needs no chains (no VPN subnet in it).
//
// Forwarding (FwdChain): replies to the VPN first; then, for each Device
// and then for the VPN subnets (Default), ACCEPT what the access grants
// and REJECT the rest of that source's forwarding, so a device's own rules
// win over the defaults. Input (InChain): replies and DNS (tcp and udp 53)
// are accepted, sources with router access RETURN to the host's own INPUT
// rules, the others are rejected. NAT: masquerade towards the LAN (LAN
// subnets and hosts granted to anyone) and, when some access has
// internet, towards InternetDevice.
func (s Spec) Rules(fam Family) []Rule {
	vpn := inFamily(s.VPN, fam)
	if len(vpn) == 0 {
		return nil
	}
	rs := &ruleSet{fam: fam, seen: map[string]bool{}}
	for _, v := range vpn {
		rs.add("filter", FwdChain(s.Interface), "ACCEPT", "-o", s.Interface, "-d", v.String(),
			"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED")
	}
	srcs := s.sources(fam)
	for _, x := range srcs {
		s.forward(rs, x)
	}
	s.input(rs, srcs)
	s.masquerade(rs, fam, vpn, srcs)
	return rs.out
}

// source is one source of forwarded traffic with its access: a device's
// address, or a VPN subnet with the default access.
type source struct {
	src netip.Prefix
	lan []netip.Prefix // what its "lan" means, in the family
	acc Access
}

// sources are the devices' addresses, then the VPN subnets, of one family.
func (s Spec) sources(fam Family) []source {
	var out []source
	for _, d := range s.Devices {
		lan := d.LAN
		if lan == nil {
			lan = s.LAN
		}
		for _, p := range inFamily(d.Sources, fam) {
			out = append(out, source{p, inFamily(lan, fam), d.Access})
		}
	}
	for _, v := range inFamily(s.VPN, fam) {
		out = append(out, source{v, inFamily(s.LAN, fam), s.Default})
	}
	return out
}

// internet reports whether x's internet access leads anywhere.
func (s Spec) internet(x source) bool { return x.acc.Internet && s.InternetDevice != "" }

// forward adds x's forwarding rules: ACCEPT what its access grants, then
// REJECT the rest of its forwarding.
func (s Spec) forward(rs *ruleSet, x source) {
	fwd := FwdChain(s.Interface)
	src := []string{"-i", s.Interface, "-s", x.src.String()}
	accept := func(match ...string) { rs.add("filter", fwd, "ACCEPT", append(slices.Clone(src), match...)...) }
	if s.LANDevice != "" {
		if x.acc.LAN {
			for _, d := range x.lan {
				accept("-o", s.LANDevice, "-d", d.String())
			}
		}
		for _, h := range x.acc.Hosts {
			if familyOf(h.Prefix) == rs.fam {
				accept(append([]string{"-o", s.LANDevice}, h.match()...)...)
			}
		}
	}
	if x.acc.Spoke {
		// Out of the interface again: to the other devices and the
		// subnets routed to them.
		accept("-o", s.Interface)
	}
	if s.internet(x) {
		if !x.acc.LAN && s.InternetDevice == s.LANDevice {
			// The LAN is out of the same device: "internet" is what lies
			// beyond it.
			for _, d := range append(inFamily(s.LAN, rs.fam), x.lan...) {
				rs.add("filter", fwd, "REJECT", append(slices.Clone(src), "-d", d.String())...)
			}
		}
		accept("-o", s.InternetDevice)
	}
	rs.add("filter", fwd, "REJECT", src...)
}

// input adds the rules for traffic to the hub itself: replies and DNS
// always, the rest only for sources with router access, which RETURN to
// the host's own INPUT rules (wghub opens no port the host closes).
func (s Spec) input(rs *ruleSet, srcs []source) {
	in := InChain(s.Interface)
	rs.add("filter", in, "ACCEPT", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED")
	for _, proto := range []string{"udp", "tcp"} {
		rs.add("filter", in, "ACCEPT", "-p", proto, "-m", proto, "--dport", "53")
	}
	for _, x := range srcs {
		if x.acc.Router {
			rs.add("filter", in, "RETURN", "-s", x.src.String())
		} else {
			rs.add("filter", in, "REJECT", "-s", x.src.String())
		}
	}
}

// masquerade adds the NAT rules: VPN traffic towards the LAN (its subnets
// and every LAN host or device LAN granted) and, when some access has
// internet, towards InternetDevice. Only what forward accepted gets here.
func (s Spec) masquerade(rs *ruleSet, fam Family, vpn []netip.Prefix, srcs []source) {
	var dsts []netip.Prefix
	internet := false
	if s.LANDevice != "" {
		dsts = inFamily(s.LAN, fam)
	}
	for _, x := range srcs {
		if x.acc.LAN {
			dsts = append(dsts, x.lan...)
		}
		for _, h := range x.acc.Hosts {
			if familyOf(h.Prefix) == fam {
				dsts = append(dsts, h.Prefix.Masked())
			}
		}
		internet = internet || s.internet(x)
	}
	nat := NATChain(s.Interface)
	for _, v := range vpn {
		if s.LANDevice != "" {
			for i, d := range dsts {
				if !covered(d, dsts[:i]) {
					rs.add("nat", nat, "MASQUERADE", "-s", v.String(), "-d", d.String(), "-o", s.LANDevice)
				}
			}
		}
		if internet {
			rs.add("nat", nat, "MASQUERADE", "-s", v.String(), "-o", s.InternetDevice)
		}
	}
}

// restoreInput is the input of `iptables-restore --noflush` that gives
// iface's chains exactly rules (one family) and inserts the jumps that are
// missing. Declaring a chain creates it, or flushes it within the same
// commit: what is loaded replaces what was there, atomically per table.
func restoreInput(iface string, rules, missingJumps []Rule) string {
	var b strings.Builder
	for _, table := range []string{"filter", "nat"} {
		b.WriteString("*" + table + "\n")
		for _, tc := range chains(iface) {
			if tc[0] == table {
				b.WriteString(":" + tc[1] + " - [0:0]\n")
			}
		}
		for _, r := range rules {
			if r.Table == table {
				b.WriteString("-A " + r.Chain + " " + strings.Join(r.Spec, " ") + "\n")
			}
		}
		for _, j := range missingJumps {
			if j.Table == table {
				b.WriteString("-I " + j.Chain + " 1 " + strings.Join(j.Spec, " ") + "\n")
			}
		}
		b.WriteString("COMMIT\n")
	}
	return b.String()
}

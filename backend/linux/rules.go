package linux

import (
	"net/netip"
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
	postroutingChain = "POSTROUTING"
)

// FwdChain is the filter chain holding iface's forwarding rules, jumped to
// from FORWARD (e.g. "WGHUB-FWD-wg0").
func FwdChain(iface string) string { return "WGHUB-FWD-" + iface }

// NATChain is the nat chain holding iface's masquerade rules, jumped to from
// POSTROUTING (e.g. "WGHUB-NAT-wg0").
func NATChain(iface string) string { return "WGHUB-NAT-" + iface }

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

// Jumps are the rules that send traffic from the built-in chains to iface's
// own chains, for one family. They are inserted at position 1.
func Jumps(fam Family, iface string) []Rule {
	return []Rule{
		{fam, "filter", forwardChain, []string{"-m", "comment", "--comment", Comment, "-j", FwdChain(iface)}},
		{fam, "nat", postroutingChain, []string{"-m", "comment", "--comment", Comment, "-j", NATChain(iface)}},
	}
}

// egress is one way out of the hub: a device and the destinations reached
// through it (nil: any destination).
type egress struct {
	dev  string
	dsts []netip.Prefix
}

// Rules are the rules of iface's own chains for one family, in order:
// forward VPN→LAN, allow LAN→VPN replies, masquerade VPN→LAN; the same via
// FullTunnelDevice for any destination when it is set. An empty result
// means the family needs no chains.
func (s Spec) Rules(fam Family) []Rule {
	var out []Rule
	seen := map[string]bool{}
	add := func(r Rule) {
		if k := r.String(); !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	var eg []egress
	if s.LANDevice != "" {
		var dsts []netip.Prefix
		for _, p := range s.LAN {
			if familyOf(p) == fam {
				dsts = append(dsts, p.Masked())
			}
		}
		if len(dsts) > 0 {
			eg = append(eg, egress{s.LANDevice, dsts})
		}
	}
	if s.FullTunnelDevice != "" {
		eg = append(eg, egress{s.FullTunnelDevice, nil})
	}
	cm := []string{"-m", "comment", "--comment", Comment}
	fwd, nat := FwdChain(s.Interface), NATChain(s.Interface)
	for _, v := range s.VPN {
		if familyOf(v) != fam {
			continue
		}
		src := v.Masked().String()
		for _, e := range eg {
			dsts := e.dsts
			if dsts == nil {
				dsts = []netip.Prefix{{}}
			}
			for _, d := range dsts {
				spec := []string{"-i", s.Interface, "-s", src, "-o", e.dev}
				if d.IsValid() {
					spec = append(spec, "-d", d.String())
				}
				add(Rule{fam, "filter", fwd, append(append(spec, cm...), "-j", "ACCEPT")})
			}
			add(Rule{fam, "filter", fwd, append([]string{"-i", e.dev, "-o", s.Interface, "-d", src,
				"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED"}, append(cm, "-j", "ACCEPT")...)})
			for _, d := range dsts {
				spec := []string{"-s", src}
				if d.IsValid() {
					spec = append(spec, "-d", d.String())
				}
				spec = append(spec, "-o", e.dev)
				add(Rule{fam, "nat", nat, append(append(spec, cm...), "-j", "MASQUERADE")})
			}
		}
	}
	// Keep filter rules before nat rules so that callers can show them in
	// the order iptables-save would.
	var filter, natr []Rule
	for _, r := range out {
		if r.Table == "filter" {
			filter = append(filter, r)
		} else {
			natr = append(natr, r)
		}
	}
	return append(filter, natr...)
}

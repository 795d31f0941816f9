package linux

import (
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/vishvananda/netlink"
)

// Networks lists the subnets of every interface of the current network
// namespace (loopback and link-local left out), by interface name, and
// names the device of the IPv4 default route ("" when there is none): what
// `ip -br addr` and `ip route show default` tell.
func Networks() (subnets map[string][]netip.Prefix, defaultDev string, err error) {
	subnets = map[string][]netip.Prefix{}
	links, err := netlink.LinkList()
	if err != nil {
		return subnets, "", err
	}
	for _, l := range links {
		addrs, _ := netlink.AddrList(l, netlink.FAMILY_ALL)
		for _, a := range addrs {
			p, ok := netip.AddrFromSlice(a.IP)
			if !ok || p.IsLoopback() || p.IsLinkLocalUnicast() {
				continue
			}
			ones, _ := a.Mask.Size()
			name := l.Attrs().Name
			subnets[name] = append(subnets[name], netip.PrefixFrom(p.Unmap(), ones).Masked())
		}
	}
	return subnets, DefaultRouteDevice(), nil
}

// DefaultRouteDevice is the device of the IPv4 default route, "" if none.
func DefaultRouteDevice() string {
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

// IPv4Forwarding reports whether net.ipv4.ip_forward is on.
func IPv4Forwarding() bool {
	v, err := os.ReadFile(sysctlPath("net.ipv4.ip_forward"))
	return err == nil && strings.TrimSpace(string(v)) == "1"
}

// MissingRule returns the first iptables rule of s (or jump to its
// chains) that is not in place, or "" when all are (families whose
// iptables could not be opened are skipped).
func (h *Host) MissingRule(s Spec) string {
	for _, fam := range []Family{IPv4, IPv6} {
		t, ok := h.ipt[fam]
		if !ok {
			continue
		}
		rules := s.Rules(fam)
		if len(rules) > 0 {
			rules = append(Jumps(fam, s.Interface), rules...)
		}
		for _, r := range rules {
			if ok, err := t.Exists(r.Table, r.Chain, r.Spec...); err != nil || !ok {
				return r.String()
			}
		}
	}
	return ""
}

package hub

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/wghub/wghub/uci"
)

// StaticSubnets returns the subnets of every statically addressed interface
// in an OpenWrt network config, by interface name. It understands both the
// "ipaddr + netmask" form and the "list ipaddr 'a.b.c.d/len'" form, and
// "ip6addr". Interfaces on DHCP have no entry.
func StaticSubnets(network *uci.Config) map[string][]netip.Prefix {
	out := map[string][]netip.Prefix{}
	if network == nil {
		return out
	}
	for _, s := range network.SectionsByType("interface") {
		if p, _ := s.Get("proto"); p != "static" {
			continue
		}
		mask, _ := s.Get("netmask")
		for _, v := range append(s.List("ipaddr"), s.List("ip6addr")...) {
			for _, f := range strings.Fields(v) {
				if p, ok := ifacePrefix(f, mask); ok {
					out[s.Name()] = append(out[s.Name()], p.Masked())
				}
			}
		}
	}
	return out
}

func ifacePrefix(addr, netmask string) (netip.Prefix, bool) {
	if strings.Contains(addr, "/") {
		p, err := netip.ParsePrefix(addr)
		return p, err == nil
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, false
	}
	bits := a.BitLen()
	if a.Is4() && netmask != "" {
		if n, err := strconv.Atoi(netmask); err == nil {
			bits = n
		} else if m, err := netip.ParseAddr(netmask); err == nil && m.Is4() {
			bits = 0
			for _, b := range m.AsSlice() {
				for ; b&0x80 != 0; b <<= 1 {
					bits++
				}
			}
		}
	}
	return netip.PrefixFrom(a, bits), true
}

// LANAddress is the first static IPv4 address of the lan interface: the
// router itself, the natural DNS server for clients.
func LANAddress(network *uci.Config, iface string) (netip.Addr, bool) {
	if network == nil {
		return netip.Addr{}, false
	}
	s := network.Section(iface)
	if s == nil {
		return netip.Addr{}, false
	}
	for _, v := range s.List("ipaddr") {
		for _, f := range strings.Fields(v) {
			if p, ok := ifacePrefix(f, ""); ok && p.Addr().Is4() {
				return p.Addr(), true
			}
		}
	}
	return netip.Addr{}, false
}

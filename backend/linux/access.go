package linux

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Access is what a set of sources (the VPN subnets, or one device's
// addresses) may reach through the hub. The zero value reaches nothing but
// DNS on the hub.
type Access struct {
	LAN      bool     // the LAN subnets, through LANDevice
	Internet bool     // anything beyond the LAN, through InternetDevice (masqueraded)
	Router   bool     // the hub's own services (INPUT from the interface)
	Spoke    bool     // other devices on the VPN (interface to interface)
	Hosts    []Target // single LAN hosts or subnets, through LANDevice
}

// Target is one destination of an Access: a prefix, optionally with one
// protocol and port or port range only.
type Target struct {
	Prefix netip.Prefix
	Proto  string // "" (any), "tcp", "udp", "icmp" or "icmpv6"
	Ports  string // "" (all), "22" or "8000-8080"; tcp and udp only
}

// Device is a device whose reach differs from Spec.Default: its rules,
// keyed by its addresses, come before the defaults.
type Device struct {
	Sources []netip.Prefix // the device's VPN addresses (/32, /128) and the subnets routed to it
	// LAN is what its LAN access means; nil means Spec.LAN.
	LAN    []netip.Prefix
	Access Access
}

// match is the iptables match of a target (without the source).
func (t Target) match() []string {
	m := []string{"-d", t.Prefix.Masked().String()}
	switch t.Proto {
	case "":
		return m
	case "icmpv6":
		return append(m, "-p", "ipv6-icmp")
	}
	m = append(m, "-p", t.Proto)
	if t.Ports != "" {
		m = append(m, "-m", t.Proto, "--dport", strings.Replace(t.Ports, "-", ":", 1))
	}
	return m
}

// validate refuses what would make iptables-restore fail (and so leave
// the old rules in place): an unknown protocol, ports without tcp or udp,
// or ports that are not a port or range.
func (t Target) validate() error {
	switch t.Proto {
	case "", "icmp", "icmpv6":
		if t.Ports != "" {
			return fmt.Errorf("access to %s: ports %q need tcp or udp", t.Prefix, t.Ports)
		}
		return nil
	case "tcp", "udp":
	default:
		return fmt.Errorf("access to %s: protocol %q is not tcp, udp, icmp or icmpv6", t.Prefix, t.Proto)
	}
	if t.Ports == "" {
		return nil
	}
	lo, hi, _ := strings.Cut(t.Ports, "-")
	if hi == "" {
		hi = lo
	}
	a, errA := strconv.Atoi(lo)
	b, errB := strconv.Atoi(hi)
	if errA != nil || errB != nil || a < 1 || b > 65535 || a > b {
		return fmt.Errorf("access to %s: %q is not a port 1-65535 or a range such as 8000-8080", t.Prefix, t.Ports)
	}
	return nil
}

package linux

import (
	"fmt"
	"net/netip"
	"strings"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// DefaultMTU is the MTU used when Spec.MTU is 0 (wg-quick's default).
const DefaultMTU = 1420

// DefaultStateDir is where Up records what it changed when Spec.StateDir is "".
const DefaultStateDir = "/run/wghub"

// DefaultUserspace is the userspace WireGuard implementation started when the
// kernel has no WireGuard, unless Spec.Userspace or the environment variable
// WG_QUICK_USERSPACE_IMPLEMENTATION names another.
const DefaultUserspace = "wireguard-go"

// Comment is the iptables comment on every rule wghub adds.
const Comment = "wghub"

// Spec is the desired state of one hub interface.
type Spec struct {
	// Interface is the WireGuard link name, e.g. "wg0" (at most 15 bytes).
	Interface string
	// PrivateKey is the hub's key; the zero key is refused.
	PrivateKey wgtypes.Key
	// ListenPort is the UDP port; 0 lets the implementation choose.
	ListenPort int
	// Addresses are the hub's own VPN addresses, e.g. 192.168.100.1/24.
	Addresses []netip.Prefix
	// Peers is the full peer set; at Up, peers not listed are removed.
	Peers []wgtypes.PeerConfig
	// Routes are extra routes via the interface (peers' routed subnets);
	// empty means none.
	Routes []netip.Prefix
	// LANDevice is the device LAN traffic leaves by, e.g. "eth0"; "" means
	// no LAN forwarding rules.
	LANDevice string
	// VPN are the VPN subnets (sources of forwarded traffic).
	VPN []netip.Prefix
	// LAN are the LAN subnets (destinations reachable through LANDevice):
	// what "lan" access means unless a device has a list of its own.
	LAN []netip.Prefix
	// InternetDevice is the device towards the Internet (the default
	// route's); "" means internet access grants nothing.
	InternetDevice string
	// Default is what the VPN subnets may reach.
	Default Access
	// Devices are the devices whose reach differs from Default.
	Devices []Device
	// MTU of the link; 0 means DefaultMTU.
	MTU int
	// Userspace is the userspace implementation binary used when the
	// kernel has no WireGuard; "" means $WG_QUICK_USERSPACE_IMPLEMENTATION,
	// or DefaultUserspace when that is unset.
	Userspace string
	// StateDir is where Up records what it changed (<Interface>.json);
	// "" means DefaultStateDir.
	StateDir string
}

// Validate reports the first problem with s that would make Up fail half-way.
func (s Spec) Validate() error {
	if err := validIfName(s.Interface); err != nil {
		return err
	}
	if s.PrivateKey == (wgtypes.Key{}) {
		return fmt.Errorf("%s: no private key", s.Interface)
	}
	if s.ListenPort < 0 || s.ListenPort > 65535 {
		return fmt.Errorf("%s: listen port %d out of range", s.Interface, s.ListenPort)
	}
	if s.MTU != 0 && (s.MTU < 576 || s.MTU > 65535) {
		return fmt.Errorf("%s: MTU %d out of range", s.Interface, s.MTU)
	}
	for _, d := range []string{s.LANDevice, s.InternetDevice} {
		if d != "" {
			if err := validIfName(d); err != nil {
				return err
			}
		}
	}
	lists := [][]netip.Prefix{s.Addresses, s.Routes, s.VPN, s.LAN}
	for _, a := range append([]Access{s.Default}, devAccess(s.Devices)...) {
		for _, t := range a.Hosts {
			lists = append(lists, []netip.Prefix{t.Prefix})
			if err := t.validate(); err != nil {
				return fmt.Errorf("%s: %w", s.Interface, err)
			}
		}
	}
	for _, d := range s.Devices {
		if len(d.Sources) == 0 {
			return fmt.Errorf("%s: a device with its own access has no address", s.Interface)
		}
		lists = append(lists, d.Sources, d.LAN)
	}
	for _, l := range lists {
		for _, p := range l {
			if !p.IsValid() {
				return fmt.Errorf("%s: invalid prefix %q", s.Interface, p)
			}
		}
	}
	return nil
}

func devAccess(ds []Device) []Access {
	out := make([]Access, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Access)
	}
	return out
}

func validIfName(n string) error {
	if n == "" || len(n) > 15 || n == "." || n == ".." || strings.ContainsAny(n, "/: \t\n") {
		return fmt.Errorf("invalid interface name %q", n)
	}
	return nil
}

func (s Spec) mtu() int {
	if s.MTU == 0 {
		return DefaultMTU
	}
	return s.MTU
}

func (s Spec) stateDir() string {
	if s.StateDir == "" {
		return DefaultStateDir
	}
	return s.StateDir
}

// hasFamily reports whether ps holds a prefix of the family (4 or 6).
func hasFamily(ps []netip.Prefix, fam Family) bool {
	for _, p := range ps {
		if familyOf(p) == fam {
			return true
		}
	}
	return false
}

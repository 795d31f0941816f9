// Package linux is the system layer of wghub's plain-Linux backend: it brings
// a WireGuard hub interface up and down (netlink link, addresses, routes and
// MTU; the userspace implementation when the kernel has no WireGuard; wgctrl
// for keys and peers; forwarding sysctls; iptables and ip6tables chains that
// forward and masquerade VPN traffic into the LAN and the Internet, and
// enforce what each device may reach, there and on the hub itself) and
// changes peers and access live.
//
// It takes plain values (Spec, wgtypes.PeerConfig, netip.Prefix) and knows
// nothing of UCI or the hub model; the caller plans, this package applies.
// backend/plainlinux adapts it to the backend contract (package backend).
// It does not manage the host's own firewall policy, nor tables it did not
// create: Down removes exactly the chains, jumps, link and sysctl changes
// that Up made, and leaves the (possibly new, empty) iptables tables.
//
// Rules are loaded by `iptables-restore --noflush` (one transaction per
// family, so a change never leaves a moment with rules half loaded) and
// checked and removed through go-iptables; both run the `iptables` and
// `ip6tables` found in $PATH: whichever backend (nft or legacy) the system's
// alternatives select. Options.IPTables/IP6Tables, or a PATH directory of
// symlinks, choose the other; both are tested.
//
// A Host works in the network namespace it is opened in. The userspace
// implementation's UAPI sockets (/var/run/wireguard) are shared by all
// namespaces, so interface names must be unique across them.
package linux

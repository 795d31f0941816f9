package wgsync

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Kind says what differs between the device and UCI.
type Kind string

// The kinds of difference. Their values are stable: doctor's JSON uses them.
const (
	PrivateKeyDiffers Kind = "private_key"   // the device runs with another key
	ListenPortDiffers Kind = "listen_port"   // the device listens elsewhere
	PeerMissing       Kind = "peer_missing"  // in UCI, not on the device
	PeerExtra         Kind = "peer_extra"    // on the device, not in UCI (or disabled there)
	AllowedIPsDiffer  Kind = "allowed_ips"   // other allowed IPs
	PSKMissing        Kind = "psk_missing"   // UCI has a preshared key, the device none
	PSKExtra          Kind = "psk_extra"     // the device has one, UCI none
	PSKDiffers        Kind = "psk_differs"   // both have one, not the same
	KeepaliveDiffers  Kind = "keepalive"     // other persistent keepalive
	EndpointDiffers   Kind = "endpoint"      // not at UCI's endpoint
	EndpointUnknown   Kind = "endpoint_host" // UCI's endpoint host did not resolve: left alone
)

// Difference is one way the device differs from UCI. Want and Got are
// for people and never hold a private or preshared key.
type Difference struct {
	Kind      Kind
	Peer      string      // the peer's name in UCI, or its public key when it is not in UCI
	PublicKey wgtypes.Key // zero for interface-level differences
	Want, Got string
}

func (d Difference) String() string {
	who := "interface"
	if d.Peer != "" {
		who = fmt.Sprintf("peer %q", d.Peer)
	}
	switch d.Kind {
	case PeerMissing:
		return who + ": configured but not on the device"
	case PeerExtra:
		return who + ": on the device but not configured"
	case PSKMissing:
		return who + ": the device has no preshared key, UCI has one"
	case PSKExtra:
		return who + ": the device has a preshared key, UCI has none"
	case PSKDiffers:
		return who + ": the device has another preshared key than UCI"
	case PrivateKeyDiffers:
		return fmt.Sprintf("%s: the device runs with another private key (public key %s, UCI's gives %s)", who, d.Got, d.Want)
	case EndpointUnknown:
		return fmt.Sprintf("%s: endpoint host %s does not resolve (%s); endpoint left as it is", who, d.Want, d.Got)
	}
	return fmt.Sprintf("%s: %s is %s on the device, %s in UCI", who, strings.ReplaceAll(string(d.Kind), "_", " "), orNone(d.Got), orNone(d.Want))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Options tune Compare.
type Options struct {
	// Resolve looks up an endpoint host that is not an IP address; nil
	// uses the system resolver with a short timeout.
	Resolve func(host string) ([]netip.Addr, error)
	// Now is the time against which handshakes are judged; zero means now.
	Now time.Time
}

// RoamWindow is how recent a handshake must be for a peer's endpoint on
// the device to count as learned from the peer itself (it roamed) rather
// than wrong: WireGuard moves a peer's endpoint to wherever authenticated
// packets come from, and setting it back would cut a working session.
// Three minutes is WireGuard's session lifetime (REJECT_AFTER_TIME).
const RoamWindow = 180 * time.Second

// Plan is what differs and the configuration that removes the differences.
type Plan struct {
	Differences []Difference
	// Config changes only what differs; never ReplacePeers. Removals come
	// first, so a prefix moving to another peer is free when it is added.
	Config wgtypes.Config
}

// Empty reports whether the plan changes nothing.
func (p Plan) Empty() bool {
	c := p.Config
	return c.PrivateKey == nil && c.ListenPort == nil && len(c.Peers) == 0
}

// Compare lists how dev differs from want and plans the change.
func Compare(want *Want, dev *wgtypes.Device, o Options) Plan {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Resolve == nil {
		o.Resolve = resolve
	}
	var pl Plan
	diff := func(d Difference) { pl.Differences = append(pl.Differences, d) }
	if dev.PrivateKey != want.PrivateKey {
		diff(Difference{Kind: PrivateKeyDiffers, Want: want.PrivateKey.PublicKey().String(), Got: dev.PublicKey.String()})
		k := want.PrivateKey
		pl.Config.PrivateKey = &k
	}
	if want.ListenPort != 0 && dev.ListenPort != want.ListenPort {
		diff(Difference{Kind: ListenPortDiffers, Want: fmt.Sprint(want.ListenPort), Got: fmt.Sprint(dev.ListenPort)})
		p := want.ListenPort
		pl.Config.ListenPort = &p
	}
	wanted := map[wgtypes.Key]bool{}
	for _, p := range want.Peers {
		wanted[p.PublicKey] = true
	}
	var removes, changes []wgtypes.PeerConfig
	for _, lp := range dev.Peers {
		if !wanted[lp.PublicKey] {
			diff(Difference{Kind: PeerExtra, Peer: lp.PublicKey.String(), PublicKey: lp.PublicKey})
			removes = append(removes, wgtypes.PeerConfig{PublicKey: lp.PublicKey, Remove: true})
		}
	}
	live := map[wgtypes.Key]*wgtypes.Peer{}
	for i := range dev.Peers {
		live[dev.Peers[i].PublicKey] = &dev.Peers[i]
	}
	for i := range want.Peers {
		p := &want.Peers[i]
		lp, ok := live[p.PublicKey]
		if !ok {
			// A missing peer is compared with an empty one: everything UCI
			// sets is sent, but only "missing" is reported.
			diff(Difference{Kind: PeerMissing, Peer: p.Name, PublicKey: p.PublicKey})
			lp = &wgtypes.Peer{PublicKey: p.PublicKey}
		}
		pc := wgtypes.PeerConfig{PublicKey: p.PublicKey, UpdateOnly: ok}
		changed := !ok
		d := func(k Kind, want, got string) {
			if ok {
				diff(Difference{Kind: k, Peer: p.Name, PublicKey: p.PublicKey, Want: want, Got: got})
			}
			changed = true
		}
		if w, g := prefixSet(p.AllowedIPs), prefixSet(fromIPNets(lp.AllowedIPs)); !slices.Equal(w, g) {
			d(AllowedIPsDiffer, prefixText(w), prefixText(g))
			pc.ReplaceAllowedIPs, pc.AllowedIPs = true, ipNets(p.AllowedIPs)
		}
		var zero wgtypes.Key
		switch {
		case p.PresharedKey != nil && lp.PresharedKey == zero:
			d(PSKMissing, "set", "")
		case p.PresharedKey == nil && lp.PresharedKey != zero:
			d(PSKExtra, "", "set")
		case p.PresharedKey != nil && *p.PresharedKey != lp.PresharedKey:
			d(PSKDiffers, "", "")
		}
		if p.PresharedKey != nil && *p.PresharedKey != lp.PresharedKey {
			pc.PresharedKey = p.PresharedKey
		} else if p.PresharedKey == nil && lp.PresharedKey != zero {
			pc.PresharedKey = &zero // the all-zero key clears it
		}
		if ka := time.Duration(p.Keepalive) * time.Second; lp.PersistentKeepaliveInterval != ka {
			d(KeepaliveDiffers, seconds(ka), seconds(lp.PersistentKeepaliveInterval))
			pc.PersistentKeepaliveInterval = &ka
		}
		if p.EndpointHost != "" {
			addrs, err := o.Resolve(p.EndpointHost)
			var got netip.AddrPort
			if lp.Endpoint != nil {
				got = lp.Endpoint.AddrPort()
				got = netip.AddrPortFrom(got.Addr().Unmap(), got.Port())
			}
			roamed := got.IsValid() && !lp.LastHandshakeTime.IsZero() && o.Now.Sub(lp.LastHandshakeTime) < RoamWindow
			switch {
			case err != nil || len(addrs) == 0:
				diff(Difference{Kind: EndpointUnknown, Peer: p.Name, PublicKey: p.PublicKey, Want: p.EndpointHost, Got: errText(err)})
			case hasEndpoint(addrs, p.EndpointPort, got) || roamed:
			default:
				w := netip.AddrPortFrom(addrs[0], uint16(p.EndpointPort))
				d(EndpointDiffers, w.String(), addrPortText(got))
				pc.Endpoint = net.UDPAddrFromAddrPort(w)
			}
		}
		if changed {
			changes = append(changes, pc)
		}
	}
	pl.Config.Peers = append(removes, changes...)
	return pl
}

func hasEndpoint(addrs []netip.Addr, port int, got netip.AddrPort) bool {
	for _, a := range addrs {
		if netip.AddrPortFrom(a.Unmap(), uint16(port)) == got {
			return true
		}
	}
	return false
}

func resolve(host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return addrs, err
}

func errText(err error) string {
	if err == nil {
		return "no addresses"
	}
	return err.Error()
}

func addrPortText(a netip.AddrPort) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func seconds(d time.Duration) string {
	if d == 0 {
		return "off"
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}

// prefixSet is ps masked, sorted and without duplicates: the device keeps
// allowed IPs in a trie, so order and host bits carry no meaning.
func prefixSet(ps []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		out = append(out, netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-unmapBits(p)).Masked())
	}
	// Insertion sort: the lists are short, and a generic sort would add
	// ~10 KB of MIPS code to the router binary.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && less(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return slices.Compact(out)
}

func less(a, b netip.Prefix) bool {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c < 0
	}
	return a.Bits() < b.Bits()
}

func unmapBits(p netip.Prefix) int {
	if p.Addr().Is4In6() {
		return 96
	}
	return 0
}

func prefixText(ps []netip.Prefix) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}

func ipNets(ps []netip.Prefix) []net.IPNet {
	out := make([]net.IPNet, 0, len(ps))
	for _, p := range ps {
		out = append(out, net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())})
	}
	return out
}

func fromIPNets(ns []net.IPNet) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ns))
	for _, n := range ns {
		a, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		ones, _ := n.Mask.Size()
		if a.Is4In6() && len(n.Mask) == net.IPv4len {
			a = a.Unmap()
		}
		out = append(out, netip.PrefixFrom(a, ones))
	}
	return out
}

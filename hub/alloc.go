package hub

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/wghub/wghub/errkind"
)

// used returns every VPN address already taken: the hub's, all peers' and
// foreign peers'.
func (h *Hub) used() addrSet {
	u := newAddrSet(len(h.Peers) + len(h.Foreign) + 2) // usually one each
	for _, a := range h.Settings.Addresses() {
		u.add(a.Addr())
	}
	for i := range h.Peers {
		for _, ps := range [][]netip.Prefix{h.Peers[i].Addresses, h.Peers[i].Routes} {
			for _, a := range ps {
				if a.IsSingleIP() {
					u.add(a.Addr())
				}
			}
		}
	}
	for _, a := range h.Foreign {
		if a.IsSingleIP() {
			u.add(a.Addr())
		}
	}
	u.sort()
	return u
}

// addrSet is a sorted set of addresses, IPv4 ones as numbers: a sixth of
// the memory of a list of netip.Addr and a fifteenth of a map's, for
// thousands of peers. Add all, then sort, then ask.
type addrSet struct {
	v4    []uint32
	other []netip.Addr // IPv6 (IPv4-mapped ones too: netip tells them apart)
}

// newAddrSet makes a set with room for n IPv4 addresses.
func newAddrSet(n int) addrSet { return addrSet{v4: make([]uint32, 0, n)} }

func (u *addrSet) add(a netip.Addr) {
	if a.Is4() {
		u.v4 = append(u.v4, v4num(a))
	} else {
		u.other = append(u.other, a)
	}
}

// sort sorts the set and reports whether an address was added twice.
func (u *addrSet) sort() (dup bool) {
	slices.Sort(u.v4) // peers in address order: one pass
	slices.SortFunc(u.other, netip.Addr.Compare)
	for i := 1; i < len(u.v4); i++ {
		dup = dup || u.v4[i] == u.v4[i-1]
	}
	for i := 1; i < len(u.other); i++ {
		dup = dup || u.other[i] == u.other[i-1]
	}
	return dup
}

// v4num is an IPv4 address as a number.
func v4num(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func (u addrSet) has(a netip.Addr) bool {
	if a.Is4() {
		_, ok := slices.BinarySearch(u.v4, v4num(a))
		return ok
	}
	_, ok := slices.BinarySearchFunc(u.other, a, netip.Addr.Compare)
	return ok
}

// hostN is the n-th address of subnet (n=0 is the network address).
// (128-bit arithmetic by hand: math/big cost the router build 19 KB.)
func hostN(subnet netip.Prefix, n uint64) (netip.Addr, bool) {
	if hostBits := subnet.Addr().BitLen() - subnet.Bits(); hostBits < 64 && n >= 1<<hostBits {
		return netip.Addr{}, false
	}
	// The masked base's host bits are zero and n fits in them, so adding
	// n to the low half never carries.
	hi, lo := addr128(subnet.Masked().Addr())
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo+n)
	if subnet.Addr().Is4() {
		return netip.AddrFrom4([4]byte(b[12:])), true
	}
	return netip.AddrFrom16(b), true
}

// hostIndex is a's offset in subnet (its low 64 bits).
func hostIndex(subnet netip.Prefix, a netip.Addr) uint64 {
	_, base := addr128(subnet.Masked().Addr())
	_, lo := addr128(a)
	return lo - base
}

// addr128 is a as a 128-bit number (IPv4 as IPv4-mapped IPv6).
func addr128(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// lastHost is the highest index a peer may use: IPv4 keeps the broadcast
// address free; IPv6 subnets are capped so allocation stays a short scan.
func lastHost(subnet netip.Prefix) uint64 {
	hostBits := subnet.Addr().BitLen() - subnet.Bits()
	if subnet.Addr().Is4() {
		return 1<<hostBits - 2
	}
	if hostBits > 16 {
		return 1<<16 - 1
	}
	return 1<<hostBits - 1
}

// Allocate hands out the lowest host index free in every VPN subnet, so a
// peer gets matching addresses (.N and ::N). want, if valid, asks for one
// address; its index is then used for the other family.
func (h *Hub) Allocate(want netip.Addr) ([]netip.Prefix, error) {
	subnets := h.Settings.Subnets
	if len(subnets) == 0 {
		return nil, ErrNotSetUp
	}
	used := h.used()
	free := func(n uint64) ([]netip.Prefix, bool) {
		var out []netip.Prefix
		for _, sn := range subnets {
			if n < 2 || n > lastHost(sn) {
				return nil, false
			}
			a, ok := hostN(sn, n)
			if !ok || used.has(a) {
				return nil, false
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
		return out, true
	}
	if want.IsValid() {
		for _, sn := range subnets {
			if sn.Addr().Is4() != want.Is4() {
				continue
			}
			if !sn.Contains(want) {
				return nil, errkind.Invalidf("ip", "address %s is outside the VPN subnet %s", want, sn)
			}
			n := hostIndex(sn, want)
			if n < 2 || n > lastHost(sn) {
				return nil, errkind.Invalidf("ip", "address %s is reserved in %s (network, hub or broadcast address)", want, sn)
			}
			if used.has(want) {
				return nil, errkind.Conflictf("ip", "address %s is already in use", want)
			}
			if out, ok := free(n); ok {
				return out, nil
			}
			// The other family's twin is taken: give the asked address alone
			// in its family plus any free one in the other.
			return h.allocateSplit(want, used)
		}
		return nil, errkind.Invalidf("ip", "address %s: the hub has no %s VPN subnet", want, family(want))
	}
	max := uint64(0)
	for _, sn := range subnets {
		if l := lastHost(sn); max == 0 || l < max {
			max = l
		}
	}
	for n := uint64(2); n <= max; n++ {
		if out, ok := free(n); ok {
			return out, nil
		}
	}
	return nil, errkind.Conflictf("", "no free address left in %s", prefixList(subnets))
}

func (h *Hub) allocateSplit(want netip.Addr, used addrSet) ([]netip.Prefix, error) {
	out := []netip.Prefix{netip.PrefixFrom(want, want.BitLen())}
	for _, sn := range h.Settings.Subnets {
		if sn.Addr().Is4() == want.Is4() {
			continue
		}
		found := false
		for n := uint64(2); n <= lastHost(sn); n++ {
			if a, ok := hostN(sn, n); ok && !used.has(a) {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				found = true
				break
			}
		}
		if !found {
			return nil, errkind.Conflictf("", "no free address left in %s", sn)
		}
	}
	return out, nil
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

func prefixList(ps []netip.Prefix) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	return s
}

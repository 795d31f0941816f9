package hub

import (
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

// hostNBig is hostN as big-number arithmetic, the reference.
func hostNBig(subnet netip.Prefix, n uint64) (netip.Addr, bool) {
	base := new(big.Int).SetBytes(subnet.Masked().Addr().AsSlice())
	size := new(big.Int).Lsh(big.NewInt(1), uint(subnet.Addr().BitLen()-subnet.Bits()))
	nn := new(big.Int).SetUint64(n)
	if nn.Cmp(size) >= 0 {
		return netip.Addr{}, false
	}
	b := new(big.Int).Add(base, nn).Bytes()
	buf := make([]byte, subnet.Addr().BitLen()/8)
	copy(buf[len(buf)-len(b):], b)
	a, _ := netip.AddrFromSlice(buf)
	return a, true
}

// TestHostN: hostN agrees with big-number arithmetic on IPv4, IPv6 and
// IPv4-mapped subnets of every size, at the edges and at random indexes.
func TestHostN(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	subnets := []string{"10.64.0.0/16", "10.0.0.7/24", "192.168.1.1/32", "0.0.0.0/0", "255.255.255.0/24",
		"fd42::/64", "fd42::/63", "fd42::/65", "fd42::1/128", "10.0.0.0/1", "::/0", "fd42:0:0:0:ffff:ffff:ffff:ff00/120", "fd00::/8", "::ffff:10.0.0.0/104"}
	for i := 0; i < 200; i++ {
		var b [16]byte
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		subnets = append(subnets, netip.PrefixFrom(netip.AddrFrom16(b), r.IntN(129)).String(),
			netip.PrefixFrom(netip.AddrFrom4([4]byte(b[:4])), r.IntN(33)).String())
	}
	for _, s := range subnets {
		sn := netip.MustParsePrefix(s)
		host := sn.Addr().BitLen() - sn.Bits()
		ns := []uint64{0, 1, 2, 255, 256, 1<<16 - 1, 1 << 16, 1<<32 - 1, 1 << 32, 1<<63 - 1, 1 << 63, ^uint64(0), r.Uint64(), r.Uint64() >> 40}
		if host > 0 && host < 64 {
			ns = append(ns, 1<<host-1, 1<<host, r.Uint64()%(1<<host))
		}
		for _, n := range ns {
			got, gok := hostN(sn, n)
			want, wok := hostNBig(sn, n)
			if got != want || gok != wok {
				t.Errorf("hostN(%s, %d) = %v, %v; want %v, %v", sn, n, got, gok, want, wok)
			}
		}
	}
}

// TestValidateSharedAddress: two peers with one address is refused, naming
// both, in a hub big enough that the check takes its sorted path first.
func TestValidateSharedAddress(t *testing.T) {
	h := &Hub{Settings: Settings{Interface: "wg0", Subnets: []netip.Prefix{netip.MustParsePrefix("10.64.0.0/16")}}}
	for i := 0; i < 300; i++ {
		if _, err := h.AddPeer(PeerRequest{Name: "p" + string(rune('a'+i%26)) + string(rune('a'+i/26))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Validate(); err != nil {
		t.Fatalf("a valid hub: %v", err)
	}
	h.Peers[250].Addresses = append(h.Peers[250].Addresses, h.Peers[7].Addresses[0])
	err := h.Validate()
	if err == nil || !strings.Contains(err.Error(), `peers "`+h.Peers[7].Name+`" and "`+h.Peers[250].Name+`" both have address 10.64.0.9`) {
		t.Errorf("Validate with a shared address: %v", err)
	}
}

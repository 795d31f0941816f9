package hub

import (
	"math/big"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// hostN and hostIndex against the same sums done with math/big, on random
// subnets of both families and offsets around their ends.
func TestHostArithmetic(t *testing.T) {
	bigN := func(subnet netip.Prefix, n uint64) (netip.Addr, bool) {
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
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var a netip.Addr
		if r.IntN(2) == 0 {
			var b [4]byte
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			a = netip.AddrFrom4(b)
		} else {
			var b [16]byte
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			a = netip.AddrFrom16(b)
		}
		sn := netip.PrefixFrom(a, r.IntN(a.BitLen()+1))
		hostBits := a.BitLen() - sn.Bits()
		var n uint64
		switch r.IntN(3) {
		case 0:
			n = r.Uint64N(1 << 10)
		case 1:
			if hostBits < 64 {
				n = 1<<hostBits - 1 + r.Uint64N(3) // the last host and past it
			} else {
				n = r.Uint64()
			}
		default:
			n = r.Uint64()
		}
		got, gotOK := hostN(sn, n)
		want, wantOK := bigN(sn, n)
		if got != want || gotOK != wantOK {
			t.Fatalf("hostN(%s, %d) = %s, %v; math/big gives %s, %v", sn, n, got, gotOK, want, wantOK)
		}
		if gotOK && hostIndex(sn, got) != n {
			t.Fatalf("hostIndex(%s, %s) = %d, want %d", sn, got, hostIndex(sn, got), n)
		}
	}
}

package hub

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// hostN and hostIndex against the same sums done with math/big, on random
// subnets of both families and offsets around their ends.
func TestHostArithmetic(t *testing.T) {
	bigN := hostNBig
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

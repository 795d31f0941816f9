package qr

import (
	"errors"
	"fmt"
	"sync"
)

// Level is the error correction level (ISO/IEC 18004 §5.3.2): how much
// of the symbol may be damaged or hidden and still read. Higher levels
// need bigger symbols for the same data.
type Level int

// Error correction levels, recovering about 7, 15, 25 and 30 % of the
// codewords.
const (
	L Level = iota
	M
	Q
	H
)

// String returns "L", "M", "Q" or "H".
func (l Level) String() string {
	if l < L || l > H {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return "LMQH"[l : l+1]
}

// Code is an encoded QR symbol of Size×Size modules, without quiet zone.
type Code struct {
	Size    int   // modules per side: 4*Version+17
	Version int   // 1 to 40
	Level   Level // error correction level
	dark    []bool
}

// Black reports whether the module at column x, row y (from the top left,
// 0-based) is dark. Outside the symbol, in the quiet zone, it is light.
func (c *Code) Black(x, y int) bool {
	return x >= 0 && y >= 0 && x < c.Size && y < c.Size && c.dark[y*c.Size+x]
}

// ErrTooLong is wrapped by the error Encode returns when the data does not
// fit a version 40 symbol at the level asked for.
var ErrTooLong = errors.New("qr: data too long")

// Encode encodes data in byte mode into the smallest symbol (version 1 to
// 40) that holds it at level l, choosing the mask with the lowest penalty.
// Byte mode holds at most 2953 bytes at L, 2331 at M, 1663 at Q and 1273
// at H.
func Encode(data []byte, l Level) (*Code, error) {
	if l < L || l > H {
		return nil, fmt.Errorf("qr: invalid level %d", int(l))
	}
	v := 1
	for v <= 40 && streamBits(v, len(data)) > 8*dataCodewords(v, l) {
		v++
	}
	if v > 40 {
		return nil, fmt.Errorf("%w: %d bytes for level %v", ErrTooLong, len(data), l)
	}
	m := newSymbol(v)
	m.placeCodewords(codewords(v, l, dataCodewords(v, l), data))
	best, bestScore := 0, -1
	for mask := range 8 {
		t := m.clone()
		t.mask(mask)
		t.formatInfo(l, mask)
		if s := t.penalty(); bestScore < 0 || s < bestScore {
			best, bestScore = mask, s
		}
	}
	m.mask(best)
	m.formatInfo(l, best)
	c := &Code{Size: m.size, Version: v, Level: l, dark: make([]bool, len(m.mod))}
	for i, b := range m.mod {
		c.dark[i] = b&dark != 0
	}
	return c, nil
}

// countBits is the width of the byte mode character count indicator
// (Table 3): 8 bits in versions 1-9, 16 bits from version 10.
func countBits(v int) int {
	if v < 10 {
		return 8
	}
	return 16
}

// streamBits is the length of the byte mode segment for n bytes: mode
// indicator, character count, data.
func streamBits(v, n int) int { return 4 + countBits(v) + 8*n }

// dataCodewords is the number of data codewords of version v at level l
// (Table 7): all codewords less the error correction ones.
func dataCodewords(v int, l Level) int {
	e := ecTable[v][l]
	return int(totalCodewords[v]) - int(e[0])*int(e[1])
}

// codewords builds the final codeword sequence (§7.4 to §7.6): the data
// bit stream cut into n data codewords, split into blocks, each given its
// Reed-Solomon codewords, then interleaved.
func codewords(v int, l Level, n int, data []byte) []byte {
	// §7.4: mode indicator 0100 (byte), count, data, then a terminator
	// of up to four 0 bits, 0 bits to the byte boundary, and the pad
	// codewords 11101100 and 00010001 in turn.
	w := bitWriter{buf: make([]byte, 0, totalCodewords[v])}
	w.write(0b0100, 4)
	w.write(uint(len(data)), countBits(v))
	for _, b := range data {
		w.write(uint(b), 8)
	}
	w.write(0, min(4, 8*n-w.n))
	w.write(0, -w.n&7)
	for pad := uint(0xEC); len(w.buf) < n; pad ^= 0xEC ^ 0x11 {
		w.write(pad, 8)
	}

	// §7.5, Table 9: the short blocks come first, the long ones carry
	// one more data codeword. §7.6: interleave the data codewords block
	// by block, column by column, then the error correction codewords the
	// same way.
	ecLen, nb := int(ecTable[v][l][0]), int(ecTable[v][l][1])
	shortLen, long := n/nb, n%nb
	gen := generatorPoly(ecLen)
	blocks := make([][]byte, nb)
	ecs := make([][]byte, nb)
	for i, off := 0, 0; i < nb; i++ {
		k := shortLen
		if i >= nb-long {
			k++
		}
		blocks[i] = w.buf[off : off+k]
		ecs[i] = rsRemainder(blocks[i], gen)
		off += k
	}
	out := make([]byte, 0, totalCodewords[v])
	for col := 0; col <= shortLen; col++ {
		for _, b := range blocks {
			if col < len(b) {
				out = append(out, b[col])
			}
		}
	}
	for col := 0; col < ecLen; col++ {
		for _, e := range ecs {
			out = append(out, e[col])
		}
	}
	return out
}

// bitWriter appends bits most significant first.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

func (w *bitWriter) write(v uint, bits int) {
	for bits > 0 {
		bits--
		if w.n&7 == 0 {
			w.buf = append(w.buf, 0)
		}
		w.buf[len(w.buf)-1] |= byte(v>>bits&1) << (7 - w.n&7)
		w.n++
	}
}

// Reed-Solomon arithmetic in GF(2⁸) modulo the field polynomial
// x⁸+x⁴+x³+x²+1 (100011101), α = 2 (§7.5.2, Annex A). The tables are
// built by generatorPoly, which every encoding calls before gfMul: built
// at package initialisation they would cost every start of wghub, which
// mostly draws no QR code.
var (
	gfExp, gfLog [256]byte
	gfOnce       sync.Once
)

func gfTables() {
	x := 1
	for i := 0; i < 255; i++ {
		gfExp[i] = byte(x)
		gfLog[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0b1_0001_1101
		}
	}
	gfExp[255] = gfExp[0]
}

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[(int(gfLog[a])+int(gfLog[b]))%255]
}

// generatorPoly returns the coefficients of (x-α⁰)(x-α¹)…(x-αⁿ⁻¹),
// highest power first; the leading 1 included.
func generatorPoly(n int) []byte {
	gfOnce.Do(gfTables)
	g := make([]byte, 1, n+1)
	g[0] = 1
	for i := 0; i < n; i++ {
		// g·(x + αⁱ): shift up one power, add αⁱ·g (minus is plus here).
		g = append(g, 0)
		for j := len(g) - 1; j > 0; j-- {
			g[j] ^= gfMul(g[j-1], gfExp[i])
		}
	}
	return g
}

// rsRemainder returns the error correction codewords of a block: the
// remainder of data(x)·xⁿ divided by the generator polynomial.
func rsRemainder(data, gen []byte) []byte {
	n := len(gen) - 1
	r := make([]byte, len(data)+n)
	copy(r, data)
	for i := range data {
		f := r[i]
		if f == 0 {
			continue
		}
		for j := 1; j <= n; j++ {
			r[i+j] ^= gfMul(gen[j], f)
		}
	}
	return r[len(data):]
}

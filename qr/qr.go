package qr

import (
	"errors"
	"fmt"
)

// Level is the error correction level: how much of the symbol may be
// damaged and still read.
type Level int

// The four levels, about 7, 15, 25 and 30 % recoverable.
const (
	L Level = iota
	M
	Q
	H
)

func (l Level) String() string { return [...]string{"L", "M", "Q", "H"}[l] }

// formatBits are the level's two bits in the format information.
func (l Level) formatBits() int { return [...]int{1, 0, 3, 2}[l] }

// ISO/IEC 18004 Table 9, by level and version (index 0 unused): error
// correction codewords per block, and the number of blocks.
var eccPerBlock = [4][41]int{
	{0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	{0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
	{0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	{0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
}

var eccBlocks = [4][41]int{
	{0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
	{0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
	{0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68},
	{0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81},
}

// rawModules is the number of modules that carry codewords in a version.
func rawModules(v int) int {
	n := (16*v+128)*v + 64
	if v >= 2 {
		a := v/7 + 2
		n -= (25*a-10)*a - 55
		if v >= 7 {
			n -= 36
		}
	}
	return n
}

func dataCodewords(v int, l Level) int {
	return rawModules(v)/8 - eccPerBlock[l][v]*eccBlocks[l][v]
}

// Code is an encoded symbol: Size×Size modules.
type Code struct {
	Size    int
	Version int
	Level   Level
	dark    []bool
}

// Black reports whether the module at column x, row y is dark. Outside the
// symbol (the quiet zone) it is light.
func (c *Code) Black(x, y int) bool {
	return x >= 0 && y >= 0 && x < c.Size && y < c.Size && c.dark[y*c.Size+x]
}

// ErrTooLong is wrapped by Encode when data does not fit version 40.
var ErrTooLong = errors.New("qr: data too long")

// Encode makes the smallest symbol holding data in byte mode at level l.
func Encode(data []byte, l Level) (*Code, error) {
	if l < L || l > H {
		return nil, fmt.Errorf("qr: invalid level %d", int(l))
	}
	v := 1
	for ; v <= 40; v++ {
		count := 8
		if v >= 10 {
			count = 16
		}
		if 4+count+8*len(data) <= 8*dataCodewords(v, l) {
			break
		}
	}
	if v > 40 {
		return nil, fmt.Errorf("%w: %d bytes for level %v", ErrTooLong, len(data), l)
	}
	codewords := interleave(v, l, dataStream(data, v, l))
	c := &Code{Size: 4*v + 17, Version: v, Level: l}
	m := newMatrix(c.Size)
	m.functionPatterns(v)
	m.place(codewords)
	best, bestScore := -1, 0
	for mask := 0; mask < 8; mask++ {
		t := m.clone()
		t.applyMask(mask)
		t.format(l, mask)
		if s := t.penalty(); best < 0 || s < bestScore {
			best, bestScore = mask, s
		}
	}
	m.applyMask(best)
	m.format(l, best)
	c.dark = m.dark
	return c, nil
}

// dataStream is the mode indicator, count, data, terminator and padding.
func dataStream(data []byte, v int, l Level) []byte {
	var b bitBuffer
	b.put(0b0100, 4)
	if v >= 10 {
		b.put(len(data), 16)
	} else {
		b.put(len(data), 8)
	}
	for _, d := range data {
		b.put(int(d), 8)
	}
	capacity := 8 * dataCodewords(v, l)
	b.put(0, min(4, capacity-b.n))
	b.put(0, (8-b.n%8)%8)
	for pad := 0xEC; b.n < capacity; pad ^= 0xEC ^ 0x11 {
		b.put(pad, 8)
	}
	return b.bytes
}

type bitBuffer struct {
	bytes []byte
	n     int
}

func (b *bitBuffer) put(v, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if b.n%8 == 0 {
			b.bytes = append(b.bytes, 0)
		}
		if v>>i&1 != 0 {
			b.bytes[b.n/8] |= 0x80 >> (b.n % 8)
		}
		b.n++
	}
}

// interleave splits data into blocks, adds Reed-Solomon codewords and
// interleaves them as the standard orders them.
func interleave(v int, l Level, data []byte) []byte {
	nb, ec := eccBlocks[l][v], eccPerBlock[l][v]
	total := rawModules(v) / 8
	short := nb - total%nb
	shortLen := total/nb - ec // data codewords in a short block
	gen := generator(ec)
	var blocks, eccs [][]byte
	k := 0
	for i := 0; i < nb; i++ {
		n := shortLen
		if i >= short {
			n++
		}
		blk := data[k : k+n]
		k += n
		blocks = append(blocks, blk)
		eccs = append(eccs, remainder(blk, gen))
	}
	var out []byte
	for i := 0; i <= shortLen; i++ {
		for _, b := range blocks {
			if i < len(b) {
				out = append(out, b[i])
			}
		}
	}
	for i := 0; i < ec; i++ {
		for _, e := range eccs {
			out = append(out, e[i])
		}
	}
	return out
}

// GF(256) with the QR polynomial x^8+x^4+x^3+x^2+1.
func gfMul(a, b byte) byte {
	var p byte
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1D
		}
		b >>= 1
	}
	return p
}

// generator returns the degree-n generator polynomial's coefficients,
// highest first, without the leading 1.
func generator(n int) []byte {
	g := make([]byte, n)
	g[n-1] = 1
	root := byte(1)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g[j] = gfMul(g[j], root)
			if j+1 < n {
				g[j] ^= g[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return g
}

func remainder(data, gen []byte) []byte {
	r := make([]byte, len(gen))
	for _, d := range data {
		f := d ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		for i, g := range gen {
			r[i] ^= gfMul(g, f)
		}
	}
	return r
}

package qr

// matrix is the symbol under construction; fn marks function modules
// (finders, timing, alignment, format and version areas) that data and
// masks skip.
type matrix struct {
	size int
	dark []bool
	fn   []bool
}

func newMatrix(size int) *matrix {
	return &matrix{size: size, dark: make([]bool, size*size), fn: make([]bool, size*size)}
}

func (m *matrix) clone() *matrix {
	return &matrix{size: m.size, dark: append([]bool(nil), m.dark...), fn: m.fn}
}

func (m *matrix) set(x, y int, dark bool) {
	m.dark[y*m.size+x] = dark
	m.fn[y*m.size+x] = true
}

func (m *matrix) get(x, y int) bool { return m.dark[y*m.size+x] }

// alignment returns the centre coordinates of alignment patterns.
func alignment(v int) []int {
	if v == 1 {
		return nil
	}
	n := v/7 + 2
	step := 26
	if v != 32 {
		step = (v*4 + n*2 + 1) / (n*2 - 2) * 2
	}
	pos := make([]int, n)
	pos[0] = 6
	for i, p := n-1, 4*v+17-7; i >= 1; i, p = i-1, p-step {
		pos[i] = p
	}
	return pos
}

func (m *matrix) functionPatterns(v int) {
	s := m.size
	for i := 0; i < s; i++ { // timing
		m.set(6, i, i%2 == 0)
		m.set(i, 6, i%2 == 0)
	}
	for _, c := range [][2]int{{3, 3}, {s - 4, 3}, {3, s - 4}} { // finders with separators
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= s || y >= s {
					continue
				}
				d := max(abs(dx), abs(dy))
				m.set(x, y, d != 2 && d != 4)
			}
		}
	}
	al := alignment(v)
	for i, cx := range al {
		for j, cy := range al {
			if i == 0 && j == 0 || i == 0 && j == len(al)-1 || i == len(al)-1 && j == 0 {
				continue // the finder corners
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					m.set(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	m.format(L, 0) // reserve the format areas (rewritten after masking)
	if v >= 7 {
		rem := v
		for i := 0; i < 12; i++ {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		bits := v<<12 | rem
		for i := 0; i < 18; i++ {
			d := bits>>i&1 != 0
			a, b := s-11+i%3, i/3
			m.set(a, b, d)
			m.set(b, a, d)
		}
	}
}

// format writes the 15 format bits (level, mask, BCH) in both copies and
// the dark module.
func (m *matrix) format(l Level, mask int) {
	data := l.formatBits()<<3 | mask
	rem := data
	for i := 0; i < 10; i++ {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return bits>>i&1 != 0 }
	s := m.size
	for i := 0; i <= 5; i++ {
		m.set(8, i, bit(i))
	}
	m.set(8, 7, bit(6))
	m.set(8, 8, bit(7))
	m.set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		m.set(14-i, 8, bit(i))
	}
	for i := 0; i < 8; i++ {
		m.set(s-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		m.set(8, s-15+i, bit(i))
	}
	m.set(8, s-8, true)
}

// place lays the codewords in the two-column zigzag, bottom right first,
// skipping the vertical timing column.
func (m *matrix) place(data []byte) {
	s, i := m.size, 0
	for right := s - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := 0; vert < s; vert++ {
			for j := 0; j < 2; j++ {
				x := right - j
				upward := (right+1)&2 == 0
				y := vert
				if upward {
					y = s - 1 - vert
				}
				if m.fn[y*s+x] {
					continue
				}
				if i < len(data)*8 {
					m.dark[y*s+x] = data[i>>3]>>(7-i&7)&1 != 0
					i++
				}
			}
		}
	}
}

func (m *matrix) applyMask(mask int) {
	s := m.size
	for y := 0; y < s; y++ {
		for x := 0; x < s; x++ {
			if m.fn[y*s+x] {
				continue
			}
			var inv bool
			switch mask {
			case 0:
				inv = (x+y)%2 == 0
			case 1:
				inv = y%2 == 0
			case 2:
				inv = x%3 == 0
			case 3:
				inv = (x+y)%3 == 0
			case 4:
				inv = (x/3+y/2)%2 == 0
			case 5:
				inv = x*y%2+x*y%3 == 0
			case 6:
				inv = (x*y%2+x*y%3)%2 == 0
			case 7:
				inv = ((x+y)%2+x*y%3)%2 == 0
			}
			if inv {
				m.dark[y*s+x] = !m.dark[y*s+x]
			}
		}
	}
}

// penalty scores a masked symbol by the standard's four rules; the mask
// with the lowest score is used.
func (m *matrix) penalty() int {
	s, score := m.size, 0
	line := make([]bool, s+8)
	for pass := 0; pass < 2; pass++ {
		for a := 0; a < s; a++ {
			for b := 0; b < s; b++ {
				if pass == 0 {
					line[b+4] = m.get(b, a)
				} else {
					line[b+4] = m.get(a, b)
				}
			}
			// N1: runs of five or more.
			run := 1
			for b := 1; b <= s; b++ {
				if b < s && line[b+4] == line[b+3] {
					run++
					continue
				}
				if run >= 5 {
					score += 3 + run - 5
				}
				run = 1
			}
			// N3: 1:1:3:1:1 finder look-alikes with four light modules
			// on one side (the quiet zone counts as light).
			for b := 0; b+11 <= len(line); b++ {
				if finderLike(line[b:b+11], false) || finderLike(line[b:b+11], true) {
					score += 40
				}
			}
		}
	}
	dark := 0
	for y := 0; y < s; y++ {
		for x := 0; x < s; x++ {
			c := m.get(x, y)
			if c {
				dark++
			}
			if x+1 < s && y+1 < s && c == m.get(x+1, y) && c == m.get(x, y+1) && c == m.get(x+1, y+1) {
				score += 3 // N2
			}
		}
	}
	pct := dark * 100 / (s * s)
	score += abs(pct-50) / 5 * 10 // N4
	return score
}

func finderLike(w []bool, reversed bool) bool {
	pat := [11]bool{true, false, true, true, true, false, true, false, false, false, false}
	for i := range pat {
		p := pat[i]
		if reversed {
			p = pat[10-i]
		}
		if w[i] != p {
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

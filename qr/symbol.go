package qr

// Module flags in a symbol under construction.
const (
	dark     = 1 << iota // the module is dark
	reserved             // a function module: not for data, never masked
)

// symbol is a QR symbol under construction, row by row.
type symbol struct {
	size int
	mod  []byte // dark|reserved flags, index y*size+x
}

// newSymbol returns a version v symbol holding the function patterns
// (§6.3) and the version information, with the format information areas
// reserved; every other module is light and free for data.
func newSymbol(v int) *symbol {
	s := &symbol{size: 4*v + 17, mod: make([]byte, (4*v+17)*(4*v+17))}
	n := s.size

	// Finder patterns (§6.3.3) in three corners: 7×7 dark ring, 5×5
	// light ring, 3×3 dark centre, with a light separator (§6.3.4)
	// along the inner sides. Drawn as 9×9 squares clipped to the symbol,
	// rings by distance from the centre.
	for _, c := range [3][2]int{{3, 3}, {n - 4, 3}, {3, n - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				d := max(dx, -dx, dy, -dy)
				s.fix(c[0]+dx, c[1]+dy, d <= 1 || d == 3)
			}
		}
	}

	// Alignment patterns (§6.3.6, Annex E): 5×5 dark ring, 3×3 light
	// ring, dark centre, at every pair of Table E.1 positions except the
	// three that would overlap the finder patterns.
	al := alignCentres(v)
	for _, cy := range al {
		for _, cx := range al {
			if s.mod[cy*n+cx]&reserved != 0 {
				continue // a finder pattern is there
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					s.fix(cx+dx, cy+dy, max(dx, -dx, dy, -dy) != 1)
				}
			}
		}
	}

	// Timing patterns (§6.3.5): row 6 and column 6 alternate, dark on
	// even coordinates, between the separators. Where they cross an
	// alignment pattern (row or column 6) both agree on every module.
	for i := 8; i < n-8; i++ {
		s.fix(i, 6, i%2 == 0)
		s.fix(6, i, i%2 == 0)
	}

	// Format information areas (§7.9.1), written for real once the mask
	// is chosen, and the single dark module beside the lower one.
	s.formatInfo(L, 0)

	// Version information (§7.9.2): versions 7 and up carry the version
	// number as 6 bits with 12 BCH(18,6) check bits, generator
	// x¹²+x¹¹+x¹⁰+x⁹+x⁸+x⁵+x²+1, in two 6×3 blocks. Bit 0 is at the top
	// left of the lower left block, running down the 3 rows, then the
	// next column; the upper right block is its transpose.
	if v >= 7 {
		info := bch(uint(v), 6, 0b1_1111_0010_0101)
		for i := range 18 {
			d := info>>i&1 != 0
			s.fix(i/3, n-11+i%3, d)
			s.fix(n-11+i%3, i/3, d)
		}
	}
	return s
}

// fix sets a function module, ignoring coordinates outside the symbol.
func (s *symbol) fix(x, y int, isDark bool) {
	if x < 0 || y < 0 || x >= s.size || y >= s.size {
		return
	}
	m := byte(reserved)
	if isDark {
		m |= dark
	}
	s.mod[y*s.size+x] = m
}

func (s *symbol) clone() *symbol {
	return &symbol{size: s.size, mod: append([]byte(nil), s.mod...)}
}

// bch appends the check bits of a BCH code to the k data bits: the
// remainder of data·x^(deg g) divided by g, by long division in GF(2).
func bch(data uint, k int, g uint) uint {
	deg := 0
	for g>>(deg+1) != 0 {
		deg++
	}
	r := data << deg
	for i := k + deg - 1; i >= deg; i-- {
		if r>>i&1 != 0 {
			r ^= g << (i - deg)
		}
	}
	return data<<deg | r
}

// formatInfo writes the 15-bit format information (§7.9.1): the level's
// two bits (L=01, M=00, Q=11, H=10) and the mask's three, with 10
// BCH(15,5) check bits, generator x¹⁰+x⁸+x⁵+x⁴+x²+x+1, XORed with
// 101010000010010 so that it is never all light. Two copies, bit 14 first:
// row 8 left to right then column 8 upwards around the upper left finder
// (skipping the timing pattern); and column 8 upwards from the bottom
// (bits 14-8) then row 8 from column Size-8 to the right edge (bits 7-0).
func (s *symbol) formatInfo(l Level, mask int) {
	levelBits := [4]uint{0b01, 0b00, 0b11, 0b10}[l]
	info := bch(levelBits<<3|uint(mask), 5, 0b101_0011_0111) ^ 0b101_0100_0001_0010
	n := s.size
	for i := range 15 {
		d := info>>(14-i)&1 != 0 // i-th bit written, from bit 14
		// Upper left copy.
		switch {
		case i < 6:
			s.fix(i, 8, d)
		case i < 8:
			s.fix(i+1, 8, d) // columns 7 and 8
		case i == 8:
			s.fix(8, 7, d)
		default:
			s.fix(8, 14-i, d) // rows 5 up to 0
		}
		// Split copy.
		if i < 7 {
			s.fix(8, n-1-i, d)
		} else {
			s.fix(n-15+i, 8, d)
		}
	}
	s.fix(8, n-8, true) // the dark module (§6.9, Figure 25)
}

// placeCodewords lays the codeword bits, most significant first, into the
// free modules (§7.7.3): in two-module-wide columns from the right edge,
// going up the first column pair, down the next and so on, right module
// before left in each row; the vertical timing column is skipped as a
// whole. Modules left over (the remainder bits) stay light.
func (s *symbol) placeCodewords(cw []byte) {
	n, bit := s.size, 0
	up := true
	for right := n - 1; right > 0; right -= 2 {
		if right == 6 {
			right = 5
		}
		for k := range n {
			y := k
			if up {
				y = n - 1 - k
			}
			for x := right; x >= right-1; x-- {
				i := y*n + x
				if s.mod[i]&reserved != 0 || bit >= 8*len(cw) {
					continue
				}
				if cw[bit>>3]>>(7-bit&7)&1 != 0 {
					s.mod[i] |= dark
				}
				bit++
			}
		}
		up = !up
	}
}

// mask inverts the data modules where the mask's condition (Table 10,
// i the row, j the column) holds.
func (s *symbol) mask(mask int) {
	n := s.size
	for i := range n {
		for j := range n {
			var inv bool
			switch mask {
			case 0:
				inv = (i+j)%2 == 0
			case 1:
				inv = i%2 == 0
			case 2:
				inv = j%3 == 0
			case 3:
				inv = (i+j)%3 == 0
			case 4:
				inv = (i/2+j/3)%2 == 0
			case 5:
				inv = i*j%2+i*j%3 == 0
			case 6:
				inv = (i*j%2+i*j%3)%2 == 0
			case 7:
				inv = ((i+j)%2+i*j%3)%2 == 0
			}
			if inv && s.mod[i*n+j]&reserved == 0 {
				s.mod[i*n+j] ^= dark
			}
		}
	}
}

func (s *symbol) isDark(x, y int) bool { return s.mod[y*s.size+x]&dark != 0 }

// penalty scores the masked symbol by the four rules of §7.8.3, Table 11;
// the encoder keeps the mask with the lowest score.
func (s *symbol) penalty() int {
	n, score := s.size, 0
	// N1 and N3, rows then columns.
	line := make([]bool, n)
	for y := range n {
		for x, m := range s.mod[y*n : (y+1)*n] {
			line[x] = m&dark != 0
		}
		score += linePenalty(line)
	}
	for x := range n {
		for y := range n {
			line[y] = s.mod[y*n+x]&dark != 0
		}
		score += linePenalty(line)
	}
	// N2: each 2×2 block of one colour scores 3 (an m×n block scores
	// 3·(m-1)·(n-1), the number of 2×2 blocks in it).
	darkCount := 0
	for y := range n {
		row := s.mod[y*n : (y+1)*n]
		for x, m := range row {
			darkCount += int(m & dark)
			if x > 0 && y > 0 {
				up := s.mod[(y-1)*n : y*n]
				c := m & dark
				if c == row[x-1]&dark && c == up[x]&dark && c == up[x-1]&dark {
					score += 3
				}
			}
		}
	}
	// N4: 10 points for each full 5 % the dark share is away from 50 %.
	total := n * n
	dev := 20*darkCount - 10*total
	score += 10 * (max(dev, -dev) / total)
	return score
}

// linePenalty scores one row or column for rules N1 and N3.
func linePenalty(line []bool) int {
	score, run := 0, 0
	for i := range line {
		// N1: a run of 5+k modules of one colour scores 3+k.
		if i > 0 && line[i] == line[i-1] {
			run++
		} else {
			run = 1
		}
		if run == 5 {
			score += 3
		} else if run > 5 {
			score++
		}
		// N3: dark-light-dark³-light-dark (1:1:3:1:1) with four light
		// modules before or after it scores 40. Outside the symbol is
		// the light quiet zone.
		if i >= 6 && line[i] && !line[i-1] && line[i-2] && line[i-3] && line[i-4] && !line[i-5] && line[i-6] {
			if lightRun(line, i-10, i-7) || lightRun(line, i+1, i+4) {
				score += 40
			}
		}
	}
	return score
}

// lightRun reports whether line[from..to] is all light, counting modules
// outside the line as light.
func lightRun(line []bool, from, to int) bool {
	for i := max(from, 0); i <= min(to, len(line)-1); i++ {
		if line[i] {
			return false
		}
	}
	return true
}

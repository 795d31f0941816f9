package qr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// clientConfig is a wg-quick client config as wghub writes it, with IPv4
// and IPv6 (418 bytes).
const clientConfig = `[Interface]
PrivateKey = MBWRNTUZRSZJQlQSqYvLpw2oUbLqXFMaHBDRy4xA/0w=
Address = 192.168.100.2/32, fd5e:1a2b:3c4d::2/128
DNS = 192.168.1.1, fd5e:1a2b:3c4d::1

[Peer]
PublicKey = wqz/TNtL+3rdSxOgpNJ5HhMQxL3CL9AEJ5cVZrdnBl4=
PresharedKey = JnuRW1gkRVEuJcDWOWSpMmhvpsYEpyWXCHJUhMAWAdQ=
AllowedIPs = 192.168.100.0/24, fd5e:1a2b:3c4d::/64, 192.168.1.0/24
Endpoint = vpn.example.org:51820
PersistentKeepalive = 25
`

var (
	zbarOnce sync.Once
	zbarErr  error
)

// zbarDecode reads the code back from a PNG with the real decoder,
// zbarimg from zbar-tools. -Sbinary makes it print the bytes as encoded,
// with no charset guessing and no newline added.
func zbarDecode(t *testing.T, img []byte) string {
	t.Helper()
	zbarOnce.Do(func() { _, zbarErr = exec.LookPath("zbarimg") })
	if zbarErr != nil {
		t.Fatalf("zbarimg is needed to check the codes: install zbar-tools (apt-get install zbar-tools): %v", zbarErr)
	}
	p := filepath.Join(t.TempDir(), "code.png")
	if err := os.WriteFile(p, img, 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("zbarimg", "--raw", "-q", "-Sbinary", p)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zbarimg could not read the code: %v %s", err, stderr.Bytes())
	}
	return string(out)
}

// byteCapacity is the most bytes version v holds at level l.
func byteCapacity(v int, l Level) int {
	return (8*dataCodewords(v, l) - 4 - countBits(v)) / 8
}

func fill(n int) []byte {
	return []byte(strings.Repeat("wghub QR 0123456789 ", n/20+1)[:n])
}

func TestZbarDecodes(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name    string
		data    []byte
		level   Level
		version int // 0: not checked
	}{
		{"empty", nil, M, 1},
		{"short", []byte("hello"), L, 1},
		{"url", []byte("https://www.wireguard.com/"), H, 4}, // 3-H holds 24 bytes
		{"client config L", []byte(clientConfig), L, 0},
		{"client config M", []byte(clientConfig), M, 0},
		{"client config Q", []byte(clientConfig), Q, 0},
		{"client config H", []byte(clientConfig), H, 0},
		{"every byte value", all, L, 0},
		{"version 1 full", fill(byteCapacity(1, M)), M, 1},
		{"version 2 from one more", fill(byteCapacity(1, M) + 1), M, 2},
		{"version 7 version info", fill(byteCapacity(7, Q)), Q, 7},
		{"version 9 last 8-bit count", fill(byteCapacity(9, L)), L, 9},
		{"version 10 first 16-bit count", fill(byteCapacity(9, L) + 1), L, 10},
		{"version 40 L max", fill(2953), L, 40},
		{"version 40 H max", fill(1273), H, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Encode(tt.data, tt.level)
			if err != nil {
				t.Fatal(err)
			}
			if tt.version != 0 && c.Version != tt.version {
				t.Errorf("version %d, want %d", c.Version, tt.version)
			}
			if got := zbarDecode(t, c.PNG(3)); got != string(tt.data) {
				t.Errorf("version %d-%v: zbarimg read %q, want %q", c.Version, c.Level, got, tt.data)
			}
		})
	}
}

// TestEveryVersionAndLevel fills every version at every level to capacity:
// the data must choose exactly that version and read back. -short checks
// every third version.
func TestEveryVersionAndLevel(t *testing.T) {
	step := 1
	if testing.Short() {
		step = 3
	}
	for l := L; l <= H; l++ {
		for v := 1; v <= 40; v += step {
			t.Run(fmt.Sprintf("%d-%v", v, l), func(t *testing.T) {
				t.Parallel()
				data := fill(byteCapacity(v, l))
				c, err := Encode(data, l)
				if err != nil {
					t.Fatal(err)
				}
				if c.Version != v || c.Size != 4*v+17 || c.Level != l {
					t.Fatalf("%d bytes: version %d size %d level %v", len(data), c.Version, c.Size, c.Level)
				}
				if got := zbarDecode(t, c.PNG(2)); got != string(data) {
					t.Fatalf("zbarimg read %q, want %q", got, data)
				}
			})
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		n     int
		level Level
		want  string
	}{
		{2954, L, "qr: data too long: 2954 bytes for level L"},
		{2332, M, "qr: data too long: 2332 bytes for level M"},
		{1664, Q, "qr: data too long: 1664 bytes for level Q"},
		{1274, H, "qr: data too long: 1274 bytes for level H"},
		{10, Level(4), "qr: invalid level 4"},
		{10, Level(-1), "qr: invalid level -1"},
	}
	for _, tt := range tests {
		_, err := Encode(make([]byte, tt.n), tt.level)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Encode(%d bytes, %v) = %v, want %q", tt.n, tt.level, err, tt.want)
		}
		if errors.Is(err, ErrTooLong) != strings.Contains(tt.want, "too long") {
			t.Errorf("%v: errors.Is(ErrTooLong) wrong", err)
		}
	}
}

// TestTable1 checks the codeword totals and remainder bits of Table 1
// against the free modules counted in the built symbols, which also checks
// the function patterns cover the right areas.
func TestTable1(t *testing.T) {
	remainder := func(v int) int {
		switch {
		case v >= 2 && v <= 6:
			return 7
		case v >= 14 && v <= 20, v >= 28 && v <= 34:
			return 3
		case v >= 21 && v <= 27:
			return 4
		}
		return 0
	}
	for v := 1; v <= 40; v++ {
		free := 0
		for _, m := range newSymbol(v).mod {
			if m&reserved == 0 {
				free++
			}
		}
		if free/8 != int(totalCodewords[v]) || free%8 != remainder(v) {
			t.Errorf("version %d: %d free modules, Table 1 says %d codewords + %d bits", v, free, totalCodewords[v], remainder(v))
		}
	}
}

// TestTable7 checks data capacities from Table 7 (codewords, and bytes
// in byte mode) and that Table 9's blocks add up.
func TestTable7(t *testing.T) {
	tests := []struct {
		v         int
		l         Level
		codewords int
		bytes     int
	}{
		{1, L, 19, 17}, {1, M, 16, 14}, {1, Q, 13, 11}, {1, H, 9, 7},
		{7, M, 124, 122}, {9, L, 232, 230}, {10, M, 216, 213},
		{15, Q, 295, 292}, {21, H, 406, 403}, {27, L, 1468, 1465},
		{40, L, 2956, 2953}, {40, M, 2334, 2331}, {40, Q, 1666, 1663}, {40, H, 1276, 1273},
	}
	for _, tt := range tests {
		if got := dataCodewords(tt.v, tt.l); got != tt.codewords {
			t.Errorf("%d-%v: %d data codewords, want %d", tt.v, tt.l, got, tt.codewords)
		}
		if got := byteCapacity(tt.v, tt.l); got != tt.bytes {
			t.Errorf("%d-%v: %d bytes, want %d", tt.v, tt.l, got, tt.bytes)
		}
	}
	for v := 1; v <= 40; v++ {
		for l := L; l <= H; l++ {
			nb := int(ecTable[v][l][1])
			d := dataCodewords(v, l)
			// Every block holds data, and each level holds less
			// than the one below it.
			if d/nb < 1 {
				t.Errorf("%d-%v: %d data codewords in %d blocks", v, l, d, nb)
			}
			if l > L && d >= dataCodewords(v, l-1) {
				t.Errorf("%d-%v holds no less than %v", v, l, l-1)
			}
		}
	}
}

func TestAlignCentres(t *testing.T) {
	// Annex E, Table E.1, versions 2 to 40.
	tableE1 := [][]int{
		{6, 18}, {6, 22}, {6, 26}, {6, 30}, {6, 34},
		{6, 22, 38}, {6, 24, 42}, {6, 26, 46}, {6, 28, 50}, {6, 30, 54}, {6, 32, 58}, {6, 34, 62},
		{6, 26, 46, 66}, {6, 26, 48, 70}, {6, 26, 50, 74}, {6, 30, 54, 78}, {6, 30, 56, 82}, {6, 30, 58, 86}, {6, 34, 62, 90},
		{6, 28, 50, 72, 94}, {6, 26, 50, 74, 98}, {6, 30, 54, 78, 102}, {6, 28, 54, 80, 106}, {6, 32, 58, 84, 110}, {6, 30, 58, 86, 114}, {6, 34, 62, 90, 118},
		{6, 26, 50, 74, 98, 122}, {6, 30, 54, 78, 102, 126}, {6, 26, 52, 78, 104, 130}, {6, 30, 56, 82, 108, 134}, {6, 34, 60, 86, 112, 138}, {6, 30, 58, 86, 114, 142}, {6, 34, 62, 90, 118, 146},
		{6, 30, 54, 78, 102, 126, 150}, {6, 24, 50, 76, 102, 128, 154}, {6, 28, 54, 80, 106, 132, 158}, {6, 32, 58, 84, 110, 136, 162}, {6, 26, 54, 82, 110, 138, 166}, {6, 30, 58, 86, 114, 142, 170},
	}
	if alignCentres(1) != nil {
		t.Errorf("version 1 has alignment patterns %v", alignCentres(1))
	}
	for i, want := range tableE1 {
		if got := alignCentres(i + 2); !slices.Equal(got, want) {
			t.Errorf("version %d: %v, want %v", i+2, got, want)
		}
	}
}

func TestReedSolomon(t *testing.T) {
	tests := []struct {
		name     string
		data, ec []byte
	}{
		{ // ISO/IEC 18004 Annex I: "01234567" as 1-M.
			"annex I",
			[]byte{0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11},
			[]byte{0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55},
		},
		{ // "HELLO WORLD" as 1-M, alphanumeric mode.
			"hello world",
			[]byte{32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17},
			[]byte{196, 35, 39, 119, 235, 215, 231, 226, 93, 23},
		},
	}
	for _, tt := range tests {
		if got := rsRemainder(tt.data, generatorPoly(len(tt.ec))); !bytes.Equal(got, tt.ec) {
			t.Errorf("%s: % x, want % x", tt.name, got, tt.ec)
		}
	}
}

// readFormat reads the 15 format bits of the copy around the upper left
// finder, bit 14 first, as Figure 25 numbers them.
func readFormat(s *symbol) uint {
	var pos [][2]int
	for x := 0; x <= 8; x++ {
		if x != 6 {
			pos = append(pos, [2]int{x, 8})
		}
	}
	for y := 7; y >= 0; y-- {
		if y != 6 {
			pos = append(pos, [2]int{8, y})
		}
	}
	var f uint
	for _, p := range pos {
		f = f<<1 | uint(bit(s.isDark(p[0], p[1])))
	}
	return f
}

// readFormat2 reads the other copy: column 8 from the bottom up (7 bits),
// then row 8 from column Size-8 to the right edge.
func readFormat2(s *symbol) uint {
	var f uint
	for i := range 7 {
		f = f<<1 | uint(bit(s.isDark(8, s.size-1-i)))
	}
	for x := s.size - 8; x < s.size; x++ {
		f = f<<1 | uint(bit(s.isDark(x, 8)))
	}
	return f
}

func TestFormatInfo(t *testing.T) {
	// Annex C, Table C.1: format information after masking, by level
	// and mask pattern.
	want := map[Level][8]uint{
		L: {0x77C4, 0x72F3, 0x7DAA, 0x789D, 0x662F, 0x6318, 0x6C41, 0x6976},
		M: {0x5412, 0x5125, 0x5E7C, 0x5B4B, 0x45F9, 0x40CE, 0x4F97, 0x4AA0},
		Q: {0x355F, 0x3068, 0x3F31, 0x3A06, 0x24B4, 0x2183, 0x2EDA, 0x2BED},
		H: {0x1689, 0x13BE, 0x1CE7, 0x19D0, 0x0762, 0x0255, 0x0D0C, 0x083B},
	}
	for l, masks := range want {
		for mask, w := range masks {
			s := newSymbol(2)
			s.formatInfo(l, mask)
			if a, b := readFormat(s), readFormat2(s); a != w || b != w {
				t.Errorf("%v mask %d: copies %#04x %#04x, want %#04x", l, mask, a, b, w)
			}
			if !s.isDark(8, s.size-8) {
				t.Errorf("dark module missing")
			}
		}
	}
}

func TestVersionInfo(t *testing.T) {
	// Annex D, Table D.1.
	tests := []struct {
		v    int
		want uint
	}{{7, 0x07C94}, {8, 0x085BC}, {9, 0x09A99}, {10, 0x0A4D3}, {20, 0x149A6}, {32, 0x209D5}, {40, 0x28C69}}
	// Figure 27: the lower left block, bit numbers by row and column;
	// the upper right block is its transpose.
	lowerLeft := [3][6]int{
		{0, 3, 6, 9, 12, 15},
		{1, 4, 7, 10, 13, 16},
		{2, 5, 8, 11, 14, 17},
	}
	for _, tt := range tests {
		if got := bch(uint(tt.v), 6, 0b1_1111_0010_0101); got != tt.want {
			t.Errorf("version %d: %#05x, want %#05x", tt.v, got, tt.want)
		}
		s := newSymbol(tt.v)
		for r, row := range lowerLeft {
			for c, b := range row {
				w := tt.want>>b&1 != 0
				if s.isDark(c, s.size-11+r) != w || s.isDark(s.size-11+r, c) != w {
					t.Errorf("version %d: bit %d misplaced", tt.v, b)
				}
			}
		}
	}
}

func TestLinePenalty(t *testing.T) {
	tests := []struct {
		line string // # dark, . light
		want int
	}{
		{".#.#", 0},
		{"#####", 3},
		{"#######.#", 5},
		{"......##......", 4 + 4},
		{"#.###.#", 40}, // the quiet zone is light on both sides
		{"#.#.###.#", 40},
		{"#.###.#....", 40 + 0},
		{"#.###.#...#", 40}, // quiet zone before
		{"##.###.##", 0},
		{"#.#.###.#.#", 0}, // dark within four modules on both sides
		{"....#.###.#....#.###.#....", 80},
	}
	for _, tt := range tests {
		line := make([]bool, len(tt.line))
		for i, c := range tt.line {
			line[i] = c == '#'
		}
		if got := linePenalty(line); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.line, got, tt.want)
		}
	}
}

func TestFunctionPatterns(t *testing.T) {
	c, err := Encode([]byte(clientConfig), M)
	if err != nil {
		t.Fatal(err)
	}
	finder := []string{
		"#######.",
		"#.....#.",
		"#.###.#.",
		"#.###.#.",
		"#.###.#.",
		"#.....#.",
		"#######.",
		"........",
	}
	n := c.Size
	for y, row := range finder {
		for x, ch := range row {
			w := ch == '#'
			if c.Black(x, y) != w || c.Black(n-1-x, y) != w || c.Black(x, n-1-y) != w {
				t.Fatalf("finder pattern wrong at %d,%d", x, y)
			}
		}
	}
	for i := 8; i < n-8; i++ {
		if c.Black(i, 6) != (i%2 == 0) || c.Black(6, i) != (i%2 == 0) {
			t.Fatalf("timing pattern wrong at %d", i)
		}
	}
	if c.Black(-1, 0) || c.Black(0, n) {
		t.Error("quiet zone is dark")
	}
}

func TestPNG(t *testing.T) {
	for _, scale := range []int{1, 3, 8} {
		c, err := Encode([]byte(clientConfig), M)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(c.PNG(scale)))
		if err != nil {
			t.Fatalf("scale %d: %v", scale, err)
		}
		n := (c.Size + 2*quietZone) * scale
		if img.Bounds() != image.Rect(0, 0, n, n) {
			t.Fatalf("scale %d: bounds %v, want %d square", scale, img.Bounds(), n)
		}
		for py := range n {
			for px := range n {
				r, _, _, _ := img.At(px, py).RGBA()
				if want := c.Black(px/scale-quietZone, py/scale-quietZone); (r == 0) != want {
					t.Fatalf("scale %d: pixel %d,%d dark=%v, want %v", scale, px, py, r == 0, want)
				}
			}
		}
	}
}

func TestPNGManyBlocks(t *testing.T) {
	// More than 65535 bytes of pixels: several stored blocks.
	c, err := Encode(fill(1000), L)
	if err != nil {
		t.Fatal(err)
	}
	b := c.PNG(10)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if n := (c.Size + 8) * 10; img.Bounds().Dx() != n || (n/8+1)*n <= 65535 {
		t.Fatalf("width %d", img.Bounds().Dx())
	}
}

func TestSVG(t *testing.T) {
	c, err := Encode([]byte(clientConfig), M)
	if err != nil {
		t.Fatal(err)
	}
	n := c.Size + 2*quietZone
	d := xml.NewDecoder(bytes.NewReader(c.SVG(4)))
	var root, path xml.StartElement
	var elems int
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if elems == 0 {
				root = se
			}
			if se.Name.Local == "path" {
				path = se
			}
			elems++
		}
	}
	attr := func(e xml.StartElement, name string) string {
		for _, a := range e.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	want := map[string]string{
		"width":           strconv.Itoa(4 * n),
		"height":          strconv.Itoa(4 * n),
		"viewBox":         fmt.Sprintf("0 0 %d %d", n, n),
		"shape-rendering": "crispEdges",
	}
	if root.Name.Local != "svg" || root.Name.Space != "http://www.w3.org/2000/svg" || elems != 3 {
		t.Fatalf("root %v, %d elements", root.Name, elems)
	}
	for k, v := range want {
		if got := attr(root, k); got != v {
			t.Errorf("%s=%q, want %q", k, got, v)
		}
	}
	// Paint the path's runs back into modules.
	got := make([]bool, c.Size*c.Size)
	for _, r := range strings.Split(strings.TrimSuffix(attr(path, "d"), "z"), "z") {
		var x, y, w, w2 int
		if _, err := fmt.Sscanf(r, "M%d %dh%dv1h-%d", &x, &y, &w, &w2); err != nil || w != w2 {
			t.Fatalf("run %q: %v", r, err)
		}
		for i := range w {
			got[(y-quietZone)*c.Size+x-quietZone+i] = true
		}
	}
	if !slices.Equal(got, c.dark) {
		t.Error("path does not match the modules")
	}
}

func TestTerminal(t *testing.T) {
	c, err := Encode([]byte("wghub"), L)
	if err != nil {
		t.Fatal(err)
	}
	n := c.Size + 2*quietZone
	lines := strings.Split(strings.TrimSuffix(c.Terminal(), "\n"), "\n")
	if len(lines) != (n+1)/2 {
		t.Fatalf("%d lines, want %d", len(lines), (n+1)/2)
	}
	for i, line := range lines {
		cells := []rune(line)
		if len(cells) != n {
			t.Fatalf("line %d: %d cells, want %d", i, len(cells), n)
		}
		for x, r := range cells {
			top := strings.ContainsRune("▀█", r)
			bot := strings.ContainsRune("▄█", r)
			if !strings.ContainsRune(" ▀▄█", r) {
				t.Fatalf("unexpected %q", r)
			}
			mx, my := x-quietZone, 2*i-quietZone
			// Drawn means light.
			if top == c.Black(mx, my) || my+1 < c.Size+quietZone && bot == c.Black(mx, my+1) {
				t.Fatalf("line %d cell %d is %q", i, x, r)
			}
		}
	}
}

// FuzzEncode checks that any input either encodes into a consistent
// symbol, the smallest that fits, or fails as too long. Inputs near version
// 40 take milliseconds each, so minimizing new inputs is slow: run it with
// a short -fuzzminimizetime, e.g.
//
//	go test -run '^$' -fuzz FuzzEncode -fuzzminimizetime 2s ./qr
func FuzzEncode(f *testing.F) {
	f.Add([]byte(clientConfig), uint8(M))
	f.Add([]byte{}, uint8(L))
	f.Add(fill(1273), uint8(H))
	f.Fuzz(func(t *testing.T, data []byte, level uint8) {
		l := Level(level % 4)
		c, err := Encode(data, l)
		if len(data) > byteCapacity(40, l) {
			if !errors.Is(err, ErrTooLong) {
				t.Fatalf("%d bytes at %v: err %v", len(data), l, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.Version < 1 || c.Version > 40 || c.Size != 4*c.Version+17 || len(c.dark) != c.Size*c.Size || c.Level != l {
			t.Fatalf("version %d size %d modules %d", c.Version, c.Size, len(c.dark))
		}
		if byteCapacity(c.Version, l) < len(data) || c.Version > 1 && byteCapacity(c.Version-1, l) >= len(data) {
			t.Fatalf("%d bytes at %v in version %d: not the smallest that fits", len(data), l, c.Version)
		}
		if !c.Black(0, 0) || !c.Black(c.Size-1, 0) || !c.Black(0, c.Size-1) || !c.Black(8, c.Size-8) {
			t.Fatal("finder corner or dark module light")
		}
	})
}

func BenchmarkEncodeClientConfig(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode([]byte(clientConfig), M); err != nil {
			b.Fatal(err)
		}
	}
}

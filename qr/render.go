package qr

import (
	"encoding/binary"
	"hash/adler32"
	"hash/crc32"
	"strconv"
	"strings"
)

// quietZone is the light margin, in modules, that the standard requires
// around the symbol (§6.3.8); every renderer includes it.
const quietZone = 4

// Terminal draws the code for a text terminal with the half-block
// characters ▀, ▄, █ and space, two module rows per line, quiet zone
// included; each line ends in "\n".
//
// Light modules are drawn (as block characters in the foreground colour)
// and dark modules left blank (the background colour). A terminal with
// light text on a dark background, the common default and what an SSH
// session to a router usually is, therefore shows the code dark on light,
// as printed codes are. A terminal with dark text on light shows it
// inverted; many phone scanners read that too, but the PNG or SVG is the
// fallback that always works. No colour escape codes are used, so the
// output can be piped or pasted anywhere.
func (c *Code) Terminal() string {
	n := c.Size + 2*quietZone
	var b strings.Builder
	b.Grow((n + 1) / 2 * (3*n + 1))
	light := func(x, y int) bool {
		return y < c.Size+quietZone && !c.Black(x, y)
	}
	for y := -quietZone; y < c.Size+quietZone; y += 2 {
		for x := -quietZone; x < c.Size+quietZone; x++ {
			// The last line's lower half lies past the quiet zone
			// (n is odd) and stays blank.
			b.WriteString([4]string{" ", "▀", "▄", "█"}[bit(light(x, y))|bit(light(x, y+1))<<1])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SVG draws the code as an SVG image scale pixels per module (at least 1),
// quiet zone included: a white background and one black path made of a
// rectangle per horizontal run of dark modules, in module units scaled by
// the viewBox, with crispEdges rendering so module edges stay sharp.
func (c *Code) SVG(scale int) []byte {
	scale = max(scale, 1)
	n := strconv.Itoa(c.Size + 2*quietZone)
	px := strconv.Itoa((c.Size + 2*quietZone) * scale)
	b := make([]byte, 0, 256+c.Size*c.Size)
	b = append(b, `<svg xmlns="http://www.w3.org/2000/svg" width="`+px+`" height="`+px+
		`" viewBox="0 0 `+n+` `+n+`" shape-rendering="crispEdges">`+
		`<rect width="`+n+`" height="`+n+`" fill="#fff"/><path fill="#000" d="`...)
	for y := range c.Size {
		for x := 0; x < c.Size; x++ {
			if !c.Black(x, y) {
				continue
			}
			w := 1
			for c.Black(x+w, y) {
				w++
			}
			// M x y h w v 1 h -w z: one run as a closed rectangle.
			b = append(b, 'M')
			b = strconv.AppendInt(b, int64(x+quietZone), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(y+quietZone), 10)
			b = append(b, 'h')
			b = strconv.AppendInt(b, int64(w), 10)
			b = append(b, "v1h-"...)
			b = strconv.AppendInt(b, int64(w), 10)
			b = append(b, 'z')
			x += w
		}
	}
	return append(b, `"/></svg>`...)
}

// PNG draws the code as a PNG image, 1-bit greyscale, scale pixels per
// module (at least 1), quiet zone included.
//
// The writer is this package's own, not image/png, to keep the router
// binary small (image/png brings compress/flate and image along). The
// pixel data goes in uncompressed (zlib with deflate "stored" blocks):
// a 400-byte client config at level M makes a 59 KB PNG at scale 8
// (15 KB at scale 4).
func (c *Code) PNG(scale int) []byte {
	scale = max(scale, 1)
	w := (c.Size + 2*quietZone) * scale
	stride := 1 + (w+7)/8 // filter type byte, then 8 pixels a byte
	raw := make([]byte, stride*w)
	for py := range w {
		row := raw[py*stride : (py+1)*stride] // row[0] = 0: no filter
		for px := range w {
			if !c.Black(px/scale-quietZone, py/scale-quietZone) {
				row[1+px/8] |= 0x80 >> (px % 8) // 1 is white
			}
		}
	}

	// zlib stream (RFC 1950): header 78 01 (deflate, 32 KiB window, no
	// dictionary, check bits), stored blocks of up to 65535 bytes
	// (RFC 1951 §3.2.4: BFINAL/BTYPE=00 byte, LEN, ^LEN little-endian),
	// Adler-32 of the data.
	z := make([]byte, 0, len(raw)+len(raw)/65535*5+11)
	z = append(z, 0x78, 0x01)
	for rest := raw; ; {
		k := min(len(rest), 65535)
		final := byte(0)
		if k == len(rest) {
			final = 1
		}
		z = append(z, final)
		z = binary.LittleEndian.AppendUint16(z, uint16(k))
		z = binary.LittleEndian.AppendUint16(z, ^uint16(k))
		z = append(z, rest[:k]...)
		rest = rest[k:]
		if final == 1 {
			break
		}
	}
	z = binary.BigEndian.AppendUint32(z, adler32.Checksum(raw))

	// PNG: signature, IHDR (width, height, bit depth 1, colour type 0
	// greyscale, deflate, adaptive filtering, no interlace), IDAT, IEND.
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(w))
	ihdr = append(ihdr, 1, 0, 0, 0, 0)
	out := make([]byte, 0, len(z)+64)
	out = append(out, "\x89PNG\r\n\x1a\n"...)
	out = pngChunk(out, "IHDR", ihdr)
	out = pngChunk(out, "IDAT", z)
	return pngChunk(out, "IEND", nil)
}

// pngChunk appends a chunk: length, type, data, CRC-32 of type and data.
func pngChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

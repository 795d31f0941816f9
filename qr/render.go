package qr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"strings"
)

// quiet is the quiet zone the standard asks for around the symbol.
const quiet = 4

// Terminal draws the code with half-block characters, two rows per text
// line. Dark modules are drawn as spaces and light ones as blocks, so the
// code reads dark-on-light on the usual light-on-dark terminal; on a light
// terminal it comes out inverted, which phone scanners also accept.
func (c *Code) Terminal() string {
	var b strings.Builder
	n := c.Size + 2*quiet
	for y := -quiet; y < c.Size+quiet; y += 2 {
		for x := -quiet; x < n-quiet; x++ {
			top, bot := !c.Black(x, y), !c.Black(x, y+1)
			if y+1 >= c.Size+quiet {
				bot = false
			}
			switch {
			case top && bot:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bot:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// SVG draws the code as one path of horizontal runs, scale pixels per
// module, with the quiet zone.
func (c *Code) SVG(scale int) []byte {
	if scale < 1 {
		scale = 1
	}
	n := c.Size + 2*quiet
	var p strings.Builder
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; {
			if !c.Black(x, y) {
				x++
				continue
			}
			start := x
			for x < c.Size && c.Black(x, y) {
				x++
			}
			fmt.Fprintf(&p, "M%d %dh%dv1h-%dz", start+quiet, y+quiet, x-start, x-start)
		}
	}
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+
		`<rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="%s"/></svg>`, n*scale, n*scale, n, n, p.String())
}

// PNG draws the code as a 1-bit grayscale PNG, scale pixels per module.
// The image data is stored uncompressed (deflate "stored" blocks): a QR
// image is a few kilobytes either way, and it spares the router binary
// compress/flate and image/png.
func (c *Code) PNG(scale int) []byte {
	if scale < 1 {
		scale = 1
	}
	w := (c.Size + 2*quiet) * scale
	stride := (w + 7) / 8
	raw := make([]byte, 0, (stride+1)*w)
	row := make([]byte, stride)
	for py := 0; py < w; py++ {
		y := py/scale - quiet
		for i := range row {
			row[i] = 0
		}
		for px := 0; px < w; px++ {
			if !c.Black(px/scale-quiet, y) {
				row[px/8] |= 0x80 >> (px % 8)
			}
		}
		raw = append(raw, 0) // filter: none
		raw = append(raw, row...)
	}
	var z bytes.Buffer
	z.Write([]byte{0x78, 0x01})
	for i := 0; i < len(raw); i += 65535 {
		end := min(i+65535, len(raw))
		final := byte(0)
		if end == len(raw) {
			final = 1
		}
		n := uint16(end - i)
		z.WriteByte(final)
		binary.Write(&z, binary.LittleEndian, n)
		binary.Write(&z, binary.LittleEndian, ^n)
		z.Write(raw[i:end])
	}
	binary.Write(&z, binary.BigEndian, adler32.Checksum(raw))

	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(w))
	ihdr[8], ihdr[9] = 1, 0 // bit depth 1, grayscale
	chunk(&out, "IHDR", ihdr)
	chunk(&out, "IDAT", z.Bytes())
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

func chunk(w *bytes.Buffer, typ string, data []byte) {
	binary.Write(w, binary.BigEndian, uint32(len(data)))
	start := w.Len()
	w.WriteString(typ)
	w.Write(data)
	binary.Write(w, binary.BigEndian, crc32.ChecksumIEEE(w.Bytes()[start:]))
}

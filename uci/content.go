package uci

import "unsafe"

// content is a config's new bytes as runs: slices of the parsed file
// where its lines are as read, and buffers of the lines edits rendered.
// A commit compares, journals and writes a change from them without the
// whole file in one buffer (a hub's config is a megabyte at 5000 peers,
// and all but a few lines of it are the file as read).
type content struct {
	parts [][]byte
	n     int // their total length
}

// content gives c's bytes (what Bytes renders) as runs.
func (c *Config) content() content {
	if !c.edited && c.data != nil {
		if len(c.data) == 0 {
			return content{}
		}
		return content{parts: [][]byte{c.data}, n: len(c.data)}
	}
	var out content
	own := false // the last part is a buffer of rendered lines
	c.each(func(p []byte, orig bool) {
		out.n += len(p)
		k := len(out.parts) - 1
		switch {
		case orig && k >= 0 && !own && follows(out.parts[k], p):
			// The next lines of the file: one run.
			out.parts[k] = out.parts[k][:len(out.parts[k])+len(p)]
		case orig:
			out.parts, own = append(out.parts, p), false
		case own:
			out.parts[k] = append(out.parts[k], p...)
		default:
			out.parts, own = append(out.parts, append([]byte(nil), p...)), true
		}
	})
	return out
}

// follows reports whether b starts in memory where a ends (both in the
// parsed file's bytes).
func follows(a, b []byte) bool {
	return len(b) > 0 && cap(a) > len(a) && &a[:len(a)+1][len(a)] == &b[0]
}

// same reports whether a and b are the same bytes in memory.
func same(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b))
}

// bytes is the content in one buffer; nil when empty.
func (ct content) bytes() []byte { return ct.slice(0, ct.n) }

// slice is the content's bytes from..to in a buffer of their own; nil
// when empty.
func (ct content) slice(from, to int) []byte {
	if from >= to {
		return nil
	}
	out := make([]byte, 0, to-from)
	off := 0
	for _, p := range ct.parts {
		lo, hi := max(from-off, 0), min(to-off, len(p))
		if lo < hi {
			out = append(out, p[lo:hi]...)
		}
		off += len(p)
	}
	return out
}

// equal reports whether the content is old.
func (ct content) equal(old []byte) bool { return ct.n == len(old) && ct.prefix(old) == ct.n }

// prefix is how many bytes the content and old share at the start. A run
// of old itself, at its own place, is not compared byte by byte.
func (ct content) prefix(old []byte) int {
	off := 0
	for _, p := range ct.parts {
		if off == len(old) {
			break
		}
		if len(p) > len(old)-off {
			p = p[:len(old)-off]
		}
		if same(p, old[off:off+len(p)]) {
			off += len(p)
			continue
		}
		k := commonPrefix(old[off:], p)
		off += k
		if k < len(p) {
			break
		}
	}
	return off
}

// suffix is how many bytes the content and old share at the end, at most
// limit.
func (ct content) suffix(old []byte, limit int) int {
	s := 0
	for i := len(ct.parts) - 1; i >= 0 && s < limit; i-- {
		p := ct.parts[i]
		if len(p) > limit-s {
			p = p[len(p)-(limit-s):]
		}
		end := len(old) - s
		if same(p, old[end-len(p):end]) {
			s += len(p)
			continue
		}
		k := commonSuffix(old[:end], p)
		s += k
		if k < len(p) {
			break
		}
	}
	return s
}

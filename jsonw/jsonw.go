// Package jsonw writes one JSON value piece by piece to an io.Writer,
// byte for byte as encoding/json's Marshal (compact) or MarshalIndent(v,
// "", "  ") would write the same value: strings HTML-escaped, nil slices
// as null. It uses no reflection and keeps nothing but a small buffer, so
// a reply of a thousand peers costs little more than the bytes written.
//
// It is not a general encoder: callers write fields in their struct's
// order and apply omitempty themselves (tests compare the output with
// encoding/json's for the same struct).
package jsonw

import (
	"io"
	"strconv"
	"unicode/utf8"
)

// Writer writes one JSON value. The first write error is kept and returned
// by Close; later writes do nothing.
type Writer struct {
	out io.Writer
	// buf is appended to directly (a bufio.Writer's call per byte cost a
	// third of writing the status) and written out when it passes
	// flushAt, between values.
	buf    []byte
	indent bool
	// stack holds, per open object or array, whether it has an item yet.
	stack []bool
	err   error
}

// New returns a writer to w; indent selects MarshalIndent's layout with
// two spaces per level.
func New(w io.Writer, indent bool) *Writer {
	return &Writer{out: w, buf: make([]byte, 0, bufSize), indent: indent}
}

const (
	bufSize = 32 << 10
	flushAt = bufSize - 4<<10 // room for a typical value, so buf rarely grows
)

func (w *Writer) flush() {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.out.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

// Close ends the value with a newline, as wghub's replies end, and flushes.
func (w *Writer) Close() error {
	w.buf = append(w.buf, '\n')
	w.flush()
	return w.err
}

// item starts a value inside the current array (after a comma and
// newline as needed); inside an object Key has done that.
func (w *Writer) item() {
	if len(w.buf) >= flushAt {
		w.flush()
	}
	if n := len(w.stack); n > 0 && w.stack[n-1] {
		w.buf = append(w.buf, ',')
	}
	if n := len(w.stack); n > 0 {
		w.stack[n-1] = true
		w.newline()
	}
}

func (w *Writer) newline() {
	if !w.indent {
		return
	}
	w.buf = append(w.buf, '\n')
	for range len(w.stack) {
		w.buf = append(w.buf, "  "...)
	}
}

func (w *Writer) open(c byte) {
	w.buf = append(w.buf, c)
	w.stack = append(w.stack, false)
}

func (w *Writer) close(c byte) {
	had := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	if had {
		w.newline()
	}
	w.buf = append(w.buf, c)
}

// BeginObject starts an object (as a value: in an array, or after Key).
func (w *Writer) BeginObject() { w.open('{') }

// EndObject ends the innermost object.
func (w *Writer) EndObject() { w.close('}') }

// BeginArray starts an array.
func (w *Writer) BeginArray() { w.open('[') }

// EndArray ends the innermost array.
func (w *Writer) EndArray() { w.close(']') }

// Key starts a member of the current object; its value follows.
func (w *Writer) Key(k string) {
	w.item()
	w.appendString(k)
	w.buf = append(w.buf, ':')
	if w.indent {
		w.buf = append(w.buf, ' ')
	}
}

// Elem starts an element of the current array; its value follows. Values
// written inside an array need it, so that commas and indentation come out
// right.
func (w *Writer) Elem() { w.item() }

// String writes s as a JSON string.
func (w *Writer) String(s string) { w.appendString(s) }

// Int writes n.
func (w *Writer) Int(n int64) {
	w.buf = strconv.AppendInt(w.buf, n, 10)
}

// Bool writes true or false.
func (w *Writer) Bool(v bool) {
	if v {
		w.buf = append(w.buf, "true"...)
	} else {
		w.buf = append(w.buf, "false"...)
	}
}

// Strings writes a string slice: null when nil, as encoding/json does.
func (w *Writer) Strings(ss []string) {
	if ss == nil {
		w.buf = append(w.buf, "null"...)
		return
	}
	w.BeginArray()
	for _, s := range ss {
		w.Elem()
		w.String(s)
	}
	w.EndArray()
}

const hex = "0123456789abcdef"

func (w *Writer) appendString(s string) { w.buf = AppendString(w.buf, s) }

// AppendString appends s quoted as encoding/json quotes it with HTML
// escaping on: <, > and & as \u003c..., U+2028 and U+2029 escaped, invalid
// UTF-8 as \ufffd, control characters as \b \f \n \r \t or \u00XX.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe(c) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\')
				b = append(b, c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, `\u00`...)
				b = append(b, hex[c>>4])
				b = append(b, hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// safe reports whether an ASCII byte is written as itself.
func safe(c byte) bool {
	return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// Null writes null.
func (w *Writer) Null() { w.buf = append(w.buf, "null"...) }

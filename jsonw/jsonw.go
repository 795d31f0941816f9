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
	"bufio"
	"io"
	"strconv"
	"unicode/utf8"
)

// Writer writes one JSON value. The first write error is kept and returned
// by Close; later writes do nothing.
type Writer struct {
	w      *bufio.Writer
	indent bool
	// stack holds, per open object or array, whether it has an item yet.
	stack []bool
	err   error
}

// New returns a writer to w; indent selects MarshalIndent's layout with
// two spaces per level.
func New(w io.Writer, indent bool) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 32<<10), indent: indent}
}

// Close ends the value with a newline, as wghub's replies end, and flushes.
func (w *Writer) Close() error {
	w.w.WriteByte('\n')
	if err := w.w.Flush(); w.err == nil {
		w.err = err
	}
	return w.err
}

// item starts a value inside the current array (after a comma and
// newline as needed); inside an object Key has done that.
func (w *Writer) item() {
	if n := len(w.stack); n > 0 && w.stack[n-1] {
		w.w.WriteByte(',')
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
	w.w.WriteByte('\n')
	for range len(w.stack) {
		w.w.WriteString("  ")
	}
}

func (w *Writer) open(c byte) {
	w.w.WriteByte(c)
	w.stack = append(w.stack, false)
}

func (w *Writer) close(c byte) {
	had := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	if had {
		w.newline()
	}
	w.w.WriteByte(c)
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
	w.w.WriteByte(':')
	if w.indent {
		w.w.WriteByte(' ')
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
	if w.w.Available() < 20 {
		w.w.Flush()
	}
	w.w.Write(strconv.AppendInt(w.w.AvailableBuffer(), n, 10))
}

// Bool writes true or false.
func (w *Writer) Bool(v bool) {
	if v {
		w.w.WriteString("true")
	} else {
		w.w.WriteString("false")
	}
}

// Strings writes a string slice: null when nil, as encoding/json does.
func (w *Writer) Strings(ss []string) {
	if ss == nil {
		w.w.WriteString("null")
		return
	}
	w.BeginArray()
	for _, s := range ss {
		w.Elem()
		w.String(s)
	}
	w.EndArray()
}

// Err is the first write error so far.
func (w *Writer) Err() error { return w.err }

const hex = "0123456789abcdef"

// appendString quotes s as encoding/json does with HTML escaping on:
// <, > and & as \u003c..., U+2028 and U+2029 escaped, invalid UTF-8 as
// \ufffd, control characters as \b \f \n \r \t or \u00XX.
func (w *Writer) appendString(s string) {
	b := w.w
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe(c) {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '\\', '"':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// safe reports whether an ASCII byte is written as itself.
func safe(c byte) bool {
	return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// Null writes null.
func (w *Writer) Null() { w.w.WriteString("null") }

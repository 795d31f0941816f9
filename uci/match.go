package uci

import (
	"strings"
	"unsafe"
)

// Match compares a section's lines with the lines `uci export` writes for
// a section of its type and name holding given options, without parsing
// them: a writer that would leave thousands of sections as they are
// (hub.Store, one peer changed among 5000) tells so from their bytes.
//
// A Match is made by Section.Match, fed the options in the order they
// are expected (Option, Key, List) and ended with Done, which reports
// whether the section is exactly those lines: its config line, one line
// per option or list item, tab-indented, values single-quoted, then only
// empty lines. Such lines parse to exactly those options, so a writer
// setting them would change nothing. Any other writing of the same
// options (another order, quoting, indentation, a comment), a section
// already edited or split into lines, or a value with a quote, backslash
// or line break reports false: the caller then compares option by option.
type Match struct {
	rest  []byte // what is left of the section's lines to match
	ok    bool
	plain bool // the section's lines all parsed as plain ones (see fits)
}

// Match starts a Match of s (see Match). It allocates nothing.
func (s *Section) Match() Match {
	if s == nil || s.c == nil || s.span == nil || s.anon || !plainWord(s.typ) || !plainWord(s.name) {
		return Match{}
	}
	m := Match{rest: s.span.raw, ok: true, plain: s.plain}
	m.lit("config ")
	m.lit(s.typ)
	m.lit(" '")
	m.lit(s.name)
	m.lit("'\n")
	return m
}

// Option expects "\toption NAME 'VAL'"; an empty val expects no line
// (an empty option is no option).
func (m *Match) Option(name, val string) {
	if val != "" {
		m.line(false, name, val)
	}
}

// OptionBytes is Option with the value in a buffer (a key encoded on the
// caller's stack, say).
func (m *Match) OptionBytes(name string, val []byte) {
	if len(val) > 0 {
		m.line(false, name, unsafe.String(unsafe.SliceData(val), len(val))) // not kept
	}
}

// List expects one "\tlist NAME 'VAL'" line per value, none for none.
func (m *Match) List(name string, vals []string) {
	for _, v := range vals {
		m.line(true, name, v)
	}
}

// ListBytes is List of one value in a buffer.
func (m *Match) ListBytes(name string, val []byte) {
	m.line(true, name, unsafe.String(unsafe.SliceData(val), len(val))) // not kept
}

// Done reports whether the section matched: every expected line was
// there, and what follows them is only empty lines.
func (m *Match) Done() bool {
	if !m.ok {
		return false
	}
	for _, c := range m.rest {
		if c != '\n' {
			return false
		}
	}
	return true
}

// line expects one option or list line (list: a "list" one), compared
// in place: the thousands of lines of a hub's peers are most of Store.
func (m *Match) line(list bool, name, val string) {
	kw := "\toption "
	if list {
		kw = "\tlist "
	}
	n := len(kw) + len(name) + len(" '") + len(val) + len("'\n")
	r := m.rest
	if !m.ok || len(r) < n || !m.fits(name, val) {
		m.ok = false
		return
	}
	l := unsafe.String(&r[0], n) // not kept
	i := len(kw) + len(name)
	if l[:len(kw)] != kw || l[len(kw):i] != name || l[i] != ' ' || l[i+1] != '\'' ||
		l[i+2:n-2] != val || l[n-2] != '\'' || l[n-1] != '\n' {
		m.ok = false
		return
	}
	m.rest = r[n:]
}

// fits reports whether name and val can be written as is: name a plain
// word, val without a quote, backslash or line break.
//
// In a section of plain lines (m.plain) less need be looked at: bytes
// that equal the expected line are then one of its lines, "\tKW N 'V'\n"
// with N a plain word and V free of those bytes, as long as the expected
// line is one line and name ends where N does: no line break in val, no
// space in name (nor then a line break). name is then N, and val V.
// Those two bytes are looked for with IndexByte, not a class a byte:
// each of a hub's thousands of peers costs several lines.
func (m *Match) fits(name, val string) bool {
	if m.plain {
		return strings.IndexByte(name, ' ') < 0 && strings.IndexByte(val, '\n') < 0
	}
	if !plainWord(name) {
		return false
	}
	for i := 0; i < len(val); i++ {
		if plainByte[val[i]] == plainStop {
			return false
		}
	}
	return true
}

// lit consumes s from the front of what is left.
func (m *Match) lit(s string) {
	if m.ok && len(m.rest) >= len(s) && string(m.rest[:len(s)]) == s {
		m.rest = m.rest[len(s):]
		return
	}
	m.ok = false
}

// plainWord reports whether s is non-empty and only letters, digits and
// '_': written bare as libuci writes a type and an option name, and
// single-quoted unchanged as it writes a section name.
func plainWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if plainByte[s[i]] != plainName {
			return false
		}
	}
	return s != ""
}

package jsonval

import "strconv"

// SyntaxError is malformed JSON. Offset counts the bytes read up to and
// including the one at fault, as encoding/json's SyntaxError does.
type SyntaxError struct {
	Offset int64
	msg    string
	kind   uint8
}

const (
	badChar = iota
	cutShort
	trailing
)

func (e *SyntaxError) Error() string { return "jsonval: " + e.msg }

// CutShort reports whether the input ended inside the value.
func (e *SyntaxError) CutShort() bool { return e.kind == cutShort }

// Trailing reports whether a complete value was followed by more than
// white space.
func (e *SyntaxError) Trailing() bool { return e.kind == trailing }

// maxDepth bounds nesting, as encoding/json's scanner does.
const maxDepth = 10000

// scanner checks syntax; after it, the decoder may assume valid input.
type scanner struct {
	data  []byte
	pos   int
	depth int
}

// valid returns nil if data is exactly one JSON value (and white space).
func valid(data []byte) error {
	s := scanner{data: data}
	s.space()
	if err := s.value(); err != nil {
		return err
	}
	s.space()
	if s.pos < len(data) {
		return &SyntaxError{Offset: int64(s.pos) + 1, msg: "invalid character " + quoteChar(data[s.pos]) + " after top-level value", kind: trailing}
	}
	return nil
}

func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// fail reports the byte at pos (or the end of input) in context.
func (s *scanner) fail(context string) error {
	if s.pos >= len(s.data) {
		return &SyntaxError{Offset: int64(len(s.data)), msg: "unexpected end of JSON input", kind: cutShort}
	}
	return &SyntaxError{Offset: int64(s.pos) + 1, msg: "invalid character " + quoteChar(s.data[s.pos]) + " " + context}
}

func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *scanner) value() error {
	switch c := s.peek(); {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		return s.str()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return s.fail("looking for beginning of value")
}

// open enters an object or array; empty says that end closed it at once.
func (s *scanner) open(end byte) (empty bool, err error) {
	s.depth++
	if s.depth > maxDepth {
		return false, &SyntaxError{Offset: int64(s.pos) + 1, msg: "exceeded max depth"}
	}
	s.pos++
	s.space()
	if s.peek() == end {
		s.pos++
		s.depth--
		return true, nil
	}
	return false, nil
}

// more reads what follows a member or an element: a comma (another comes)
// or end; anything else is the error "after what".
func (s *scanner) more(end byte, what string) (bool, error) {
	s.space()
	switch s.peek() {
	case ',':
		s.pos++
		s.space()
		return true, nil
	case end:
		s.pos++
		s.depth--
		return false, nil
	}
	return false, s.fail("after " + what)
}

func (s *scanner) object() error {
	empty, err := s.open('}')
	for more := !empty; err == nil && more; more, err = s.more('}', "object key:value pair") {
		if s.peek() != '"' {
			return s.fail("looking for beginning of object key string")
		}
		if err := s.str(); err != nil {
			return err
		}
		s.space()
		if s.peek() != ':' {
			return s.fail("after object key")
		}
		s.pos++
		s.space()
		if err := s.value(); err != nil {
			return err
		}
	}
	return err
}

func (s *scanner) array() error {
	empty, err := s.open(']')
	for more := !empty; err == nil && more; more, err = s.more(']', "array element") {
		if err := s.value(); err != nil {
			return err
		}
	}
	return err
}

func (s *scanner) str() error {
	s.pos++
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return nil
		case c == '\\':
			s.pos++
			switch s.peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for range 4 {
					s.pos++
					if !isHex(s.peek()) {
						return s.fail("in \\u hexadecimal character escape")
					}
				}
			default:
				return s.fail("in string escape code")
			}
		case c < 0x20:
			return s.fail("in string literal")
		}
		s.pos++
	}
	return s.fail("")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (s *scanner) literal(word string) error {
	for i := range len(word) {
		if s.peek() != word[i] {
			return s.fail("in literal " + word + " (expecting " + quoteChar(word[i]) + ")")
		}
		s.pos++
	}
	return nil
}

func (s *scanner) digits() {
	for c := s.peek(); '0' <= c && c <= '9'; c = s.peek() {
		s.pos++
	}
}

// number follows the JSON grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	if s.peek() == '-' {
		s.pos++
	}
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return s.fail("in numeric literal")
	}
	if s.peek() == '.' {
		s.pos++
		if c := s.peek(); c < '0' || c > '9' {
			return s.fail("after decimal point in numeric literal")
		}
		s.digits()
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if c := s.peek(); c < '0' || c > '9' {
			return s.fail("in exponent of numeric literal")
		}
		s.digits()
	}
	return nil
}

// quoteChar formats c as encoding/json's messages do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}

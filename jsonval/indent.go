package jsonval

// appendIndent lays out compact JSON src as json.Indent does: a newline,
// prefix and one indent per level before each element and closing
// bracket, ": " after keys, and empty objects and arrays kept as {} and [].
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	newline := func(depth int) {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	depth := 0
	open := false // the last byte opened an object or array
	var str inString
	for _, c := range src {
		if str.in {
			dst = append(dst, c)
			str.step(c)
			continue
		}
		if open && c != '}' && c != ']' {
			open = false
			depth++
			newline(depth)
		}
		switch c {
		case '"':
			str.in = true
			dst = append(dst, c)
		case '{', '[':
			open = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline(depth)
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			if open {
				open = false
			} else {
				depth--
				newline(depth)
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendCompact appends the JSON text src (a Raw) without the spaces
// between tokens and with <, >, &, U+2028 and U+2029 escaped, as
// encoding/json writes a RawMessage; src must be one valid value.
func appendCompact(dst, src []byte) ([]byte, error) {
	if err := valid(src); err != nil {
		return nil, err
	}
	var str inString
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !str.in {
			switch c {
			case ' ', '\t', '\n', '\r':
				continue
			case '"':
				str.in = true
			}
			dst = append(dst, c)
			continue
		}
		switch {
		case c == '<' || c == '>' || c == '&':
			dst = append(dst, `\u00`...)
			dst = append(dst, hex[c>>4], hex[c&0xf])
			continue
		case c == 0xe2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xa8:
			dst = append(dst, `\u202`...)
			dst = append(dst, hex[src[i+2]&0xf])
			i += 2
			continue
		}
		str.step(c)
		dst = append(dst, c)
	}
	return dst, nil
}

// inString follows valid JSON text through a string, byte by byte.
type inString struct{ in, escaped bool }

// step takes byte c of the string: a backslash escapes the next byte, a
// quote not escaped ends it.
func (s *inString) step(c byte) {
	switch {
	case s.escaped:
		s.escaped = false
	case c == '\\':
		s.escaped = true
	case c == '"':
		s.in = false
	}
}

const hex = "0123456789abcdef"

package uci

import (
	"fmt"
	"strings"
)

// ParseError reports where a config file is malformed.
type ParseError struct {
	File  string
	Line  int
	Token string
	Msg   string
}

func (e *ParseError) Error() string {
	if e.Token != "" {
		return fmt.Sprintf("uci: %s:%d: %s in %q", e.File, e.Line, e.Msg, e.Token)
	}
	return fmt.Sprintf("uci: %s:%d: %s", e.File, e.Line, e.Msg)
}

type parser struct {
	name  string
	data  []byte
	pos   int
	line  int
	c     *Config
	cur   *Section
	opts  []*cmd // the current section's options, for its anonymous name
	named map[string]*Section
}

func (p *parser) errf(tok, format string, a ...any) error {
	if len(tok) > 40 {
		tok = tok[:40] + "..."
	}
	return &ParseError{File: p.name, Line: p.line, Token: tok, Msg: fmt.Sprintf(format, a...)}
}

// Parse reads a config file named name (the package name, as in
// /etc/config/<name>).
func Parse(name string, data []byte) (*Config, error) {
	c := New(name)
	p := &parser{name: name, data: data, line: 1, c: c, named: map[string]*Section{}}
	for p.pos < len(data) {
		if err := p.unit(); err != nil {
			return nil, err
		}
	}
	p.finish()
	return c, nil
}

// unit reads one logical line: everything up to an unquoted, unescaped
// newline, with the commands it holds.
func (p *parser) unit() error {
	start, startLine := p.pos, p.line
	var cmds []*cmd
	var args []string
	argLine := p.line
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		c, err := p.command(args, argLine)
		if err != nil {
			return err
		}
		cmds = append(cmds, c)
		args = nil
		return nil
	}
	for {
		if p.pos >= len(p.data) {
			break
		}
		ch := p.data[p.pos]
		if ch == '\n' {
			p.pos++
			p.line++
			break
		}
		if ch == ' ' || ch == '\t' || ch == '\r' {
			p.pos++
			continue
		}
		if ch == '#' {
			for p.pos < len(p.data) && p.data[p.pos] != '\n' {
				p.pos++
			}
			continue
		}
		if ch == ';' {
			p.pos++
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		if ch == '\\' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '\n' {
			p.pos += 2
			p.line++
			continue
		}
		if len(args) == 0 {
			argLine = p.line
		}
		tok, err := p.token()
		if err != nil {
			return err
		}
		args = append(args, tok)
	}
	if err := flush(); err != nil {
		return err
	}
	u := &unit{raw: p.data[start:p.pos], orig: true, cmds: cmds, line: startLine}
	u.indent = leadingSpace(u.raw)
	p.c.units = append(p.c.units, u)
	for _, c := range cmds {
		c.unit = u
		if c.kind == 'o' || c.kind == 'l' {
			p.opts = append(p.opts, c)
		}
	}
	return nil
}

// token reads one word: bare, single-quoted and double-quoted segments
// joined, with libuci's escapes.
func (p *parser) token() (string, error) {
	var b strings.Builder
	tokStart, tokLine := p.pos, p.line
	unterminated := func() error {
		p.line = tokLine
		return p.errf(string(p.data[tokStart:]), "unterminated quote")
	}
	for p.pos < len(p.data) {
		ch := p.data[p.pos]
		switch {
		case ch == '\'':
			p.pos++
			for {
				if p.pos >= len(p.data) {
					return "", unterminated()
				}
				c := p.data[p.pos]
				p.pos++
				if c == '\'' {
					break
				}
				if c == '\n' {
					p.line++
				}
				b.WriteByte(c)
			}
		case ch == '"':
			p.pos++
			for {
				if p.pos >= len(p.data) {
					return "", unterminated()
				}
				c := p.data[p.pos]
				p.pos++
				if c == '"' {
					break
				}
				if c == '\\' && p.pos < len(p.data) {
					c = p.data[p.pos]
					p.pos++
					if c == '\n' {
						p.line++
						continue
					}
				} else if c == '\n' {
					p.line++
				}
				b.WriteByte(c)
			}
		case ch == '\\':
			if p.pos+1 >= len(p.data) {
				p.pos++
				continue
			}
			c := p.data[p.pos+1]
			p.pos += 2
			if c == '\n' {
				p.line++
				continue
			}
			b.WriteByte(c)
		case ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ';' || ch == '#':
			return b.String(), nil
		case ch == 0:
			return "", p.errf("", "NUL byte")
		default:
			b.WriteByte(ch)
			p.pos++
		}
	}
	return b.String(), nil
}

func (p *parser) command(args []string, line int) (*cmd, error) {
	save := p.line
	p.line = line
	defer func() { p.line = save }()
	kw := args[0]
	want := func(min, max int) error {
		if n := len(args) - 1; n < min || n > max {
			return p.errf(strings.Join(args, " "), "%s takes %d to %d arguments, got %d", kw, min, max, n)
		}
		return nil
	}
	switch kw {
	case "package", "p":
		if err := want(1, 1); err != nil {
			return nil, err
		}
		return &cmd{kind: 'p', a: args[1]}, nil
	case "config", "c":
		if err := want(1, 2); err != nil {
			return nil, err
		}
		typ, name := args[1], ""
		if len(args) > 2 {
			name = args[2]
		}
		if !validType(typ) {
			return nil, p.errf(typ, "invalid section type")
		}
		if name != "" && !validName(name) {
			return nil, p.errf(name, "invalid section name")
		}
		p.finish()
		s := p.named[name]
		if s == nil {
			s = &Section{c: p.c, typ: typ, name: name, anon: name == ""}
			p.c.sections = append(p.c.sections, s)
			if name != "" {
				p.named[name] = s
			}
			p.c.nsec++
		} else {
			// libuci reopens a section named twice; the later type wins.
			s.typ = typ
		}
		p.cur = s
		return &cmd{kind: 'c', a: typ, b: name, sec: s}, nil
	case "option", "o", "list", "l":
		if err := want(1, 2); err != nil {
			return nil, err
		}
		if p.cur == nil {
			return nil, p.errf(strings.Join(args, " "), "%s outside of a config section", kw)
		}
		if !validName(args[1]) {
			return nil, p.errf(args[1], "invalid option name")
		}
		val := ""
		if len(args) > 2 {
			val = args[2]
		}
		return &cmd{kind: kw[0], a: args[1], b: val, sec: p.cur}, nil
	}
	return nil, p.errf(kw, "unknown keyword")
}

// finish names the current anonymous section the way libuci does once its
// options are known.
func (p *parser) finish() {
	if s := p.cur; s != nil && s.anon && s.name == "" {
		s.name = p.c.anonName(s, optionsOf(p.opts))
	}
	p.cur, p.opts = nil, nil
}

func leadingSpace(b []byte) string {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return string(b[:i])
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validType(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			return false
		}
	}
	return true
}

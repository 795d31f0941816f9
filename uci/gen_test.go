package uci

import (
	"bytes"
	"math/rand/v2"
	"strings"
)

// genUCI writes a random config file for the libuci differential: mostly
// valid UCI in every form libuci reads (short keywords, the three quoting
// styles and mixtures of them, continuations, ';', comments, CRLF,
// redefined sections and options, lists after options), with subtle
// faults mixed in (bad names and types, extra or missing arguments,
// unterminated quotes, control characters, stray bytes).
func genUCI(r *rand.Rand) []byte {
	g := &gen{r: r, types: map[string]string{}}
	if g.p(0.6) {
		g.fault = 1
	}
	nl := "\n"
	if g.p(0.1) {
		nl = "\r\n"
	}
	var b bytes.Buffer
	if g.p(0.1) {
		name := g.pick("t", "x", "a-b", "x_1")
		if g.bad(0.3) {
			name = g.pick("a.b", "", "ä", "a:b")
		}
		b.WriteString("package " + g.word(name) + nl)
	}
	for range 1 + r.IntN(6) {
		if g.p(0.1) {
			b.WriteString(g.pick("", " ", "\t") + "# " + g.pick("comment", "it's", `"q"`, "a;b", "x\\") + nl)
		}
		if g.p(0.1) {
			b.WriteString(g.pick("", "  ", "\t") + nl)
		}
		b.WriteString(g.pick("", "", " ", "\t", "\v") + g.config())
		for range r.IntN(6) {
			switch {
			case g.p(0.05):
				b.WriteString(g.pick(";", "; ", " ; ", " ;"))
			default:
				b.WriteString(g.trail() + nl + g.pick("\t", "\t", "  ", "", "\t\t"))
			}
			b.WriteString(g.option())
		}
		b.WriteString(g.trail() + nl)
	}
	data := b.Bytes()
	if g.p(0.1) {
		data = bytes.TrimRight(data, "\r\n")
	}
	for g.bad(0.4) && len(data) > 0 {
		i := r.IntN(len(data))
		switch r.IntN(3) {
		case 0: // a stray byte
			c := g.pick("\x01", "\x7f", "'", `"`, "\\", ";", "#", " ", "\n", "\r", "\xff", "-", ".")
			data = append(data[:i], append([]byte(c), data[i:]...)...)
		case 1: // a lost byte
			data = append(data[:i], data[i+1:]...)
		default: // a doubled byte
			data = append(data[:i], append([]byte{data[i]}, data[i:]...)...)
		}
	}
	return data
}

type gen struct {
	r     *rand.Rand
	types map[string]string // the type each section name was given first
	fault float64           // 0 for a file meant to be valid
}

// bad is true, in files that may be faulty, with probability f.
func (g *gen) bad(f float64) bool { return g.p(f * g.fault) }

func (g *gen) p(f float64) bool { return g.r.Float64() < f }

func (g *gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// sep: the blanks between two words; rarely a vertical tab or form feed,
// blank to libuci's argument parser but not to its command splitter.
func (g *gen) sep() string {
	if g.p(0.03) {
		return g.pick("\v", "\f", " \v")
	}
	return g.pick(" ", " ", " ", "\t", "  ")
}

// trail: nothing, or a trailing comment.
func (g *gen) trail() string {
	if g.p(0.1) {
		return g.pick(" # c", "\t#x", " #", "# 'q")
	}
	return ""
}

func (g *gen) config() string {
	kw := g.pick("config", "config", "config", "c")
	typ := g.pick("interface", "zone", "rule", "t", "t", "wireguard_wg0", "my-type", "a.b", "x:y", "t2")
	if g.bad(0.05) {
		typ = g.pick("a b", "", "ü", "a'b", "a\tb", "a\x01")
	}
	name := ""
	switch {
	case g.p(0.35): // anonymous
	case g.bad(0.05):
		name = g.pick("a-b", "a.b", "ä", "a b", "@t[0]", "cfg01e63d")
	default:
		name = g.pick("lan", "wan", "wg0", "a", "b", "x_1", "ABC", "9")
		// Mostly a section seen again keeps its type: another type
		// makes libuci reject the whole file.
		if t, ok := g.types[name]; ok && g.p(0.9) {
			typ = t
		}
		g.types[name] = typ
	}
	s := kw + g.sep() + g.word(typ)
	if name != "" {
		s += g.sep() + g.word(name)
	}
	if g.bad(0.03) {
		s += " " + g.word("extra")
	}
	return s
}

func (g *gen) option() string {
	kw := g.pick("option", "option", "list", "list", "o", "l")
	if g.bad(0.02) {
		kw = g.pick("opt", "lst", "config", "package", "Option", "'option'", "#")
	}
	name := g.pick("a", "b", "name", "proto", "l", "ipaddr", "x_1", "A9")
	if g.bad(0.04) {
		name = g.pick("a-b", "a.b", "", "ä", "a b", "a\tb")
	}
	s := kw + g.sep() + g.word(name)
	if g.bad(0.03) {
		return s // no value
	}
	if g.p(0.05) {
		s += " \\" + g.pick("\n", "\r\n", "") // a continuation
	} else {
		s += g.sep()
	}
	s += g.word(g.value())
	if g.bad(0.03) {
		s += " " + g.word(g.pick("extra", ""))
	}
	return s
}

func (g *gen) value() string {
	if g.p(0.1) {
		var b strings.Builder
		for range g.r.IntN(8) {
			b.WriteByte(byte(1 + g.r.IntN(127))) // no NUL: see doc.go
		}
		return b.String()
	}
	return g.pick("", "x", "1", "0", "a b", "it's", `"q"`, "#", "a#b", ";", "a;b", `\`, `a\b`,
		"tab\there", "ü", "\x01", "\x7f", "line1\nline2", "cr\r", "192.168.1.1/24", "'", "  lead",
		strings.Repeat("long", 20), "é\xff")
}

// word writes s as one UCI argument in a random quoting style (or
// several glued together), the way a person or a program might.
func (g *gen) word(s string) string {
	if s == "" {
		return g.pick("''", `""`, "")
	}
	if g.p(0.15) && len(s) > 1 { // pieces in different styles, glued
		i := 1 + g.r.IntN(len(s)-1)
		return g.word(s[:i]) + g.word(s[i:])
	}
	switch g.r.IntN(4) {
	case 0:
		if !strings.ContainsAny(s, " \t\r\n'\"\\#;") {
			return s
		}
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if strings.IndexByte(" \t'\"\\#;", s[i]) >= 0 && g.p(0.97) {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		}
		return b.String()
	case 1:
		if !strings.Contains(s, "'") {
			return "'" + s + "'"
		}
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	case 2:
		var b strings.Builder
		b.WriteByte('"')
		for i := 0; i < len(s); i++ {
			if s[i] == '"' || s[i] == '\\' || g.p(0.03) {
				b.WriteByte('\\')
			}
			if s[i] == '\n' && g.p(0.3) {
				b.WriteString("\\") // a continuation inside the quotes
			}
			b.WriteByte(s[i])
		}
		b.WriteByte('"')
		return b.String()
	default:
		if strings.Contains(s, "'") {
			return `"` + strings.NewReplacer(`"`, `\"`, `\`, `\\`).Replace(s) + `"`
		}
		return "'" + s + "'"
	}
}

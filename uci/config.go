package uci

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Config is one UCI config file (a "package"). It remembers the file's
// bytes: what was parsed and not edited is written back exactly.
type Config struct {
	name     string
	units    []*unit
	sections []*Section
	nsec     int // libuci's section counter, for anonymous names

	// idx indexes each section's option commands (built on first use,
	// then kept up to date by every edit), so lookups do not scan the file.
	idx    map[*Section][]*cmd
	byName map[string]*Section // built on first lookup, kept by Add and Delete
}

// unit is one logical line of the file (or one wghub added). raw holds its
// bytes as read; a nil raw means it was edited and is rendered from cmds.
type unit struct {
	raw    []byte
	orig   bool // parsed from the file (not added by an edit)
	cmds   []*cmd
	indent string
	line   int
}

// cmd is one command: package, config, option or list.
type cmd struct {
	kind byte   // 'p', 'c', 'o', 'l'
	a, b string // config: type, name; option/list: name, value
	sec  *Section
	unit *unit
}

// Section is a config section, "config TYPE ['NAME']".
type Section struct {
	c    *Config
	typ  string
	name string
	anon bool
}

// Option is an option or list with its values, in file order.
type Option struct {
	Name   string
	Values []string
	List   bool
}

// New returns an empty config.
func New(name string) *Config { return &Config{name: name} }

// Name is the config's package name.
func (c *Config) Name() string { return c.name }

// Bytes renders the file: untouched lines byte for byte, edited and added
// ones the way `uci export` writes them.
func (c *Config) Bytes() []byte {
	var b bytes.Buffer
	for _, u := range c.units {
		if !u.orig && b.Len() > 0 && b.Bytes()[b.Len()-1] != '\n' {
			b.WriteByte('\n')
		}
		if u.raw != nil {
			b.Write(u.raw)
			continue
		}
		b.WriteString(u.indent)
		for i, x := range u.cmds {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(x.render())
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func (x *cmd) render() string {
	switch x.kind {
	case 'p':
		return "package " + quote(x.a)
	case 'c':
		typ := x.a
		if strings.ContainsAny(typ, "'\"\\#;") {
			typ = quote(typ) // libuci writes types bare, which it could not read back
		}
		if x.sec.anon {
			return "config " + typ
		}
		return "config " + typ + " " + quote(x.b)
	case 'o':
		return "option " + x.a + " " + quote(x.b)
	default:
		return "list " + x.a + " " + quote(x.b)
	}
}

// quote writes a value as libuci does: single quotes, a ' as '\”.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Sections returns the sections in file order.
func (c *Config) Sections() []*Section { return append([]*Section(nil), c.sections...) }

// SectionsByType returns the sections of one type, in file order.
func (c *Config) SectionsByType(typ string) []*Section {
	var out []*Section
	for _, s := range c.sections {
		if s.typ == typ {
			out = append(out, s)
		}
	}
	return out
}

func (c *Config) lookup(name string) *Section {
	if name == "" {
		return nil
	}
	if c.byName == nil {
		c.byName = make(map[string]*Section, len(c.sections))
		for _, s := range c.sections {
			if _, dup := c.byName[s.name]; !dup {
				c.byName[s.name] = s
			}
		}
	}
	return c.byName[name]
}

// Section finds a section by name or by libuci's extended syntax
// "@type[N]" (N from 0; negative counts from the end). Nil if none.
func (c *Config) Section(ref string) *Section {
	if !strings.HasPrefix(ref, "@") {
		return c.lookup(ref)
	}
	open := strings.IndexByte(ref, '[')
	if open < 0 || !strings.HasSuffix(ref, "]") {
		return nil
	}
	typ := ref[1:open]
	idx, err := strconv.Atoi(ref[open+1 : len(ref)-1])
	if err != nil {
		return nil
	}
	var list []*Section
	if typ == "" {
		list = c.sections
	} else {
		list = c.SectionsByType(typ)
	}
	if idx < 0 {
		idx += len(list)
	}
	if idx < 0 || idx >= len(list) {
		return nil
	}
	return list[idx]
}

// djbhash is libuci's name hash for anonymous sections.
func djbhash(h uint32, s string) uint32 {
	if h == ^uint32(0) {
		h = 5381
	}
	for i := 0; i < len(s); i++ {
		h = h<<5 + h + uint32(int32(int8(s[i]))) // C char is signed on the targets libuci names were observed on
	}
	return h & 0x7FFFFFFF
}

// anonName gives an anonymous section the name libuci would: "cfg", the
// section counter, and a hash of its type and string options.
func (c *Config) anonName(s *Section, opts []Option) string {
	h := djbhash(^uint32(0), s.typ)
	for _, o := range opts {
		h = djbhash(h, o.Name)
		if !o.List {
			h = djbhash(h, o.Values[0])
		}
	}
	c.nsec++
	return fmt.Sprintf("cfg%02x%04x", c.nsec, h%(1<<16))
}

// Add appends a section. An empty name adds an anonymous section, named as
// libuci names it.
func (c *Config) Add(typ, name string) (*Section, error) {
	if !validType(typ) {
		return nil, fmt.Errorf("uci: %s: invalid section type %q", c.name, typ)
	}
	if name != "" {
		if !validName(name) {
			return nil, fmt.Errorf("uci: %s: invalid section name %q (letters, digits and _ only)", c.name, name)
		}
		if c.lookup(name) != nil {
			return nil, fmt.Errorf("uci: %s: section %q already exists", c.name, name)
		}
	}
	s := &Section{c: c, typ: typ, name: name, anon: name == ""}
	c.nsec++
	if s.anon {
		s.name = c.anonName(s, nil)
	}
	c.sections = append(c.sections, s)
	if c.byName != nil {
		c.byName[s.name] = s
	}
	blank := &unit{raw: []byte("\n")}
	hdr := &unit{cmds: []*cmd{{kind: 'c', a: typ, b: name, sec: s}}}
	hdr.cmds[0].unit = hdr
	c.units = append(c.units, blank, hdr)
	return s, nil
}

// Delete removes a section: its config line, its options and the blank line
// that separated it from what came before. Comments stay.
func (c *Config) Delete(s *Section) {
	if s == nil || s.c != c {
		return
	}
	var keep []*unit
	for i, u := range c.units {
		var rest []*cmd
		for _, x := range u.cmds {
			if x.sec != s {
				rest = append(rest, x)
			}
		}
		switch {
		case len(rest) == len(u.cmds):
			keep = append(keep, u)
		case len(rest) == 0:
			// The unit was all this section's. A section header takes the
			// blank line just above it along.
			if u.cmds[0].kind == 'c' && len(keep) > 0 && isBlank(keep[len(keep)-1]) && i > 0 {
				keep = keep[:len(keep)-1]
			}
		default:
			u.cmds, u.raw = rest, nil
			keep = append(keep, u)
		}
	}
	c.units = keep
	if c.idx != nil {
		delete(c.idx, s)
	}
	if c.byName != nil && c.byName[s.name] == s {
		delete(c.byName, s.name)
	}
	for i, x := range c.sections {
		if x == s {
			c.sections = append(c.sections[:i], c.sections[i+1:]...)
			break
		}
	}
	s.c = nil
}

func isBlank(u *unit) bool {
	return len(u.cmds) == 0 && len(bytes.TrimSpace(u.raw)) == 0 && u.raw != nil
}

// Type is the section type.
func (s *Section) Type() string { return s.typ }

// Name is the section name (libuci's generated one for anonymous sections).
func (s *Section) Name() string { return s.name }

// Anonymous reports whether the file gives the section no name.
func (s *Section) Anonymous() bool { return s.anon }

// cmds returns the section's option and list commands in file order.
func (s *Section) cmds() []*cmd {
	c := s.c
	if c == nil {
		return nil
	}
	if c.idx == nil {
		c.idx = make(map[*Section][]*cmd, len(c.sections))
		for _, u := range c.units {
			for _, x := range u.cmds {
				if x.kind == 'o' || x.kind == 'l' {
					c.idx[x.sec] = append(c.idx[x.sec], x)
				}
			}
		}
	}
	return c.idx[s]
}

// Options returns the options as libuci sees them: a later "option"
// replaces earlier values, a "list" after an "option" turns it into a list.
func (s *Section) Options() []Option { return optionsOf(s.cmds()) }

func optionsOf(cmds []*cmd) []Option {
	var out []Option
	idx := map[string]int{}
	for _, x := range cmds {
		i, ok := idx[x.a]
		switch {
		case !ok:
			idx[x.a] = len(out)
			out = append(out, Option{Name: x.a, Values: []string{x.b}, List: x.kind == 'l'})
		case x.kind == 'o':
			out[i] = Option{Name: x.a, Values: []string{x.b}}
		default:
			out[i].Values = append(out[i].Values, x.b)
			out[i].List = true
		}
	}
	return out
}

// option folds one option's commands the way Options does, without
// building the whole list: lookups are the hot path of big configs.
func (s *Section) option(name string) (Option, bool) {
	var o Option
	found := false
	for _, x := range s.cmds() {
		if x.a != name {
			continue
		}
		if !found || x.kind == 'o' {
			o = Option{Name: name, Values: []string{x.b}, List: x.kind == 'l'}
		} else {
			o.Values = append(o.Values, x.b)
			o.List = true
		}
		found = true
	}
	return o, found
}

// Get returns an option's value; a list's values are joined by spaces, as
// `uci get` prints them.
func (s *Section) Get(name string) (string, bool) {
	o, ok := s.option(name)
	if !ok {
		return "", false
	}
	return strings.Join(o.Values, " "), true
}

// List returns a list's values; a plain option gives its one value.
func (s *Section) List(name string) []string {
	o, ok := s.option(name)
	if !ok {
		return nil
	}
	return append([]string(nil), o.Values...)
}

// Has reports whether the option is set.
func (s *Section) Has(name string) bool {
	_, ok := s.option(name)
	return ok
}

func (s *Section) check(name string, values ...string) error {
	if s.c == nil {
		return fmt.Errorf("uci: section %q was deleted", s.name)
	}
	if !validName(name) {
		return fmt.Errorf("uci: %s.%s: invalid option name %q (letters, digits and _ only)", s.c.name, s.name, name)
	}
	for _, v := range values {
		if err := ValidateValue(v); err != nil {
			return fmt.Errorf("uci: %s.%s.%s: %w", s.c.name, s.name, name, err)
		}
	}
	return nil
}

// ValidateValue rejects what libuci cannot store: NUL, newlines and other
// control characters (tab is fine).
func ValidateValue(v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			shown := v
			if len(shown) > 40 {
				shown = shown[:40] + "..."
			}
			return fmt.Errorf("value %q contains a control character (0x%02x)", shown, c)
		}
	}
	return nil
}

// Set sets an option to one value, replacing an option or list of that
// name. Setting the value it already has changes nothing.
func (s *Section) Set(name, value string) error {
	if err := s.check(name, value); err != nil {
		return err
	}
	if o, ok := s.option(name); ok && !o.List && o.Values[0] == value {
		return nil
	}
	s.replace(name, []*cmd{{kind: 'o', a: name, b: value, sec: s}})
	return nil
}

// SetList sets a list. An empty list deletes the option.
func (s *Section) SetList(name string, values []string) error {
	if err := s.check(name, values...); err != nil {
		return err
	}
	if o, ok := s.option(name); ok && o.List && slices.Equal(o.Values, values) {
		return nil
	}
	var cmds []*cmd
	for _, v := range values {
		cmds = append(cmds, &cmd{kind: 'l', a: name, b: v, sec: s})
	}
	s.replace(name, cmds)
	return nil
}

// AddList appends one value to a list (turning an option into a list, as
// libuci does).
func (s *Section) AddList(name, value string) error {
	if err := s.check(name, value); err != nil {
		return err
	}
	o, _ := s.option(name)
	return s.SetList(name, append(o.Values, value))
}

// Unset deletes an option or list.
func (s *Section) Unset(name string) {
	if s.c != nil && s.Has(name) {
		s.replace(name, nil)
	}
}

// replace removes every command for option name and puts cmds where the
// first of them stood (or after the section's last option). In a line that
// holds other commands too (";"), the new ones are spliced into that line.
func (s *Section) replace(name string, cmds []*cmd) {
	c := s.c
	match := func(x *cmd) bool { return x.sec == s && x.a == name && (x.kind == 'o' || x.kind == 'l') }
	var spliced *unit
	for _, u := range c.units {
		others, first := 0, -1
		for i, x := range u.cmds {
			if match(x) {
				if first < 0 {
					first = i
				}
			} else {
				others++
			}
		}
		if first < 0 {
			continue
		}
		if others > 0 {
			var list []*cmd
			for i, x := range u.cmds {
				if i == first {
					for _, n := range cmds {
						n.unit = u
					}
					list = append(list, cmds...)
				}
				if !match(x) {
					list = append(list, x)
				}
			}
			u.cmds, u.raw, spliced, cmds = list, nil, u, nil
		}
		break
	}
	at, last, indent := -1, -1, "\t"
	var units []*unit
	for _, u := range c.units {
		if u == spliced {
			units = append(units, u)
			continue
		}
		var rest []*cmd
		removed := false
		for _, x := range u.cmds {
			if match(x) {
				removed = true
			} else {
				rest = append(rest, x)
			}
		}
		if removed && at < 0 {
			at = len(units)
		}
		if removed && len(rest) == 0 {
			continue
		}
		if removed {
			u.cmds, u.raw = rest, nil
		}
		units = append(units, u)
		for _, x := range u.cmds {
			if x.sec == s {
				last = len(units) - 1
				if x.kind != 'c' && u.indent != "" {
					indent = u.indent
				}
			}
		}
	}
	if at < 0 {
		at = last + 1
	}
	var add []*unit
	for _, x := range cmds {
		u := &unit{cmds: []*cmd{x}, indent: indent}
		x.unit = u
		add = append(add, u)
	}
	c.units = append(units[:at], append(add, units[at:]...)...)
	c.reindex(s)
}

// reindex refreshes one section's entry of the option index after an edit
// to it, so a run of edits does not rebuild the index of the whole file.
func (c *Config) reindex(s *Section) {
	if c.idx == nil {
		return
	}
	var list []*cmd
	for _, u := range c.units {
		for _, x := range u.cmds {
			if x.sec == s && (x.kind == 'o' || x.kind == 'l') {
				list = append(list, x)
			}
		}
	}
	c.idx[s] = list
}

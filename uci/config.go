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
	nsec     int   // libuci's section counter, for anonymous names
	byName   names // first section of each name, as libuci looks them up

	// indexed: every section's opts holds its option commands (the parser
	// fills them in as it goes, every edit keeps them up to date), so
	// lookups do not scan the file.
	indexed bool

	data  []byte // the file as parsed, and as a string (for spans)
	sdata string
	slabs slabs
	// edited: something was changed since Parse (until then Bytes is data).
	edited   bool
	replayer *parser // see replaySpan
	// peek: a span's options are parsed each time it is read, into
	// memory the next read reuses, and not kept (see peekSpan).
	peek     bool
	peeked   *Section
	peekOpts []*cmd
	peekCmds []cmd
}

// unit is one line of the file as libuci reads it (with the lines a quote
// or a trailing backslash pulls in), or one that an edit added. raw holds
// its bytes as read; a nil raw means it was edited and is rendered from
// cmds, one command per line.
type unit struct {
	raw    []byte
	cmds   []*cmd
	indent string
	tail   string // trailing comment kept when the unit is rewritten
	// span: the unit is all the lines of this section, not yet split
	// into units of their own (see Parse); at is where raw starts in
	// the file (a file of spans is under 2 GB: 96 bytes a unit, not 112).
	span *Section
	at   int32
	orig bool // parsed from the file (not added by an edit)
}

// cmd is one command: package, config, option or list.
type cmd struct {
	kind byte   // 'p', 'c', 'o', 'l'
	a, b string // config: type, name as written; option/list: name, value
	sec  *Section
	unit *unit
}

// Section is a config section, "config TYPE ['NAME']".
type Section struct {
	c     *Config
	typ   string
	name  string
	blank *unit  // the blank line Add put before it, if any
	opts  []*cmd // its option and list commands in file order (Config.indexed)
	nopts int    // the parser's count of them
	// span holds the section's lines while they are one unit; read says
	// opts has been filled from it.
	span *unit
	read bool
	anon bool // next to read: one word for the flags (96 bytes, not 112, a section)
	// plain: the parser read every line of span as plainConfig,
	// plainLine or a blank line does (see replayPlain).
	plain bool
	// names: see cmdsOf (in the same word as the flags).
	names uint32
}

// Option is an option or list with its values.
type Option struct {
	Name   string
	Values []string // one value for a plain option
	List   bool
}

// New returns an empty config.
func New(name string) *Config { return &Config{name: name} }

// Name is the config's package name.
func (c *Config) Name() string { return c.name }

// Bytes renders the file: untouched lines byte for byte, edited and added
// ones the way `uci export` writes them.
func (c *Config) Bytes() []byte {
	if !c.edited && c.data != nil {
		return slices.Clone(c.data)
	}
	return c.render()
}

// bytes is Bytes for a Tree, which only reads the result: an unedited
// config gives its parsed bytes, not a copy (a hub's unchanged config is
// most of a megabyte at 5000 peers).
func (c *Config) bytes() []byte {
	if !c.edited && c.data != nil {
		return c.data
	}
	return c.render()
}

// render writes the units out (see Bytes).
func (c *Config) render() []byte {
	var b bytes.Buffer
	// Mostly the file as read: one allocation of about its size, with
	// room for what an edit adds (growing would double it).
	n := 0
	for _, u := range c.units {
		n += len(u.raw)
	}
	b.Grow(n + n/32 + 4096)
	c.each(func(p []byte, _ bool) { b.Write(p) })
	if b.Len() == 0 {
		return []byte{}
	}
	return b.Bytes()
}

// each calls fn with the file's bytes in order: a unit's bytes as read
// (orig: a run of the parsed file), or the lines an edit rendered, in a
// buffer fn must not keep.
func (c *Config) each(fn func(p []byte, orig bool)) {
	var line []byte
	last := byte('\n') // the last byte given to fn
	out := func(p []byte, orig bool) {
		if len(p) > 0 {
			fn(p, orig)
			last = p[len(p)-1]
		}
	}
	for i, u := range c.units {
		if !u.orig && last != '\n' {
			out([]byte{'\n'}, false) // the file did not end in a newline
		}
		if u.raw != nil && (i == len(c.units)-1 || !u.changedByNewline()) {
			out(u.raw, u.orig)
			continue
		}
		optIndent := "\t"
		if k := u.cmds[0].kind; k == 'o' || k == 'l' {
			optIndent = u.indent
		}
		line = line[:0]
		for i, x := range u.cmds {
			switch {
			case i == 0:
				line = append(line, u.indent...)
			case x.kind == 'o' || x.kind == 'l':
				line = append(line, optIndent...)
			}
			line = append(line, x.render()...)
			if i == len(u.cmds)-1 {
				line = append(line, u.tail...)
			}
			line = append(line, '\n')
		}
		out(line, false)
	}
}

// changedByNewline reports whether the last line of a file that does not
// end in a newline would read differently with one, as "...;" or "...\\"
// do. Lines are added after it, so it is then rewritten instead.
func (u *unit) changedByNewline() bool {
	if len(u.cmds) == 0 || len(u.raw) == 0 || u.raw[len(u.raw)-1] == '\n' {
		return false
	}
	p := &parser{data: append(slices.Clone(u.raw), '\n'), c: New("")}
	p.cur = &Section{}
	p.fetch()
	cmds, err := p.line()
	return err != nil || p.eof || !slices.EqualFunc(cmds, u.cmds, func(x, y *cmd) bool {
		return x.kind == y.kind && x.a == y.a && x.b == y.b
	})
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
		if x.b == "" {
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
func (c *Config) Sections() []*Section { return slices.Clone(c.sections) }

// SectionsByType returns the sections of one type, in file order.
func (c *Config) SectionsByType(typ string) []*Section {
	n := 0
	for _, s := range c.sections {
		if s.typ == typ {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]*Section, 0, n)
	for _, s := range c.sections {
		if s.typ == typ {
			out = append(out, s)
		}
	}
	return out
}

// Section finds a section by name (a generated one too) or by libuci's
// extended syntax "@type[N]" or "@[N]" (N from 0; negative counts from
// the end). Nil if none.
func (c *Config) Section(ref string) *Section {
	if !strings.HasPrefix(ref, "@") {
		return c.byName.get(ref)
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
	list := c.sections
	if typ != "" {
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

// djbhash is libuci's name hash for anonymous sections. C's char is
// signed on the x86 and MIPS builds whose names this was checked against;
// it only matters for bytes above 0x7f.
func djbhash(s string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(s); i++ {
		h = h<<5 + h + uint32(int32(int8(s[i])))
	}
	return h & 0x7FFFFFFF
}

// newSection adds a section the way libuci allocates one: the package's
// section counter goes up for every section, and an anonymous one is
// named "cfg" + the counter + a hash of its type. libuci names it when it
// is created, before it has options, so `uci show` agrees
// (firewall.cfg01e63d is the stock firewall's defaults section).
func (c *Config) newSection(typ, name string) *Section {
	c.nsec++
	var s *Section
	if a := &c.slabs; len(a.secs) < cap(a.secs) {
		a.secs = append(a.secs, Section{c: c, typ: typ, name: name, anon: name == ""})
		s = &a.secs[len(a.secs)-1]
	} else {
		s = &Section{c: c, typ: typ, name: name, anon: name == ""}
	}
	c.sections = append(c.sections, s)
	if s.anon {
		s.name = anonName(c.nsec, djbhash(typ))
	}
	// A name taken keeps its section: an anonymous one's generated name
	// a section named so in the file has; for a named one, its callers
	// made sure no section has its name (open, Add) or look whether the
	// table grew (parse).
	c.byName.add(s)
	return s
}

// anonName is "cfg" + n as two or more hex digits + h's low 16 bits as
// four (libuci's "cfg%02x%04x"), without fmt: big firewalls have
// thousands of anonymous sections.
func anonName(n int, h uint32) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 16)
	b = append(b, "cfg"...)
	if n < 0x10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(n), 16)
	h &= 0xffff
	return string(append(b, hex[h>>12], hex[h>>8&15], hex[h>>4&15], hex[h&15]))
}

// open is the parser's "config TYPE [NAME]": a name seen before reopens
// that section, as libuci does, and with another type is an error (libuci
// rejects the file in its default strict mode).
func (c *Config) open(typ, name string) (*Section, bool) {
	if s := c.byName.get(name); name != "" && s != nil {
		return s, s.typ == typ
	}
	return c.newSection(typ, name), true
}

// Add appends a section at the end of the file, written as `uci export`
// writes it (a blank line before it). An empty name adds an anonymous
// section, named as libuci names it.
func (c *Config) Add(typ, name string) (*Section, error) {
	if !validType(typ) {
		return nil, fmt.Errorf("uci: %s: invalid section type %q (printable ASCII, no space)", c.name, typ)
	}
	if name != "" {
		if !validName(name) {
			return nil, fmt.Errorf("uci: %s: invalid section name %q (letters, digits and _ only)", c.name, name)
		}
		if c.byName.get(name) != nil {
			return nil, fmt.Errorf("uci: %s: section %q already exists", c.name, name)
		}
	}
	if n := len(c.units); n > 0 && c.units[n-1].span != nil {
		c.split(c.units[n-1].span) // its last line decides the blank line
	}
	c.edited = true
	s := c.newSection(typ, name)
	if n := len(c.units); n == 0 || !isBlank(c.units[n-1]) {
		s.blank = &unit{raw: []byte("\n")}
		c.units = append(c.units, s.blank)
	}
	hdr := &unit{cmds: []*cmd{{kind: 'c', a: typ, b: name, sec: s}}}
	hdr.cmds[0].unit = hdr
	c.units = append(c.units, hdr)
	return s, nil
}

// Delete removes a section: its config line(s), its options, comments
// between them and the comment lines right above it, and the blank line
// that separated it from what came before (or, at the top of the file,
// from what follows). Comments after a blank line above it, and after its
// last option, stay: they may belong to other sections.
func (c *Config) Delete(s *Section) {
	if s == nil || s.c != c {
		return
	}
	c.edited = true
	// Its lines, and the lines above it (a comment, a blank line), as
	// lines of their own.
	c.split(s)
	for i, u := range c.units {
		if len(u.cmds) > 0 && u.cmds[0].sec == s {
			if i > 0 && c.units[i-1].span != nil {
				c.split(c.units[i-1].span)
			}
			break
		}
	}
	n := len(c.units)
	drop := make([]bool, n)
	var pending []int // lines without commands since the last one of s
	lastWasS := false
	top := -1 // a config line at the top of the file
	for i, u := range c.units {
		if len(u.cmds) == 0 {
			if lastWasS {
				pending = append(pending, i)
			}
			continue
		}
		rest := slices.DeleteFunc(slices.Clone(u.cmds), func(x *cmd) bool { return x.sec == s })
		if u.cmds[0].sec == s && lastWasS {
			for _, j := range pending {
				drop[j] = true
			}
		}
		pending = nil
		lastWasS = u.cmds[len(u.cmds)-1].sec == s
		if len(rest) == len(u.cmds) {
			continue
		}
		if len(rest) > 0 {
			u.cmds, u.raw = rest, nil
			continue
		}
		drop[i] = true
		if u.cmds[0].kind != 'c' {
			continue
		}
		j := i - 1
		for j >= 0 && drop[j] {
			j--
		}
		for u.orig && j >= 0 && isComment(c.units[j]) {
			drop[j] = true // the comment block right above documents it
			for j--; j >= 0 && drop[j]; j-- {
			}
		}
		switch {
		case j >= 0 && isBlank(c.units[j]) && (u.orig || c.units[j] == s.blank):
			drop[j] = true
		case j < 0:
			top = i
		}
	}
	if top >= 0 {
		k := top + 1
		for k < n && drop[k] {
			k++
		}
		if k < n && isBlank(c.units[k]) {
			drop[k] = true
		}
	}
	keep := c.units[:0]
	for i, u := range c.units {
		if !drop[i] {
			keep = append(keep, u)
		}
	}
	clear(c.units[len(keep):])
	c.units = keep
	s.opts = nil
	if i := slices.Index(c.sections, s); i >= 0 {
		c.sections = slices.Delete(c.sections, i, i+1)
	}
	if c.byName.get(s.name) == s {
		c.byName.remove(s.name)
		for _, o := range c.sections {
			if o.name == s.name {
				c.byName.add(o)
				break
			}
		}
	}
	s.c = nil
}

func isComment(u *unit) bool { return len(u.cmds) == 0 && u.raw != nil && !isBlank(u) }

func isBlank(u *unit) bool {
	return len(u.cmds) == 0 && u.raw != nil && len(bytes.TrimSpace(u.raw)) == 0
}

// In reports whether s is a section of c (not deleted from it).
func (s *Section) In(c *Config) bool { return s != nil && c != nil && s.c == c }

// Type is the section type.
func (s *Section) Type() string { return s.typ }

// Name is the section name (libuci's generated one for anonymous sections).
func (s *Section) Name() string { return s.name }

// Anonymous reports whether the file gives the section no name.
func (s *Section) Anonymous() bool { return s.anon }

// String is "name=type", as `uci show` prints a section.
func (s *Section) String() string { return s.name + "=" + s.typ }

// cmds returns the section's option and list commands in file order.
func (s *Section) cmds() []*cmd {
	c := s.c
	if c == nil {
		return nil
	}
	if !c.indexed {
		for _, u := range c.units {
			for _, x := range u.cmds {
				if x.kind == 'o' || x.kind == 'l' {
					x.sec.opts = append(x.sec.opts, x)
				}
			}
		}
		c.indexed = true
	}
	if s.span != nil && !s.read {
		if c.peek {
			return c.peekSpan(s)
		}
		c.readSpan(s)
	}
	return s.opts
}

// Options returns the options as libuci holds them, in its order: an
// "option" with an empty value is ignored; an option or list seen again
// keeps the place where it was first defined, an "option" giving it its
// new value (a list becomes a plain option) and a "list" appending to it
// (a plain option becomes a list of its value and the new one).
func (s *Section) Options() []Option {
	var out []Option
	for _, x := range s.cmds() {
		i := slices.IndexFunc(out, func(o Option) bool { return o.Name == x.a })
		switch {
		case x.kind == 'o' && x.b == "":
		case x.kind == 'o' && i >= 0:
			out[i] = Option{Name: x.a, Values: []string{x.b}}
		case x.kind == 'o':
			out = append(out, Option{Name: x.a, Values: []string{x.b}})
		case i < 0:
			out = append(out, Option{Name: x.a, Values: []string{x.b}, List: true})
		case out[i].List:
			out[i].Values = append(out[i].Values, x.b)
		default:
			out[i] = Option{Name: x.a, Values: []string{out[i].Values[0], x.b}, List: true}
		}
	}
	return out
}

// option folds one option's commands as Options does, without building
// the whole list: lookups are the hot path of big configs.
func (s *Section) option(name string) (Option, bool) {
	var o Option
	found := false
	for _, x := range s.cmdsOf(name) {
		switch {
		case x.a != name || x.kind == 'o' && x.b == "":
		case x.kind == 'o':
			o, found = Option{Name: name, Values: []string{x.b}}, true
		case found && o.List:
			o.Values = append(o.Values, x.b)
		case found:
			o = Option{Name: name, Values: []string{o.Values[0], x.b}, List: true}
		default:
			o, found = Option{Name: name, Values: []string{x.b}, List: true}, true
		}
	}
	return o, found
}

// Option returns one option as Options folds it, without building the
// whole list.
func (s *Section) Option(name string) (Option, bool) { return s.option(name) }

// Get returns an option's value; a list's values are joined by spaces, as
// `uci get` prints them.
func (s *Section) Get(name string) (string, bool) {
	// One command for the option, the usual case, needs no folding.
	only, n := s.commandsFor(name)
	switch {
	case n == 0, n == 1 && only.kind == 'o' && only.b == "":
		return "", false
	case n == 1:
		return only.b, true
	}
	o, ok := s.option(name)
	if !ok {
		return "", false
	}
	return strings.Join(o.Values, " "), true
}

// commandsFor counts the commands that set or add to option name, and
// returns the last of them.
func (s *Section) commandsFor(name string) (last *cmd, n int) {
	for _, x := range s.cmdsOf(name) {
		if x.a == name {
			last = x
			n++
		}
	}
	return last, n
}

// Single returns the option's value when it folds to exactly one value
// (a plain option, or a list of one item: list says which), as Option
// would give it, without building the Option: a writer comparing
// thousands of sections with what it would write needs no allocation per
// option.
func (s *Section) Single(name string) (val string, list, ok bool) {
	only, n := s.commandsFor(name)
	switch {
	case n == 0, n == 1 && only.kind == 'o' && only.b == "":
		return "", false, false
	case n == 1:
		return only.b, only.kind == 'l', true
	}
	if o, ok := s.option(name); ok && len(o.Values) == 1 {
		return o.Values[0], o.List, true
	}
	return "", false, false
}

// List returns a list's values; a plain option gives its one value, an
// absent one nil.
func (s *Section) List(name string) []string {
	o, ok := s.option(name)
	if !ok {
		return nil
	}
	return o.Values
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

// ValidateValue rejects what libuci cannot store: NUL, CR, LF and other
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
// name in place (or adding it after the section's last option). Setting
// the value it already has changes nothing; an empty value deletes the
// option, as `uci set` does (libuci keeps no empty options).
func (s *Section) Set(name, value string) error {
	if err := s.check(name, value); err != nil {
		return err
	}
	if value == "" {
		s.Unset(name)
		return nil
	}
	if o, ok := s.option(name); ok && !o.List && o.Values[0] == value {
		return nil
	}
	s.replace(name, []*cmd{{kind: 'o', a: name, b: value, sec: s}})
	return nil
}

// SetList sets a list, replacing an option or list of that name in place.
// An equal list changes nothing; an empty one deletes the option.
func (s *Section) SetList(name string, values []string) error {
	if err := s.check(name, values...); err != nil {
		return err
	}
	s.setList(name, values)
	return nil
}

func (s *Section) setList(name string, values []string) {
	if len(values) == 0 {
		s.Unset(name)
		return
	}
	if o, ok := s.option(name); ok && o.List && slices.Equal(o.Values, values) {
		return
	}
	cmds := make([]*cmd, len(values))
	for i, v := range values {
		cmds[i] = &cmd{kind: 'l', a: name, b: v, sec: s}
	}
	s.replace(name, cmds)
}

// AddList appends one value to a list: one new line after the list's
// last. A plain option becomes a list, as `uci add_list` does.
func (s *Section) AddList(name, value string) error {
	if err := s.check(name, value); err != nil {
		return err
	}
	o, ok := s.option(name)
	if ok && !o.List {
		s.setList(name, append(o.Values, value)) // the old value is the file's own
		return nil
	}
	x := &cmd{kind: 'l', a: name, b: value, sec: s}
	if !ok {
		s.replace(name, []*cmd{x})
		return nil
	}
	s.c.split(s)
	var last *cmd
	for _, y := range s.cmds() {
		if y.a == name {
			last = y
		}
	}
	s.c.insertAfter(last, []*cmd{x})
	s.c.reindex(s)
	return nil
}

// Unset deletes an option or list.
func (s *Section) Unset(name string) {
	if s.c != nil && slices.ContainsFunc(s.cmdsOf(name), func(x *cmd) bool { return x.a == name }) {
		s.replace(name, nil)
	}
}

// replace removes every command for option name and puts cmds where the
// first of them stood, or after the section's last command.
func (s *Section) replace(name string, cmds []*cmd) {
	c := s.c
	c.edited = true
	c.split(s)
	match := func(x *cmd) bool { return x.sec == s && x.a == name && (x.kind == 'o' || x.kind == 'l') }
	placed := false
	keep := c.units[:0]
	for _, u := range c.units {
		first := slices.IndexFunc(u.cmds, match)
		if first < 0 {
			keep = append(keep, u)
			continue
		}
		rest := slices.DeleteFunc(slices.Clone(u.cmds), match)
		if !placed {
			placed = true
			rest = slices.Insert(rest, first, cmds...)
			for _, x := range cmds {
				x.unit = u
			}
		}
		if len(rest) > 0 {
			u.cmds, u.raw = rest, nil
			keep = append(keep, u)
		}
	}
	clear(c.units[len(keep):])
	c.units = keep
	if !placed && len(cmds) > 0 {
		var last *cmd
		for _, u := range c.units {
			for _, x := range u.cmds {
				if x.sec == s {
					last = x
				}
			}
		}
		c.insertAfter(last, cmds)
	}
	c.reindex(s)
}

// insertAfter puts cmds right after command x: as new lines after x's
// line when x ends it (indented like x, or a tab after a config line),
// else spliced into x's line, which is then rewritten.
func (c *Config) insertAfter(x *cmd, cmds []*cmd) {
	c.edited = true
	u := x.unit
	j := slices.Index(u.cmds, x)
	if j < len(u.cmds)-1 {
		u.cmds = slices.Insert(u.cmds, j+1, cmds...)
		u.raw = nil
		for _, y := range cmds {
			y.unit = u
		}
		return
	}
	indent := "\t"
	if k := u.cmds[0].kind; k == 'o' || k == 'l' {
		indent = u.indent
	}
	add := make([]*unit, len(cmds))
	for i, y := range cmds {
		add[i] = &unit{cmds: []*cmd{y}, indent: indent}
		y.unit = add[i]
	}
	i := slices.Index(c.units, u)
	c.units = slices.Insert(c.units, i+1, add...)
}

// reindex refreshes one section's entry of the option index after an edit
// to it, so a run of edits does not rebuild the index of the whole file.
func (c *Config) reindex(s *Section) {
	if !c.indexed {
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
	s.opts = list
}

// readSpan fills the option index of a section still held as a span. The
// commands belong to no unit: an edit splits the span first.
func (c *Config) readSpan(s *Section) {
	var opts []*cmd
	c.replaySpan(s.span, func(p *parser, _ int, cmds []*cmd) {
		for _, x := range cmds {
			if x.kind == 'o' || x.kind == 'l' {
				opts = append(opts, x)
			} else {
				p.dropCmds(1) // the config line: only the options are kept
			}
		}
	})
	s.opts, s.read = slices.Clip(opts), true
}

// namesSeen marks Section.names as filled in: bit nameBit(n) is set for
// every option or list name n of the span.
const namesSeen = 1 << 31

// nameBit hashes a name from its length and ends: cheap, as it runs on
// every lookup, and a collision only costs a parse.
func nameBit(name string) uint32 {
	if name == "" {
		return 1
	}
	h := uint32(len(name))*7 + uint32(name[0]) + uint32(name[len(name)-1])*3
	return 1 << (h % 31)
}

// cmdsOf is cmds for a reader of option name only (the commands it gives
// may be others too): a span read before (Config.peek) whose names do
// not include name gives none without being parsed again. hub.Store
// looks for an option most peers do not have in a pass of its own.
func (s *Section) cmdsOf(name string) []*cmd {
	if c := s.c; c != nil && c.peek && s.span != nil && !s.read {
		switch {
		case c.peeked == s:
			return c.peekOpts // read last: a reader of its options asks for several
		case s.names&namesSeen != 0 && s.names&nameBit(name) == 0:
			return nil
		}
	}
	return s.cmds()
}

// peekSpan is readSpan for a config whose sections are read once each
// (a hub loading thousands of peers): the options of the section read
// last are kept, in memory reused for the next, rather than every
// section's for the rest of the process (2 MB at 5000 peers). A span's
// bytes never change (an edit splits it first), so what is parsed again
// is what was parsed before. The result is valid until the next
// peekSpan of this config; the callers of cmds only loop over it.
func (c *Config) peekSpan(s *Section) []*cmd {
	if c.peeked == s {
		return c.peekOpts
	}
	saved := c.slabs.cmds
	c.slabs.cmds = c.peekCmds[:0]
	opts := c.peekOpts[:0]
	names := uint32(namesSeen)
	c.replay(s.span, true, func(p *parser, _ int, cmds []*cmd) {
		for _, x := range cmds {
			if x.kind == 'o' || x.kind == 'l' {
				opts = append(opts, x)
				names |= nameBit(x.a)
			}
		}
	})
	s.names = names
	c.peekCmds, c.slabs.cmds = c.slabs.cmds, saved
	c.peeked, c.peekOpts = s, opts
	return opts
}

// split turns the span of s (if it has one) into units of their own, as
// a file parsed line by line has them, before an edit.
func (c *Config) split(s *Section) {
	span := s.span
	if span == nil {
		return
	}
	var units []*unit
	var opts []*cmd
	c.replaySpan(span, func(p *parser, start int, cmds []*cmd) {
		u := p.unit(start, cmds)
		units = append(units, u)
		for _, x := range u.cmds {
			if x.kind == 'o' || x.kind == 'l' {
				opts = append(opts, x)
			}
		}
	})
	i := slices.Index(c.units, span)
	c.units = slices.Replace(c.units, i, i+1, units...)
	s.span, s.read, s.opts = nil, false, slices.Clip(opts)
}

package uci

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"unsafe"
)

// ParseError reports where a config file is malformed.
type ParseError struct {
	File  string // config name
	Line  int    // 1-based line of the offending token
	Token string // the offending text, shortened
	Msg   string
}

func (e *ParseError) Error() string {
	if e.Token != "" {
		return fmt.Sprintf("uci: %s:%d: %s in %q", e.File, e.Line, e.Msg, e.Token)
	}
	return fmt.Sprintf("uci: %s:%d: %s", e.File, e.Line, e.Msg)
}

// parser re-implements libuci's file parser (file.c) on a byte slice. Like
// libuci it reads one physical line at a time and fetches more lines only
// when a quote or a trailing backslash asks for them; everything fetched
// for one line is one unit of the file. libuci parses in place and writes
// NUL bytes into its buffer: where that cuts a line short, cut marks it.
type parser struct {
	name    string
	data    []byte
	end     int // end of the lines fetched so far
	cut     int // bytes from here on read as the end of the line
	pos     int
	tail    int  // start of a trailing comment on this unit, or -1
	eof     bool // a line was asked for past the end
	scratch []byte
	sdata   string // data as a string: values that are a run of it are cut from it
	c       *Config
	cur     *Section
	units   []*unit
	// replay re-reads the lines of one section already parsed (a span,
	// see Config.split): its config line names this section.
	replay   *Section
	lineCmds []*cmd // the current line's commands, before they are cut
	run      bool   // see keep
	from     int
}

// slabs are what a config's parsed lines are cut from: a big file's tens
// of thousands of lines cost a few allocations, not several each.
type slabs struct {
	units []unit
	cmds  []cmd
	ptrs  []*cmd
	secs  []Section // sized by Parse for a big file's sections
}

const slabSize = 512

func (p *parser) newUnit() *unit {
	a := &p.c.slabs
	if len(a.units) == cap(a.units) {
		a.units = make([]unit, 0, slabSize)
	}
	a.units = a.units[:len(a.units)+1]
	return &a.units[len(a.units)-1]
}

func (p *parser) newCmd(x cmd) *cmd {
	a := &p.c.slabs
	if len(a.cmds) == cap(a.cmds) {
		a.cmds = make([]cmd, 0, slabSize)
	}
	a.cmds = append(a.cmds, x)
	return &a.cmds[len(a.cmds)-1]
}

// dropCmds gives back the slab's last n commands (a line not kept).
func (p *parser) dropCmds(n int) {
	a := &p.c.slabs
	n = min(n, len(a.cmds))
	clear(a.cmds[len(a.cmds)-n:])
	a.cmds = a.cmds[:len(a.cmds)-n]
}

// cutCmds copies cmds into the slab; the result has no spare capacity, so
// an edit that adds to it copies it first.
func (p *parser) cutCmds(cmds []*cmd) []*cmd {
	if len(cmds) == 0 {
		return nil
	}
	a := &p.c.slabs
	if len(cmds) > cap(a.ptrs)-len(a.ptrs) {
		a.ptrs = make([]*cmd, 0, max(slabSize, len(cmds)))
	}
	i := len(a.ptrs)
	a.ptrs = append(a.ptrs, cmds...)
	return a.ptrs[i:len(a.ptrs):len(a.ptrs)]
}

// errIrregular stops a lazy parse (see Parse).
var errIrregular = errors.New("uci: not one section per run of lines")

// Parse reads a config file named name (the package name, as in
// /etc/config/<name>). It accepts what libuci accepts in its default
// strict mode, and reads it the same way.
//
// Every line is parsed and checked, but a section's lines (its config
// line up to the next one) are kept as one run of bytes, a span, until
// the section is read (then its options are parsed again, and kept) or
// edited (then its lines become lines of their own): a command that
// changes one section of a big file costs that section, not the file.
// A file where that does not hold (a section opened twice, several
// commands on one line) is kept line by line from the start.
func Parse(name string, data []byte) (*Config, error) {
	// Spans are parsed again from the bytes later: they must be a copy of
	// the caller's, which the caller may reuse; one copy serves as both.
	sdata := string(data)
	return parseAs(name, unsafe.Slice(unsafe.StringData(sdata), len(sdata)), sdata, false)
}

// parseOwned is Parse of bytes nothing will ever change (a Tree's reads):
// its values are cut from them without a copy of the file. A Tree's
// configs are read through once (a hub's every peer): a span's options
// are parsed again when read and not kept (see Config.peekSpan), which
// costs a little time and saves the memory of every option of the file.
func parseOwned(name string, data []byte) (*Config, error) {
	return parseAs(name, data, unsafe.String(unsafe.SliceData(data), len(data)), true)
}

// parseAs parses data, whose bytes sdata holds as a string; peek: see
// parseOwned.
func parseAs(name string, data []byte, sdata string, peek bool) (*Config, error) {
	c, err := parse(name, data, sdata, len(data) < math.MaxInt32) // see unit.at
	if err == errIrregular {
		c, err = parse(name, data, sdata, false)
	}
	if c != nil {
		c.peek = peek
	}
	return c, err
}

func parse(name string, data []byte, sdata string, lazy bool) (*Config, error) {
	c := New(name)
	c.data, c.sdata = data, sdata
	// Room for the sections a file of this size is likely to have.
	if n := sectionsIn(data); n > 8 {
		c.byName = newNames(n)
		c.sections = make([]*Section, 0, n+8)
		c.slabs.secs = make([]Section, 0, n+8)
		// A span each, and room for the lines an edit of a few sections
		// adds (growing would copy the list, a pointer a section).
		c.units = make([]*unit, 0, n+64)
	}
	p := &parser{name: name, data: data, sdata: c.sdata, c: c}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, p.errAt(i, "", "NUL byte")
	}
	var span *unit
	for p.end < len(data) {
		start := p.end
		if lazy && span != nil {
			// Most of a big file: its sections' option lines.
			if kind, _, _, end := p.plainLine(start); kind != 0 {
				p.end = end
				span.raw = data[span.at:end]
				continue
			}
		}
		if lazy {
			// The rest of it: config lines and the blank lines between
			// sections, when written plainly.
			if span != nil && data[start] == '\n' {
				p.end = start + 1
				span.raw = data[span.at:p.end]
				continue
			}
			if typ, name, end := p.plainConfig(start); end > 0 {
				// Into the name table without a lookup first: a name
				// it already held (it did not grow) is a section opened
				// again, which the line by line parse reads.
				n := c.byName.n
				s := c.newSection(typ, name)
				if c.byName.n == n {
					return nil, errIrregular
				}
				p.cur, p.end = s, end
				span = p.newUnit()
				*span = unit{raw: data[start:end], orig: true, span: s, at: int32(start)}
				s.span, s.plain = span, true
				c.units = append(c.units, span)
				continue
			}
		}
		p.pos, p.tail = start, -1
		p.fetch()
		cmds, err := p.line()
		if err != nil {
			return nil, redactSecret(err, data[start:p.end])
		}
		if lazy {
			kind := byte(0)
			if len(cmds) == 1 {
				kind = cmds[0].kind
			}
			switch {
			case len(cmds) == 1 && kind == 'c':
				s := cmds[0].sec
				if s.span != nil {
					return nil, errIrregular // opened again
				}
				span = p.newUnit()
				*span = unit{raw: data[start:p.end], orig: true, span: s, at: int32(start)}
				s.span = span
				c.units = append(c.units, span)
				p.dropCmds(1)
				continue
			case span != nil && (len(cmds) == 0 || kind == 'o' || kind == 'l'):
				span.raw = data[span.at:p.end]
				span.span.plain = false
				p.dropCmds(len(cmds))
				continue
			case len(cmds) > 0 && (span != nil || len(cmds) > 1 || kind != 'p'):
				return nil, errIrregular
			}
		}
		c.units = append(c.units, p.unit(start, cmds))
	}
	if lazy {
		c.indexed = true // spans are indexed when read (or kept)
		return c, nil
	}
	nopts := 0
	for _, u := range c.units {
		for _, x := range u.cmds {
			if x.kind == 'o' || x.kind == 'l' {
				x.sec.nopts++
				nopts++
			}
		}
	}
	// Each section's option index, cut from one array (capacity clipped:
	// an edit replaces a section's index, never appends to it in place).
	all := make([]*cmd, 0, nopts)
	for _, s := range c.sections {
		s.opts = all[len(all) : len(all) : len(all)+s.nopts]
		all = all[:len(all)+s.nopts]
	}
	for _, u := range c.units {
		for _, x := range u.cmds {
			if x.kind == 'o' || x.kind == 'l' {
				x.sec.opts = append(x.sec.opts, x)
			}
		}
	}
	for _, s := range c.sections {
		s.nopts = 0
	}
	c.indexed = true
	return c, nil
}

// sectionsIn estimates how many sections data holds: its config lines
// counted in its first 64 KB and scaled to its size, with a sixteenth
// more (too few costs the lists and the name map a copy as they grow).
// Counting them in all of a big file costs a pass over it as long as the
// parse's own.
func sectionsIn(data []byte) int {
	const sample = 64 << 10
	if len(data) <= sample {
		return bytes.Count(data, []byte("config"))
	}
	n := int(int64(bytes.Count(data[:sample], []byte("config"))) * int64(len(data)) / sample)
	return n + n/16
}

// unit makes the line(s) from start to p.end, holding cmds, a unit.
func (p *parser) unit(start int, cmds []*cmd) *unit {
	u := p.newUnit()
	*u = unit{raw: p.data[start:p.end], orig: true, cmds: p.cutCmds(cmds)}
	u.indent = p.sdata[start : start+len(leadingSpace(u.raw))]
	if p.tail >= 0 && len(u.cmds) > 0 {
		u.tail = strings.TrimRight(p.sdata[p.tail:p.end], "\r\n")
	}
	for _, x := range u.cmds {
		x.unit = u
	}
	return u
}

// replaySpan parses the lines of span again and calls fn with each line's
// start and commands (of span's section). They parsed before, so they
// parse again; Parse checked them.
func (c *Config) replaySpan(span *unit, fn func(p *parser, start int, cmds []*cmd)) {
	c.replay(span, false, fn)
}

// replay is replaySpan; plain (for a reader of options only): a line
// that is one plain option or list command (see plainOption) is taken
// apart directly, and fn is given no unit's worth of parser state for
// it (p.tail), only the command; a plain config or blank line (see
// plainOther) is skipped.
func (c *Config) replay(span *unit, plain bool, fn func(p *parser, start int, cmds []*cmd)) {
	// One parser serves every replay of the config (thousands, when a
	// hub is loaded).
	p := c.replayer
	if p == nil {
		p = &parser{name: c.name, data: c.data, sdata: c.sdata, c: c}
		c.replayer = p
	}
	p.replay, p.cur = span.span, span.span
	p.end = int(span.at)
	if plain && span.span.plain {
		p.replayPlain(int(span.at)+len(span.raw), fn)
		return
	}
	for p.end < int(span.at)+len(span.raw) {
		start := p.end
		if plain {
			if x := p.plainOption(start); x != nil {
				p.lineCmds = append(p.lineCmds[:0], x)
				fn(p, start, p.lineCmds)
				continue
			}
			if end := p.plainOther(start); end > 0 {
				p.end = end
				continue
			}
		}
		p.pos, p.tail = start, -1
		p.fetch()
		cmds, err := p.line()
		if err != nil {
			panic("uci: a parsed section no longer parses: " + err.Error())
		}
		fn(p, start, cmds)
	}
}

// replayPlain is replay (plain) of a span whose lines parsed as plain
// ones (Section.plain), up to end: its config line, plain option lines
// and blank lines, each ending in a line break. What plainLine checked
// then holds now (a span's bytes do not change), so a line is only cut
// where its parts end: a hub's every peer is read this way at each Load.
func (p *parser) replayPlain(end int, fn func(p *parser, start int, cmds []*cmd)) {
	d, sd := p.data, p.sdata
	for start := p.end; start < end; start = p.end {
		nl := start + bytes.IndexByte(d[start:end], '\n')
		p.end = nl + 1
		if d[start] != '\t' {
			continue // the config line, or a blank one
		}
		kind, i := byte('o'), start+len("\toption ")
		if d[start+1] == 'l' {
			kind, i = 'l', start+len("\tlist ")
		}
		sp := i
		for d[sp] != ' ' {
			sp++
		}
		x := p.newCmd(cmd{kind: kind, a: sd[i:sp], b: sd[sp+2 : nl-1], sec: p.cur})
		p.lineCmds = append(p.lineCmds[:0], x)
		fn(p, start, p.lineCmds)
	}
}

// plainLine reads the line at start when it is written the way uci
// export and wghub write an option: a tab, "option" or "list", a space,
// a name of letters, digits and '_', a space and a value in single quotes
// holding no quote, backslash or line break, then the line's end. Such a
// line is valid, and the full parser (line) reads it as this one
// command: the thousands of option lines of a hub's peer sections cost a
// scan of their bytes. Any other line gives kind 0 and is left to line.
// end is where the next line starts.
func (p *parser) plainLine(start int) (kind byte, name, val string, end int) {
	d := p.data
	i := start
	if i >= len(d) || d[i] != '\t' {
		return 0, "", "", 0
	}
	i++
	switch {
	case bytes.HasPrefix(d[i:], []byte("option ")):
		kind, i = 'o', i+len("option ")
	case bytes.HasPrefix(d[i:], []byte("list ")):
		kind, i = 'l', i+len("list ")
	default:
		return 0, "", "", 0
	}
	n := i
	for i < len(d) && plainByte[d[i]] == plainName {
		i++
	}
	if i == n || i+1 >= len(d) || d[i] != ' ' || d[i+1] != '\'' {
		return 0, "", "", 0
	}
	name = p.sdata[n:i]
	i += 2
	v := i
	for i < len(d) && plainByte[d[i]] != plainStop {
		i++
	}
	if i+1 >= len(d) || d[i] != '\'' || d[i+1] != '\n' {
		return 0, "", "", 0
	}
	return kind, name, p.sdata[v:i], i + 2
}

// plainOther is where the next line starts when the line at start is
// blank or a section's config line with no ';', '#', backslash or double
// quote and its single quotes paired: one line to the parser, and no
// option command. A replay (plain) gives fn nothing for it; else 0.
func (p *parser) plainOther(start int) int {
	d := p.data
	if start < len(d) && d[start] == '\n' {
		return start + 1
	}
	if !bytes.HasPrefix(d[start:], []byte("config ")) {
		return 0
	}
	quotes := 0
	for i := start + len("config "); i < len(d); i++ {
		switch d[i] {
		case '\n':
			if quotes%2 != 0 {
				return 0
			}
			return i + 1
		case '\'':
			quotes++
		case ';', '#', '\\', '"', '\r':
			return 0
		}
	}
	return 0
}

// plainConfig reads the line at start when it is a config line written
// as uci export and wghub write a named section's: "config", a type and
// a quoted name, both of letters, digits and '_' only, single spaces,
// then the line's end. The full parser (line) reads such a line as this
// one command; a file's thousands of sections cost a scan of their
// config lines. Else end is 0.
func (p *parser) plainConfig(start int) (typ, name string, end int) {
	d := p.data
	i := start + len("config ")
	if !bytes.HasPrefix(d[start:], []byte("config ")) {
		return "", "", 0
	}
	t := i
	for i < len(d) && plainByte[d[i]] == plainName {
		i++
	}
	if i == t || i+1 >= len(d) || d[i] != ' ' || d[i+1] != '\'' {
		return "", "", 0
	}
	typ = p.sdata[t:i]
	i += 2
	n := i
	for i < len(d) && plainByte[d[i]] == plainName {
		i++
	}
	if i == n || i+1 >= len(d) || d[i] != '\'' || d[i+1] != '\n' {
		return "", "", 0
	}
	return typ, p.sdata[n:i], i + 2
}

// plainOption is the command of a plainLine at start, or nil; it moves
// p.end past the line.
func (p *parser) plainOption(start int) *cmd {
	kind, name, val, end := p.plainLine(start)
	if kind == 0 {
		return nil
	}
	p.end = end
	return p.newCmd(cmd{kind: kind, a: name, b: val, sec: p.cur})
}

// plainByte sorts bytes for plainOption: those of a plain name, those
// that end (or rule out) a plain value, and the rest.
var plainByte = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			t[c] = plainName
		case c == '\'' || c == '\\' || c == '\n' || c == '\r':
			t[c] = plainStop
		}
	}
	return t
}()

const (
	plainName = 1 + iota
	plainStop
)

func (p *parser) errAt(at int, tok, format string, a ...any) error {
	if i := strings.IndexAny(tok, "\r\n"); i >= 0 {
		tok = tok[:i]
	}
	if len(tok) > 40 {
		tok = tok[:40] + "..."
	}
	line := 1 + bytes.Count(p.data[:at], []byte{'\n'})
	return &ParseError{File: p.name, Line: line, Token: tok, Msg: fmt.Sprintf(format, a...)}
}

// fetch appends the next physical line to the buffer (libuci's
// uci_getln); false at the end of the file.
func (p *parser) fetch() bool {
	if p.end >= len(p.data) {
		p.eof = true
		return false
	}
	if i := bytes.IndexByte(p.data[p.end:], '\n'); i >= 0 {
		p.end += i + 1
	} else {
		p.end = len(p.data)
	}
	p.cut = p.end
	return true
}

func (p *parser) at(i int) byte {
	if i < p.cut {
		return p.data[i]
	}
	return 0
}

func (p *parser) ch() byte { return p.at(p.pos) }

func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

func (p *parser) skipSpace() {
	for isSpace(p.ch()) {
		p.pos++
	}
}

// line parses one line: commands separated by ';' (uci_parse_line).
func (p *parser) line() ([]*cmd, error) {
	cmds := p.lineCmds[:0]
	defer func() { p.lineCmds = cmds[:0] }()
	p.skipSpace()
	for {
		// The command word is split off on blanks only, as strtok does.
		for c := p.ch(); c == ' ' || c == '\t'; c = p.ch() {
			p.pos++
		}
		if p.ch() == 0 {
			return cmds, nil
		}
		ws := p.pos
		for c := p.ch(); c != 0 && c != ' ' && c != '\t'; c = p.ch() {
			p.pos++
		}
		if p.data[ws] == '#' {
			p.comment(ws)
			return cmds, nil
		}
		kind := keyword(p.data[ws:p.pos])
		word := kindWord(kind)
		if kind == 0 {
			word = string(p.data[ws:p.pos])
		}
		switch {
		case kind == 0 && strings.TrimRight(word, "\t\n\v\f\r ") == "":
			// strtok splits on blanks only: after a ';' the line break
			// is a word of its own, which libuci rejects.
			return nil, p.errAt(ws, ";", "nothing after ';' at the end of the line")
		case kind == 0 && keyword([]byte(strings.TrimRight(word, "\r\n"))) != 0:
			return nil, p.errAt(ws, word, "missing argument")
		case kind == 0:
			return nil, p.errAt(ws, word, "unknown command")
		}
		if p.ch() == 0 {
			return nil, p.errAt(ws, word, "missing argument")
		}
		p.pos++ // the blank after the word
		x, err := p.command(kind, word, ws)
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, x)
	}
}

func kindWord(k byte) string {
	switch k {
	case 'p':
		return "package"
	case 'c':
		return "config"
	case 'o':
		return "option"
	case 'l':
		return "list"
	}
	return ""
}

func keyword(w []byte) byte {
	switch string(w) {
	case "package", "p":
		return 'p'
	case "config", "c":
		return 'c'
	case "option", "o":
		return 'o'
	case "list", "l":
		return 'l'
	}
	return 0
}

func (p *parser) comment(at int) {
	for at > 0 && (p.data[at-1] == ' ' || p.data[at-1] == '\t') {
		at--
	}
	p.tail = at
}

func (p *parser) command(kind byte, word string, at int) (*cmd, error) {
	switch kind {
	case 'p':
		name, err := p.arg(true, word)
		if err != nil {
			return nil, err
		}
		if !validPackage(name) {
			return nil, p.errAt(at, name, "invalid package name")
		}
		return p.newCmd(cmd{kind: 'p', a: name}), p.eol()
	case 'c':
		typ, err := p.arg(true, word)
		if err != nil {
			return nil, err
		}
		if !validType(typ) {
			return nil, p.errAt(at, typ, "invalid section type")
		}
		nameAt := p.pos
		name, err := p.arg(false, word)
		if err != nil {
			return nil, err
		}
		if name != "" && !validName(name) {
			return nil, p.errAt(nameAt, name, "invalid section name")
		}
		if err := p.eol(); err != nil {
			return nil, err
		}
		if p.replay != nil {
			p.cur = p.replay
			return p.newCmd(cmd{kind: 'c', a: typ, b: name, sec: p.cur}), nil
		}
		var same bool
		if p.cur, same = p.c.open(typ, name); !same {
			return nil, p.errAt(nameAt, name, "section %q redefined with another type (%s, was %s)", name, typ, p.cur.typ)
		}
		return p.newCmd(cmd{kind: 'c', a: typ, b: name, sec: p.cur}), nil
	default:
		if p.cur == nil {
			return nil, p.errAt(at, word, "option or list before the first config section")
		}
		nameAt := p.pos
		name, err := p.arg(true, word)
		if err != nil {
			return nil, err
		}
		if !validName(name) {
			return nil, p.errAt(nameAt, name, "invalid option name")
		}
		val, err := p.arg(false, word)
		if err != nil {
			return nil, err
		}
		return p.newCmd(cmd{kind: kind, a: name, b: val, sec: p.cur}), p.eol()
	}
}

// arg reads one argument (next_arg). A ';' in its place ends the command
// and counts as an empty argument.
func (p *parser) arg(required bool, word string) (string, error) {
	p.skipSpace()
	at := p.pos
	var s string
	if p.ch() == ';' {
		p.pos++
	} else {
		var err error
		if s, err = p.str(); err != nil {
			return "", err
		}
	}
	if s == "" && required {
		return "", p.errAt(at, word, "missing argument")
	}
	return s, nil
}

// eol rejects a further argument, as libuci's strict mode does.
func (p *parser) eol() error {
	p.skipSpace()
	at := p.pos
	extra, err := p.arg(false, "")
	if err != nil {
		return err
	}
	if extra != "" {
		return p.errAt(at, extra, "too many arguments")
	}
	return nil
}

// str reads one word made of bare, single- and double-quoted pieces
// (parse_str).
func (p *parser) str() (string, error) {
	if v, ok := p.simpleWord(); ok {
		return v, nil
	}
	b := p.scratch[:0]
	next, moved := true, false // moved: quotes or escapes were dropped
	start := p.pos
	p.run = len(p.sdata) == len(p.data)
	for {
		c := p.ch()
		switch {
		case c == '\'':
			moved = true
			p.pos++
			for {
				c := p.ch()
				if c == '\'' {
					p.pos++
					break
				}
				if c == 0 {
					if !p.fetch() {
						return "", p.errAt(start, string(p.data[start:]), "unterminated quote")
					}
					continue
				}
				b = p.keep(b, c)
				p.pos++
			}
		case c == '"':
			moved = true
			p.pos++
			for {
				c := p.ch()
				if c == '"' {
					p.pos++
					break
				}
				if c == 0 {
					if !p.fetch() {
						return "", p.errAt(start, string(p.data[start:]), "unterminated quote")
					}
					continue
				}
				if c == '\\' && !p.backslash() {
					continue
				}
				b = p.keep(b, p.ch())
				p.pos++
			}
		case c == '#':
			p.comment(p.pos)
			p.cut = p.pos
		case c == 0:
		case c == ';':
			next = false
		case c == '\\':
			moved = true
			if p.backslash() {
				b = p.keep(b, p.ch())
				p.pos++
			}
		default:
			b = p.keep(b, c)
			p.pos++
		}
		if c == '#' || c == 0 || c == ';' {
			break
		}
		if c := p.ch(); c == 0 || isSpace(c) {
			break
		}
	}
	if p.ch() != 0 && next {
		p.pos++
	}
	if !next && !moved {
		// libuci terminates the word in place: with nothing dropped
		// from it, the terminating NUL lands on the ';' and the rest of
		// the line is lost (it does so silently, even in strict mode).
		p.cut = p.pos
	}
	p.scratch = b[:0]
	if p.run {
		return p.sdata[p.from : p.from+len(b)], nil
	}
	return string(b), nil
}

// simpleWord reads the words nearly every file is made of, a 'quoted'
// value or a bare one ended by a blank or the line's end, as str does but
// without going byte by byte. Anything else it leaves to str.
func (p *parser) simpleWord() (string, bool) {
	start := p.pos
	from, to := p.pos, p.pos
	switch c := p.ch(); {
	case c == '\'':
		i := bytes.IndexByte(p.data[p.pos+1:p.cut], '\'')
		if i < 0 {
			return "", false
		}
		from, to = p.pos+1, p.pos+1+i
		p.pos = to + 1
	default:
		for to < p.cut && !special(p.data[to]) {
			to++
		}
		if to == from {
			return "", false
		}
		p.pos = to
	}
	if c := p.ch(); c != 0 && !isSpace(c) {
		p.pos = start // not simple: str goes byte by byte
		return "", false
	}
	if p.ch() != 0 {
		p.pos++ // the blank after the word
	}
	if len(p.sdata) == len(p.data) {
		return p.sdata[from:to], true
	}
	return string(p.data[from:to]), true
}

// special: bytes that end or change a bare word.
func special(c byte) bool {
	return isSpace(c) || c == '\'' || c == '"' || c == '#' || c == ';' || c == '\\'
}

// keep appends c, the byte at p.pos, to the word b, and notes whether b
// is still a run of the file's bytes (p.run, from p.from): then the word
// needs no copy of its own, as most (a quoted or bare word) do not.
func (p *parser) keep(b []byte, c byte) []byte {
	if len(b) == 0 {
		p.from = p.pos
	} else if p.from+len(b) != p.pos {
		p.run = false
	}
	return append(b, c)
}

// backslash handles '\' (parse_backslash): before the end of the line it
// joins the next line and gives false; otherwise the next byte is taken
// literally.
func (p *parser) backslash() bool {
	p.pos++
	c := p.ch()
	if c == 0 || c == '\n' || c == '\r' && p.at(p.pos+1) == '\n' && p.at(p.pos+2) == 0 {
		if c != 0 {
			p.pos = p.end // the line break is dropped
		}
		p.fetch()
		return false
	}
	return true
}

func leadingSpace(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return b[:i]
}

// validName: section and option names, [A-Za-z0-9_]+.
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

// validPackage: package names, [A-Za-z0-9_-]+.
func validPackage(s string) bool {
	return validName(strings.ReplaceAll(s, "-", "_"))
}

// validType: section types, printable ASCII without space.
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

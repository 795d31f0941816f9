package uci

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestAnonymousNames: names as libuci gives them. No libuci is packaged
// for Debian, so the expected names are ones real routers print, as
// found in public scripts that address stock sections by them
// ("uci set firewall.cfg01e63d.flow_offloading=1", "uci del
// firewall.cfg02dc81.network", "uci set network.cfg030f15.ports=...",
// "dhcp.cfg01411c", "system.cfg01e48a.hostname", "uci add firewall rule # =cfg0e92bd" after the 13
// stock sections, "uci add test the_type" printing cfg013b47 on an empty
// file). They agree with libuci's list.c: the package's section counter
// counts every section allocated, named ones too, and an anonymous section
// is named when it is created, from its type alone (djbhash % 65536).
func TestAnonymousNames(t *testing.T) {
	load := func(name string) *Config {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	fw, net, dhcp, pkg, sys := load("firewall"), load("network"), load("dhcp"), load("firewall_pkg"), load("system")
	tests := []struct {
		c         *Config
		ref, want string
	}{
		{fw, "@defaults[0]", "cfg01e63d"},
		{fw, "@zone[0]", "cfg02dc81"},
		{fw, "@zone[1]", "cfg03dc81"},
		{fw, "@zone[-1]", "cfg03dc81"},
		{fw, "@zone[-2]", "cfg02dc81"},
		{fw, "@forwarding[0]", "cfg04ad58"},
		{fw, "@rule[0]", "cfg0592bd"},
		{fw, "@[0]", "cfg01e63d"},
		{fw, "@[-1]", "cfg0d92bd"},
		{pkg, "@zone[1]", "cfg03dc81"}, // comments and odd spacing do not count
		{net, "@device[0]", "cfg030f15"},
		{net, "@interface[0]", "loopback"},
		{dhcp, "@dnsmasq[0]", "cfg01411c"},
		{sys, "@system[0]", "cfg01e48a"},
	}
	for _, tt := range tests {
		s := tt.c.Section(tt.ref)
		if s == nil || s.Name() != tt.want {
			t.Errorf("%s %s: got %v, want %s", tt.c.Name(), tt.ref, s, tt.want)
		}
	}
	for _, ref := range []string{"@zone[2]", "@zone[-3]", "@zone[x]", "@zone", "zone", "@zone[0"} {
		if s := fw.Section(ref); s != nil {
			t.Errorf("%s: got %v, want nil", ref, s)
		}
	}
	if s := fw.Section("cfg02dc81"); s == nil || s.Type() != "zone" {
		t.Error("lookup by generated name")
	}
	// `uci add` continues the counter.
	r, _ := fw.Add("rule", "")
	if r.Name() != "cfg0e92bd" {
		t.Errorf("added rule: %s, want cfg0e92bd", r.Name())
	}
	fw.Delete(fw.Section("@rule[0]"))
	if r, _ := fw.Add("rule", ""); r.Name() != "cfg0f92bd" {
		t.Errorf("counter after delete: %s, want cfg0f92bd", r.Name())
	}
	if s, _ := New("test").Add("the_type", ""); s.Name() != "cfg013b47" {
		t.Errorf("first section of a new file: %s", s.Name())
	}
}

// TestSemantics: what libuci makes of the less common forms.
func TestSemantics(t *testing.T) {
	c, err := Parse("t", []byte(`config t 'a'
	option mv 'first'
	option o1 'x'
	list o1 'y'
	list l1 'p'
	option l1 'q'
	option esc "a\"b\\c\n"
	option sq 'it'\''s'
	option cont one\
two
	option multi 'line1
line2'
	option dq "x\
y"
	o short 'yes'
	l shortlist 1
	l shortlist 2
	option same 1
	option order 1
	option same 1
	option empty ''
	option gone 1
	option gone ''
	list el ''
	option mv 'second'
config t 'a'
	option merged 1
config other; o x 1
c t2 'b'; o x '1'; o y 2 ; o z 3 # comment
c t3 'c' # config 'c'
	option n "#notcomment" #comment
	option m a#b c
`))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Section("a")
	tests := []struct {
		opt  string
		want []string
		list bool
	}{
		{"o1", []string{"x", "y"}, true}, // list after option: converted (uci_add_list)
		{"l1", []string{"q"}, false},     // option after list: replaced
		{"esc", []string{`a"b\cn`}, false},
		{"sq", []string{"it's"}, false},
		{"cont", []string{"onetwo"}, false},
		{"multi", []string{"line1\nline2"}, false},
		{"dq", []string{"xy"}, false},
		{"short", []string{"yes"}, false},
		{"shortlist", []string{"1", "2"}, true},
		{"el", []string{""}, true},
		{"gone", []string{"1"}, false}, // an empty option is ignored, not a delete
		{"merged", []string{"1"}, false},
	}
	for _, tt := range tests {
		o, ok := a.option(tt.opt)
		if !ok || strings.Join(o.Values, "|") != strings.Join(tt.want, "|") || o.List != tt.list {
			t.Errorf("%s = %+v, want %q list=%v", tt.opt, o, tt.want, tt.list)
		}
	}
	if a.Has("empty") {
		t.Errorf("empty option present: %v", a)
	}
	// libuci's order: an option keeps the place of its first definition,
	// whatever later lines do to it.
	var order []string
	for _, o := range a.Options() {
		order = append(order, o.Name)
	}
	if got := strings.Join(order, " "); got != "mv o1 l1 esc sq cont multi dq short shortlist same order gone el merged" {
		t.Errorf("option order: %s", got)
	}
	if v, _ := a.Get("o1"); v != "x y" {
		t.Errorf("Get of a list joins with spaces: %q", v)
	}
	if o := c.Section("@other[0]"); o == nil || o.Has("x") {
		t.Errorf("an unquoted word before ';' swallows the rest of the line in libuci")
	}
	b := c.Section("b")
	for opt, want := range map[string]string{"x": "1", "y": "2", "z": "3"} {
		if v, _ := b.Get(opt); v != want {
			t.Errorf("b.%s = %q, want %q", opt, v, want)
		}
	}
	if v, _ := c.Section("c").Get("n"); v != "#notcomment" {
		t.Errorf("quoted #: %q", v)
	}
	if v, ok := c.Section("c").Get("m"); v != "a" || !ok {
		t.Errorf("# inside a bare word starts a comment: %q", v)
	}
	if len(c.Sections()) != 4 {
		t.Errorf("%d sections, want 4", len(c.Sections()))
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, data, msg, token string
		line                   int
	}{
		{"unterminated single", "config a\n\toption x 'abc\n", "unterminated quote", "'abc", 2},
		{"unterminated double", "config a\n\n\toption x \"abc", "unterminated quote", `"abc`, 3},
		{"unterminated after escape", "config a\n\toption x \"abc\\", "unterminated quote", `"abc\`, 2},
		{"bad section name", "config a 'b-c'\n", "invalid section name", "b-c", 1},
		{"bad section type", "config 'a b'\n", "invalid section type", "a b", 1},
		{"bad option name", "config a\n\toption b.c 1\n", "invalid option name", "b.c", 2},
		{"empty option name", "config a\n\toption '' 1\n", "missing argument", "option", 2},
		{"option first", "option a b\n", "before the first config section", "option", 1},
		{"unknown command", "config a\n\toptoin a b\n", "unknown command", "optoin", 2},
		{"quoted command", "config a\n\t'option' a b\n", "unknown command", "'option'", 2},
		{"too many", "config a\n\toption a b c\n", "too many arguments", "c", 2},
		{"too many config", "config a b c\n", "too many arguments", "c", 1},
		{"missing type", "config\n", "missing argument", "config", 1},
		{"missing type at eof", "config", "missing argument", "config", 1},
		{"nul", "config a\n\toption a b\x00c\n", "NUL", "", 2},
		{"semicolon at end", "config a 'n';\n", "nothing after ';'", ";", 1},
		{"semicolon eats an argument", "config a ; option x '1'\n", "too many arguments", "option", 1},
		{"section redefined with another type", "config a 'n'\nconfig b 'n'\n", "redefined with another type", "n", 2},
		{"package name", "package 'a.b'\nconfig a\n", "invalid package name", "a.b", 1},
		{"continuation then blank", "config a\n\toption x \\\n 'y'\n", "too many arguments", "y", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("network", []byte(tt.data))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if !strings.Contains(pe.Msg, tt.msg) || pe.Line != tt.line || pe.File != "network" || pe.Token != tt.token {
				t.Errorf("got %v (line %d, token %q), want %q at line %d, token %q", err, pe.Line, pe.Token, tt.msg, tt.line, tt.token)
			}
			if !strings.HasPrefix(err.Error(), "uci: network:") {
				t.Errorf("error text %q", err)
			}
		})
	}
	_, err := Parse("network", []byte("config a\n\toption x '"+strings.Repeat("v", 100)))
	if want := `uci: network:2: unterminated quote in "'` + strings.Repeat("v", 39) + `..."`; err == nil || err.Error() != want {
		t.Errorf("long token: %v, want %s", err, want)
	}
}

func TestValidation(t *testing.T) {
	c, _ := Parse("fw", []byte("config rule 'r'\n"))
	s := c.Section("r")
	long := strings.Repeat("x", 50) + "\n"
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"newline", s.Set("name", "a\nb"), `uci: fw.r.name: value "a\nb" contains a control character (0x0a)`},
		{"cr in list", s.SetList("l", []string{"ok", "b\r"}), `uci: fw.r.l: value "b\r" contains a control character (0x0d)`},
		{"nul", s.AddList("l", "\x00"), `uci: fw.r.l: value "\x00" contains a control character (0x00)`},
		{"long", s.Set("x", long), `uci: fw.r.x: value "` + strings.Repeat("x", 40) + `..." contains a control character (0x0a)`},
		{"option name", s.Set("a-b", "1"), `uci: fw.r: invalid option name "a-b" (letters, digits and _ only)`},
		{"section name", func() error { _, err := c.Add("rule", "a.b"); return err }(), `uci: fw: invalid section name "a.b" (letters, digits and _ only)`},
		{"type", func() error { _, err := c.Add("ru le", ""); return err }(), `uci: fw: invalid section type "ru le" (printable ASCII, no space)`},
		{"duplicate", func() error { _, err := c.Add("rule", "r"); return err }(), `uci: fw: section "r" already exists`},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("%s: got %v, want %s", tt.name, tt.err, tt.want)
		}
	}
	if s.Set("tab", "a\tb") != nil {
		t.Error("tab must be allowed")
	}
	if got := string(c.Bytes()); got != "config rule 'r'\n\toption tab 'a\tb'\n" {
		t.Errorf("only the valid edit may be written: %q", got)
	}
	c.Delete(s)
	if s.Set("x", "1") == nil {
		t.Error("edit of a deleted section must fail")
	}
}

// FuzzParse: Parse never panics; what it accepts, Bytes gives back
// exactly, and the output of edits reads back the same.
func FuzzParse(f *testing.F) {
	for _, data := range testFiles(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error %v", err)
			}
			return
		}
		if got := c.Bytes(); string(got) != string(data) {
			t.Fatalf("round trip differs:\n%q\n%q", data, got)
		}
		re, err := Parse("fuzz", c.Bytes())
		if err != nil || sameModel(c, re) != "" || show(c) != show(re) {
			t.Fatalf("re-parse differs: %v", err)
		}
		for _, s := range c.Sections() {
			for _, o := range s.Options() {
				if o.List {
					s.SetList(o.Name, append([]string{"x"}, o.Values...))
				} else if ValidateValue(o.Values[0]) == nil {
					s.Set(o.Name, o.Values[0]+"y")
				}
			}
		}
		re, err = Parse("fuzz", c.Bytes())
		if err != nil {
			t.Fatalf("edited output does not parse: %v\n%q", err, c.Bytes())
		}
		if d := sameModel(c, re); d != "" {
			t.Fatalf("edited output reads back differently: %s\n%q", d, c.Bytes())
		}
	})
}

// TestAnonName: the generated names of anonymous sections are libuci's
// "cfg%02x%04x", for every counter a big file reaches.
func TestAnonName(t *testing.T) {
	for n := 0; n < 70000; n += 1 + n/50 {
		for _, h := range []uint32{0, 5, 0xe63d, 0x7fffffff, djbhash("rule")} {
			if got, want := anonName(n, h), fmt.Sprintf("cfg%02x%04x", n, h&0xffff); got != want {
				t.Fatalf("anonName(%d, %#x) = %q, want %q", n, h, got, want)
			}
		}
	}
}

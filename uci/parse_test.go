package uci

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestAnonymousNames: names as libuci generates them. The expected values
// were computed separately (a few lines of Python implementing libuci's
// djbhash and counter as read in its list.c), not with this package.
func TestAnonymousNames(t *testing.T) {
	data, err := os.ReadFile("testdata/firewall")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("firewall", data)
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		"@defaults[0]": "cfg02ba5b",
		"@zone[0]":     "cfg0487ed",
		"@zone[1]":     "cfg06ad62",
		"@zone[-1]":    "cfg06ad62",
		"@zone[-2]":    "cfg0487ed",
	} {
		s := c.Section(ref)
		if s == nil || s.Name() != want {
			t.Errorf("%s: got %v, want %s", ref, s, want)
		}
	}
	if c.Section("@zone[2]") != nil || c.Section("@zone[-3]") != nil || c.Section("@zone[x]") != nil {
		t.Error("out-of-range or malformed refs must give nil")
	}
	if s := c.Section("cfg0487ed"); s == nil || s.Type() != "zone" {
		t.Error("lookup by generated name")
	}
}

func TestSemantics(t *testing.T) {
	c, err := Parse("t", []byte(`
config t 'a'
	option o1 'x'
	list o1 'y'
	list l1 'p'
	option l1 'q'
	option esc "a\"b\\c"
	option sq 'it'\''s'
	option cont one\
two
	o short 'yes'
	l shortlist 1
	l shortlist 2
config t 'a'
	option merged 1
c other; o x 1 # comment
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
		{"o1", []string{"x", "y"}, true}, // list after option: converted, as uci_add_list does
		{"l1", []string{"q"}, false},     // option after list: replaced
		{"esc", []string{`a"b\c`}, false},
		{"sq", []string{"it's"}, false},
		{"cont", []string{"onetwo"}, false},
		{"short", []string{"yes"}, false},
		{"shortlist", []string{"1", "2"}, true},
		{"merged", []string{"1"}, false}, // a section named twice is one section
	}
	opts := map[string]Option{}
	for _, o := range a.Options() {
		opts[o.Name] = o
	}
	for _, tt := range tests {
		o := opts[tt.opt]
		if strings.Join(o.Values, "|") != strings.Join(tt.want, "|") || o.List != tt.list {
			t.Errorf("%s = %+v, want %v list=%v", tt.opt, o, tt.want, tt.list)
		}
	}
	if len(c.Sections()) != 2 {
		t.Errorf("%d sections, want 2", len(c.Sections()))
	}
	if v, _ := c.Section("@other[0]").Get("x"); v != "1" {
		t.Errorf("';' separated option: %q", v)
	}
	if v, _ := a.Get("o1"); v != "x y" {
		t.Errorf("Get of a list joins with spaces: %q", v)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, data, msg string
		line            int
	}{
		{"unterminated single", "config a\n\toption x 'abc\n", "unterminated quote", 2},
		{"unterminated double", "config a\n\n\toption x \"abc", "unterminated quote", 3},
		{"bad section name", "config a 'b-c'\n", "invalid section name", 1},
		{"bad option name", "config a\n\toption b.c 1\n", "invalid option name", 2},
		{"option outside", "option a b\n", "outside of a config section", 1},
		{"unknown keyword", "config a\n\toptoin a b\n", "unknown keyword", 2},
		{"extra argument", "config a\n\toption a b c\n", "arguments", 2},
		{"nul", "config a\n\toption a b\x00c\n", "NUL", 2},
		{"missing type", "config\n", "arguments", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("network", []byte(tt.data))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if !strings.Contains(pe.Msg, tt.msg) || pe.Line != tt.line || pe.File != "network" {
				t.Errorf("got %v (line %d), want %q at line %d", err, pe.Line, tt.msg, tt.line)
			}
		})
	}
}

// TestEdits: golden cases of what an edit writes and what it keeps.
func TestEdits(t *testing.T) {
	tests := []struct {
		name string
		in   string
		edit func(c *Config) error
		out  string
	}{
		{"set existing keeps the rest", "# top\nconfig a 'x'\n    option p \"1\"  # mine\n    option q 2\n",
			func(c *Config) error { return c.Section("x").Set("q", "3") },
			"# top\nconfig a 'x'\n    option p \"1\"  # mine\n    option q '3'\n"},
		{"same value is no change", "config a 'x'\n  option q \"2\"\n",
			func(c *Config) error { return c.Section("x").Set("q", "2") },
			"config a 'x'\n  option q \"2\"\n"},
		{"new option after the last, own indent", "config a 'x'\n  option q 2\n# trailing\n\nconfig b 'y'\n",
			func(c *Config) error { return c.Section("x").Set("r", "it's") },
			"config a 'x'\n  option q 2\n  option r 'it'\\''s'\n# trailing\n\nconfig b 'y'\n"},
		{"option into empty section", "config a 'x'\nconfig b 'y'\n",
			func(c *Config) error { return c.Section("x").Set("r", "1") },
			"config a 'x'\n\toption r '1'\nconfig b 'y'\n"},
		{"list replace in place", "config a 'x'\n\tlist l 1\n\tlist l 2\n\toption z 9\n",
			func(c *Config) error { return c.Section("x").SetList("l", []string{"3"}) },
			"config a 'x'\n\tlist l '3'\n\toption z 9\n"},
		{"unset", "config a 'x'\n\toption p 1\n\toption q 2\n",
			func(c *Config) error { c.Section("x").Unset("p"); return nil },
			"config a 'x'\n\toption q 2\n"},
		{"delete keeps comments above the next", "\nconfig a 'x'\n\toption p 1\n\n# about y\nconfig b 'y'\n",
			func(c *Config) error { c.Delete(c.Section("x")); return nil },
			"\n# about y\nconfig b 'y'\n"},
		{"edit inside ';' line", "config a 'x'; option p 1; option q 2\n",
			func(c *Config) error { return c.Section("x").Set("p", "5") },
			"config a 'x'; option p '5'; option q '2'\n"}, // the edited line is rewritten whole
		{"append to file without final newline", "config a 'x'",
			func(c *Config) error { _, err := c.Add("b", "y"); return err },
			"config a 'x'\n\nconfig b 'y'\n"},
		{"add list value converts option", "config a 'x'\n\toption l 1\n",
			func(c *Config) error { return c.Section("x").AddList("l", "2") },
			"config a 'x'\n\tlist l '1'\n\tlist l '2'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("t", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.edit(c); err != nil {
				t.Fatal(err)
			}
			if got := string(c.Bytes()); got != tt.out {
				t.Errorf("got:\n%q\nwant:\n%q", got, tt.out)
			}
			if _, err := Parse("t", c.Bytes()); err != nil {
				t.Errorf("output does not parse: %v", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"network", "firewall", "dhcp", "system", "handedited", "noeol"} {
		if b, err := os.ReadFile("testdata/" + n); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("config a; option b 'c'\\\n d"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		if got := c.Bytes(); string(got) != string(data) {
			t.Fatalf("round trip differs:\n%q\n%q", data, got)
		}
		// Re-render every section canonically and compare the model.
		want := c.Sections()
		for _, s := range want {
			for _, o := range s.Options() {
				if o.List {
					s.SetList(o.Name, append([]string{"x"}, o.Values...))
				} else if ValidateValue(o.Values[0]) == nil {
					s.Set(o.Name, o.Values[0]+"y")
				}
			}
		}
		c2, err := Parse("fuzz", c.Bytes())
		if err != nil {
			t.Fatalf("edited output does not parse: %v\n%q", err, c.Bytes())
		}
		if len(c2.Sections()) != len(want) {
			t.Fatalf("sections %d -> %d", len(want), len(c2.Sections()))
		}
	})
}

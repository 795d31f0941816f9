package uci

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.show")

// show prints a config as `uci -X show` does: every section by name (the
// generated one for anonymous sections), options in libuci's order.
func show(c *Config) string {
	var b strings.Builder
	for _, s := range c.Sections() {
		fmt.Fprintf(&b, "%s.%s=%s\n", c.Name(), s.Name(), s.Type())
		for _, o := range s.Options() {
			q := make([]string, len(o.Values))
			for i, v := range o.Values {
				q[i] = quote(v)
			}
			fmt.Fprintf(&b, "%s.%s.%s=%s\n", c.Name(), s.Name(), o.Name, strings.Join(q, " "))
		}
	}
	return b.String()
}

// testFiles are the configs in testdata, by name.
func testFiles(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	ms, _ := filepath.Glob("testdata/*")
	for _, m := range ms {
		if st, err := os.Stat(m); err != nil || st.IsDir() {
			continue
		}
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(m)] = b
	}
	if len(out) < 8 {
		t.Fatalf("only %d files in testdata", len(out))
	}
	return out
}

// TestShowGolden: what each testdata file means, as `uci -X show` lists
// it. TestLibuciParse checks the same against the real libuci; these
// golden files keep the meaning visible and testable without it.
func TestShowGolden(t *testing.T) {
	for name, data := range testFiles(t) {
		c, err := Parse(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := show(c)
		gf := filepath.Join("testdata", "golden", name+".show")
		if *update {
			os.WriteFile(gf, []byte(got), 0o644)
		}
		want, err := os.ReadFile(gf)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: uci show differs\n got:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

// TestRoundTrip: parse then Bytes is byte-identical for every file, and
// adding sections, options and lists and removing them again gives back
// the original bytes.
func TestRoundTrip(t *testing.T) {
	for name, data := range testFiles(t) {
		t.Run(name, func(t *testing.T) {
			c, err := Parse(name, data)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Bytes(); !bytes.Equal(got, data) {
				t.Fatalf("round trip differs:\n%q\n%q", got, data)
			}
			before := show(c)
			s, err := c.Add("wghub_test", "added_sec")
			if err != nil {
				t.Fatal(err)
			}
			must(t, s.Set("x", "it's"))
			must(t, s.SetList("l", []string{"a", "b"}))
			a, _ := c.Add("anon_t", "")
			must(t, a.Set("k", "v"))
			var edited []*Section
			for _, e := range c.Sections() {
				if e == s || e == a {
					continue
				}
				must(t, e.Set("wghub_opt", "1"))
				must(t, e.AddList("wghub_list", "x"))
				edited = append(edited, e)
			}
			out := c.Bytes()
			re, err := Parse(name, out)
			if err != nil {
				t.Fatalf("edited file does not parse: %v\n%s", err, out)
			}
			if show(re) != show(c) {
				t.Fatalf("edited file reads back differently:\n%s\n---\n%s", show(re), show(c))
			}
			for _, e := range edited {
				e.Unset("wghub_opt")
				e.Unset("wghub_list")
			}
			c.Delete(a)
			c.Delete(s)
			if got := c.Bytes(); !bytes.Equal(got, data) {
				t.Errorf("add/remove differs:\n%q\n%q", got, data)
			}
			if show(c) != before {
				t.Errorf("model differs after add/remove")
			}
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestEdits: golden cases of what an edit writes and what it keeps.
func TestEdits(t *testing.T) {
	sec := func(ref string, f func(s *Section) error) func(*Config) error {
		return func(c *Config) error { return f(c.Section(ref)) }
	}
	tests := []struct {
		name string
		in   string
		edit func(c *Config) error
		out  string
	}{
		{"set rewrites only its line, keeps its comment", "# top\nconfig a 'x'\n    option p \"1\"  # mine\n    option q 2\n",
			sec("x", func(s *Section) error { return s.Set("p", "3") }),
			"# top\nconfig a 'x'\n    option p '3'  # mine\n    option q 2\n"},
		{"same value is no change", "config a 'x'\n  option q \"2\"\n",
			sec("x", func(s *Section) error { return s.Set("q", "2") }),
			"config a 'x'\n  option q \"2\"\n"},
		{"new option after the last, own indent", "config a 'x'\n  option q 2\n# trailing\n\nconfig b 'y'\n",
			sec("x", func(s *Section) error { return s.Set("r", "it's") }),
			"config a 'x'\n  option q 2\n  option r 'it'\\''s'\n# trailing\n\nconfig b 'y'\n"},
		{"option into empty section", "config a 'x'\nconfig b 'y'\n",
			sec("x", func(s *Section) error { return s.Set("r", "1") }),
			"config a 'x'\n\toption r '1'\nconfig b 'y'\n"},
		{"list replaced in place", "config a 'x'\n\tlist l 1\n\tlist l 2\n\toption z 9\n",
			sec("x", func(s *Section) error { return s.SetList("l", []string{"3", "4"}) }),
			"config a 'x'\n\tlist l '3'\n\tlist l '4'\n\toption z 9\n"},
		{"add_list adds one line", "config a 'x'\n\tlist l 1\n\toption z 9\n",
			sec("x", func(s *Section) error { return s.AddList("l", "2") }),
			"config a 'x'\n\tlist l 1\n\tlist l '2'\n\toption z 9\n"},
		{"add_list converts an option", "config a 'x'\n\toption l 1\n",
			sec("x", func(s *Section) error { return s.AddList("l", "2") }),
			"config a 'x'\n\tlist l '1'\n\tlist l '2'\n"},
		{"set replaces a list", "config a 'x'\n\tlist l 1\n\tlist l 2\n",
			sec("x", func(s *Section) error { return s.Set("l", "3") }),
			"config a 'x'\n\toption l '3'\n"},
		{"unset", "config a 'x'\n\toption p 1\n\toption q 2\n",
			sec("x", func(s *Section) error { s.Unset("p"); return nil }),
			"config a 'x'\n\toption q 2\n"},
		{"set empty deletes, as uci set does", "config a 'x'\n\toption p 1\n\toption q 2\n",
			sec("x", func(s *Section) error { return s.Set("q", "") }),
			"config a 'x'\n\toption p 1\n"},
		{"delete takes its blank line and inner comments, keeps the next one's", "\nconfig a 'x'\n\toption p 1\n\t# inner\n\toption q 1\n# about y\nconfig b 'y'\n",
			func(c *Config) error { c.Delete(c.Section("x")); return nil },
			"# about y\nconfig b 'y'\n"},
		{"delete takes the comment right above it", "config a 'x'\n\n# about y\n# more\nconfig b 'y'\n\toption p 1\n\n# about z\n\nconfig c 'z'\n",
			func(c *Config) error { c.Delete(c.Section("y")); c.Delete(c.Section("z")); return nil },
			"config a 'x'\n\n# about z\n"},
		{"delete at the top takes the blank line after", "config a 'x'\n\toption p 1\n\nconfig b 'y'\n",
			func(c *Config) error { c.Delete(c.Section("x")); return nil },
			"config b 'y'\n"},
		{"delete a merged section", "config a 'x'\n\toption p 1\n\nconfig b 'y'\n\nconfig a 'x'\n\toption q 2\n",
			func(c *Config) error { c.Delete(c.Section("x")); return nil },
			"config b 'y'\n"},
		{"edit inside a ';' line splits it", "config a 'x'; option p '1'; option q '2' # c\n",
			sec("x", func(s *Section) error { return s.Set("p", "5") }),
			"config a 'x'\n\toption p '5'\n\toption q '2' # c\n"},
		{"new option where a ';' line goes on with the next section", "config a 'x'; option p '1'; config b 'y'\n",
			sec("x", func(s *Section) error { return s.Set("r", "2") }),
			"config a 'x'\n\toption p '1'\n\toption r '2'\nconfig b 'y'\n"},
		{"append to file without final newline", "config a 'x'",
			func(c *Config) error { _, err := c.Add("b", "y"); return err },
			"config a 'x'\n\nconfig b 'y'\n"},
		{"append after a trailing blank line reuses it", "config a 'x'\n\n",
			func(c *Config) error {
				s, err := c.Add("b", "")
				if err != nil {
					return err
				}
				return s.Set("k", "v")
			},
			"config a 'x'\n\nconfig b\n\toption k 'v'\n"},
		{"type that bare libuci output could not read back", "",
			func(c *Config) error { _, err := c.Add("a#b", ""); return err },
			"\nconfig 'a#b'\n"},
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
			re, err := Parse("t", c.Bytes())
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			if sameModel(c, re) != "" {
				t.Errorf("output reads back differently: %s", sameModel(c, re))
			}
		})
	}
}

// TestEditGoldenFiles: edits on the stock files against expected files in
// testdata/golden.
func TestEditGoldenFiles(t *testing.T) {
	tests := []struct {
		file, golden string
		edit         func(c *Config) error
	}{
		{"network", "network.wg0", func(c *Config) error {
			s, err := c.Add("interface", "wg0")
			if err != nil {
				return err
			}
			must(t, s.Set("proto", "wireguard"))
			must(t, s.Set("listen_port", "51820"))
			must(t, s.SetList("addresses", []string{"192.168.100.1/24"}))
			p, err := c.Add("wireguard_wg0", "wghub_laptop")
			if err != nil {
				return err
			}
			must(t, p.Set("description", "laptop's"))
			must(t, p.AddList("allowed_ips", "192.168.100.2/32"))
			return c.Section("lan").Set("ipaddr", "192.168.2.1")
		}},
		{"firewall_pkg", "firewall_pkg.vpn", func(c *Config) error {
			must(t, c.Section("@zone[0]").AddList("network", "wg0"))
			must(t, c.Section("@defaults[0]").Set("input", "ACCEPT"))
			c.Delete(c.Section("@rule[1]"))
			f, err := c.Add("forwarding", "")
			if err != nil {
				return err
			}
			must(t, f.Set("src", "vpn"))
			return f.Set("dest", "lan")
		}},
		{"handedited", "handedited.edit", func(c *Config) error {
			one := c.Section("one")
			must(t, one.Set("a", "new"))
			must(t, one.Set("short", "no"))
			must(t, one.Set("added", "1"))
			c.Delete(c.Section("two"))
			return c.Section("@anon[0]").Set("name", "y")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(tt.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.edit(c); err != nil {
				t.Fatal(err)
			}
			gf := filepath.Join("testdata", "golden", tt.golden)
			if *update {
				os.WriteFile(gf, c.Bytes(), 0o644)
			}
			want, err := os.ReadFile(gf)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c.Bytes(), want) {
				t.Errorf("got:\n%s\nwant:\n%s\n%s", c.Bytes(), want, Diff(Change{Config: tt.file, Old: want, New: c.Bytes()}))
			}
		})
	}
}

func TestDiff(t *testing.T) {
	old := []byte("a\nb\nc\nd\ne\nf\ng\n")
	got := Diff(Change{Config: "x", Old: old, New: []byte("a\nb\nc\nD\ne\nf\ng\nh")})
	want := "--- a/x\n+++ b/x\n@@ -2,6 +2,7 @@\n b\n c\n-d\n+D\n e\n f\n g\n+h\n\\ No newline at end of file\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if d := Diff(Change{Config: "x", New: []byte("a\n")}); !strings.HasPrefix(d, "--- /dev/null\n+++ b/x\n@@ -1,0 +1,1 @@\n+a\n") {
		t.Errorf("new file:\n%s", d)
	}
	// Big files stay cheap: only the changed middle is compared.
	var big []byte
	for i := range 20000 {
		big = fmt.Appendf(big, "line %d\n", i)
	}
	changed := bytes.Replace(big, []byte("line 10000\n"), []byte("line ten thousand\n"), 1)
	if d := Diff(Change{Config: "x", Old: big, New: changed}); strings.Count(d, "\n") != 9 {
		t.Errorf("big diff:\n%s", d)
	}
}

// sameModel compares what two configs mean: sections in order (named ones
// by name, anonymous ones by type: their generated names depend on
// history), with their options. "" if equal.
func sameModel(a, b *Config) string {
	as, bs := a.Sections(), b.Sections()
	if len(as) != len(bs) {
		return fmt.Sprintf("%d sections vs %d", len(as), len(bs))
	}
	for i := range as {
		x, y := as[i], bs[i]
		if x.Type() != y.Type() || x.Anonymous() != y.Anonymous() || !x.Anonymous() && x.Name() != y.Name() {
			return fmt.Sprintf("section %d: %v vs %v", i, x, y)
		}
		xo, yo := x.Options(), y.Options()
		if !slices.EqualFunc(xo, yo, func(p, q Option) bool {
			return p.Name == q.Name && p.List == q.List && slices.Equal(p.Values, q.Values)
		}) {
			return fmt.Sprintf("section %v: options %v vs %v", x, xo, yo)
		}
	}
	return ""
}

// FuzzEdit: random edits on a parsed file; whatever Bytes writes must
// read back as the same model, and undoing additions restores the bytes.
func FuzzEdit(f *testing.F) {
	for _, data := range testFiles(f) {
		f.Add(data, uint64(1))
	}
	f.Add([]byte("config a 'x'; option p '1'; config b\n\toption q 2"), uint64(7))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		c, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		randomEdits(t, c, rand.New(rand.NewPCG(seed, seed>>7)))
		out := c.Bytes()
		re, err := Parse("fuzz", out)
		if err != nil {
			t.Fatalf("edited output does not parse: %v\nin:  %q\nout: %q", err, data, out)
		}
		if d := sameModel(c, re); d != "" {
			t.Fatalf("edited output reads back differently: %s\nin:  %q\nout: %q", d, data, out)
		}
	})
}

// randomEdits makes 1 to 12 random edits of every kind on c.
func randomEdits(t testing.TB, c *Config, r *rand.Rand) {
	t.Helper()
	names := []string{"a", "b", "name", "l", "wg"}
	values := []string{"", "x", "it's", "a b", `"q"`, "#;\\", "1"}
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	for range 1 + r.IntN(12) {
		secs := c.Sections()
		var s *Section
		if len(secs) > 0 {
			s = secs[r.IntN(len(secs))]
		}
		var err error
		switch op := r.IntN(7); {
		case s == nil || op == 0:
			name := ""
			if r.IntN(2) == 0 {
				name = fmt.Sprintf("n%d", r.IntN(5))
			}
			_, err = c.Add(pick([]string{"rule", "zone", "a;b"}), name)
			if err != nil && !strings.Contains(err.Error(), "exists") {
				t.Fatal(err)
			}
			continue
		case op == 1:
			c.Delete(s)
		case op == 2:
			err = s.Set(pick(names), pick(values))
		case op == 3:
			err = s.SetList(pick(names), []string{pick(values), pick(values)}[:r.IntN(3)])
		case op == 4:
			err = s.AddList(pick(names), pick(values))
		case op == 5:
			s.Unset(pick(names))
		default:
			for _, o := range s.Options() {
				if ValidateValue(o.Values[0]) == nil { // a quoted value may hold a newline
					err = s.Set(o.Name, o.Values[0]+"y")
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

package uci

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"
)

// TestContent: a config's content (the runs a commit writes) is what
// Bytes renders, and its shared prefix and suffix with the file as read,
// found without comparing the runs that are the file's own bytes, are
// those of the two contents side by side.
func TestContent(t *testing.T) {
	var src bytes.Buffer
	src.WriteString("# top\npackage 'p'\n\n")
	for i := range 6 {
		fmt.Fprintf(&src, "config peer 'p%d'\n\toption name 'n%d'\n\tlist ips '10.0.0.%d/32'\n\n", i, i, i)
	}
	src.WriteString("config tail 'end'\n\toption x 'y'") // no newline at the end
	edits := []struct {
		name string
		edit func(c *Config)
	}{
		{"none", func(c *Config) {}},
		{"set first", func(c *Config) { c.Section("p0").Set("name", "other") }},
		{"set middle", func(c *Config) { c.Section("p3").Set("extra", "1") }},
		{"same length", func(c *Config) { c.Section("p2").Set("name", "m2") }},
		{"delete middle", func(c *Config) { c.Delete(c.Section("p4")) }},
		{"delete two", func(c *Config) { c.Delete(c.Section("p1")); c.Delete(c.Section("p5")) }},
		{"add", func(c *Config) { s, _ := c.Add("peer", "new"); s.Set("name", "x") }},
		{"set and add", func(c *Config) { c.Section("p2").Unset("ips"); c.Add("peer", "new") }},
		{"delete all", func(c *Config) {
			for _, s := range c.Sections() {
				c.Delete(s)
			}
		}},
	}
	for _, tc := range edits {
		for _, parse := range []func(string, []byte) (*Config, error){Parse, parseOwned} {
			old := bytes.Clone(src.Bytes())
			c, err := parse("p", old)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(c)
			want := c.Bytes()
			ct := c.content()
			if got := ct.bytes(); !bytes.Equal(got, want) && len(want) > 0 {
				t.Fatalf("%s: content\n%q\nBytes\n%q", tc.name, got, want)
			}
			if ct.n != len(want) {
				t.Errorf("%s: content length %d, want %d", tc.name, ct.n, len(want))
			}
			// Against the bytes the config was parsed from (the commit's
			// old contents), and against a copy of them.
			for _, o := range [][]byte{c.data, bytes.Clone(c.data)} {
				p := commonPrefix(o, want)
				s := commonSuffix(o[p:], want[p:])
				if gp, gs := ct.prefix(o), ct.suffix(o, min(len(o), ct.n)-p); gp != p || gs != s {
					t.Errorf("%s: prefix, suffix %d, %d; want %d, %d", tc.name, gp, gs, p, s)
				}
				if got := ct.equal(o); got != bytes.Equal(o, want) {
					t.Errorf("%s: equal %v", tc.name, got)
				}
				if got := ct.slice(p, len(want)-s); !bytes.Equal(got, want[p:len(want)-s]) {
					t.Errorf("%s: slice %q, want %q", tc.name, got, want[p:len(want)-s])
				}
			}
		}
	}
}

// TestRecordSizes: a big file costs a unit and a section record per
// section; both stay in Go's 96-byte size class.
func TestRecordSizes(t *testing.T) {
	if u, s := unsafe.Sizeof(unit{}), unsafe.Sizeof(Section{}); u > 96 || s > 96 {
		t.Errorf("unit %d bytes, Section %d bytes; want at most 96 each", u, s)
	}
}

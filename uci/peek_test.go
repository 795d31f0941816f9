package uci

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestTreeReadKeepsNoOptions: reading every section of a config a Tree
// loaded (as hub.Load reads every peer) gives the file's values and
// leaves no section's options behind: the memory they took grows with
// the file (2 MB at 5000 peers) and is what bounds an edit's peak RSS.
// Then an edit of one read section still writes what it should.
func TestTreeReadKeepsNoOptions(t *testing.T) {
	const n = 2000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "config peer 'p%d'\n\toption name 'n%d'\n\toption key 'k'\\''%d'\n\tlist allowed '10.0.%d.1/32'\n\tlist allowed 'x%d'\n\n", i, i, i, i%250, i)
	}
	tr := tempTree(t, map[string]string{"hub": b.String()})
	c, err := tr.Load("hub")
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	secs := c.SectionsByType("peer")
	for i, s := range secs {
		name, _ := s.Get("name")
		key, _ := s.Get("key")
		allowed := s.List("allowed")
		if name != fmt.Sprint("n", i) || key != fmt.Sprint("k'", i) || len(allowed) != 2 || allowed[1] != fmt.Sprint("x", i) {
			t.Fatalf("section %d reads %q %q %q", i, name, key, allowed)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for i, s := range secs {
		if s.read || s.opts != nil {
			t.Fatalf("section %d keeps its %d options after a read", i, len(s.opts))
		}
	}
	// Kept, the 8000 options would be over 400 KB.
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 64<<10 {
		t.Errorf("reading the sections left %d bytes more live, want none kept", grew)
	}
	runtime.KeepAlive(secs)
	s := c.Section("p7")
	s.Get("name")
	c.Section("p8").Get("name")
	if err := s.Set("name", "renamed"); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(b.String(), "'n7'", "'renamed'", 1)
	if got := string(c.Bytes()); got != want {
		t.Fatalf("after a set, the file differs from the expected one")
	}
	if v, _ := c.Section("p7").Get("key"); v != "k'7" {
		t.Fatalf("p7's key reads %q after the set", v)
	}
}

// TestPeekPlainSpans: a span of plain lines (Section.plain) is read
// without their checks (replayPlain) to what Parse reads of it, next to
// spans that are not plain (a comment, other quoting, a line break
// inside a value, no line break at the end) and are read in full.
func TestPeekPlainSpans(t *testing.T) {
	file := "config hub 'plain1'\n\toption name 'one'\n\toption empty ''\n\tlist allowed_ips '10.0.0.1/32'\n\tlist allowed_ips 'fd00::1/128'\n\toption key 'a+b/c=='\n\n\n" +
		"config hub 'comment'\n\toption name 'two' # here\n\n" +
		"config hub 'plain2'\n\toption x 'with space\tand tab'\n\toption _y9 '\"double\" ;# x'\n\n" +
		"config hub 'quoted'\n\toption name \"three\"\n\toption other 'it'\\''s'\n\n" +
		"config hub 'plain3'\n\tlist l 'a'\n\n" +
		"config hub 'split'\n\toption name 'four\nlines'\n\n" +
		"config hub 'plain4'\n\toption o 'b'\n\n" +
		"config hub 'last'\n\toption name 'five'"
	want, err := Parse("t", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseOwned("t", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got.Sections() {
		if isPlain := strings.HasPrefix(s.Name(), "plain"); s.plain != isPlain {
			t.Errorf("section %s: plain = %v, want %v", s.Name(), s.plain, isPlain)
		}
		w := want.Section(s.Name())
		if g, w := fmt.Sprint(s.Options()), fmt.Sprint(w.Options()); g != w {
			t.Errorf("section %s reads %s, want %s", s.Name(), g, w)
		}
		for _, o := range w.Options() {
			if v, _ := s.Get(o.Name); v != strings.Join(o.Values, " ") {
				t.Errorf("section %s: Get(%q) = %q, want %q", s.Name(), o.Name, v, strings.Join(o.Values, " "))
			}
		}
	}
}

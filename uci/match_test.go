package uci

import "testing"

// TestMatch: a section matches exactly when its lines are what uci
// export writes for the options given, in their order, followed by empty
// lines only; anything else (and an edited section) does not.
func TestMatch(t *testing.T) {
	const head = "config peer 'p1'\n"
	want := func(m *Match) {
		m.Option("name", "laptop")
		m.Option("gone", "") // absent
		m.OptionBytes("key", []byte("a+b/c="))
		m.List("ips", []string{"10.0.0.2/32", "fd00::2/128"})
		m.ListBytes("one", []byte("x y"))
	}
	const body = "\toption name 'laptop'\n\toption key 'a+b/c='\n\tlist ips '10.0.0.2/32'\n\tlist ips 'fd00::2/128'\n\tlist one 'x y'\n"
	for _, tc := range []struct {
		name, file string
		ok         bool
	}{
		{"exact", head + body, true},
		{"blank lines after", head + body + "\n\n", true},
		{"next section after", head + body + "\nconfig peer 'p2'\n\toption name 'b'\n", true},
		{"no newline at end", head + body[:len(body)-1], false},
		{"option missing", head + body[len("\toption name 'laptop'\n"):], false},
		{"option extra", head + body + "\toption more '1'\n", false},
		{"empty option written", head + "\toption name 'laptop'\n\toption gone ''\n" + body[len("\toption name 'laptop'\n"):], false},
		{"other order", head + "\toption key 'a+b/c='\n\toption name 'laptop'\n" + body[len("\toption name 'laptop'\n\toption key 'a+b/c='\n"):], false},
		{"other value", head + "\toption name 'laptoq'\n" + body[len("\toption name 'laptop'\n"):], false},
		{"double quotes", head + "\toption name \"laptop\"\n" + body[len("\toption name 'laptop'\n"):], false},
		{"bare value", head + "\toption name laptop\n" + body[len("\toption name 'laptop'\n"):], false},
		{"spaces for tab", head + "    option name 'laptop'\n" + body[len("\toption name 'laptop'\n"):], false},
		{"comment after", head + body + "# mine\n", false},
		{"comment on the config line", "config peer 'p1' # x\n" + body, false},
		{"bare name", "config peer p1\n" + body, false},
	} {
		c, err := Parse("t", []byte(tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		m := c.Section("p1").Match()
		want(&m)
		if got := m.Done(); got != tc.ok {
			t.Errorf("%s: Done = %v, want %v", tc.name, got, tc.ok)
		}
	}

	// A value that cannot be written as is never matches; nor does an
	// edited section, whose lines are no longer the file's.
	c, _ := Parse("t", []byte(head+"\toption name 'it'\\''s'\n"))
	m := c.Section("p1").Match()
	m.Option("name", "it's")
	if m.Done() {
		t.Error("a value with a quote matched")
	}
	c, _ = Parse("t", []byte(head+body))
	s := c.Section("p1")
	s.Set("name", "other")
	s.Set("name", "laptop")
	m = s.Match()
	want(&m)
	if m.Done() {
		t.Error("an edited section matched")
	}
	// Anonymous sections are not matched (their names are not in the file).
	c, _ = Parse("t", []byte("config peer\n\toption name 'laptop'\n"))
	m = c.Sections()[0].Match()
	m.Option("name", "laptop")
	if m.Done() {
		t.Error("an anonymous section matched")
	}
}

// TestMatchPlainSpan: in a section of plain lines, where Match looks at
// less (see fits), expected lines that would take in two of the file's
// (a value with a line break, a name with a space) still do not match,
// and the section's own options do.
func TestMatchPlainSpan(t *testing.T) {
	c, err := parseOwned("t", []byte("config peer 'p1'\n\toption a 'x'\n\toption b 'y'\n\nconfig peer 'p2'\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Section("p1")
	if !s.plain {
		t.Fatal("section p1 is not read as plain lines")
	}
	for _, tc := range []struct {
		name string
		opts func(m *Match)
		ok   bool
	}{
		{"its options", func(m *Match) { m.Option("a", "x"); m.Option("b", "y") }, true},
		{"two lines as one value", func(m *Match) { m.Option("a", "x'\n\toption b 'y") }, false},
		{"a line and a half as a name", func(m *Match) { m.Option("a 'x'\n\toption b", "y") }, false},
		{"a value with a quote", func(m *Match) { m.Option("a", "x'"); m.Option("b", "y") }, false},
	} {
		m := s.Match()
		tc.opts(&m)
		if got := m.Done(); got != tc.ok {
			t.Errorf("%s: Done = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

package uci

import (
	"slices"
	"testing"
)

// TestSingle: Single agrees with Option on every way an option can be
// written (it answers only when Option gives exactly one value).
func TestSingle(t *testing.T) {
	src := `config t 's'
	option plain 'a'
	list one 'b'
	list two 'c'
	list two 'd'
	option empty ''
	option again 'x'
	option again 'y'
	list turned 'e'
	option turned 'f'
	option grown 'g'
	list grown 'h'
	option cleared 'i'
	option cleared ''
`
	c, err := Parse("test", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Section("s")
	for _, name := range []string{"plain", "one", "two", "empty", "again", "turned", "grown", "cleared", "absent"} {
		o, ok := s.Option(name)
		want := ok && len(o.Values) == 1
		v, list, got := s.Single(name)
		if got != want || got && (v != o.Values[0] || list != o.List) {
			t.Errorf("Single(%q) = %q, list %v, %v; Option gives %+v, %v", name, v, list, got, o, ok)
		}
	}
	// The answers themselves, so that a wrong Option cannot hide a wrong Single.
	for _, tt := range []struct {
		name, val string
		list, ok  bool
	}{
		{"plain", "a", false, true}, {"one", "b", true, true}, {"two", "", false, false},
		{"again", "y", false, true}, {"turned", "f", false, true}, {"empty", "", false, false},
		{"cleared", "i", false, true},
	} {
		v, list, ok := s.Single(tt.name)
		if v != tt.val || list != tt.list || ok != tt.ok {
			t.Errorf("Single(%q) = %q, %v, %v; want %q, %v, %v", tt.name, v, list, ok, tt.val, tt.list, tt.ok)
		}
	}
	if got := s.List("two"); !slices.Equal(got, []string{"c", "d"}) {
		t.Errorf("List(two) = %q", got)
	}
}

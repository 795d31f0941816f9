package hub

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/wghub/wghub/uci"
)

// TestPrefixes: an option read as one item (the usual allowed_ips) and
// one read as a list give what the list's entries give.
func TestPrefixes(t *testing.T) {
	for _, line := range []string{
		"list a '10.0.0.2/32'",
		"option a '10.0.0.2'",
		"list a ''",
		"option a ''",
		"list a '10.0.0.2/32,10.1.0.0/16'",
		"option a '10.0.0.2/32 fd00::2/128'",
		"list a '10.0.0.2/32'\n\tlist a '10.1.0.0/16'",
		"option a '10.0.0.2/32'\n\toption a '10.0.0.3/32'",
		"list a 'nonsense'",
		"",
	} {
		c, err := uci.Parse("t", []byte("config x 's'\n\t"+line+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		s := c.Section("s")
		got, err := prefixes(s, "a")
		var want []netip.Prefix
		var werr error
		for _, f := range SplitList(s.List("a")) {
			p, err := parsePrefix(f)
			if err != nil {
				werr = err
				break
			}
			want = append(want, p)
		}
		if (err != nil) != (werr != nil) || werr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, %v; want %v, %v", line, got, err, want, werr)
		}
	}
}

// TestHasListSep: the ASCII scan agrees with the rune test everywhere.
func TestHasListSep(t *testing.T) {
	for _, s := range []string{"", "10.0.0.2/32", "a,b", "a b", "a\tb", "a\vb", "a\u00a0b", "a\u0085b", "é", "fd00::1/128", "a\u2003"} {
		if got, want := hasListSep(s), strings.ContainsFunc(s, listSep); got != want {
			t.Errorf("hasListSep(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestCleanNamePlain: a name cleanName passes by unchanged is one its
// full rules leave unchanged too.
func TestCleanNamePlain(t *testing.T) {
	for _, s := range []string{"", "laptop", "Anna's phone", " lead", "trail ", "tab\there", "é", strings.Repeat("x", MaxNameLen), strings.Repeat("x", MaxNameLen+1), "a\x7f"} {
		if printableASCII(s) && cleanName(s) != s {
			t.Errorf("printableASCII(%q) but cleanName changes it", s)
		}
		full := strings.TrimSpace(strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return ' '
			}
			return r
		}, s))
		if len(full) > MaxNameLen {
			full = full[:MaxNameLen]
		}
		if got := cleanName(s); got != full {
			t.Errorf("cleanName(%q) = %q, want %q", s, got, full)
		}
	}
}

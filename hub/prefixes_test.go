package hub

import (
	"net/netip"
	"reflect"
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

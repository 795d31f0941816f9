package hub

import (
	"slices"
	"strings"
	"testing"
)

// TestHandlerList: at most two items, so that the syncconf handler's
// ${peer_a_ips/ /, } (first space only) still yields one valid AllowedIPs
// line, and SplitList gives back every prefix in order.
func TestHandlerList(t *testing.T) {
	for _, vals := range [][]string{
		nil,
		{"10.0.0.2/32"},
		{"10.0.0.2/32", "fd00::2/128"},
		{"10.0.0.2/32", "fd00::2/128", "10.20.0.0/24"},
		{"10.0.0.2/32", "fd00::2/128", "10.20.0.0/24", "10.21.0.0/24"},
	} {
		items := HandlerList(vals)
		if len(items) > 2 {
			t.Errorf("%v: %d items", vals, len(items))
		}
		// What the syncconf handler builds from the shell list.
		line := strings.Replace(strings.Join(items, " "), " ", ", ", 1)
		if strings.Contains(line, " ") && !strings.Contains(line, ", ") || strings.Count(line, " ") > 1 {
			t.Errorf("%v: handler line %q has a bare space", vals, line)
		}
		if got := SplitList(items); !slices.Equal(got, vals) && len(vals) > 0 {
			t.Errorf("SplitList(%q) = %q, want %q", items, got, vals)
		}
	}
	if got := SplitList([]string{"a b", "c,d", " e ,f "}); !slices.Equal(got, []string{"a", "b", "c", "d", "e", "f"}) {
		t.Errorf("SplitList = %q", got)
	}
}

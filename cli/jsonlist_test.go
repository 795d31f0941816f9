package cli

import (
	"bufio"
	"bytes"
	"testing"
)

// TestJSONList: a list written one item at a time is byte for byte what
// writeJSON writes for the whole list (peer list --json streams).
func TestJSONList(t *testing.T) {
	type item struct {
		Name  string   `json:"name"`
		Addrs []string `json:"addresses"`
		On    bool     `json:"enabled"`
	}
	all := []item{{"a", []string{"10.0.0.2/32"}, true}, {"b<&>", nil, false}, {"c", []string{}, true}}
	for n := range len(all) + 1 {
		var want, got bytes.Buffer
		if err := writeJSON(&want, map[string]any{"peers": append([]item{}, all[:n]...)}); err != nil {
			t.Fatal(err)
		}
		l := &jsonList{w: bufio.NewWriter(&got), key: "peers"}
		for _, it := range all[:n] {
			if err := l.add(it); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.close(); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d items:\n%s\nwant\n%s", n, got.String(), want.String())
		}
	}
}

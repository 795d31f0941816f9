package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/rpcd"
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
		ref, _ := json.MarshalIndent(map[string]any{"peers": append([]item{}, all[:n]...)}, "", "  ")
		if want.String() != string(ref)+"\n" {
			t.Errorf("%d items: writeJSON\n%s\nencoding/json\n%s", n, want.String(), ref)
		}
	}
}

// TestWriteJSONLikeEncodingJSON: --json output is byte for byte what
// encoding/json's MarshalIndent wrote.
func TestWriteJSONLikeEncodingJSON(t *testing.T) {
	info := control.PeerInfo{Name: "Anna's <phone> & \u2028", PublicKey: "k+/=", Addresses: []string{"10.0.0.2/32"}, Access: []string{}}
	for _, v := range []any{
		map[string]any{"peers": []control.PeerInfo{info, {}}}, map[string]any{"checks": []control.Check{{Name: "x", Fix: "y"}, {OK: true}}},
		rpcd.SettingsOf(&hub.Hub{}), control.SyncResult{Changes: []string{"a"}}, map[string]any{"saved": true, "n": 51820, "f": 1e-7, "diff": "-a\n+b\n"},
		map[string]any{}, []any{}, nil,
	} {
		var got bytes.Buffer
		if err := writeJSON(&got, v); err != nil {
			t.Fatal(err)
		}
		want, _ := json.MarshalIndent(v, "", "  ")
		if got.String() != string(want)+"\n" {
			t.Errorf("writeJSON:\n%s\nencoding/json:\n%s", got.String(), want)
		}
	}
}

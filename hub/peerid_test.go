package hub

import (
	"testing"

	"github.com/wghub/wghub/uci"
)

// TestNewPeerID: a new peer gets the lowest id that no peer has and no
// section of either config is named after, also past the ids the peers'
// count covers; ids are handed out once per Store.
func TestNewPeerID(t *testing.T) {
	for _, tc := range []struct {
		name     string
		peers    []string
		sections string
		want     []string
	}{
		{"none", nil, "", []string{"1", "2"}},
		{"gap", []string{"1", "2", "4"}, "", []string{"3", "5"}},
		{"not decimal", []string{"01", "x"}, "", []string{"1", "2"}},
		{"sections in the way", []string{"1", "2"}, "config x 'wghub_3'\nconfig x 'wghub_4'\nconfig x 'client_5'\n", []string{"7", "8"}},
		{"a peer beyond", []string{"2", "3"}, "config x 'wghub_1'\nconfig x 'client_4'\n", []string{"5", "6"}},
	} {
		c, err := uci.Parse("wghub", []byte(tc.sections))
		if err != nil {
			t.Fatal(err)
		}
		h := &Hub{}
		for _, id := range tc.peers {
			h.Peers = append(h.Peers, Peer{ID: id})
		}
		if tc.name == "sections in the way" {
			h.Peers = append(h.Peers, Peer{ID: "6"})
		}
		var ids []bool
		for _, want := range tc.want {
			got := newPeerID(h, c, c, &ids)
			if got != want {
				t.Errorf("%s: new id %s, want %s", tc.name, got, want)
			}
			h.Peers = append(h.Peers, Peer{ID: got})
		}
	}
}

// TestIDSet: ids as bits or, past them or not written as numbers, in a
// map; an id is in the set only as written ("7" is not "07").
func TestIDSet(t *testing.T) {
	s := newIDSet(1) // bits for 0..17
	in := []string{"1", "17", "18", "5000", "07", "x"}
	for _, id := range in {
		s.add(id)
	}
	for _, id := range in {
		if !s.has(id) {
			t.Errorf("%q added, not in the set", id)
		}
	}
	for _, id := range []string{"", "0", "2", "7", "16", "19", "050", "X"} {
		if s.has(id) {
			t.Errorf("%q in the set, never added", id)
		}
	}
}

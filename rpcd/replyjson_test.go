package rpcd

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
)

// withOutcomeRef is withOutcome through encoding/json: the oracle.
func withOutcomeRef(reply any, o *control.Outcome) any {
	return outcomeBy(reply, o, json.Marshal, json.Unmarshal)
}

// TestRepliesLikeEncodingJSON: list, error replies and write replies with
// their outcome are byte for byte what encoding/json wrote.
func TestRepliesLikeEncodingJSON(t *testing.T) {
	info := control.PeerInfo{Name: "Anna's <phone> & \u2028", PublicKey: "k+/=", Addresses: []string{"10.0.0.2/32"}, Access: []string{}}
	replies := []any{
		map[string]any{"peer": info}, map[string]string{"removed": "x&y"}, settingsOf(&hub.Hub{}), nil, 1.5, "str",
		map[string]any{"changed": true, "created": false, "public_key": "abc=", "n": 1e21, "small": 1e-7, "big": 1 << 60},
		[]int{1}, map[string]any{"saved": "overwritten", "warning": "old"},
	}
	outcomes := []control.Outcome{{}, {Saved: true, Applied: true}, {Saved: true, Warning: "not applied: <why>"},
		{Note: "interface down", Recovered: "journal"}}
	var values []any
	for _, r := range replies {
		values = append(values, r)
		for _, o := range outcomes {
			if got, want := withOutcome(r, &o), withOutcomeRef(r, &o); !sameJSON(t, got, want) {
				t.Errorf("withOutcome(%#v, %+v)", r, o)
			}
		}
	}
	values = append(values, List(), errorReply(errkind.Invalidf("name", "argument %q must be a string, not number", "name")),
		errorReply(&Error{CodeMethodNotFound, errors.New(`unknown method "x<"`)}))
	for _, v := range values {
		if !sameJSON(t, v, v) {
			t.Errorf("reply %#v", v)
		}
	}
}

// sameJSON reports whether writeJSON writes got as encoding/json writes
// want, and logs both if not.
func sameJSON(t *testing.T, got, want any) bool {
	t.Helper()
	var b bytes.Buffer
	if err := writeJSON(&b, got); err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(w)+"\n" {
		t.Logf("got  %s\nwant %s", b.String(), w)
		return false
	}
	return true
}

package uci

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
)

// TestJournalJSON: journals are written byte for byte as encoding/json
// wrote them, and those an earlier wghub wrote with encoding/json (versions
// 1 and 2) read back whole.
func TestJournalJSON(t *testing.T) {
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	for _, j := range []*journal{
		{Version: 1, Files: []journalEntry{
			{Config: "network", Mode: 0o600, UID: -1, GID: -1, OldExists: true, Old: []byte(jBefore["network"]), NewExists: true, New: []byte(jAfter["network"])},
			{Config: "wghub", Mode: 0o600, UID: -1, GID: -1, NewExists: true, New: []byte(jAfter["wghub"])},
		}},
		{Version: 2, Files: []journalEntry{
			{Config: "fire<wall>&", Mode: 0o644 | 1<<31, UID: 0, GID: 65534, OldExists: true, Old: bin, NewExists: true, New: []byte("\u2028\"\\"), Prefix: 12, Suffix: 1 << 40, Sum: bin[:32]},
			{Config: "old", OldExists: true, Old: []byte{}, Prefix: 3},
		}},
		{Version: 2},
	} {
		b, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		want := string(b) + "\n" + hex.EncodeToString(sum[:]) + "\n"
		if got := string(j.encode()); got != want {
			t.Errorf("encode:\ngot  %s\nwant %s", got, want)
		}
		back, ok := decodeJournal([]byte(want))
		if !ok {
			t.Fatalf("decodeJournal(%s) refused", want)
		}
		var ref journal
		json.Unmarshal(b, &ref)
		if !reflect.DeepEqual(back, &ref) {
			t.Errorf("decodeJournal:\ngot  %+v\nwant %+v", back, &ref)
		}
	}
}

package hub

import (
	"bytes"
	"encoding/base64"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// TestKeyCodec: decodeKey takes what encoding/base64's StdEncoding
// decodes to 32 bytes, gives the same bytes and takes nothing else: for
// keys with every byte value at every place, and every one-byte change
// of eight keys' text;
// encodeKey writes what it does.
func TestKeyCodec(t *testing.T) {
	var keys []wgtypes.Key
	for b := range 256 {
		var k wgtypes.Key
		for i := range k {
			k[i] = byte(b + 37*i)
		}
		keys = append(keys, k)
	}
	for n, k := range keys {
		var buf [44]byte
		encodeKey(&buf, &k)
		want := base64.StdEncoding.EncodeToString(k[:])
		if string(buf[:]) != want {
			t.Fatalf("encodeKey(%x) = %s, want %s", k[:], buf[:], want)
		}
		for at := range len(buf) * min(1, 8-min(n, 8)) { // changes to eight of them
			for c := range 256 {
				text := []byte(want)
				text[at] = byte(c)
				wantKey, err := base64.StdEncoding.DecodeString(string(text))
				wantOK := err == nil && len(wantKey) == len(k)
				got, ok := decodeKey(string(text))
				if ok != wantOK || ok && !bytes.Equal(got[:], wantKey) {
					t.Fatalf("decodeKey(%q) = %x, %v; encoding/base64 gives %x, %v", text, got[:], ok, wantKey, err)
				}
			}
		}
	}
	if _, ok := decodeKey(keys[0].String()[:43]); ok {
		t.Error("a key without its '=' decoded")
	}
}

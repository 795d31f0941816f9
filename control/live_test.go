package control

import (
	"testing"
	"time"

	"github.com/wghub/wghub/wgstat"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// The running peers status keeps are found by key, whatever order the
// device reported them in; of a peer reported twice (a reader starting
// again) the last report counts; a handshake keeps its time and "never"
// stays never.
func TestLiveDevicePeers(t *testing.T) {
	key := func(b byte) wgtypes.Key {
		var k wgtypes.Key
		k[0], k[31] = b, b
		return k
	}
	hs := time.Unix(1700000000, 123456789)
	var ld liveDevice
	for _, p := range []wgstat.Peer{
		{PublicKey: key(9), Endpoint: "192.0.2.9:9", Rx: 1},
		{PublicKey: key(3), Endpoint: "192.0.2.3:3", Handshake: hs, Tx: 3},
		{PublicKey: key(5), Endpoint: "old", Rx: 1},
		{PublicKey: key(1)},
		{PublicKey: key(5), Endpoint: "192.0.2.5:5", Rx: 5}, // again: this one counts
	} {
		ld.keep(&p)
	}
	ld.sort()
	if len(ld.peers) != 4 {
		t.Fatalf("%d peers kept, want 4 (one per key)", len(ld.peers))
	}
	for _, tt := range []struct {
		b        byte
		endpoint string
		rx       int64
	}{{9, "192.0.2.9:9", 1}, {3, "192.0.2.3:3", 0}, {5, "192.0.2.5:5", 5}, {1, "", 0}} {
		p, ok := ld.peer(key(tt.b))
		if !ok {
			t.Errorf("peer %d not found", tt.b)
			continue
		}
		if p.endpoint != tt.endpoint || p.rx != tt.rx {
			t.Errorf("peer %d: endpoint %q rx %d, want %q %d", tt.b, p.endpoint, p.rx, tt.endpoint, tt.rx)
		}
	}
	if p, _ := ld.peer(key(3)); p == nil || !time.Unix(0, p.handshake).Equal(hs) {
		t.Errorf("peer 3's handshake not kept: %+v", p)
	}
	if p, _ := ld.peer(key(1)); p == nil || p.handshake != 0 {
		t.Errorf("peer 1 never shook hands, kept %+v", p)
	}
	if _, ok := ld.peer(key(4)); ok {
		t.Error("a key the device does not have was found")
	}
	var none *liveDevice // the interface is down
	if _, ok := none.peer(key(3)); ok {
		t.Error("found a peer on a device that is not running")
	}
}

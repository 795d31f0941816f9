//go:build linux

package netnstests

import (
	"github.com/wghub/wghub/internal/wghubtest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// TestGatewayHitless is the gateway design's promise: on OpenWrt (the
// openwrt backend, UCI tree in a sandbox copy), adding and removing 20
// peers one by one while an existing peer pings through the hub loses no
// packet, and that peer's session — handshake time and counters — is not
// reset. netifd's part (creating the interface from UCI at ifup) is played
// by wireguard-go plus `wg setconf` of the hub's exported config.
func TestGatewayHitless(t *testing.T) {
	RequireRoot(t)
	if wghubBin == "" {
		t.Skip("needs the wghub binary (not built in driver mode)")
	}
	t.Parallel()
	hubNS, extNS := NewNS(t, "gwhub"), NewNS(t, "gwext")
	veth := Iface(hubNS, 'v')
	MustRun(t, hubNS, "ip", "link", "add", veth, "type", "veth", "peer", "name", veth+"x", "netns", extNS)
	MustRun(t, hubNS, "ip", "addr", "add", "198.51.100.1/24", "dev", veth)
	MustRun(t, hubNS, "ip", "link", "set", veth, "up")
	MustRun(t, extNS, "ip", "addr", "add", "198.51.100.2/24", "dev", veth+"x")
	MustRun(t, extNS, "ip", "link", "set", veth+"x", "up")

	root := wghubtest.Sandbox(t)
	wgHub, wgExt := Iface(hubNS, 'g'), Iface(extNS, 'e')
	w := func(args ...string) string {
		t.Helper()
		return MustRun(t, hubNS, append([]string{wghubBin, "--backend", "openwrt", "--root", root}, args...)...)
	}
	w("setup", "--interface", wgHub, "--endpoint", "198.51.100.1")
	w("peer", "add", "ext")

	// netifd's ifup: the device from UCI.
	conf := filepath.Join(root, "hub.conf")
	os.WriteFile(conf, []byte(w("export")), 0o600)
	MustRun(t, hubNS, "wireguard-go", wgHub)
	MustRun(t, hubNS, "sh", "-c", "wg-quick strip "+conf+" > "+conf+".s && wg setconf "+wgHub+" "+conf+".s")
	MustRun(t, hubNS, "ip", "addr", "add", "192.168.100.1/24", "dev", wgHub)
	MustRun(t, hubNS, "ip", "link", "set", wgHub, "up")

	// The external peer, from its client config.
	ext := filepath.Join(root, "ext.conf")
	os.WriteFile(ext, []byte(w("peer", "config", "ext")), 0o600)
	MustRun(t, extNS, "wireguard-go", wgExt)
	MustRun(t, extNS, "sh", "-c", "wg-quick strip "+ext+" > "+ext+".s && wg setconf "+wgExt+" "+ext+".s")
	MustRun(t, extNS, "ip", "addr", "add", "192.168.100.2/32", "dev", wgExt)
	MustRun(t, extNS, "ip", "link", "set", wgExt, "up")
	MustRun(t, extNS, "ip", "route", "add", "192.168.100.0/24", "dev", wgExt)
	MustRun(t, extNS, "ping", "-c", "3", "-i", "0.2", "-W", "2", "192.168.100.1")

	before := hubPeer(t, hubNS, wgHub)
	ping := Start(t, extNS, nil, "", "ping", "-i", "0.02", "-c", "400", "-W", "1", "192.168.100.1")

	var keys []string
	for i := 0; i < 20; i++ {
		k, _ := wgtypes.GeneratePrivateKey()
		keys = append(keys, k.PublicKey().String())
		w("peer", "add", "t"+strconv.Itoa(i), "--public-key", keys[i])
		if got := len(Peers(t, hubNS, wgHub)); got != i+2 {
			t.Fatalf("after adding %d peers the device has %d (not applied live)", i+1, got)
		}
	}
	for i := 0; i < 20; i++ {
		w("peer", "remove", "t"+strconv.Itoa(i))
	}
	if got := len(Peers(t, hubNS, wgHub)); got != 1 {
		t.Fatalf("after removing them the device has %d peers, want 1", got)
	}
	out, err := ping.Wait(30 * time.Second)
	if err != nil {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] {
		t.Fatalf("packets lost while peers changed:\n%s", out)
	}
	t.Logf("ping during 40 peer changes: %s sent, %s received", m[1], m[2])
	after := hubPeer(t, hubNS, wgHub)
	if after.Handshake != before.Handshake {
		t.Errorf("ext's handshake changed %d -> %d: its session was reset", before.Handshake, after.Handshake)
	}
	if after.RX <= before.RX || after.TX <= before.TX {
		t.Errorf("ext's counters did not grow (rx %d -> %d, tx %d -> %d): reset?", before.RX, after.RX, before.TX, after.TX)
	}
}

// hubPeer is the one peer with a handshake (ext).
func hubPeer(t *testing.T, ns, iface string) PeerStat {
	t.Helper()
	for _, p := range Peers(t, ns, iface) {
		if p.Handshake != 0 {
			return p
		}
	}
	t.Fatal("no peer has completed a handshake")
	return PeerStat{}
}

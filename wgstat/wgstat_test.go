package wgstat

import (
	"bufio"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

func key(b byte) wgtypes.Key {
	var k wgtypes.Key
	for i := range k {
		k[i] = b
	}
	return k
}

// reply is a wireguard-go "get=1" answer: the device, then peers with
// every key the UAPI prints (the ones status ignores included).
func reply(errno string) string {
	h := func(b byte) string { k := key(b); return hex.EncodeToString(k[:]) }
	return "private_key=" + h(9) + "\nlisten_port=51999\nfwmark=0\n" +
		"public_key=" + h(1) + "\npreshared_key=" + h(8) + "\nprotocol_version=1\nendpoint=192.0.2.1:40001\n" +
		"last_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\ntx_bytes=7\nrx_bytes=8589934592\n" +
		"persistent_keepalive_interval=25\nallowed_ip=10.64.0.2/32\nallowed_ip=fd00::2/128\n" +
		"public_key=" + h(2) + "\nendpoint=[2001:db8::1]:51820\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=0\n" +
		"tx_bytes=0\nrx_bytes=0\n" +
		"public_key=" + h(3) + "\nendpoint=[::ffff:10.1.2.3]:9\n" +
		"public_key=" + h(4) + "\nendpoint=[fe80::1%eth0]:4\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\n" +
		"errno=" + errno + "\n\n"
}

// want is what wgctrl's parser makes of reply, printed as status does.
var want = []Peer{
	{PublicKey: key(1), Endpoint: "192.0.2.1:40001", Handshake: time.Unix(1700000000, 5), Rx: 1 << 33, Tx: 7},
	// wgctrl keeps a handshake only when both parts are non-zero.
	{PublicKey: key(2), Endpoint: "[2001:db8::1]:51820"},
	{PublicKey: key(3), Endpoint: "10.1.2.3:9"},
	{PublicKey: key(4), Endpoint: "[fe80::1%eth0]:4"},
}

func parse(t *testing.T, s string) (int, []Peer, error) {
	t.Helper()
	var got []Peer
	port, err := Parse(bufio.NewReader(strings.NewReader(s)), func(p *Peer) { got = append(got, *p) })
	return port, got, err
}

func TestParse(t *testing.T) {
	port, got, err := parse(t, reply("0"))
	if err != nil || port != 51999 || len(got) != len(want) {
		t.Fatalf("port %d, %d peers, %v; want 51999, %d", port, len(got), err, len(want))
	}
	for i := range want {
		if g, w := got[i], want[i]; g.PublicKey != w.PublicKey || g.Endpoint != w.Endpoint || !g.Handshake.Equal(w.Handshake) || g.Rx != w.Rx || g.Tx != w.Tx {
			t.Errorf("peer %d: %+v, want %+v", i, g, w)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, c := range []struct{ name, in string }{
		{"errno", reply("2")},
		{"no end", "listen_port=1\n"},
		{"no =", "listen_port\n\n"},
		{"two =", "listen_port=1=2\n\n"},
		{"short key", "public_key=0101\n\n"},
		{"not hex", "public_key=" + strings.Repeat("zz", 32) + "\n\n"},
		{"name endpoint", "public_key=" + strings.Repeat("01", 32) + "\nendpoint=vpn.example.org:1\n\n"},
		{"bad counter", "public_key=" + strings.Repeat("01", 32) + "\nrx_bytes=-x\n\n"},
	} {
		if _, _, err := parse(t, c.in); err == nil {
			t.Errorf("%s: no error", c.name)
		} else if c.name != "errno" && !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat (the caller falls back to wgctrl)", c.name, err)
		}
	}
}

// TestRead asks a UAPI socket as wireguard-go serves it.
func TestRead(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "wg0.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		if q, _ := r.ReadString('\n'); q != "get=1\n" {
			io.WriteString(c, "errno=22\n\n")
			return
		}
		r.ReadString('\n')
		io.WriteString(c, reply("0"))
	}()
	n := 0
	port, err := Read(sock, func(p *Peer) { n++ })
	if err != nil || port != 51999 || n != len(want) {
		t.Errorf("Read: port %d, %d peers, %v", port, n, err)
	}
}

// TestFromDevice: a device read by wgctrl gives the same peers.
func TestFromDevice(t *testing.T) {
	d := &wgtypes.Device{Peers: []wgtypes.Peer{
		{PublicKey: key(1), Endpoint: &net.UDPAddr{IP: net.ParseIP("192.0.2.1"), Port: 40001}, LastHandshakeTime: time.Unix(1700000000, 5), ReceiveBytes: 1 << 33, TransmitBytes: 7},
		{PublicKey: key(2), Endpoint: &net.UDPAddr{IP: net.ParseIP("2001:db8::1"), Port: 51820}},
		{PublicKey: key(3), Endpoint: &net.UDPAddr{IP: net.ParseIP("::ffff:10.1.2.3"), Port: 9}},
		{PublicKey: key(4), Endpoint: &net.UDPAddr{IP: net.ParseIP("fe80::1"), Port: 4, Zone: "eth0"}},
	}}
	i := 0
	FromDevice(d, func(p *Peer) {
		if w := want[i]; *p != w && !(p.PublicKey == w.PublicKey && p.Endpoint == w.Endpoint && p.Handshake.Equal(w.Handshake) && p.Rx == w.Rx && p.Tx == w.Tx) {
			t.Errorf("peer %d: %+v, want %+v", i, *p, w)
		}
		i++
	})
}

package control_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/backend/openwrt"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/wgstat"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// fillAll sets every field of v (a pointer) to a value that is not its
// zero value and that no other field has, recursing into structs and
// giving slices two elements: a field written by encoding/json but not by
// Status.WriteJSON (or written under another name, or out of order) then
// shows in the comparison.
func fillAll(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d <&> \"é\"", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n) * 1000003)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fillAll(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			fillAll(v.Field(i), n)
		}
	default:
		panic("fillAll: add a case for " + v.Kind().String())
	}
}

func TestStatusJSONMatchesEncodingJSON(t *testing.T) {
	var full control.Status
	n := 0
	fillAll(reflect.ValueOf(&full).Elem(), &n)
	emptyLists := control.Status{Setup: true, Peers: []control.PeerStatus{{HandshakeAge: -1,
		PeerInfo: control.PeerInfo{Name: "a", Addresses: []string{}, Access: []string{}, Routes: []string{}, LAN: []string{}}}}}
	for name, st := range map[string]control.Status{"every field set": full, "zero": {}, "empty lists": emptyLists} {
		for _, indent := range []bool{false, true} {
			var want []byte
			var err error
			if indent {
				want, err = json.MarshalIndent(st, "", "  ")
			} else {
				want, err = json.Marshal(st)
			}
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := st.WriteJSON(&got, indent); err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want)+"\n" {
				t.Errorf("%s, indent %v:\ngot  %s\nwant %s", name, indent, got.String(), want)
			}
		}
	}
}

// liveBackend is the OpenWrt backend with a running interface of its own:
// Device answers with dev (or err) for the interface named iface.
type liveBackend struct {
	*openwrt.Backend
	iface string
	dev   *wgtypes.Device
	err   error
	asked []string
}

func (b *liveBackend) Device(iface string) (*wgtypes.Device, error) {
	b.asked = append(b.asked, iface)
	if iface != b.iface {
		return nil, os.ErrNotExist
	}
	return b.dev, b.err
}

// Stats reads Device one peer at a time, as the OpenWrt backend's Stats
// does when it reads through wgctrl.
func (b *liveBackend) Stats(iface string, fn func(*wgstat.Peer)) (int, error) {
	d, err := b.Device(iface)
	if err != nil {
		return 0, err
	}
	wgstat.FromDevice(d, fn)
	return d.ListenPort, nil
}

// deviceOnly hides liveBackend's Stats: status then reads Device whole.
type deviceOnly struct{ control.Backend }

// TestStatusStreamed: the streamed reply (CLI --json and ubus) equals
// encoding/json's for the Status built whole, with the running
// interface's endpoints, handshakes and counters joined in.
func TestStatusStreamed(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	m := manager(root)
	if _, err := m.Setup(ctx, control.SetupRequest{Interface: "wg7", Endpoint: "vpn.example.org", Subnet6: mustPrefix("fd42:4242:4242::/64")}); err != nil {
		t.Fatal(err)
	}
	var peers []wgtypes.Peer
	for i, name := range []string{"zeta <&>", "Anna's phone", "alpha", "off"} {
		ad, err := m.PeerAdd(ctx, hub.PeerRequest{Name: name, PSK: i%2 == 0, Routes: []netip.Prefix{mustPrefix(fmt.Sprintf("10.9.%d.0/24", i))}[:i%2]})
		if err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			if _, err := m.PeerSetEnabled(ctx, name, false); err != nil {
				t.Fatal(err)
			}
			continue // configured, not on the device
		}
		peers = append(peers, wgtypes.Peer{PublicKey: ad.Peer.PublicKey, ReceiveBytes: int64(i) << 33, TransmitBytes: 7,
			Endpoint: &net.UDPAddr{IP: net.IPv4(192, 0, 2, byte(i)), Port: 40000 + i}, LastHandshakeTime: time.Unix(1700000000+int64(i), 0)})
	}
	peers[1].Endpoint, peers[1].LastHandshakeTime = nil, time.Time{}
	be := &liveBackend{Backend: openwrt.New(root, nil), iface: "wg7", dev: &wgtypes.Device{Name: "wg7", ListenPort: 51999, Peers: peers}}
	for _, b := range []control.Backend{be, deviceOnly{be}} {
		be.asked = nil
		m.Backend = b
		r, err := m.ReadStatus()
		if err != nil {
			t.Fatal(err)
		}
		if len(be.asked) != 1 || be.asked[0] != "wg7" {
			t.Errorf("device read for %q, want once for wg7", be.asked)
		}
		st := r.Status()
		if !st.Up || st.ListenPort != 51999 || len(st.Peers) != 4 || st.Peers[0].Name != "Anna's phone" ||
			st.Peers[1].Endpoint != "192.0.2.2:40002" || st.Peers[1].RxBytes != 2<<33 || st.Peers[0].HandshakeAge != -1 {
			t.Errorf("status does not join the device: %+v", st)
		}
		for _, indent := range []bool{false, true} {
			var got bytes.Buffer
			if err := r.WriteJSON(&got, indent); err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(st)
			if indent {
				want, _ = json.MarshalIndent(st, "", "  ")
			}
			if got.String() != string(want)+"\n" {
				t.Errorf("indent %v: streamed\n%s\nwant\n%s", indent, got.String(), want)
			}
		}
	}
	be.err = errors.New("wireguard-go is not answering")
	for _, b := range []control.Backend{be, deviceOnly{be}} {
		m.Backend = b
		if _, err := m.ReadStatus(); err == nil || !strings.Contains(err.Error(), "not answering") {
			t.Errorf("device error: %v, want it reported", err)
		}
	}
}

// TestStatusAccessNone: a device with no access shows "access": [], not
// null (LuCI lists its items).
func TestStatusAccessNone(t *testing.T) {
	ctx := context.Background()
	m := manager(wghubtest.Sandbox(t))
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "cam", Access: access(t, "none")}); err != nil {
		t.Fatal(err)
	}
	r, err := m.ReadStatus()
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := r.WriteJSON(&got, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.String(), `"access":[],"own_access":true`) {
		t.Errorf("status of a device with no access:\n%s", got.String())
	}
}

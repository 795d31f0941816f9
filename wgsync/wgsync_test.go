package wgsync

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

func key(t testing.TB, seed byte) wgtypes.Key {
	t.Helper()
	var k wgtypes.Key
	for i := range k {
		k[i] = seed + byte(i)
	}
	// Clamp as a private key so PublicKey works.
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
	return k
}

// network builds a network config: interface wg0 with hub key 1 on port
// 51820, and the given peer sections.
func network(t testing.TB, peers string) *uci.Config {
	t.Helper()
	src := fmt.Sprintf("config interface 'wg0'\n\toption proto 'wireguard'\n\toption private_key '%s'\n\toption listen_port '51820'\n\tlist addresses '192.168.100.1/24'\n%s", key(t, 1), peers)
	c, err := uci.Parse("network", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func peerSection(name string, pub wgtypes.Key, extra ...string) string {
	s := fmt.Sprintf("\nconfig wireguard_wg0 '%s'\n\toption public_key '%s'\n", name, pub.PublicKey())
	for _, e := range extra {
		s += "\t" + e + "\n"
	}
	return s
}

func TestFromUCI(t *testing.T) {
	psk := key(t, 9)
	c := network(t, peerSection("wghub_a", key(t, 2), "option description 'laptop'", "option preshared_key '"+psk.String()+"'",
		"list allowed_ips '192.168.100.2/32'", "list allowed_ips '10.9.0.0/24 10.8.0.1'", "option route_allowed_ips '1'",
		"option endpoint_host '[2001:db8::1]'", "option endpoint_port '4500'", "option persistent_keepalive '25'")+
		peerSection("wghub_off", key(t, 3), "option disabled '1'")+
		"\nconfig wireguard_wg0 'nokey'\n\tlist allowed_ips '10.1.0.0/24'\n"+
		peerSection("bad", key(t, 4), "list allowed_ips 'x/33'"))
	w, skipped, err := FromUCI(c, "wg0")
	if err != nil {
		t.Fatal(err)
	}
	if w.PrivateKey != key(t, 1) || w.ListenPort != 51820 {
		t.Errorf("interface: key ok %v, port %d", w.PrivateKey == key(t, 1), w.ListenPort)
	}
	if len(w.Peers) != 1 {
		t.Fatalf("peers %+v, want only laptop (disabled, keyless and invalid sections skipped)", w.Peers)
	}
	p := w.Peers[0]
	wantIPs := []netip.Prefix{netip.MustParsePrefix("192.168.100.2/32"), netip.MustParsePrefix("10.9.0.0/24"), netip.MustParsePrefix("10.8.0.1/32")}
	if p.Name != "laptop" || p.PresharedKey == nil || *p.PresharedKey != psk || !slices.Equal(p.AllowedIPs, wantIPs) ||
		p.EndpointHost != "2001:db8::1" || p.EndpointPort != 4500 || p.Keepalive != 25 || !p.RouteAllowedIPs {
		t.Errorf("peer = %+v", p)
	}
	var names []string
	for _, s := range skipped {
		names = append(names, s.Section)
	}
	if !slices.Equal(names, []string{"nokey", "bad"}) {
		t.Errorf("skipped %v, want [nokey bad]", skipped)
	}
	if _, _, err := FromUCI(c, "wg1"); err == nil {
		t.Error("missing interface section: no error")
	}
}

func prefixes(s ...string) []net.IPNet {
	var out []net.IPNet
	for _, x := range s {
		_, n, _ := net.ParseCIDR(x)
		out = append(out, *n)
	}
	return out
}

// device is what a correct apply of network(t, peers a, b) gives.
func device(t testing.TB) *wgtypes.Device {
	return &wgtypes.Device{Name: "wg0", PrivateKey: key(t, 1), PublicKey: key(t, 1).PublicKey(), ListenPort: 51820,
		Peers: []wgtypes.Peer{
			{PublicKey: key(t, 2).PublicKey(), PresharedKey: key(t, 9), AllowedIPs: prefixes("192.168.100.2/32", "10.9.0.0/24"),
				PersistentKeepaliveInterval: 25 * time.Second},
			{PublicKey: key(t, 3).PublicKey(), AllowedIPs: prefixes("192.168.100.3/32")},
		}}
}

func twoPeers(t testing.TB, extraB ...string) *Want {
	c := network(t, peerSection("wghub_a", key(t, 2), "option description 'a'", "option preshared_key '"+key(t, 9).String()+"'",
		"list allowed_ips '10.9.0.0/24'", "list allowed_ips '192.168.100.2'", "option persistent_keepalive '25'")+
		peerSection("wghub_b", key(t, 3), append([]string{"option description 'b'", "list allowed_ips '192.168.100.3/32'"}, extraB...)...))
	w, _, err := FromUCI(c, "wg0")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func kinds(p Plan) []string {
	var out []string
	for _, d := range p.Differences {
		out = append(out, string(d.Kind)+":"+d.Peer)
	}
	return out
}

func TestCompare(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	resolve := func(h string) ([]netip.Addr, error) {
		if h == "peer.example" {
			return []netip.Addr{netip.MustParseAddr("198.51.100.7")}, nil
		}
		if a, err := netip.ParseAddr(h); err == nil {
			return []netip.Addr{a}, nil
		}
		return nil, errors.New("no such host")
	}
	b := key(t, 3).PublicKey()
	tests := []struct {
		name  string
		extra []string                // options for peer b in UCI
		edit  func(d *wgtypes.Device) // the device's drift
		want  []string
		// check looks at b's PeerConfig (nil when b must not be in the config).
		check func(t *testing.T, pc *wgtypes.PeerConfig)
	}{
		{name: "equal", edit: func(d *wgtypes.Device) {
			// Order of allowed IPs means nothing.
			slices.Reverse(d.Peers[0].AllowedIPs)
		}},
		{name: "peer missing", edit: func(d *wgtypes.Device) { d.Peers = d.Peers[:1] }, want: []string{"peer_missing:b"},
			check: func(t *testing.T, pc *wgtypes.PeerConfig) {
				if pc.UpdateOnly || pc.Remove || len(pc.AllowedIPs) != 1 {
					t.Errorf("add = %+v", pc)
				}
			}},
		{name: "peer extra", edit: func(d *wgtypes.Device) {
			d.Peers = append(d.Peers, wgtypes.Peer{PublicKey: key(t, 5).PublicKey()})
		}, want: []string{"peer_extra:" + key(t, 5).PublicKey().String()}},
		{name: "allowed ips", edit: func(d *wgtypes.Device) { d.Peers[1].AllowedIPs = prefixes("192.168.100.3/32", "10.0.0.0/8") },
			want: []string{"allowed_ips:b"},
			check: func(t *testing.T, pc *wgtypes.PeerConfig) {
				if !pc.UpdateOnly || !pc.ReplaceAllowedIPs || len(pc.AllowedIPs) != 1 || pc.PresharedKey != nil {
					t.Errorf("update = %+v", pc)
				}
			}},
		{name: "psk missing", extra: []string{"option preshared_key '" + key(t, 8).String() + "'"}, want: []string{"psk_missing:b"},
			check: func(t *testing.T, pc *wgtypes.PeerConfig) {
				if !pc.UpdateOnly || pc.PresharedKey == nil || *pc.PresharedKey != key(t, 8) || pc.ReplaceAllowedIPs {
					t.Errorf("update = %+v", pc)
				}
			}},
		{name: "psk extra", edit: func(d *wgtypes.Device) { d.Peers[1].PresharedKey = key(t, 8) }, want: []string{"psk_extra:b"},
			check: func(t *testing.T, pc *wgtypes.PeerConfig) {
				if pc.PresharedKey == nil || *pc.PresharedKey != (wgtypes.Key{}) {
					t.Errorf("PSK not cleared: %+v", pc)
				}
			}},
		{name: "psk differs", edit: func(d *wgtypes.Device) { d.Peers[0].PresharedKey = key(t, 8) }, want: []string{"psk_differs:a"}},
		{name: "keepalive", extra: []string{"option persistent_keepalive '15'"}, want: []string{"keepalive:b"},
			check: func(t *testing.T, pc *wgtypes.PeerConfig) {
				if pc.PersistentKeepaliveInterval == nil || *pc.PersistentKeepaliveInterval != 15*time.Second {
					t.Errorf("update = %+v", pc)
				}
			}},
		{name: "endpoint unset on device", extra: []string{"option endpoint_host 'peer.example'", "option endpoint_port '4500'"},
			want: []string{"endpoint:b"},
			check: func(t *testing.T, pc *wgtypes.PeerConfig) {
				if pc.Endpoint == nil || pc.Endpoint.String() != "198.51.100.7:4500" {
					t.Errorf("update = %+v", pc)
				}
			}},
		{name: "endpoint equal", extra: []string{"option endpoint_host 'peer.example'"}, edit: func(d *wgtypes.Device) {
			d.Peers[1].Endpoint = &net.UDPAddr{IP: net.ParseIP("198.51.100.7"), Port: 51820}
		}},
		{name: "endpoint roamed during a live session", extra: []string{"option endpoint_host '198.51.100.7'"}, edit: func(d *wgtypes.Device) {
			d.Peers[1].Endpoint = &net.UDPAddr{IP: net.ParseIP("203.0.113.9"), Port: 6000}
			d.Peers[1].LastHandshakeTime = now.Add(-time.Minute)
		}},
		{name: "endpoint stale", extra: []string{"option endpoint_host '198.51.100.7'"}, edit: func(d *wgtypes.Device) {
			d.Peers[1].Endpoint = &net.UDPAddr{IP: net.ParseIP("203.0.113.9"), Port: 6000}
			d.Peers[1].LastHandshakeTime = now.Add(-time.Hour)
		}, want: []string{"endpoint:b"}},
		{name: "endpoint unresolvable", extra: []string{"option endpoint_host 'nowhere.invalid'"}, want: []string{"endpoint_host:b"}},
		{name: "listen port and private key", edit: func(d *wgtypes.Device) {
			d.ListenPort = 40000
			d.PrivateKey = key(t, 7)
			d.PublicKey = key(t, 7).PublicKey()
		}, want: []string{"private_key:", "listen_port:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := twoPeers(t, tt.extra...)
			d := device(t)
			if tt.edit != nil {
				tt.edit(d)
			}
			p := Compare(w, d, Options{Resolve: resolve, Now: now})
			if got := kinds(p); !slices.Equal(got, tt.want) {
				t.Fatalf("differences %v, want %v", got, tt.want)
			}
			if p.Config.ReplacePeers {
				t.Fatal("ReplacePeers set")
			}
			var pcB *wgtypes.PeerConfig
			for i, pc := range p.Config.Peers {
				if pc.PublicKey == key(t, 2).PublicKey() && !strings.Contains(strings.Join(tt.want, " "), ":a") {
					t.Errorf("peer a matches UCI but is in the config: %+v", pc)
				}
				if pc.PublicKey == b {
					pcB = &p.Config.Peers[i]
				}
			}
			if tt.check != nil {
				if pcB == nil {
					t.Fatal("peer b not in the config")
				}
				tt.check(t, pcB)
			}
			// Applying the plan leaves nothing to do (unless a host does not resolve).
			f := &FakeDevice{Dev: d}
			if !p.Empty() {
				f.ConfigureDevice("wg0", p.Config)
			}
			again := Compare(w, f.Dev, Options{Resolve: resolve, Now: now})
			if !again.Empty() {
				t.Errorf("after applying: %v", kinds(again))
			}
			for _, x := range p.Differences {
				if s := x.String(); strings.Contains(s, key(t, 8).String()) || strings.Contains(s, key(t, 9).String()) || strings.Contains(s, key(t, 1).String()) {
					t.Errorf("message shows a secret: %s", s)
				}
			}
		})
	}
}

func TestSync(t *testing.T) {
	w := twoPeers(t)
	d := device(t)
	d.Peers[0].LastHandshakeTime = time.Now()
	d.Peers[0].ReceiveBytes = 1000
	d.Peers[1].PresharedKey = key(t, 8)                                                                                 // PSK UCI does not have
	d.Peers = append(d.Peers, wgtypes.Peer{PublicKey: key(t, 6).PublicKey(), AllowedIPs: prefixes("192.168.100.3/32")}) // stole b's address
	d.Peers[1].AllowedIPs = nil
	f := &FakeDevice{Dev: d}
	r, err := Sync(f, w, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Remaining) != 0 {
		t.Fatalf("remaining: %v", r.Remaining)
	}
	if len(f.Configs) != 1 {
		t.Fatalf("%d configure calls, want 1", len(f.Configs))
	}
	for _, pc := range f.Configs[0].Peers {
		if pc.PublicKey == key(t, 2).PublicKey() {
			t.Errorf("untouched peer a was configured: %+v", pc)
		}
	}
	a := f.Dev.Peers[0]
	if a.LastHandshakeTime.IsZero() || a.ReceiveBytes != 1000 {
		t.Error("peer a's session state was lost")
	}
	// Idempotent: the second run sends nothing.
	if _, err := Sync(f, w, Options{}); err != nil || len(f.Configs) != 1 {
		t.Errorf("second sync: err %v, %d configure calls, want still 1", err, len(f.Configs))
	}
	// Down: nothing to do, said as such.
	_, err = Sync(&FakeDevice{}, w, Options{})
	if !errors.Is(err, ErrNotRunning) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("down: err %v, want ErrNotRunning", err)
	}
}

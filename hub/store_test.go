package hub

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// TestStoreWritesEachChange: a peer whose sections Store wrote itself
// (the ones it skips by their bytes, see stored) still gets every change
// of every field written, and one left alone leaves the files as they
// were.
func TestStoreWritesEachChange(t *testing.T) {
	k1, _ := wgtypes.GeneratePrivateKey()
	k2, _ := wgtypes.GeneratePrivateKey()
	route := netip.MustParsePrefix("192.168.50.0/24")
	lan := netip.MustParsePrefix("192.168.7.0/24")
	for _, tc := range []struct {
		name   string
		change func(p *Peer)
	}{
		{"nothing", func(p *Peer) {}},
		{"name", func(p *Peer) { p.Name = "renamed" }},
		{"public key", func(p *Peer) { p.PublicKey = k1.PublicKey() }},
		{"preshared key dropped", func(p *Peer) { p.PresharedKey = nil }},
		{"preshared key changed", func(p *Peer) { p.PresharedKey = &k1 }},
		{"private key dropped", func(p *Peer) { p.PrivateKey = nil }},
		{"private key changed", func(p *Peer) { p.PrivateKey = &k2 }},
		{"address", func(p *Peer) { p.Addresses = []netip.Prefix{netip.MustParsePrefix("10.64.0.9/32")} }},
		{"route", func(p *Peer) { p.Routes = []netip.Prefix{route} }},
		{"disabled", func(p *Peer) { p.Disabled = true }},
		{"access", func(p *Peer) { a := Access{LAN: true, Router: true}; p.Access = &a }},
		{"lan", func(p *Peer) { p.LAN = []netip.Prefix{lan} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := Standalone
			h := testHub(t, "10.64.0.0/16")
			cfgs := map[string]*uci.Config{"wghub": uci.New("wghub")}
			for _, n := range []string{"one", "two"} {
				if _, err := h.AddPeer(PeerRequest{Name: n, PSK: true}); err != nil {
					t.Fatal(err)
				}
			}
			if err := Store(cfgs, l, h); err != nil {
				t.Fatal(err)
			}
			// Parsed again, its sections are the file's bytes, as a
			// command finds them.
			before := cfgs["wghub"].Bytes()
			c, err := uci.Parse("wghub", before)
			if err != nil {
				t.Fatal(err)
			}
			cfgs["wghub"] = c
			if h, err = Load(cfgs, l); err != nil {
				t.Fatal(err)
			}
			tc.change(&h.Peers[1])
			want := h.Peers[1].clone()
			if err := Store(cfgs, l, h); err != nil {
				t.Fatal(err)
			}
			after := cfgs["wghub"].Bytes()
			if tc.name == "nothing" && string(after) != string(before) {
				t.Fatalf("Store of an unchanged hub changed it:\n%s\nwas:\n%s", after, before)
			}
			c, err = uci.Parse("wghub", after)
			if err != nil {
				t.Fatal(err)
			}
			cfgs["wghub"] = c
			got, err := Load(cfgs, l)
			if err != nil {
				t.Fatal(err)
			}
			// (The sections each was read from differ, of course.)
			got.Peers[1].ps, got.Peers[1].cs, want.ps, want.cs = nil, nil, nil, nil
			if !reflect.DeepEqual(got.Peers[1], want) {
				t.Errorf("peer after Store and Load:\n%+v\nwant:\n%+v", got.Peers[1], want)
			}
		})
	}
}

// TestStoreOtherConfigs: a hub stored into configs other than the ones it
// was loaded from (parsed again, or with its sections deleted) writes
// there, not into the sections it was read from.
func TestStoreOtherConfigs(t *testing.T) {
	l := Standalone
	h := testHub(t, "10.64.0.0/16")
	cfgs := map[string]*uci.Config{"wghub": uci.New("wghub")}
	if _, err := h.AddPeer(PeerRequest{Name: "one", PSK: true}); err != nil {
		t.Fatal(err)
	}
	if err := Store(cfgs, l, h); err != nil {
		t.Fatal(err)
	}
	text := cfgs["wghub"].Bytes()
	parse := func() *uci.Config {
		c, err := uci.Parse("wghub", text)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cfgs["wghub"] = parse()
	h, err := Load(cfgs, l)
	if err != nil {
		t.Fatal(err)
	}
	h.Peers[0].Disabled = true
	for _, tc := range []struct {
		name string
		cfg  func() *uci.Config
	}{
		{"parsed again", parse},
		{"sections deleted", func() *uci.Config {
			c := cfgs["wghub"]
			c.Delete(c.Section(PeerSection(h.Peers[0].ID)))
			c.Delete(c.Section(clientSection(h.Peers[0].ID)))
			return c
		}},
	} {
		other := map[string]*uci.Config{"wghub": tc.cfg()}
		if err := Store(other, l, h); err != nil {
			t.Fatal(err)
		}
		c, err := uci.Parse("wghub", other["wghub"].Bytes())
		if err != nil {
			t.Fatal(err)
		}
		got, err := Load(map[string]*uci.Config{"wghub": c}, l)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Peers) != 1 || !got.Peers[0].Disabled || got.Peers[0].Name != "one" {
			t.Errorf("%s: peers after Store %+v, want one, disabled", tc.name, got.Peers)
		}
	}
}

// TestLoadClientsInAnyOrder: Load gives each peer its own client section
// (its name, private key and access) whatever order the client sections
// are in, the usual one (that of the peers) or another.
func TestLoadClientsInAnyOrder(t *testing.T) {
	l := Layout{Hub: "wghub", Network: "network"}
	h := testHub(t, "10.64.0.0/16")
	cfgs := map[string]*uci.Config{"wghub": uci.New("wghub"), "network": uci.New("network")}
	for i, n := range []string{"one", "two", "three", "four"} {
		r := PeerRequest{Name: n}
		if i == 2 {
			r.Access = &Access{Router: true}
		}
		if _, err := h.AddPeer(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := Store(cfgs, l, h); err != nil {
		t.Fatal(err)
	}
	// The client sections' blocks, reversed after the hub's.
	blocks := strings.SplitAfter(string(cfgs["wghub"].Bytes()), "\n\n")
	var hub, clients []string
	for _, b := range blocks {
		if strings.HasPrefix(b, "config client ") {
			clients = append([]string{strings.TrimSuffix(b, "\n\n") + "\n\n"}, clients...)
		} else {
			hub = append(hub, b)
		}
	}
	for name, text := range map[string]string{
		"in order":    string(cfgs["wghub"].Bytes()),
		"reversed":    strings.Join(append(hub, clients...), ""),
		"one missing": strings.Join(append(hub, clients[1:]...), ""),
	} {
		hc, err := uci.Parse("wghub", []byte(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		nc, err := uci.Parse("network", cfgs["network"].Bytes())
		if err != nil {
			t.Fatal(err)
		}
		got, err := Load(map[string]*uci.Config{"wghub": hc, "network": nc}, l)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := slices.Clone(h.Peers)
		if name == "one missing" {
			want = want[:len(want)-1] // its peer section is not wghub's
		}
		if len(got.Peers) != len(want) {
			t.Fatalf("%s: %d peers, want %d", name, len(got.Peers), len(want))
		}
		for i, p := range got.Peers {
			w := want[i]
			if p.Name != w.Name || p.PrivateKey == nil || *p.PrivateKey != *w.PrivateKey || (p.Access == nil) != (w.Access == nil) {
				t.Errorf("%s: peer %d loaded as %q with another's client section", name, i, p.Name)
			}
		}
	}
}

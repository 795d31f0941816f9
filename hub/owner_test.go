package hub

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// TestOwnedPeers: a peer section is wghub's only when a non-anonymous
// section of type client is named client_ID; any other peer section is
// the owner's (its allowed IPs are Foreign) and Store leaves it, while a
// peer of wghub's that the hub no longer has is deleted.
func TestOwnedPeers(t *testing.T) {
	key := func() string { k, _ := wgtypes.GeneratePrivateKey(); return k.String() }
	network := `config interface 'wg0'
	option proto 'wireguard'
	option private_key '` + key() + `'
	list addresses '10.64.0.1/16'

config wireguard_wg0 'wghub_1'
	option public_key '` + key() + `'
	list allowed_ips '10.64.0.2/32'

config wireguard_wg0 'wghub_2'
	option public_key '` + key() + `'
	list allowed_ips '10.64.0.3/32'

config wireguard_wg0 'wghub_3'
	option public_key '` + key() + `'
	list allowed_ips '10.64.0.4/32'

config wireguard_wg0 'wghub_4'
	option public_key '` + key() + `'
	list allowed_ips '10.64.0.5/32'
`
	wghub := `config hub 'hub'
	option interface 'wg0'
	list subnet '10.64.0.0/16'

config client 'client_1'
	option name 'mine'

config other 'client_2'
	option name 'not a client'

config client
	option name 'anonymous'

config client 'client_4'
	option name 'gone'
`
	cfgs, l, h := parseStandalone(t, network, wghub)
	var names []string
	for _, p := range h.Peers {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"mine", "gone"}) {
		t.Fatalf("peers %q, want mine and gone", names)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("10.64.0.3/32"), netip.MustParsePrefix("10.64.0.4/32")}; !slices.Equal(h.Foreign, want) {
		t.Errorf("foreign %v, want %v", h.Foreign, want)
	}
	h.Peers = h.Peers[:1] // "gone" is removed
	if err := Store(cfgs, l, h); err != nil {
		t.Fatal(err)
	}
	nc := cfgs["network"]
	for id, want := range map[string]bool{"wghub_1": true, "wghub_2": true, "wghub_3": true, "wghub_4": false} {
		if got := nc.Section(id) != nil; got != want {
			t.Errorf("after Store, section %s present: %v, want %v", id, got, want)
		}
	}
}

// parseStandalone parses a network and a wghub file and loads the hub from
// them (the plain-Linux layout with the peers in "network").
func parseStandalone(t *testing.T, network, wghub string) (map[string]*uci.Config, Layout, *Hub) {
	t.Helper()
	cfgs := map[string]*uci.Config{}
	for name, src := range map[string]string{"network": network, "wghub": wghub} {
		c, err := uci.Parse(name, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		cfgs[name] = c
	}
	l := Layout{Hub: "wghub", Network: "network"}
	h, err := Load(cfgs, l)
	if err != nil {
		t.Fatal(err)
	}
	return cfgs, l, h
}

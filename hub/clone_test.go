package hub

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// TestClone: every edit an operation makes to a clone leaves the hub it
// was cloned from as it was (control compares the two to apply a change
// live).
func TestClone(t *testing.T) {
	build := func() *Hub {
		h := testHub(t, "10.0.0.0/24", "fd00::/64")
		h.PrivateKey = [32]byte{9}
		h.Settings.LAN = []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
		h.Settings.Access.Hosts = []Host{{Prefix: netip.MustParsePrefix("192.168.1.10/32")}}
		for i, n := range []string{"a", "b"} {
			pub := wgtypes.Key{byte(i + 1)}
			p, err := h.AddPeer(PeerRequest{Name: n, PublicKey: &pub, Access: &Access{LAN: true, Hosts: []Host{{Prefix: netip.MustParsePrefix("192.168.1.20/32")}}},
				Routes: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("172.16.%d.0/24", i))}})
			if err != nil {
				t.Fatal(err)
			}
			psk, priv := wgtypes.Key{byte(i + 3)}, wgtypes.Key{byte(i + 5)}
			p.PresharedKey, p.PrivateKey = &psk, &priv
		}
		h.fw = map[string]string{"zone": "wghub_zone"}
		return h
	}
	h, want := build(), build()
	c := h.Clone()
	if !reflect.DeepEqual(c, h) {
		t.Fatal("a clone differs from its hub")
	}
	c.Settings.Subnets[0] = netip.MustParsePrefix("10.9.0.0/24")
	c.Settings.LAN[0] = netip.MustParsePrefix("192.168.9.0/24")
	c.Settings.Access.Hosts[0].Proto = "tcp"
	c.fw["zone"] = "other"
	c.Peers[0].Addresses = append(c.Peers[0].Addresses, netip.MustParsePrefix("10.0.0.99/32"))
	c.Peers[0].Routes[0] = netip.MustParsePrefix("172.16.9.0/24")
	c.Peers[0].Access.Hosts[0].Ports = "22"
	*c.Peers[0].PresharedKey = [32]byte{1}
	*c.Peers[0].PrivateKey = [32]byte{2}
	on := false
	if _, err := c.UpdatePeer("b", PeerUpdate{Enabled: &on, FullTunnel: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddPeer(PeerRequest{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemovePeer("a"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("editing a clone changed the hub:\n%+v\nwant\n%+v", h, want)
	}
}

package wgquick

import (
	"net/netip"
	"strings"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

func mustKey(t *testing.T) wgtypes.Key {
	t.Helper()
	k, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTrip(t *testing.T) {
	priv, psk := mustKey(t), mustKey(t)
	pub := mustKey(t).PublicKey()
	c := &Config{
		Interface: Interface{
			Comment:    []string{"a client"},
			PrivateKey: &priv,
			Address:    []netip.Prefix{netip.MustParsePrefix("192.168.100.2/32"), netip.MustParsePrefix("fd00::2/128")},
			DNS:        []string{"192.168.1.1", "lan"},
			MTU:        1380,
			Extra:      []string{"Table = off"},
		},
		Peers: []Peer{{
			Name:                "hub",
			PublicKey:           pub,
			PresharedKey:        &psk,
			AllowedIPs:          []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
			Endpoint:            "[2001:db8::1]:51820",
			PersistentKeepalive: 25,
		}},
	}
	text := c.Format()
	got, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(Format()) = %v\n%s", err, text)
	}
	if again := got.Format(); string(again) != string(text) {
		t.Errorf("round trip differs:\n%s\n---\n%s", text, again)
	}
}

func TestParse(t *testing.T) {
	k := mustKey(t)
	conf := `# server
[Interface]
address = 10.0.0.1/24, fd00::1/64
ListenPort=51820
PrivateKey = ` + k.String() + `
PostUp = iptables -A FORWARD -i %i -j ACCEPT  # inline comment

# Name = laptop
[Peer]
PublicKey = ` + k.PublicKey().String() + `
AllowedIPs = 10.0.0.2, 10.9.0.0/16
PersistentKeepalive = off

# friendly_name = phone
[Peer]
PublicKey = ` + mustKey(t).PublicKey().String() + `
AllowedIPs = 10.0.0.3/32
# bare
[Peer]
PublicKey = ` + mustKey(t).PublicKey().String() + `
`
	c, err := Parse([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	if c.Interface.ListenPort != 51820 || len(c.Interface.Address) != 2 || *c.Interface.PrivateKey != k {
		t.Errorf("interface: %+v", c.Interface)
	}
	if len(c.Interface.Extra) != 1 || c.Interface.Extra[0] != "PostUp = iptables -A FORWARD -i %i -j ACCEPT" {
		t.Errorf("extra: %q", c.Interface.Extra)
	}
	names := []string{}
	for _, p := range c.Peers {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "laptop,phone,bare" {
		t.Errorf("peer names %v", names)
	}
	if got := c.Peers[0].AllowedIPs; len(got) != 2 || got[0].String() != "10.0.0.2/32" {
		t.Errorf("allowed ips %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	priv := mustKey(t).String()
	tests := []struct {
		name, conf, errHas string
	}{
		{"outside section", "PrivateKey = x\n", "outside"},
		{"unknown section", "[Foo]\n", "unknown section"},
		{"no equals", "[Interface]\nPrivateKey\n", "Key = Value"},
		{"bad key", "[Interface]\nPrivateKey = abc\n", "not a base64"},
		{"bad port", "[Interface]\nListenPort = 99999\n", "invalid port"},
		{"bad address", "[Interface]\nAddress = 10.0.0.300/24\n", "invalid prefix"},
		{"bad allowed", "[Peer]\nAllowedIPs = nope\n", "invalid address"},
		{"unknown peer key", "[Peer]\nFoo = 1\n", "unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.conf))
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("err = %v, want %q", err, tt.errHas)
			}
		})
	}
	// A private key never appears in an error.
	_, err := Parse([]byte("[Interface]\nPrivateKey = " + priv[:40] + "\n"))
	if err == nil || strings.Contains(err.Error(), priv[:40]) {
		t.Errorf("error echoes the key: %v", err)
	}
}

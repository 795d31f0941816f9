package hub

import (
	"strings"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// TestParseKey: parseKey accepts and rejects what wgtypes.ParseKey does,
// and gives the same key.
func TestParseKey(t *testing.T) {
	k, _ := wgtypes.GeneratePrivateKey()
	s := k.String()
	for _, in := range []string{
		s,
		nonCanonical(s),               // trailing bits set: base64 still decodes it
		s[:43] + "A",                  // no padding
		s[:40] + "\n" + s[40:],        // base64 skips newlines
		s[:42] + "==",                 // decodes to 31 bytes
		strings.Repeat("A", 43) + "=", // the zero key
		strings.Repeat("!", 44),       // not base64
		"", s + "AAAA", s[:43] + "\r", // wrong lengths
	} {
		got, err := parseKey(in)
		want, werr := wgtypes.ParseKey(in)
		if (err == nil) != (werr == nil) || got != want {
			t.Errorf("parseKey(%q) = %v, %v; wgtypes.ParseKey gives %v, %v", in, got, err, want, werr)
		}
	}
}

// nonCanonical writes the key of s with its unused low bits set, which
// base64 decodes to the same key.
func nonCanonical(s string) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	return s[:42] + string(abc[strings.IndexByte(abc, s[42])|3]) + "="
}

// TestStoreRewritesNonCanonical: Store compares what a peer's sections
// hold with what it would write as text, not as the key or prefix they
// mean: a hand-edited key in another base64 form, or allowed_ips written
// as an option rather than a list, is rewritten; canonical peers are not
// touched.
func TestStoreRewritesNonCanonical(t *testing.T) {
	keys := make([]string, 4)
	for i := range keys {
		k, _ := wgtypes.GeneratePrivateKey()
		keys[i] = k.String()
	}
	network := `config interface 'wg0'
	option proto 'wireguard'
	option private_key '` + keys[0] + `'
	option listen_port '51820'
	list addresses '10.64.0.1/16'

config wireguard_wg0 'wghub_1'
	option description 'good'
	option public_key '` + keys[1] + `'
	list allowed_ips '10.64.0.2/32'

config wireguard_wg0 'wghub_2'
	option description 'oddkey'
	option public_key '` + nonCanonical(keys[2]) + `'
	list allowed_ips '10.64.0.3/32'

config wireguard_wg0 'wghub_3'
	option description 'optionips'
	option public_key '` + keys[3] + `'
	option allowed_ips '10.64.0.4/32'
`
	wghub := `config hub 'hub'
	option interface 'wg0'
	list subnet '10.64.0.0/16'
	option endpoint 'vpn.example.org'

config client 'client_1'
	option name 'good'

config client 'client_2'
	option name 'oddkey'

config client 'client_3'
	option name 'optionips'
`
	cfgs, l, h := parseStandalone(t, network, wghub)
	if err := Store(cfgs, l, h); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(strings.Replace(network, nonCanonical(keys[2]), keys[2], 1),
		"option allowed_ips '10.64.0.4/32'", "list allowed_ips '10.64.0.4/32'", 1)
	if got := string(cfgs["network"].Bytes()); got != want {
		t.Errorf("network after Store:\n%s\nwant:\n%s", got, want)
	}
	if got := string(cfgs["wghub"].Bytes()); got != wghub {
		t.Errorf("wghub changed by Store:\n%s", got)
	}
}

package uci

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// secretRE is the pattern secretName implements by hand; the test holds
// the two to the same answers.
var secretRE = regexp.MustCompile(`(?m)^[ \t]*(?:option|list|o|l)[ \t]+['"]?([A-Za-z0-9_]*(?:key|psk|passw|secret)[A-Za-z0-9_]*)`)

func checkSecretName(t *testing.T, unit string) {
	t.Helper()
	name, ok := secretName([]byte(unit))
	m := secretRE.FindStringSubmatch(unit)
	if ok != (m != nil) || ok && name != m[1] {
		t.Fatalf("secretName(%q) = %q, %v; the pattern finds %q", unit, name, ok, m)
	}
}

func TestSecretName(t *testing.T) {
	for _, tc := range []struct {
		unit, want string
	}{
		{"\toption private_key 'abc", "private_key"},
		{"config x\n  list 'peer_psk' 'x'", "peer_psk"},
		{"o \"wifi_key2\" x", "wifi_key2"},
		{"l password x", "password"},
		{"option public_key 'x'\noption preshared_key 'y", "public_key"}, // the first line that matches
		{"optionkey x", ""},
		{"option\nkey x", ""},
		{"option mtu '1400", ""},
		{"option ''key' x", ""},
		{"\roption key x", ""},
	} {
		name, _ := secretName([]byte(tc.unit))
		if name != tc.want {
			t.Errorf("secretName(%q) = %q, want %q", tc.unit, name, tc.want)
		}
		checkSecretName(t, tc.unit)
	}
	// Random lines from the pattern's own pieces.
	pieces := []string{"option", "list", "o", "l", "op", "lis", " ", "\t", "  ", "'", "\"", "key", "psk", "passw",
		"secret", "private_", "x", "_", "9", "-", "\n", "\r", "k", "ey", "pas", "sw"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		checkSecretName(t, b.String())
	}
}

package cli

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// secretLineRE is what maskSecrets implements by hand; the test holds the
// two to the same output.
var secretLineRE = regexp.MustCompile(`(?m)^([ +-]?[ \t]*(?:option|o)[ \t]+['"]?(?:private_key|preshared_key|peer_psk)['"]?[ \t]+).*$`)

func TestMaskSecrets(t *testing.T) {
	check := func(diff string) string {
		t.Helper()
		got := maskSecrets(diff)
		if want := secretLineRE.ReplaceAllString(diff, "${1}'<hidden>'"); got != want {
			t.Fatalf("maskSecrets(%q) = %q, the pattern gives %q", diff, got, want)
		}
		return got
	}
	diff := "--- network\n+++ network\n@@ -1,2 +1,4 @@\n config interface 'wg0'\n-\toption private_key 'aGVsbG8='\n" +
		"+\toption private_key 'd29ybGQ='\n+\toption public_key 'cHVi'\n \to 'preshared_key'\t\"x\"\n+\toption peer_psk\n"
	want := "--- network\n+++ network\n@@ -1,2 +1,4 @@\n config interface 'wg0'\n-\toption private_key '<hidden>'\n" +
		"+\toption private_key '<hidden>'\n+\toption public_key 'cHVi'\n \to 'preshared_key'\t'<hidden>'\n+\toption peer_psk\n"
	if got := check(diff); got != want {
		t.Errorf("maskSecrets:\n%s\nwant:\n%s", got, want)
	}
	// Random lines from the pattern's own pieces.
	pieces := []string{"option", "o", "op", "list", " ", "\t", "+", "-", "'", "\"", "private_key", "preshared_key",
		"peer_psk", "private_", "_key", "x", "\n", "\r", "k"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		var b strings.Builder
		for range 1 + r.IntN(10) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		check(b.String())
	}
}

//go:build linux

package netnstests

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// DoctorFails reads `wghub doctor --json` output and returns the failing
// checks by name, message and fix joined (handshake checks of peers that
// never connected left out).
func DoctorFails(t testing.TB, out string) map[string]string {
	t.Helper()
	var r struct {
		Checks []struct {
			Name, Message, Fix string
			OK                 bool
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, out)
	}
	fails := map[string]string{}
	for _, c := range r.Checks {
		if !c.OK && !strings.Contains(c.Message, "never completed a handshake") {
			fails[c.Name] = c.Message + " | fix: " + c.Fix
		}
	}
	return fails
}

// WantFails checks that doctor reports exactly the checks of want, each
// with all of its words (in its message or its fix).
func WantFails(t testing.TB, got map[string]string, want map[string][]string) {
	t.Helper()
	for name, words := range want {
		text, ok := got[name]
		if !ok {
			t.Errorf("doctor does not report %s; it reports %v", name, got)
			continue
		}
		for _, w := range words {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q lacks %q", name, text, w)
			}
		}
	}
	for name, text := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("doctor also reports %s: %s", name, text)
		}
	}
}

var handleRE = regexp.MustCompile(`# handle (\d+)`)

// RuleHandle is the handle of the rule whose line of listing (`nft -a
// list chain ...` output) holds s.
func RuleHandle(t testing.TB, listing, s string) string {
	t.Helper()
	for _, l := range strings.Split(listing, "\n") {
		if strings.Contains(l, s) {
			if m := handleRE.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		}
	}
	t.Fatalf("no rule %q in:\n%s", s, listing)
	return ""
}

package uci

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestNames: the name table holds what a map of first sections would
// through random adds and removes of a few names (so runs of probes
// collide, wrap around the end and close up after a remove), whether
// grown from empty or sized for them.
func TestNames(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, start := range []func() names{func() names { return names{} }, func() names { return newNames(40) }} {
		tab := start()
		model := map[string]*Section{}
		for step := range 20000 {
			name := fmt.Sprint("s", r.IntN(60))
			switch r.IntN(3) {
			case 0, 1:
				s := &Section{name: name}
				old := tab.add(s)
				if old != model[name] {
					t.Fatalf("step %d: add(%s) gave %p, want %p", step, name, old, model[name])
				}
				if old == nil {
					model[name] = s
				}
			default:
				tab.remove(name)
				delete(model, name)
			}
			if tab.n != len(model) {
				t.Fatalf("step %d: %d names, want %d", step, tab.n, len(model))
			}
			for i := range 60 {
				n := fmt.Sprint("s", i)
				if got := tab.get(n); got != model[n] {
					t.Fatalf("step %d: get(%s) = %p, want %p", step, n, got, model[n])
				}
			}
		}
	}
}

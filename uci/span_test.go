package uci

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSpansEditLikeLines: a config parsed with its sections as spans
// (Parse) reads and edits exactly like one parsed line by line, on random
// files (genUCI) and random runs of reads, sets, list edits, unsets,
// deletes and adds: after every step the bytes and every section's
// options agree.
func TestSpansEditLikeLines(t *testing.T) {
	files, lazy := 0, 0
	// Besides random files, ends that decide how an added section starts.
	fixed := []string{
		"config a 'b'\n\toption x 'y'\n\n",
		"config a 'b'\n\toption x 'y'\n\n# end\n",
		"config a 'b'\n\toption x 'y'",
		"config a 'b'\n\toption x 'y\\",
		"# top\n\nconfig a 'b'\n\n# about c\nconfig c\n\toption x 'y'\n",
	}
	for seed := range uint64(3000 + len(fixed)) {
		r := rand.New(rand.NewPCG(seed, 7))
		data := genUCI(r)
		if seed >= 3000 {
			data = []byte(fixed[seed-3000])
		}
		// Odd seeds: a span's options parsed each time it is read and not
		// kept (a Tree's reads, see peekSpan), even ones: parsed when first
		// read and kept.
		a, err := parseAs("x", data, string(data), seed%2 == 1)
		if err != nil {
			continue
		}
		b, err := parse("x", data, string(data), false)
		if err != nil {
			t.Fatalf("seed %d: only the line-by-line parse fails: %v", seed, err)
		}
		files++
		if slices.ContainsFunc(a.units, func(u *unit) bool { return u.span != nil }) {
			lazy++
		}
		for step := range 12 {
			what := edit(r, a, b, seed >= 3000 && step == 0)
			if ga, gb := string(a.Bytes()), string(b.Bytes()); ga != gb {
				t.Fatalf("seed %d step %d (%s): bytes differ\nspans: %q\nlines: %q\nfile: %q", seed, step, what, ga, gb, data)
			}
			sa, sb := a.Sections(), b.Sections()
			if len(sa) != len(sb) {
				t.Fatalf("seed %d step %d (%s): %d sections, want %d", seed, step, what, len(sa), len(sb))
			}
			for i := range sa {
				if oa, ob := fmt.Sprint(sa[i].String(), sa[i].Options()), fmt.Sprint(sb[i].String(), sb[i].Options()); oa != ob {
					t.Fatalf("seed %d step %d (%s): section %d: %s, want %s", seed, step, what, i, oa, ob)
				}
			}
		}
	}
	if files < 500 || lazy < files/2 {
		t.Fatalf("only %d files parsed, %d of them with spans", files, lazy)
	}
}

// edit makes one random change (add: a section), the same to both
// configs, and says which.
func edit(r *rand.Rand, a, b *Config, add bool) string {
	sa, sb := a.Sections(), b.Sections()
	names := []string{"opt", "x", "name", "list1"}
	name := names[r.IntN(len(names))]
	val := fmt.Sprint("v", r.IntN(3))
	if add || len(sa) == 0 || r.IntN(8) == 0 {
		typ := []string{"rule", "zone"}[r.IntN(2)]
		sn := []string{"", "", "new1", "new2"}[r.IntN(4)]
		x, errA := a.Add(typ, sn)
		y, errB := b.Add(typ, sn)
		if (errA == nil) != (errB == nil) {
			panic("Add disagrees")
		}
		if errA == nil {
			x.Set(name, val)
			y.Set(name, val)
		}
		return "add " + typ + " " + sn
	}
	i := r.IntN(len(sa))
	x, y := sa[i], sb[i]
	switch r.IntN(6) {
	case 0:
		x.Get(name)
		y.Get(name)
		return "read " + x.Name()
	case 1:
		x.Set(name, val)
		y.Set(name, val)
		return "set " + x.Name() + "." + name
	case 2:
		vals := []string{val, "w"}[:1+r.IntN(2)]
		x.SetList(name, vals)
		y.SetList(name, vals)
		return "setlist " + x.Name() + "." + name
	case 3:
		x.AddList(name, val)
		y.AddList(name, val)
		return "addlist " + x.Name() + "." + name
	case 4:
		if o := x.Options(); len(o) > 0 {
			name = o[r.IntN(len(o))].Name
		}
		x.Unset(name)
		y.Unset(name)
		return "unset " + x.Name() + "." + name
	default:
		a.Delete(x)
		b.Delete(y)
		return "delete " + x.Name()
	}
}

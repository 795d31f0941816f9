package uci

import "hash/maphash"

// names is a config's sections by name: the first section of each name,
// as libuci looks them up. It is a table of pointers with linear probing
// rather than a Go map: a hub's files have thousands of sections, whose
// map took each command about three times the memory (some 200 KB a
// file) and half again the time to fill (perf samples at 5000 peers).
type names struct {
	slots []*Section // nil: empty; a power of two long
	tags  []byte     // the top bits of each slot's hash, checked first
	n     int
	seed  maphash.Seed
}

// newNames makes a table with room for n names.
func newNames(n int) names {
	t := names{seed: maphash.MakeSeed()}
	size := 8
	for size*3 < n*4 { // at most three quarters full
		size *= 2
	}
	t.slots, t.tags = make([]*Section, size), make([]byte, size)
	return t
}

func (t *names) hash(name string) (uint64, byte) {
	h := maphash.String(t.seed, name)
	return h, byte(h >> 56)
}

// find is the slot of name, or the empty one where it would go, and
// name's tag (for add to store: hashing is most of find).
func (t *names) find(name string) (int, byte) {
	h, tag := t.hash(name)
	mask := len(t.slots) - 1
	i := int(h) & mask
	for t.slots[i] != nil && (t.tags[i] != tag || t.slots[i].name != name) {
		i = (i + 1) & mask
	}
	return i, tag
}

// get is the section named name, or nil.
func (t *names) get(name string) *Section {
	if t.n == 0 {
		return nil
	}
	i, _ := t.find(name)
	return t.slots[i]
}

// add enters s under its name unless a section has that name: then that
// section is the result (and s is not entered), else nil.
func (t *names) add(s *Section) *Section {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	i, tag := t.find(s.name)
	if old := t.slots[i]; old != nil {
		return old
	}
	t.slots[i], t.tags[i] = s, tag
	t.n++
	return nil
}

func (t *names) grow() {
	old := t.slots
	*t = newNames(max(2*t.n, 8))
	for _, s := range old {
		if s != nil {
			t.add(s)
		}
	}
}

// remove takes name out. The entries after it in its run move back
// where their own slot allows (no markers of removed entries are left).
func (t *names) remove(name string) {
	if t.n == 0 {
		return
	}
	i, _ := t.find(name)
	if t.slots[i] == nil {
		return
	}
	mask := len(t.slots) - 1
	t.n--
	for j := i; ; {
		t.slots[i] = nil
		for {
			j = (j + 1) & mask
			s := t.slots[j]
			if s == nil {
				return
			}
			h, _ := t.hash(s.name)
			home := int(h) & mask
			// It stays if its home slot lies after i, up to j (cyclically).
			if i <= j && i < home && home <= j || i > j && (i < home || home <= j) {
				continue
			}
			break
		}
		t.slots[i], t.tags[i] = t.slots[j], t.tags[j]
		i = j
	}
}

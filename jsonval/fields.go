package jsonval

import (
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// field is one JSON member of a struct type.
type field struct {
	name      string
	index     []int // reflect.Value.FieldByIndex, through embedded structs
	typ       reflect.Type
	omitEmpty bool
	tagged    bool
}

// fieldsCache is made at first use: nothing runs at start-up for it.
var (
	fieldsMu    sync.Mutex
	fieldsCache map[reflect.Type][]field
)

// fieldsOf lists the members of struct type t in encoding/json's order,
// cached: a peer list encodes the same struct thousands of times.
func fieldsOf(t reflect.Type) []field {
	fieldsMu.Lock()
	fs, ok := fieldsCache[t]
	fieldsMu.Unlock()
	if ok {
		return fs
	}
	fs = typeFields(t)
	fieldsMu.Lock()
	if fieldsCache == nil {
		fieldsCache = map[reflect.Type][]field{}
	}
	fieldsCache[t] = fs
	fieldsMu.Unlock()
	return fs
}

// typeFields follows encoding/json's rules: fields of embedded structs
// without a tag are promoted, breadth first; of several fields with one
// name the shallowest wins, a tagged one over untagged ones at the same
// depth, and if that leaves more than one, none is encoded.
func typeFields(t reflect.Type) []field {
	type level struct {
		typ   reflect.Type
		index []int
	}
	var all []field
	current, next := []level{}, []level{{typ: t}}
	visited := map[reflect.Type]bool{}
	count, nextCount := map[reflect.Type]int{}, map[reflect.Type]int{}
	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, l := range current {
			if visited[l.typ] {
				continue
			}
			visited[l.typ] = true
			for i := range l.typ.NumField() {
				sf := l.typ.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validName(name) {
					name = ""
				}
				index := append(append([]int{}, l.index...), i)
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					f := field{name: name, index: index, typ: sf.Type, tagged: name != "", omitEmpty: hasOpt(opts, "omitempty")}
					if f.name == "" {
						f.name = sf.Name
					}
					all = append(all, f)
					if count[l.typ] > 1 {
						// Two embeddings of one type at one depth
						// annihilate each other; one copy is enough to
						// make the name ambiguous below.
						all = append(all, all[len(all)-1])
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, level{typ: ft, index: index})
				}
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.name != b.name {
			return a.name < b.name
		}
		if len(a.index) != len(b.index) {
			return len(a.index) < len(b.index)
		}
		if a.tagged != b.tagged {
			return a.tagged
		}
		return lessIndex(a.index, b.index)
	})
	out := all[:0]
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].name == all[i].name {
			j++
		}
		if f, ok := dominant(all[i:j]); ok {
			out = append(out, f)
		}
		i = j
	}
	sort.Slice(out, func(i, j int) bool { return lessIndex(out[i].index, out[j].index) })
	return out
}

// dominant picks the field that wins among fields of one name, sorted
// shallowest and tagged first.
func dominant(fs []field) (field, bool) {
	if len(fs) > 1 && len(fs[0].index) == len(fs[1].index) && fs[0].tagged == fs[1].tagged {
		return field{}, false
	}
	return fs[0], true
}

func lessIndex(a, b []int) bool {
	for k := range min(len(a), len(b)) {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// validName is encoding/json's test for a usable tag name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

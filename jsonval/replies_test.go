package jsonval_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/jsonval"
	"github.com/wghub/wghub/rpcd"
)

// fill sets v, and everything it holds that can be set, to random values:
// nil, empty and full slices, maps and pointers, tricky strings, extreme
// numbers.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(strs[r.IntN(len(strs))])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(r.Uint64()) >> (64 - v.Type().Bits()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(r.Uint64() >> (64 - v.Type().Bits()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(floats[r.IntN(len(floats))])
	case reflect.Slice:
		if n := r.IntN(4) - 1; n >= 0 && depth < 4 {
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				fill(r, v.Index(i), depth+1)
			}
		}
	case reflect.Map:
		if n := r.IntN(4) - 1; n >= 0 && depth < 4 && v.Type().Key().Kind() == reflect.String {
			v.Set(reflect.MakeMap(v.Type()))
			for range n {
				k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
				fill(r, k, depth+1)
				fill(r, e, depth+1)
				v.SetMapIndex(k, e)
			}
		}
	case reflect.Pointer:
		if r.IntN(3) > 0 && depth < 4 {
			v.Set(reflect.New(v.Type().Elem()))
			fill(r, v.Elem(), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(r, v.Field(i), depth+1)
			}
		}
	case reflect.Interface:
		if v.NumMethod() == 0 {
			if x := randValue(r, depth); x != nil {
				v.Set(reflect.ValueOf(x))
			}
		}
	}
}

// TestReplyTypes: random values of every type wghub's replies, --json
// output and files hold encode as encoding/json encodes them, and what
// encoding/json wrote decodes to what it decodes to.
func TestReplyTypes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	// Not decoded: SyncResult, whose netip.Prefix only encoding/json
	// decodes (as TextUnmarshaler); wghub never reads it back.
	for _, typ := range []reflect.Type{
		reflect.TypeFor[control.PeerInfo](), reflect.TypeFor[[]control.PeerInfo](), reflect.TypeFor[control.PeerStatus](),
		reflect.TypeFor[control.Status](), reflect.TypeFor[[]control.Check](), reflect.TypeFor[control.SyncResult](),
		reflect.TypeFor[map[string]map[string]any](), reflect.TypeOf(rpcd.SettingsOf(&hub.Hub{})),
	} {
		for range 300 {
			v := reflect.New(typ)
			fill(r, v.Elem(), 0)
			checkMarshal(t, v.Elem().Interface())
			if typ == reflect.TypeFor[control.SyncResult]() {
				continue
			}
			b, _ := json.Marshal(v.Interface())
			got, want := reflect.New(typ), reflect.New(typ)
			if err := jsonval.Unmarshal(b, got.Interface()); err != nil {
				t.Fatalf("Unmarshal(%s): %v", b, err)
			}
			json.Unmarshal(b, want.Interface())
			if !reflect.DeepEqual(got.Interface(), want.Interface()) {
				t.Errorf("%s: Unmarshal(%s):\ngot  %+v\nwant %+v", typ, b, got, want)
			}
		}
	}
}

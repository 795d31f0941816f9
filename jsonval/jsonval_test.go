package jsonval_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/wghub/wghub/jsonval"
)

// The tests compare with encoding/json, the oracle: every output must be
// its bytes, every decoded value its value.

type Inner struct {
	N    int64    `json:"n"`
	SS   []string `json:"ss,omitempty"`
	Hide string   `json:"-"`
	Dash string   `json:"-,"`
}

type Base struct {
	Name   string `json:"name"`
	Shadow string `json:"shadow"`
	Deep   int
}

type Other struct {
	Deep  int
	Tie   int
	Owned string `json:"owned,omitempty"`
}

type Tie2 struct{ Tie int }

type all struct {
	Base
	*Other
	Tie2
	Shadow     int                `json:"shadow"`
	B          bool               `json:"b"`
	I8         int8               `json:"i8"`
	U          uint64             `json:"u"`
	Mode       os.FileMode        `json:"mode"`
	F          float64            `json:"f"`
	F32        float32            `json:"f32"`
	S          string             `json:"s,omitempty"`
	P          *string            `json:"p"`
	PO         *int               `json:"po,omitempty"`
	Bytes      []byte             `json:"bytes"`
	BytesO     []byte             `json:"bytes_o,omitempty"`
	Inners     []Inner            `json:"inners"`
	Nil        []string           `json:"nil"`
	M          map[string]any     `json:"m"`
	MI         map[int]string     `json:"mi,omitempty"`
	Prefixes   []netip.Prefix     `json:"prefixes,omitempty"`
	Addr       netip.Addr         `json:"addr"`
	PAddr      *netip.Prefix      `json:"paddr"`
	MP         map[netip.Addr]int `json:"mp,omitempty"`
	Raw        jsonval.Raw        `json:"raw,omitempty"`
	RawNil     jsonval.Raw        `json:"raw_nil"`
	Any        any                `json:"any"`
	Arr        [2]int             `json:"arr"`
	NoTag      string
	bad, Good  int
	unexported string
}

var strs = []string{"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnl\ncr\r\b\f\x00\x1f\x7f",
	"ünïcödé ✓ 😀", "\u2028\u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate", "Anna's phone"}

var floats = []float64{0, -0.0, 1, -1.5, 1e-6, 9.99e-7, 1e20, 1e21, 123456789012345678, 0.1, 1.0 / 3, math.MaxFloat64,
	math.SmallestNonzeroFloat64, 5e-324, 1e-7, 2.5e-8, 1 << 53}

func sample() []any {
	s := "ptr<"
	one := 1
	pfx := netip.MustParsePrefix("10.0.0.0/24")
	vals := []any{nil, true, 0, -7, uint8(200), "x", []byte(nil), []byte{}, []byte("hello\x00\xff"),
		[]int(nil), []int{}, map[string]int(nil), map[string]int{}, map[string]int{"b": 1, "a": 2, "<": 3},
		map[int]bool{10: true, -2: false, 3: true}, map[uint16]string{7: "x"}, []any{1.5, "s", nil, []any{}},
		jsonval.Raw(` { "a" : [ 1 , "x<y" , "\u2028 \"q\" \\" ] , "e":{} } `), jsonval.Raw("[\"\u2028\u2029 <&>\", {\"\u2029\" :\t1}]"), jsonval.Raw(nil), []jsonval.Raw{jsonval.Raw(`1`), nil},
		&s, (*int)(nil), pfx, &pfx, (*netip.Prefix)(nil), netip.MustParseAddr("fd00::1"),
		struct{}{}, struct {
			A int `json:",omitempty"`
		}{}, Inner{N: 1, Hide: "h", Dash: "d"},
		all{}, all{Base: Base{Name: "n", Shadow: "lost", Deep: 3}, Other: &Other{Deep: 4, Tie: 5, Owned: "o"}, Tie2: Tie2{6},
			Shadow: 9, B: true, I8: -8, U: math.MaxUint64, Mode: 0o640, F: 1e-9, F32: 3.4e38, S: "<&>", P: &s, PO: &one,
			Bytes: []byte{1, 2, 3}, Inners: []Inner{{N: -1, SS: []string{"a"}}, {}}, M: map[string]any{"z": 1.0, "y": []any{"q"}, "x": nil},
			MI: map[int]string{2: "b", 10: "a"}, Prefixes: []netip.Prefix{pfx}, Addr: netip.MustParseAddr("1.2.3.4"),
			PAddr: &pfx, MP: map[netip.Addr]int{netip.MustParseAddr("10.0.0.2"): 2, netip.MustParseAddr("10.0.0.10"): 10},
			Raw: jsonval.Raw("[1,2]"), Any: map[string]any{"k": []any{true, nil}}, Arr: [2]int{1, 2}, NoTag: "t", bad: 1, Good: 2},
	}
	for _, s := range strs {
		vals = append(vals, s, map[string]string{s: s})
	}
	for _, f := range floats {
		vals = append(vals, f, -f, float32(f))
	}
	return vals
}

func checkMarshal(t *testing.T, v any) {
	t.Helper()
	want, werr := json.Marshal(v)
	got, gerr := jsonval.Marshal(v)
	if string(got) != string(want) || (gerr == nil) != (werr == nil) {
		t.Errorf("Marshal(%#v):\ngot  %s (%v)\nwant %s (%v)", v, got, gerr, want, werr)
	}
	for _, pi := range [][2]string{{"", "  "}, {"    ", "  "}, {"> ", "\t"}} {
		want, werr := json.MarshalIndent(v, pi[0], pi[1])
		got, gerr := jsonval.MarshalIndent(v, pi[0], pi[1])
		if string(got) != string(want) || (gerr == nil) != (werr == nil) {
			t.Errorf("MarshalIndent(%#v, %q, %q):\ngot  %s (%v)\nwant %s (%v)", v, pi[0], pi[1], got, gerr, want, werr)
		}
	}
}

func TestMarshal(t *testing.T) {
	for _, v := range sample() {
		checkMarshal(t, v)
	}
}

func TestMarshalUnsupported(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(-1), make(chan int), func() {}, complex(1, 2), map[[2]int]int{{1, 2}: 3},
		jsonval.Raw(`{"a":`), jsonval.Raw(``)} {
		if b, err := jsonval.Marshal(v); err == nil {
			t.Errorf("Marshal(%#v) = %s, want an error", v, b)
		}
	}
}

// randValue builds a random tree of what decoding into any gives.
func randValue(r *rand.Rand, depth int) any {
	switch n := r.IntN(8); {
	case depth > 3 || n == 0:
		return strs[r.IntN(len(strs))] + string(rune(r.IntN(0x3000)))
	case n == 1:
		return floats[r.IntN(len(floats))] * float64(r.IntN(3)-1)
	case n == 2:
		return r.IntN(2) == 0
	case n == 3:
		return nil
	case n == 4 || n == 5:
		l := []any{}
		for range r.IntN(4) {
			l = append(l, randValue(r, depth+1))
		}
		return l
	default:
		m := map[string]any{}
		for range r.IntN(5) {
			m[strs[r.IntN(len(strs))]+string(rune('a'+r.IntN(26)))] = randValue(r, depth+1)
		}
		return m
	}
}

// TestRandom: random trees encode as encoding/json encodes them and decode
// back to what encoding/json decodes.
func TestRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		v := randValue(r, 0)
		checkMarshal(t, v)
		b, _ := json.MarshalIndent(v, "", " ")
		var got, want any
		if err := jsonval.Unmarshal(b, &got); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		json.Unmarshal(b, &want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Unmarshal(%s):\ngot  %#v\nwant %#v", b, got, want)
		}
	}
}

type args struct {
	Name  string    `json:"name"`
	Count int       `json:"count"`
	Small int8      `json:"small"`
	U     uint32    `json:"u"`
	F     float32   `json:"f"`
	On    *bool     `json:"on"`
	List  []string  `json:"list"`
	PList *[]string `json:"plist"`
	Bytes []byte    `json:"bytes"`
	Raw   jsonval.Raw
	Raws  []jsonval.Raw
	M     map[string]jsonval.Raw
	Any   any
	Base
	*Other
	Skip string `json:"-"`
}

var docs = []string{
	`{}`, ` {"name":"a\u00e9\ud83d\ude00\ud800x\"\\\/\b\f\n\r\t","count":-3,"small":127,"u":7,"f":1.5,"on":true}`,
	`{"NAME":"upper","Count":2,"list":["a","b"],"plist":[],"bytes":"AQID","raw":  {"a" : [1, 2]} ,"raws":[1,"x",null,{}],"m":{"k":[true]},"any":{"a":[1,"x",null,false,{"b":2.5e3}]}}`,
	`{"name":"x","shadow":"s","Deep":4,"Tie":5,"owned":"o","Skip":"no","-":"no"}`,
	`{"list":null,"plist":null,"on":null,"name":null,"raw":null,"any":null,"count":null}`,
	`{"name":"dup","name":"last"}`,
	`{"bytes":"not base64!"}`, `{"bytes":"AQ\nID"}`,
	`{"name":1}`, `{"count":"1"}`, `{"count":1.5}`, `{"count":1e3}`, `{"small":128}`, `{"u":-1}`, `{"f":1e39}`, `{"on":"yes"}`,
	`{"list":"a"}`, `{"list":[1,"a",{}]}`, `{"plist":[true]}`, `{"name":[]}`, `{"name":{}}`, `{"count":true}`,
	`{"Deep":"x"}`, `{"owned":1}`, `{"any":1e400}`, `{"name":{},"count":"x"}`, `{"m":[]}`, `{"m":{"a":1}}`,
	`{"unknown":[1,{"x":2}],"name":"after"}`, `[]`, `"s"`, `1`, `null`, `true`,
	// malformed
	``, ` `, `{`, `{"name"`, `{"name":`, `{"name":"x"`, `{"name":"x",`, `{"name":"x"} {}`, `{"name":"x"}}`, `{"name":"x"} x`,
	`{"name":"x",}`, `{name:"x"}`, `{"name" "x"}`, `{"name":"x" "count":1}`, `[1,]`, `[1 2]`, `{"a":01}`, `{"a":-}`, `{"a":1.}`,
	`{"a":1e}`, `{"a":1e+}`, `{"a":.5}`, `{"a":tru}`, `{"a":trux}`, `{"a":nul}`, `{"a":"\x"}`, `{"a":"\u12g4"}`, "{\"a\":\"\x01\"}",
	`{"a":"unterminated`, `{"a":[`, `{"a":+1}`, `{"a":'x'}`, `{"a":"x"}` + "\n\t ", "\xef\xbb\xbf{}", `{"a":1}x`, `01`,
	`{"a":[1,2,3]]`, `{"a":NaN}`, `{"a":-Infinity}`,
}

// TestUnmarshal: each document decodes as encoding/json decodes it, and
// fails where it fails: syntax errors at its offset, type errors with its
// JSON kind and field path.
func TestUnmarshal(t *testing.T) {
	for _, doc := range docs {
		var got args
		var want args
		gerr := jsonval.Unmarshal([]byte(doc), &got)
		werr := json.Unmarshal([]byte(doc), &want)
		compareErr(t, doc, gerr, werr)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Errorf("Unmarshal(%q):\ngot  %s\nwant %s", doc, gb, wb)
		}
		var ga, wa any
		gerr = jsonval.Unmarshal([]byte(doc), &ga)
		werr = json.Unmarshal([]byte(doc), &wa)
		compareErr(t, doc, gerr, werr)
		if !reflect.DeepEqual(ga, wa) {
			t.Errorf("Unmarshal(%q) into any: got %#v, want %#v", doc, ga, wa)
		}
	}
}

func compareErr(t *testing.T, doc string, got, want error) {
	t.Helper()
	var gs *jsonval.SyntaxError
	var ws *json.SyntaxError
	var gt *jsonval.TypeError
	var wt *json.UnmarshalTypeError
	switch {
	case got == nil && want == nil:
	case errors.As(want, &ws):
		// At the end of input encoding/json steps its scanner with a
		// space: input cut inside a literal, number or escape is, for it,
		// an invalid ' ' at the end; for jsonval it is cut short.
		atEnd := ws.Offset == int64(len(doc)) && strings.HasPrefix(ws.Error(), "invalid character ' '")
		if !errors.As(got, &gs) || gs.Offset != ws.Offset ||
			!atEnd && gs.CutShort() != strings.Contains(ws.Error(), "end of JSON input") ||
			gs.Trailing() != strings.Contains(ws.Error(), "after top-level value") {
			t.Errorf("Unmarshal(%q): got %v, want %v (offset %d)", doc, got, want, ws.Offset)
		}
	case errors.As(want, &wt):
		if !errors.As(got, &gt) || gt.Value != wt.Value || gt.Type != wt.Type || gt.Field != wt.Field {
			t.Errorf("Unmarshal(%q): got %#v, want %#v", doc, got, want)
		}
	case strings.Contains(want.Error(), "base64"):
		if !errors.As(got, &gt) {
			t.Errorf("Unmarshal(%q): got %v, want %v", doc, got, want)
		}
	default:
		t.Errorf("Unmarshal(%q): got %v, want %v", doc, got, want)
	}
}

// FuzzUnmarshal: any input decodes (into a struct and into any) and fails
// as with encoding/json, and what decodes encodes back the same.
func FuzzUnmarshal(f *testing.F) {
	for _, d := range docs {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var got args
		var want args
		gerr := jsonval.Unmarshal([]byte(doc), &got)
		werr := json.Unmarshal([]byte(doc), &want)
		compareErr(t, doc, gerr, werr)
		var ga, wa any
		gerr = jsonval.Unmarshal([]byte(doc), &ga)
		werr = json.Unmarshal([]byte(doc), &wa)
		compareErr(t, doc, gerr, werr)
		if werr != nil {
			return
		}
		if !reflect.DeepEqual(ga, wa) {
			t.Errorf("Unmarshal(%q) into any: got %#v, want %#v", doc, ga, wa)
		}
		checkMarshal(t, ga)
		checkMarshal(t, jsonval.Raw(doc))
	})
}

// FuzzMarshalString: any string, as a value and as a map key, encodes as
// encoding/json encodes it.
func FuzzMarshalString(f *testing.F) {
	for _, s := range strs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMarshal(t, map[string][]string{s: {s}})
	})
}

package jsonw_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/wghub/wghub/jsonw"
)

// write builds a value with fn through a Writer and returns the bytes.
func write(t testing.TB, indent bool, fn func(w *jsonw.Writer)) string {
	t.Helper()
	var b bytes.Buffer
	w := jsonw.New(&b, indent)
	fn(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// want is encoding/json's output for v, ending in a newline.
func want(t testing.TB, indent bool, v any) string {
	t.Helper()
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

var strs = []string{"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnl\ncr\r\b\f\x00\x1f\x7f",
	"Anna's phone", "ünïcödé ✓ 😀", "\u2028\u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate"}

func TestString(t *testing.T) {
	for _, s := range strs {
		for _, indent := range []bool{false, true} {
			if got, w := write(t, indent, func(w *jsonw.Writer) { w.String(s) }), want(t, indent, s); got != w {
				t.Errorf("String(%q): got %s want %s", s, got, w)
			}
		}
	}
}

// FuzzString: any string is quoted as encoding/json quotes it.
func FuzzString(f *testing.F) {
	for _, s := range strs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, w := write(t, false, func(w *jsonw.Writer) { w.String(s) }), want(t, false, s); got != w {
			t.Errorf("String(%q): got %s want %s", s, got, w)
		}
	})
}

type inner struct {
	N  int64    `json:"n"`
	SS []string `json:"ss"`
}

type outer struct {
	B     bool     `json:"b"`
	S     string   `json:"s"`
	Nil   []string `json:"nil"`
	Empty []string `json:"empty"`
	Items []inner  `json:"items"`
	None  []inner  `json:"none"`
}

func writeOuter(w *jsonw.Writer, o outer) {
	w.BeginObject()
	w.Key("b")
	w.Bool(o.B)
	w.Key("s")
	w.String(o.S)
	w.Key("nil")
	w.Strings(o.Nil)
	w.Key("empty")
	w.Strings(o.Empty)
	for _, k := range []string{"items", "none"} {
		items := o.Items
		if k == "none" {
			items = o.None
		}
		w.Key(k)
		w.BeginArray()
		for _, it := range items {
			w.Elem()
			w.BeginObject()
			w.Key("n")
			w.Int(it.N)
			w.Key("ss")
			w.Strings(it.SS)
			w.EndObject()
		}
		w.EndArray()
	}
	w.EndObject()
}

func TestNested(t *testing.T) {
	o := outer{B: true, S: "x<y", Empty: []string{}, None: []inner{},
		Items: []inner{{N: -5, SS: []string{"a", "b"}}, {N: 1 << 40}, {SS: []string{}}}}
	for _, indent := range []bool{false, true} {
		if got, w := write(t, indent, func(w *jsonw.Writer) { writeOuter(w, o) }), want(t, indent, o); got != w {
			t.Errorf("indent %v:\ngot  %s\nwant %s", indent, got, w)
		}
	}
}

// chunks records each Write; failAfter > 0 fails the write after that many.
type chunks struct {
	bytes.Buffer
	writes, failAfter int
}

func (c *chunks) Write(p []byte) (int, error) {
	c.writes++
	if c.failAfter > 0 && c.writes > c.failAfter {
		return 0, errors.New("disk full")
	}
	return c.Buffer.Write(p)
}

// TestLarge: a value many times the buffer goes out in several writes,
// byte for byte encoding/json's, and a failed write is returned by Close.
func TestLarge(t *testing.T) {
	var v []map[string]string
	for i := range 3000 {
		v = append(v, map[string]string{"name": strs[i%len(strs)]})
	}
	fill := func(w *jsonw.Writer) {
		w.BeginArray()
		for _, m := range v {
			w.Elem()
			w.BeginObject()
			w.Key("name")
			w.String(m["name"])
			w.EndObject()
		}
		w.EndArray()
	}
	var c chunks
	w := jsonw.New(&c, true)
	fill(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, w := c.String(), want(t, true, v); got != w || c.writes < 3 {
		t.Errorf("%d writes of %d bytes; equal to encoding/json: %v", c.writes, len(got), got == w)
	}
	c = chunks{failAfter: 1}
	w = jsonw.New(&c, false)
	fill(w)
	if err := w.Close(); err == nil || err.Error() != "disk full" {
		t.Errorf("Close after a failed write: %v, want the write's error", err)
	}
}

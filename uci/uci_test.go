package uci

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func files(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	ms, _ := filepath.Glob("testdata/*")
	for _, m := range ms {
		if st, _ := os.Stat(m); st.IsDir() {
			continue
		}
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(m)] = b
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for name, data := range files(t) {
		c, err := Parse(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := c.Bytes(); !bytes.Equal(got, data) {
			t.Errorf("%s: round trip differs:\n%s", name, got)
		}
		// add -> remove is byte-identical
		s, err := c.Add("wghub_test", "added_sec")
		if err != nil {
			t.Fatal(err)
		}
		s.Set("x", "it's")
		s.SetList("l", []string{"a", "b"})
		a, _ := c.Add("anon_t", "")
		a.Set("k", "v")
		for _, e := range c.Sections() {
			if e.Name() == "added_sec" || e.Type() == "anon_t" {
				continue
			}
			e.Set("wghub_opt", "1")
			e.Unset("wghub_opt")
		}
		t.Logf("%s with additions:\n%s", name, c.Bytes())
		c.Delete(s)
		c.Delete(a)
		if got := c.Bytes(); !bytes.Equal(got, data) {
			t.Errorf("%s: add/remove differs:\n%q\n%q", name, got, data)
		}
	}
}

package uci

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// libuci runs the real `uci` program (OpenWrt's libuci and CLI, built
// from source by internal/userland) on files in a private directory.
type libuci struct {
	t    testing.TB
	bin  string
	dir  string // the config directory, -c
	args []string
}

func newLibuci(t testing.TB) *libuci {
	l := &libuci{t: t, bin: libuciBin(t)}
	tmp := t.TempDir()
	l.dir = filepath.Join(tmp, "config")
	// An empty delta directory and a missing override directory, so that
	// nothing but the file itself is read (not /tmp/.uci, /var/run/uci).
	l.args = []string{"-c", l.dir, "-t", filepath.Join(tmp, "delta"), "-C", filepath.Join(tmp, "conf2")}
	return l
}

// reading is what a program reads from a config: `uci export NAME` (types,
// names of named sections, option or list, values, order) and `uci -X
// show NAME` (the generated names of anonymous sections too). ok is false
// when the file is rejected.
type reading struct {
	ok           bool
	export, show string
}

func (r reading) String() string {
	if !r.ok {
		return "rejected"
	}
	return "export:\n" + r.export + "show:\n" + r.show
}

// run writes files into a fresh config directory and runs uci with args
// over them, giving its standard output.
func (l *libuci) run(files map[string][]byte, args ...string) string {
	l.t.Helper()
	os.RemoveAll(l.dir)
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		l.t.Fatal(err)
	}
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(l.dir, n), data, 0o644); err != nil {
			l.t.Fatal(err)
		}
	}
	cmd := exec.Command(l.bin, append(slices.Clone(l.args), args...)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Run() // its exit status says little: rejected files show as missing output
	return out.String()
}

// read gives libuci's reading of one file.
func (l *libuci) read(name string, data []byte) reading {
	l.t.Helper()
	files := map[string][]byte{name: data}
	exp := l.run(files, "export", name)
	if exp == "" {
		return reading{}
	}
	return reading{ok: true, export: exp, show: l.run(files, "-X", "show", name)}
}

// goRead is wghub's reading of one file, rendered as uci prints it.
func goRead(name string, data []byte) reading {
	c, err := Parse(name, data)
	if err != nil {
		return reading{}
	}
	return reading{ok: true, export: export(c), show: show(c)}
}

// export renders a config as `uci export` prints it.
func export(c *Config) string {
	esc := func(s string) string { return strings.ReplaceAll(s, "'", `'\''`) }
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n", esc(c.Name()))
	for _, s := range c.Sections() {
		fmt.Fprintf(&b, "\nconfig %s", esc(s.Type()))
		if !s.Anonymous() {
			fmt.Fprintf(&b, " '%s'", esc(s.Name()))
		}
		b.WriteString("\n")
		for _, o := range s.Options() {
			kw := "option"
			if o.List {
				kw = "list"
			}
			for _, v := range o.Values {
				fmt.Fprintf(&b, "\t%s %s '%s'\n", kw, o.Name, esc(v))
			}
		}
	}
	b.WriteString("\n")
	return b.String()
}

// diffAll compares libuci's and wghub's readings of many files at once
// (two runs of uci for all of them; file by file only when they differ)
// and reports each disagreement with its smallest input.
func (l *libuci) diffAll(t *testing.T, inputs []input) {
	const batch = 150
	failures := 0
	for start := 0; start < len(inputs); start += batch {
		part := inputs[start:min(start+batch, len(inputs))]
		files := map[string][]byte{}
		var names []string
		wantExp, wantShow := "", ""
		for i, in := range part {
			n := fmt.Sprintf("f%04d", i)
			files[n] = in.data
			names = append(names, n)
		}
		slices.Sort(names) // uci lists configs in glob order
		for _, n := range names {
			r := goRead(n, files[n])
			wantExp += r.export
			wantShow += r.show
		}
		if l.run(files, "export") == wantExp && l.run(files, "-X", "show") == wantShow {
			continue
		}
		for i, in := range part {
			n := fmt.Sprintf("f%04d", i)
			if !l.disagree(n, in.data) {
				continue
			}
			failures++
			if failures > 8 {
				t.Errorf("%s: disagrees too (not minimised)", in.label)
				continue
			}
			small := l.minimise(n, in.data)
			t.Errorf("%s: libuci and wghub read it differently; smallest such input %q:\nlibuci: %v\nwghub:  %v",
				in.label, small, l.read(n, small), goRead(n, small))
		}
	}
	t.Logf("%d inputs, %d disagreements", len(inputs), failures)
}

func (l *libuci) disagree(name string, data []byte) bool {
	return l.read(name, data) != goRead(name, data)
}

// minimise shrinks an input on which the two disagree, dropping lines,
// then ever smaller runs of bytes, as long as they still disagree.
func (l *libuci) minimise(name string, data []byte) []byte {
	tries := 0
	for n := len(data) / 2; n >= 1; n /= 2 {
		for i := 0; i+n <= len(data) && tries < 3000; {
			tries++
			cand := append(slices.Clone(data[:i]), data[i+n:]...)
			if l.disagree(name, cand) {
				data = cand
			} else {
				i += n
			}
		}
	}
	return data
}

type input struct {
	label string
	data  []byte
}

// corpus is every file in testdata and in the fuzz corpus.
func corpus(t testing.TB) []input {
	var in []input
	files := testFiles(t)
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	}) {
		in = append(in, input{"testdata/" + n, files[n]})
	}
	ms, _ := filepath.Glob("testdata/fuzz/*/*")
	for _, m := range ms {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s: not a fuzz corpus file", m)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		in = append(in, input{m, []byte(s)})
	}
	return in
}

// generated gives n random files (genUCI) from a fixed seed.
func generated(seed uint64, n int) []input {
	r := rand.New(rand.NewPCG(seed, 0x75c1))
	in := make([]input, n)
	for i := range in {
		in[i] = input{fmt.Sprintf("generated %d/%d", seed, i), genUCI(r)}
	}
	return in
}

// TestLibuciParse: wghub's parser and the real libuci agree, on every
// file of testdata, the fuzz corpus and thousands of generated ones, on
// whether the file is accepted and on every section (type, name, the
// generated names of anonymous ones), option, list, value and order.
func TestLibuciParse(t *testing.T) {
	l := newLibuci(t)
	n := 3000
	if testing.Short() {
		n = 300
	}
	in := append(corpus(t), generated(1, n)...)
	accepted := 0
	for _, x := range in {
		if goRead("t", x.data).ok {
			accepted++
		}
	}
	// The generator must give both kinds in earnest, or the test proves little.
	if accepted < len(in)/4 || accepted > len(in)*9/10 {
		t.Errorf("%d of %d inputs accepted", accepted, len(in))
	}
	t.Logf("%d of %d inputs accepted", accepted, len(in))
	l.diffAll(t, in)
}

// TestLibuciWriter: what wghub writes reads back in libuci as wghub's
// model says. Every accepted file of TestLibuciParse's inputs gets random
// edits (randomEdits: sections added and deleted, options set, lists set
// and appended, options removed); `uci export` of the written bytes must
// equal the model, and `uci -X show` wghub's reading of them.
func TestLibuciWriter(t *testing.T) {
	l := newLibuci(t)
	n := 1500
	if testing.Short() {
		n = 200
	}
	type edited struct {
		label       string
		in, out     []byte
		want, wantS string
	}
	var all []edited
	for i, x := range append(corpus(t), generated(2, n)...) {
		c, err := Parse("t", x.data)
		if err != nil {
			continue
		}
		randomEdits(t, c, rand.New(rand.NewPCG(uint64(i), 7)))
		out := c.Bytes()
		re, err := Parse("t", out)
		if err != nil {
			t.Errorf("%s: edited output does not parse: %v\nin:  %q\nout: %q", x.label, err, x.data, out)
			continue
		}
		all = append(all, edited{x.label, x.data, out, export(c), show(re)})
	}
	const batch = 150
	bad := 0
	for start := 0; start < len(all); start += batch {
		part := all[start:min(start+batch, len(all))]
		files := map[string][]byte{}
		wantExp, wantShow := "", ""
		for i, e := range part { // f0000... sort as they are numbered
			n := fmt.Sprintf("f%04d", i)
			files[n] = e.out
			wantExp += strings.Replace(e.want, "package t\n", "package "+n+"\n", 1)
			wantShow += strings.ReplaceAll("\n"+e.wantS, "\nt.", "\n"+n+".")[1:]
		}
		if l.run(files, "export") == wantExp && l.run(files, "-X", "show") == wantShow {
			continue
		}
		for _, e := range part {
			got := l.read("t", e.out)
			if got.export == e.want && got.show == e.wantS {
				continue
			}
			if bad++; bad > 5 {
				t.Errorf("%s: differs too", e.label)
				continue
			}
			t.Errorf("%s: libuci reads the edited file differently\nin:  %q\nout: %q\nlibuci: %v\nwghub model:\n%s",
				e.label, e.in, e.out, got, e.want)
		}
	}
	t.Logf("%d edited files compared", len(all))
}

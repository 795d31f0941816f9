package bench

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []int64
		want int64
	}{{nil, 0}, {[]int64{5}, 5}, {[]int64{9, 1, 5}, 5}, {[]int64{4, 1, 3, 2}, 2}} {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestMeasure: every command runs the asked number of times (counted by
// the lines it appends to a file), Check sees its output, and a failing
// command or a rejected output is an error, not a figure.
func TestMeasure(t *testing.T) {
	log := t.TempDir() + "/runs"
	count := Cmd{Argv: []string{"sh", "-c", `echo x >> "$1"; echo hello`, "sh", log}, Check: func(out []byte) error {
		if string(out) != "hello\n" {
			return errors.New("wrong output")
		}
		return nil
	}}
	rs, err := Measure(3, count, Cmd{Argv: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	runs := 3
	if rs[0].RSS > 0 { // each run once more under GNU time
		runs = 6
	}
	if b := readFile(t, log); strings.Count(b, "x") != runs || rs[0].Runs != 3 || len(rs) != 2 {
		t.Errorf("%d runs logged, results %+v; want %d", strings.Count(b, "x"), rs, runs)
	}
	if _, err := Measure(1, Cmd{Argv: []string{"false"}}); err == nil {
		t.Error("a failing command measured without an error")
	}
	count.Check = func([]byte) error { return errors.New("not what was asked") }
	if _, err := Measure(1, count); err == nil || !strings.Contains(err.Error(), "not what was asked") {
		t.Errorf("a rejected output: %v", err)
	}
}

func TestTargetPrint(t *testing.T) {
	for _, tt := range []struct {
		t    Target
		want string
	}{
		{Target{Name: "a", Figures: "f", Value: 3, Floor: 2, MaxRatio: 2}, "ratio 1.50  target <= 2.00  ok"},
		{Target{Name: "b", Figures: "f", Value: float64(5 * time.Millisecond), Floor: float64(2 * time.Millisecond), MaxRatio: 2}, "ratio 2.50  target <= 2.00  OVER"},
		{Target{Name: "c", Skipped: "needs root"}, "skipped: needs root"},
	} {
		var b bytes.Buffer
		tt.t.Print(&b)
		if !strings.Contains(b.String(), tt.want) || !strings.HasPrefix(b.String(), tt.t.Name) || strings.Count(b.String(), "\n") != 1 {
			t.Errorf("%s: printed %q, want one line with %q", tt.t.Name, b.String(), tt.want)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

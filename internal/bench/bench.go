// Package bench measures commands for `make bench`: each command runs as a
// process of its own, several times, interleaved with the floor it is
// compared with (so that load on a shared machine hits both alike), and the
// medians are reported as one line per target. Nothing here asserts; it
// only measures and prints.
package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Cmd is one command to measure.
type Cmd struct {
	Argv  []string
	Stdin string // fed on stdin each run ("" gives an empty stdin)
	// Check, when set, is given the first run's stdout: a command that
	// answers wrongly is not measured as if it had worked.
	Check func(stdout []byte) error
	// NoRSS skips the runs under GNU time (its figure would not be used).
	NoRSS bool
}

func (c Cmd) String() string { return strings.Join(c.Argv, " ") }

// Result holds the medians over Runs runs.
type Result struct {
	Runs int
	Wall time.Duration // median wall time
	CPU  time.Duration // median user+system CPU time of the process
	RSS  int64         // median peak RSS in KiB, from GNU time; 0 without it
}

// TimeBin is GNU time. Peak RSS comes from it, not from this process's
// wait4: Go starts children with vfork (CLONE_VM), and exec carries the
// parent's memory high-water mark into the child's ru_maxrss, so a Go
// parent would measure itself. GNU time forks as C does.
var TimeBin = "/usr/bin/time"

// Measure runs every command runs times, round-robin, and returns the
// medians in the order given. Each round runs each command twice: once
// timed directly (wall and CPU), once under GNU time (peak RSS), so the
// wall times carry no wrapper.
func Measure(runs int, cmds ...Cmd) ([]Result, error) {
	walls := make([][]time.Duration, len(cmds))
	cpus := make([][]time.Duration, len(cmds))
	rsss := make([][]int64, len(cmds))
	haveTime := false
	if _, err := os.Stat(TimeBin); err == nil {
		haveTime = true
	}
	tmp, err := os.MkdirTemp("", "wghub-bench-rss-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for r := 0; r < runs; r++ {
		// Each command once directly, then each once under GNU time: a
		// sequence such as add, remove leaves the tree as it found it.
		for i, c := range cmds {
			out, ps, wall, err := run(c.Argv, c.Stdin)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", c, err)
			}
			if r == 0 && c.Check != nil {
				if err := c.Check(out); err != nil {
					return nil, fmt.Errorf("%s: %v", c, err)
				}
			}
			ru := ps.SysUsage().(*syscall.Rusage)
			walls[i] = append(walls[i], wall)
			cpus[i] = append(cpus[i], time.Duration(syscall.TimevalToNsec(ru.Utime)+syscall.TimevalToNsec(ru.Stime)))
		}
		for i, c := range cmds {
			if !haveTime || c.NoRSS {
				continue
			}
			f := filepath.Join(tmp, "rss")
			if _, _, _, err := run(append([]string{TimeBin, "-f", "%M", "-o", f}, c.Argv...), c.Stdin); err != nil {
				return nil, fmt.Errorf("%s under %s: %v", c, TimeBin, err)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			kib, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: reading peak RSS %q: %v", TimeBin, b, err)
			}
			rsss[i] = append(rsss[i], kib)
		}
	}
	out := make([]Result, len(cmds))
	for i := range cmds {
		out[i] = Result{Runs: runs, Wall: Median(walls[i]), CPU: Median(cpus[i]), RSS: Median(rsss[i])}
	}
	return out, nil
}

func run(argv []string, stdin string) ([]byte, *os.ProcessState, time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), cmd.ProcessState, wall, nil
}

// Median is the middle value (the lower of the two middle ones for an even
// count); 0 for none.
func Median[T int64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// Target is one line of the report: a figure, the floor it is divided by,
// and the largest ratio the issue allows.
type Target struct {
	Name     string
	Figures  string  // what was measured, for a person
	Value    float64 // the measured figure
	Floor    float64 // what it is compared with, measured in the same run (or the fixed limit)
	MaxRatio float64
	Skipped  string // why it was not measured; the line says so
}

// Ratio is Value/Floor.
func (t Target) Ratio() float64 { return t.Value / t.Floor }

// Print writes the target as one line: name, figures, ratio, target, and
// ok or over.
func (t Target) Print(w io.Writer) {
	if t.Skipped != "" {
		fmt.Fprintf(w, "%-40s skipped: %s\n", t.Name, t.Skipped)
		return
	}
	verdict := "ok"
	if t.Ratio() > t.MaxRatio {
		verdict = "OVER"
	}
	fmt.Fprintf(w, "%-40s %s  ratio %.2f  target <= %.2f  %s\n", t.Name, t.Figures, t.Ratio(), t.MaxRatio, verdict)
}

// Ms formats a duration in milliseconds.
func Ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// MB formats KiB as MB (10^6 bytes), as the issue does.
func MB(kib int64) string { return fmt.Sprintf("%.1f MB", float64(kib)*1024/1e6) }

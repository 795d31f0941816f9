package uci

import (
	"fmt"
	"strings"
)

// Diff renders a change as a unified-style line diff, for --dry-run and
// logs.
func Diff(c Change) string {
	oldName, newName := "a/"+c.Config, "b/"+c.Config
	if c.Old == nil {
		oldName = "/dev/null"
	}
	if c.New == nil {
		newName = "/dev/null"
	}
	a, b := lines(c.Old), lines(c.New)
	// Edits are local: strip the common head and tail before the quadratic
	// part, so a 6000-line firewall costs only its changed region.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops := lcsOps(a[pre:len(a)-suf], b[pre:len(b)-suf])
	var all []op
	for i := 0; i < pre; i++ {
		all = append(all, op{' ', a[i]})
	}
	all = append(all, ops...)
	for i := len(a) - suf; i < len(a); i++ {
		all = append(all, op{' ', a[i]})
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", oldName, newName)
	const ctx = 2
	oi, ni := 1, 1
	for i := 0; i < len(all); {
		if all[i].kind == ' ' {
			i++
			oi++
			ni++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(all) {
			if all[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(all) && all[run].kind == ' ' {
				run++
			}
			if run-end > 2*ctx || run == len(all) {
				end = min(end+ctx, len(all))
				break
			}
			end = run
		}
		ostart, nstart := oi-(i-start), ni-(i-start)
		var oc, nc int
		var body strings.Builder
		for _, o := range all[start:end] {
			body.WriteString(string(o.kind) + o.line + "\n")
			if o.kind != '+' {
				oc++
			}
			if o.kind != '-' {
				nc++
			}
		}
		fmt.Fprintf(&sb, "@@ -%d,%d +%d,%d @@\n%s", ostart, oc, nstart, nc, body.String())
		for _, o := range all[i:end] {
			if o.kind != '+' {
				oi++
			}
			if o.kind != '-' {
				ni++
			}
		}
		i = end
	}
	return sb.String()
}

type op struct {
	kind byte
	line string
}

func lines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		s += "\n\\ No newline at end of file\n" // kept with the last line
	}
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if n := len(l); n > 1 && strings.HasPrefix(l[n-1], "\\ No newline") {
		l[n-2] += "\n" + l[n-1]
		l = l[:n-1]
	}
	return l
}

// lcsOps is the classic longest-common-subsequence diff; callers keep the
// inputs small.
func lcsOps(a, b []string) []op {
	if len(a)*len(b) > 4_000_000 {
		var out []op
		for _, l := range a {
			out = append(out, op{'-', l})
		}
		for _, l := range b {
			out = append(out, op{'+', l})
		}
		return out
	}
	n, m := len(a), len(b)
	t := make([][]int32, n+1)
	for i := range t {
		t[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	var out []op
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, op{' ', a[i]})
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			out = append(out, op{'-', a[i]})
			i++
		default:
			out = append(out, op{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, op{'-', a[i]})
	}
	for ; j < m; j++ {
		out = append(out, op{'+', b[j]})
	}
	return out
}

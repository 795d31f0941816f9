package uci

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// race is one run of concurrent writers on network.lan: owners (real
// `uci add_list network.lan.x=I; uci commit network`, each with its own
// delta directory so only the config file is shared) beside others, which
// are wghub's Tree.Update (appending network.lan.w=J) or, to measure
// libuci against itself, more uci processes doing the same with w.
type race struct {
	owners, others int
	othersUci      bool
}

// raceResult counts the writes that reported success and did not survive.
type raceResult struct {
	ownerLost, otherLost     int
	ownerFailed, otherFailed int
	overwritten              int // owner edits on disk that a wghub rename replaced
}

func (a *raceResult) add(b raceResult) {
	a.ownerLost += b.ownerLost
	a.otherLost += b.otherLost
	a.ownerFailed += b.ownerFailed
	a.otherFailed += b.otherFailed
	a.overwritten += b.overwritten
}

// listOf reads list x of network.lan from a file's bytes.
func listOf(t *testing.T, data []byte, opt string) []string {
	c, err := Parse("network", data)
	if err != nil {
		t.Errorf("network does not parse: %v", err)
		return nil
	}
	return c.Section("lan").List(opt)
}

func (r race) run(t *testing.T, bin string) raceResult {
	t.Helper()
	tmp := t.TempDir()
	tr := &Tree{Dir: filepath.Join(tmp, "config")}
	if err := os.Mkdir(tr.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tr.Dir, "network"), []byte("config interface 'lan'\n\toption proto 'static'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	uciAdd := func(opt string, i int) bool {
		save := filepath.Join(tmp, "delta", opt+strconv.Itoa(i))
		if err := os.MkdirAll(save, 0o700); err != nil {
			t.Error(err)
			return false
		}
		args := []string{"-c", tr.Dir, "-t", save, "-C", filepath.Join(tmp, "conf2")}
		script := `"$0" "$@" add_list network.lan.` + opt + `=` + strconv.Itoa(i) + ` && "$0" "$@" commit network`
		cmd := exec.Command("sh", append([]string{"-c", script, bin}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("uci %s=%d: %v %s", opt, i, err, out)
		}
		return err == nil
	}
	wghubAdd := func(i int) bool {
		_, err := tr.Update([]string{"network"}, func(m map[string]*Config) error {
			return m["network"].Section("lan").AddList("w", strconv.Itoa(i))
		})
		if err != nil {
			t.Logf("wghub w=%d: %v", i, err)
		}
		return err == nil
	}
	var res raceResult
	// Right before each wghub rename: the owner edits in the file it
	// replaces that its new file does not have.
	testHookBeforeRename = func(string) {
		cur, err := os.ReadFile(filepath.Join(tr.Dir, "network"))
		tmps, _ := filepath.Glob(filepath.Join(tr.Dir, ".network"+tempMark+"*"))
		if err != nil || len(tmps) != 1 {
			t.Errorf("before rename: %v, %v", err, tmps)
			return
		}
		next, err := os.ReadFile(tmps[0])
		if err != nil {
			t.Error(err)
			return
		}
		keep := listOf(t, next, "x")
		for _, v := range listOf(t, cur, "x") {
			if !slices.Contains(keep, v) {
				res.overwritten++
			}
		}
	}
	defer func() { testHookBeforeRename = nil }()
	var mu sync.Mutex
	ok := map[string]bool{}
	done := func(key string, success bool) {
		mu.Lock()
		ok[key] = success
		mu.Unlock()
	}
	// Every writer starts at once, a few at a time so that the machine is
	// not flooded: owners and others interleave throughout.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for k := range max(r.owners, r.others) {
		for _, owner := range []bool{true, false} {
			if owner && k >= r.owners || !owner && k >= r.others {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				switch {
				case owner:
					done("x"+strconv.Itoa(k), uciAdd("x", k))
				case r.othersUci:
					done("w"+strconv.Itoa(k), uciAdd("w", k))
				default:
					done("w"+strconv.Itoa(k), wghubAdd(k))
				}
			}()
		}
	}
	wg.Wait()
	c, err := tr.Load("network")
	if err != nil {
		t.Fatal(err)
	}
	lan := c.Section("lan")
	have := map[string]bool{}
	for _, v := range lan.List("x") {
		have["x"+v] = true
	}
	for _, v := range lan.List("w") {
		have["w"+v] = true
	}
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range ok {
			if !yield(k) {
				return
			}
		}
	}) {
		owner := key[0] == 'x'
		switch {
		case !ok[key] && owner:
			res.ownerFailed++
		case !ok[key]:
			res.otherFailed++
		case have[key]:
		case owner:
			res.ownerLost++
		default:
			res.otherLost++
		}
	}
	return res
}

// TestLibuciConcurrentCommits: wghub's Tree.Update beside real `uci
// commit` processes never loses its own update and loses no more of the
// owner's edits than libuci loses against itself in the same race.
func TestLibuciConcurrentCommits(t *testing.T) {
	bin := libuciBin(t)
	owners, others, rounds := 60, 30, 3
	if testing.Short() {
		rounds = 1
	}
	var withWghub, uciOnly raceResult
	for range rounds {
		withWghub.add(race{owners: owners, others: others}.run(t, bin))
		uciOnly.add(race{owners: owners, others: others, othersUci: true}.run(t, bin))
	}
	report := fmt.Sprintf("%d rounds of %d owner `uci add_list; uci commit` beside %d other writers each:\n"+
		"  beside wghub: %d of %d wghub updates lost, %d failed; %d owner edits lost (%d of them overwritten by wghub), %d failed\n"+
		"  beside uci:   %d of %d uci updates lost, %d failed; %d owner edits lost, %d failed",
		rounds, owners, others,
		withWghub.otherLost, rounds*others, withWghub.otherFailed, withWghub.ownerLost, withWghub.overwritten, withWghub.ownerFailed,
		uciOnly.otherLost, rounds*others, uciOnly.otherFailed, uciOnly.ownerLost, uciOnly.ownerFailed)
	t.Log(report)
	// The owners lose edits to each other (libuci against itself); wghub
	// must add nothing to that: it never replaces a file holding an owner
	// edit its own file lacks.
	if withWghub.otherLost > 0 || withWghub.otherFailed > 0 || withWghub.overwritten > 0 {
		t.Errorf("wghub lost updates or overwrote owner edits\n%s", report)
	}
}

package uci

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wghub/wghub/internal/wghubtest"
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

// TestHelperHolder, run as a child by TestLibuciLock, plays a libuci
// commit: it opens a config for writing, optionally locks it, says so
// on stdout and holds it until its stdin closes.
func TestHelperHolder(t *testing.T) {
	p := os.Getenv("UCI_TEST_HOLD")
	if p == "" {
		t.Skip("only as a child of TestLibuciLock")
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UCI_TEST_HOLD_LOCK") == "true" {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			t.Fatal(err)
		}
	}
	os.Stdout.WriteString("\n")
	io.Copy(io.Discard, os.Stdin)
	f.Close()
}

// lockWaiters counts the processes waiting for an exclusive flock on
// inode ino, from /proc/locks ("1: -> FLOCK  ADVISORY  WRITE PID MAJ:MIN:INO ...").
func lockWaiters(t *testing.T, ino uint64) int {
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Skip("no /proc/locks")
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 7 || f[1] != "->" || f[2] != "FLOCK" || f[4] != "WRITE" {
			continue
		}
		dev := strings.Split(f[6], ":")
		if dev[len(dev)-1] == strconv.FormatUint(ino, 10) {
			n++
		}
	}
	return n
}

func inode(t *testing.T, path string) uint64 {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// until polls cond; the test's own timeout bounds it.
func until(cond func() bool) {
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

func addW(tr *Tree, v string) error {
	_, err := tr.Update([]string{"network"}, func(m map[string]*Config) error {
		return m["network"].Section("lan").AddList("w", v)
	})
	return err
}

// TestLibuciLock: the three ways a writer that only flocks loses updates
// beside libuci's commit (see lock.go), each made to happen.
func TestLibuciLock(t *testing.T) {
	const lan = "config interface 'lan'\n\toption proto 'static'\n"
	// A real `uci commit` and a wghub update wait on the same lock (a
	// shared lock held by the test lets the commit read the file first
	// and then queue for its exclusive lock), in turns first in the
	// queue; both edits survive. When wghub goes first, the commit goes
	// on from the file wghub has just replaced, which wghub must have
	// brought up to date; when the commit goes first, wghub must wait for
	// its rename.
	t.Run("real uci commit queued with wghub", func(t *testing.T) {
		bin := libuciBin(t)
		for i := range 20 {
			tr := tempTree(t, map[string]string{"network": lan})
			p := filepath.Join(tr.Dir, "network")
			args := []string{"-c", tr.Dir, "-t", filepath.Join(tr.Dir, ".delta"), "-C", filepath.Join(tr.Dir, ".conf2")}
			if out, err := exec.Command(bin, append(args, "add_list", "network.lan.x=owner")...).CombinedOutput(); err != nil {
				t.Fatalf("%v %s", err, out)
			}
			ino := inode(t, p)
			h, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := syscall.Flock(int(h.Fd()), syscall.LOCK_SH); err != nil {
				t.Fatal(err)
			}
			// The first in the queue gets the lock first: take turns.
			commit := exec.Command(bin, append(args, "commit", "network")...)
			done := make(chan error)
			for k, first := range []bool{i%2 == 0, i%2 != 0} {
				if first {
					if err := commit.Start(); err != nil {
						t.Fatal(err)
					}
				} else {
					go func() { done <- addW(tr, "wghub") }()
				}
				until(func() bool { return lockWaiters(t, ino) == k+1 })
			}
			h.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if err := commit.Wait(); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(p)
			if x, w := listOf(t, b, "x"), listOf(t, b, "w"); len(x) != 1 || len(w) != 1 {
				t.Fatalf("round %d: x=%q w=%q, want both edits:\n%s", i, x, w, b)
			}
		}
	})
	// libuci between its unlock and its rename: its new file exists.
	// wghub must wait for the rename and then edit the renamed file.
	t.Run("commit between unlock and rename", func(t *testing.T) {
		tr := tempTree(t, map[string]string{"network": lan})
		tmp := filepath.Join(tr.Dir, ".network.uci-AbC123")
		if err := os.WriteFile(tmp, []byte(lan+"\tlist x 'owner'\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		done := updateWhenBusy(t, tr, "during a libuci commit")
		if err := os.Rename(tmp, filepath.Join(tr.Dir, "network")); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(tr.Dir, "network"))
		if want := lan + "\tlist x 'owner'\n\tlist w 'wghub'\n"; string(b) != want {
			t.Errorf("got %q, want %q", b, want)
		}
	})
	// A process (a libuci commit that queued on the old file's lock) holds
	// the replaced file open for writing: wghub waits until it is done.
	// Seen whether it has its lock yet or not; once the file has not
	// changed for a while only lock holders are looked at ("settled").
	for _, tt := range []struct {
		name         string
		lock, settle bool
	}{
		{"commit working from a replaced file", true, false},
		{"commit about to lock a replaced file", false, false},
		{"commit working from a replaced file, settled", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := tempTree(t, map[string]string{"network": lan})
			p := filepath.Join(tr.Dir, "network")
			holder := exec.Command(os.Args[0], "-test.run=^TestHelperHolder$")
			holder.Env = append(os.Environ(), "UCI_TEST_HOLD="+p, "UCI_TEST_HOLD_LOCK="+strconv.FormatBool(tt.lock))
			stdin, err := holder.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := holder.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := holder.Start(); err != nil {
				t.Fatal(err)
			}
			defer holder.Wait()
			defer stdin.Close()
			if _, err := stdout.Read(make([]byte, 1)); err != nil { // it has the file open (and locked)
				t.Fatal(err)
			}
			if err := os.WriteFile(p+".new", []byte(lan+"\tlist x 'owner'\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(p+".new", p); err != nil {
				t.Fatal(err)
			}
			if tt.settle {
				defer func(d time.Duration) { recentChange = d }(recentChange)
				recentChange = 0
			}
			done := updateWhenBusy(t, tr, "beside a writer of the replaced file")
			stdin.Close()
			holder.Wait()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("stuck commit times out, stale one is ignored", func(t *testing.T) {
		tr := tempTree(t, map[string]string{"network": lan})
		tmp := filepath.Join(tr.Dir, ".network.uci-AbC123")
		if err := os.WriteFile(tmp, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		defer func(d time.Duration) { busyTimeout = d }(busyTimeout)
		busyTimeout = 50 * time.Millisecond
		var be *BusyError
		if err := addW(tr, "wghub"); !errors.As(err, &be) || be.Config != "network" {
			t.Fatalf("got %v, want a BusyError", err)
		}
		b, _ := os.ReadFile(filepath.Join(tr.Dir, "network"))
		if string(b) != lan {
			t.Fatalf("written while busy: %q", b)
		}
		old := time.Now().Add(-staleTemp - time.Minute)
		if err := os.Chtimes(tmp, old, old); err != nil {
			t.Fatal(err)
		}
		if err := addW(tr, "wghub"); err != nil {
			t.Fatalf("a temporary file left by a crashed commit blocks: %v", err)
		}
	})
}

// TestLibuciConcurrentPeerAdd: the same race end to end, as the issue
// found it: `wghub peer add` processes (the real binary, openwrt layout)
// beside owner `uci add_list network.lan.x=I; uci commit network`
// processes on one config tree. Every peer that wghub reported added
// must be in UCI afterwards; the owner edits lost (to each other) are
// reported.
func TestLibuciConcurrentPeerAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs 90 processes")
	}
	bin := libuciBin(t)
	wghub, cleanup, err := wghubtest.Build()
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	root := wghubtest.Sandbox(t) // the config directory, --root
	dir, tmp := root, t.TempDir()
	run := func(name string, args ...string) error {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Logf("%s %v: %v %s", filepath.Base(name), args, err, out)
		}
		return err
	}
	w := []string{"--backend", "openwrt", "--root", root}
	if err := run(wghub, append(w, "setup", "--endpoint", "198.51.100.1")...); err != nil {
		t.Fatal(err)
	}
	const owners, peers = 60, 30
	var mu sync.Mutex
	ok := map[string]bool{}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for k := range owners {
		for _, owner := range []bool{true, false} {
			if !owner && k >= peers {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				var key string
				var err error
				if owner {
					key = "x" + strconv.Itoa(k)
					save := filepath.Join(tmp, "delta", key)
					os.MkdirAll(save, 0o700)
					err = run("sh", "-c", `"$0" "$@" add_list network.lan.x=`+strconv.Itoa(k)+` && "$0" "$@" commit network`,
						bin, "-c", dir, "-t", save, "-C", filepath.Join(tmp, "conf2"))
				} else {
					key = "wghub_p" + strconv.Itoa(k)
					err = run(wghub, append(w, "peer", "add", "p"+strconv.Itoa(k))...)
				}
				mu.Lock()
				ok[key] = err == nil
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	tr := &Tree{Dir: dir}
	c, err := tr.Load("network")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, v := range c.Section("lan").List("x") {
		have["x"+v] = true
	}
	for _, s := range c.SectionsByType("wireguard_wg0") {
		if d, _ := s.Get("description"); d != "" {
			have["wghub_"+d] = true
		}
	}
	var peersLost, peersFailed, ownerLost, ownerFailed int
	for key, success := range ok {
		owner := key[0] == 'x'
		switch {
		case !success && owner:
			ownerFailed++
		case !success:
			peersFailed++
		case have[key]:
		case owner:
			ownerLost++
		default:
			peersLost++
		}
	}
	report := fmt.Sprintf("%d `wghub peer add` beside %d owner `uci add_list; uci commit`: %d peers lost, %d failed; %d owner edits lost, %d failed",
		peers, owners, peersLost, peersFailed, ownerLost, ownerFailed)
	t.Log(report)
	if peersLost > 0 || peersFailed > 0 {
		t.Error(report)
	}
}

// TestRefreshSparesHardLinks: the replaced file is brought up to date
// only when nothing links to it any more: a hard link the owner made
// (a backup, say) keeps the old contents.
func TestRefreshSparesHardLinks(t *testing.T) {
	const lan = "config interface 'lan'\n"
	tr := tempTree(t, map[string]string{"network": lan})
	bak := filepath.Join(tr.Dir, "network.bak")
	if err := os.Link(filepath.Join(tr.Dir, "network"), bak); err != nil {
		t.Fatal(err)
	}
	if err := addW(tr, "wghub"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(bak); string(b) != lan {
		t.Errorf("hard link changed: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(tr.Dir, "network")); string(b) != lan+"\tlist w 'wghub'\n" {
		t.Errorf("network: %q", b)
	}
}

// updateWhenBusy starts a wghub update of tr and returns once it found the
// file busy and waits; the update's result arrives on the channel. It
// fails the test when the update went ahead instead (situation says when).
func updateWhenBusy(t *testing.T, tr *Tree, situation string) chan error {
	t.Helper()
	busy := make(chan struct{}, 1)
	testHookBusy = func() {
		select {
		case busy <- struct{}{}:
		default:
		}
	}
	t.Cleanup(func() { testHookBusy = nil })
	done := make(chan error, 1)
	go func() { done <- addW(tr, "wghub") }()
	select {
	case <-busy:
	case err := <-done:
		t.Fatalf("update went ahead %s: %v", situation, err)
	}
	return done
}

package uci

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The change every test here commits: network and firewall edited, wghub
// created, "old" emptied (and so removed).
var (
	jBefore = map[string]string{
		"network":  "config interface 'lan'\n\toption proto 'static'\n",
		"firewall": "# mine\nconfig defaults\n\toption input 'REJECT'\n",
		"old":      "config thing 'x'\n",
	}
	jAfter = map[string]string{
		"network":  "config interface 'lan'\n\toption proto 'static'\n\nconfig interface 'wg0'\n\toption proto 'wireguard'\n",
		"firewall": "# mine\nconfig defaults\n\toption input 'REJECT'\n\nconfig zone 'z'\n\toption name 'vpn'\n",
		"wghub":    "\nconfig hub 'hub'\n\toption interface 'wg0'\n",
	}
	jNames = []string{"network", "firewall", "wghub", "old"}
)

func jChange(m map[string]*Config) error {
	s, _ := m["network"].Add("interface", "wg0")
	s.Set("proto", "wireguard")
	z, _ := m["firewall"].Add("zone", "z")
	z.Set("name", "vpn")
	h, _ := m["wghub"].Add("hub", "hub")
	h.Set("interface", "wg0")
	m["old"].Delete(m["old"].Section("x"))
	return nil
}

// configs reads the config files of dir (names without a '.'), and fails
// on anything else but temporary files.
func configs(t *testing.T, dir string) map[string]string {
	t.Helper()
	return readConfigs(t, dir, false)
}

func readConfigs(t *testing.T, dir string, journalOK bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == JournalName && !journalOK {
			t.Errorf("journal left in %s", dir)
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// record runs fn on a tree whose Hook appends every step to the trace.
func record(t *testing.T, tr *Tree, fn func() error) ([]Step, error) {
	var trace []Step
	tr.Hook = func(s Step) error {
		s.Data = slices.Clone(s.Data)
		trace = append(trace, s)
		return nil
	}
	err := fn()
	tr.Hook = nil
	return trace, err
}

// powerCut gives every state the directory may be found in after a power
// cut just before trace[k] (k == len(trace): after the last step), as
// POSIX allows for ext4-like file systems: a file's data survives only if
// it was fsynced (else the file is found empty); a rename or removal
// survives only if its directory was fsynced after it, else any subset of
// the pending ones may have reached the disk. Creating a temporary file
// is not modelled: only names without a "." and the journal are compared.
func powerCut(durable map[string][]byte, trace []Step, k int) []map[string][]byte {
	type inode struct {
		data   []byte
		synced bool
	}
	type dirop struct {
		remove   bool
		from, to string
		ino      *inode
	}
	disk := map[string]*inode{} // names that survive a cut
	for n, b := range durable {
		disk[n] = &inode{data: b, synced: true}
	}
	cur := maps.Clone(disk)
	var pending []dirop
	for _, s := range trace[:k] {
		name := filepath.Base(s.Path)
		switch s.Op {
		case StepWrite:
			cur[name] = &inode{data: s.Data}
		case StepSync:
			cur[name].synced = true
		case StepRename:
			to := filepath.Base(s.To)
			pending = append(pending, dirop{from: name, to: to, ino: cur[name]})
			cur[to] = cur[name]
			delete(cur, name)
		case StepRemove:
			pending = append(pending, dirop{remove: true, to: name})
			delete(cur, name)
		case StepSyncDir:
			for _, op := range pending {
				apply(disk, op.remove, op.from, op.to, op.ino)
			}
			pending = nil
		}
	}
	var out []map[string][]byte
	for mask := 0; mask < 1<<len(pending); mask++ {
		d := maps.Clone(disk)
		for i, op := range pending {
			if mask&(1<<i) != 0 {
				apply(d, op.remove, op.from, op.to, op.ino)
			}
		}
		state := map[string][]byte{}
		for n, ino := range d {
			if strings.HasPrefix(n, ".") && n != JournalName {
				continue
			}
			if ino.synced {
				state[n] = ino.data
			} else {
				state[n] = []byte{} // unsynced data: lost
			}
		}
		out = append(out, state)
	}
	return out
}

func apply[I any](d map[string]I, remove bool, from, to string, ino I) {
	if remove {
		delete(d, to)
		return
	}
	delete(d, from)
	d[to] = ino
}

func bytesMap(m map[string]string) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out
}

// memDir is a temporary directory on tmpfs where there is one: the power-
// cut tests fsync thousands of times, which is free there.
func memDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "wghub-uci-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// materialize writes state into dir, emptied first.
func materialize(t *testing.T, dir string, state map[string][]byte) *Tree {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		os.Remove(filepath.Join(dir, e.Name()))
	}
	for n, b := range state {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &Tree{Dir: dir}
}

// beforeOrAfter says which of the two the tree in dir is, or fails.
func beforeOrAfter(t *testing.T, dir, what string) string {
	t.Helper()
	got := configs(t, dir)
	switch {
	case maps.Equal(got, jBefore):
		return "before"
	case maps.Equal(got, jAfter):
		return "after"
	}
	t.Fatalf("%s: the tree is neither before nor after: %q", what, got)
	return ""
}

// TestPowerCut cuts the power before every step of a four-file commit and
// of the recovery that follows it, in every way the file system may have
// left the directory, and checks that the next run (Recover) always gives
// exactly the files before or after the change. Removing any fsync of the
// commit (temporary file, journal, directory after the journal or after
// the renames) or the journal itself makes it fail.
func TestPowerCut(t *testing.T) { bothWays(t, testPowerCut) }

// bothWays runs test with small files written one after the other, as a
// commit does them, and then as if they were big (each on a goroutine of
// its own, see concurrentFrom).
func bothWays(t *testing.T, test func(t *testing.T)) {
	t.Run("sequential", test)
	t.Run("concurrent", func(t *testing.T) {
		defer func(n int) { concurrentFrom = n }(concurrentFrom)
		concurrentFrom = 0
		test(t)
	})
}

func testPowerCut(t *testing.T) {
	tr := tempTree(t, nil)
	writeTree(t, tr.Dir, jBefore)
	trace, err := record(t, tr, func() error { _, err := tr.Update(jNames, jChange); return err })
	if err != nil {
		t.Fatal(err)
	}
	if got := configs(t, tr.Dir); !maps.Equal(got, jAfter) {
		t.Fatalf("commit: %q", got)
	}
	counts := map[string]int{}
	states := 0
	dir1, dir2 := memDir(t), memDir(t)
	for k := 0; k <= len(trace); k++ {
		for i, st := range powerCut(bytesMap(jBefore), trace, k) {
			states++
			what := fmt.Sprintf("cut before step %d (%v), state %d", k, stepAt(trace, k), i)
			cut := materialize(t, dir1, st)
			rtrace, err := record(t, cut, func() error { _, err := cut.Recover(); return err })
			if err != nil {
				t.Fatalf("%s: recover: %v", what, err)
			}
			counts[beforeOrAfter(t, cut.Dir, what)]++
			// A second cut, in the recovery itself.
			for k2 := 0; k2 <= len(rtrace); k2++ {
				for j, st2 := range powerCut(st, rtrace, k2) {
					states++
					what2 := fmt.Sprintf("%s, then in recovery before step %d (%v), state %d", what, k2, stepAt(rtrace, k2), j)
					cut2 := materialize(t, dir2, st2)
					if _, err := cut2.Recover(); err != nil {
						t.Fatalf("%s: recover: %v", what2, err)
					}
					counts[beforeOrAfter(t, cut2.Dir, what2)+" (cut twice)"]++
				}
			}
		}
	}
	if counts["after"] == 0 || counts["before"] == 0 {
		t.Errorf("expected both outcomes: %v", counts)
	}
	ops := map[StepOp]int{}
	for _, s := range trace {
		ops[s.Op]++
	}
	t.Logf("a 4-file commit: %d steps %v; %d power-cut states, all before or after: %v", len(trace), ops, states, counts)
}

func stepAt(trace []Step, k int) string {
	if k == len(trace) {
		return "end"
	}
	return trace[k].String()
}

// TestCommitFailures fails each step of a commit in turn (as ENOSPC, EIO
// or EROFS would), and then also each step of the undo: Update says
// "nothing saved" and the files are exactly as before, or it succeeds and
// they are after, or it says the change is pending and the next Recover
// brings them to before or after.
func TestCommitFailures(t *testing.T) { bothWays(t, testCommitFailures) }

func testCommitFailures(t *testing.T) {
	tr := tempTree(t, nil)
	writeTree(t, tr.Dir, jBefore)
	trace, _ := record(t, tr, func() error { _, err := tr.Update(jNames, jChange); return err })
	counts := map[string]int{}
	for i := range trace {
		for j := i; j <= len(trace)+8; j++ { // j == i: one failure only
			tr := &Tree{Dir: memDir(t)}
			writeTree(t, tr.Dir, jBefore)
			n := 0
			injected := errors.New("injected failure")
			tr.Hook = func(s Step) error {
				n++
				if n-1 == i || j > i && n-1 == j {
					return injected
				}
				return nil
			}
			_, err := tr.Update(jNames, jChange)
			tr.Hook = nil
			what := fmt.Sprintf("fail step %d (%v), then %d", i, trace[i], j)
			var ce *CommitError
			switch {
			case err == nil:
				counts["saved"]++
				// A journal whose removal failed describes a finished
				// change: the next run only deletes it.
				if _, err := tr.Recover(); err != nil {
					t.Fatalf("%s: recover: %v", what, err)
				}
				if got := configs(t, tr.Dir); !maps.Equal(got, jAfter) {
					t.Fatalf("%s: saved but %q", what, got)
				}
			case errors.As(err, &ce) && !ce.Pending:
				counts["not saved"]++
				if !errors.Is(err, injected) {
					t.Errorf("%s: %v does not wrap the cause", what, err)
				}
				if got := configs(t, tr.Dir); !maps.Equal(got, jBefore) {
					t.Fatalf("%s: not saved but %q", what, got)
				}
				if stray, _ := filepath.Glob(filepath.Join(tr.Dir, ".*")); len(stray) != 0 {
					t.Errorf("%s: stray files %v", what, stray)
				}
			case errors.As(err, &ce):
				counts["pending, then "+func() string {
					if _, err := tr.Recover(); err != nil {
						t.Fatalf("%s: recover: %v", what, err)
					}
					return beforeOrAfter(t, tr.Dir, what)
				}()]++
			default:
				t.Fatalf("%s: error of type %T: %v", what, err, err)
			}
			if j == i && j > len(trace) {
				break
			}
		}
	}
	t.Logf("%d steps failed singly and in pairs: %v", len(trace), counts)
	if counts["not saved"] == 0 || counts["saved"] == 0 {
		t.Errorf("outcomes: %v", counts)
	}
}

// TestTornJournal: a journal that is not complete (a cut before its fsync)
// is not a commit: it is dropped and the configs stay as they are.
func TestTornJournal(t *testing.T) {
	tr := tempTree(t, nil)
	writeTree(t, tr.Dir, jBefore)
	j := (&journal{Version: 1, Files: []journalEntry{{Config: "network", NewExists: true, New: []byte("x")}}}).encode()
	for _, torn := range [][]byte{nil, j[:len(j)/2], j[:len(j)-2]} {
		os.WriteFile(filepath.Join(tr.Dir, JournalName), torn, 0o600)
		if rec, err := tr.Recover(); err != nil || rec != nil {
			t.Fatalf("recover: %v %v", rec, err)
		}
		if got := configs(t, tr.Dir); !maps.Equal(got, jBefore) {
			t.Fatalf("files changed: %q", got)
		}
	}
}

// TestRecoverConflict: when a config in the journal was changed by someone
// else after the crash (`uci commit` in between), the change is undone
// everywhere else and the other writer's file is kept, so nothing of
// theirs is lost and the tree is "before" plus their edit. The journal
// keeps only the bytes where old and new differ; an edit of the same
// length in the bytes they share is still seen (by the checksum).
func TestRecoverConflict(t *testing.T) {
	for name, theirs := range map[string]string{
		"appended":            jBefore["network"] + "\toption mtu '1400'\n",
		"in the shared bytes": strings.Replace(jBefore["network"], "static", "dhcpXX", 1),
	} {
		t.Run(name, func(t *testing.T) {
			tr := tempTree(t, nil)
			writeTree(t, tr.Dir, jBefore)
			trace, _ := record(t, tr, func() error { _, err := tr.Update(jNames, jChange); return err })
			// Cut after the first config's rename reached the disk.
			k := slices.IndexFunc(trace, func(s Step) bool { return s.Op == StepRename && filepath.Base(s.To) == "firewall" })
			states := powerCut(bytesMap(jBefore), trace, k+1)
			cut := materialize(t, t.TempDir(), states[len(states)-1])
			os.WriteFile(filepath.Join(cut.Dir, "network"), []byte(theirs), 0o600)
			rec, err := cut.Recover()
			if err != nil || rec == nil || rec.Forward || !slices.Equal(rec.Conflict, []string{"network"}) {
				t.Fatalf("recover: %+v %v", rec, err)
			}
			want := maps.Clone(jBefore)
			want["network"] = theirs
			if got := configs(t, cut.Dir); !maps.Equal(got, want) {
				t.Fatalf("got %q", got)
			}
		})
	}
}

// TestRecoverVersion1: a journal an earlier wghub left (whole old and new
// contents) is still finished.
func TestRecoverVersion1(t *testing.T) {
	tr := tempTree(t, nil)
	writeTree(t, tr.Dir, jBefore)
	j := &journal{Version: 1, Files: []journalEntry{
		{Config: "network", Mode: 0o600, UID: -1, GID: -1, OldExists: true, Old: []byte(jBefore["network"]), NewExists: true, New: []byte(jAfter["network"])},
		{Config: "wghub", Mode: 0o600, UID: -1, GID: -1, NewExists: true, New: []byte(jAfter["wghub"])},
	}}
	os.WriteFile(filepath.Join(tr.Dir, JournalName), j.encode(), 0o600)
	if rec, err := tr.Recover(); err != nil || rec == nil || !rec.Forward {
		t.Fatalf("recover: %+v %v", rec, err)
	}
	want := maps.Clone(jBefore)
	want["network"], want["wghub"] = jAfter["network"], jAfter["wghub"]
	if got := configs(t, tr.Dir); !maps.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
}

// TestParseErrorHidesSecrets: a broken line that sets a key gives an error
// with the option's name and line, and not one character of the value.
func TestParseErrorHidesSecrets(t *testing.T) {
	key := "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlY3JldCBrZXk="
	for _, tc := range []string{
		"config interface 'wg0'\n\toption private_key '" + key + "\n",
		"config interface 'wg0'\n\toption private_key \"" + key + "\n\toption x 'y'\n",
		"config interface 'wg0'\n\toption 'preshared_key' '" + key[:20] + "'" + key[20:] + "' extra\n",
		"config interface 'wg0'\n\tlist peer_psk '" + key + "\\",
	} {
		_, err := Parse("network", []byte(tc))
		if err == nil {
			t.Fatalf("no error for %q", tc)
		}
		msg := err.Error()
		for i := 0; i+4 <= len(key); i++ {
			if strings.Contains(msg, key[i:i+4]) {
				t.Fatalf("error %q carries %q of the key", msg, key[i:i+4])
			}
		}
		if !strings.Contains(msg, "network:2") || !strings.Contains(msg, "_key") && !strings.Contains(msg, "peer_psk") {
			t.Errorf("error %q does not name the line and option", msg)
		}
	}
	// Other lines keep their token, which helps find the mistake.
	_, err := Parse("network", []byte("config interface 'wg0'\n\toption mtu '1400\n"))
	if err == nil || !strings.Contains(err.Error(), "1400") {
		t.Errorf("non-secret error lost its token: %v", err)
	}
}

// TestPlanWithPendingJournal: a plan (a dry run) never finishes an
// interrupted change, since it writes nothing; it says one is pending.
func TestPlanWithPendingJournal(t *testing.T) {
	tr := &Tree{Dir: memDir(t)}
	writeTree(t, tr.Dir, jBefore)
	trace, _ := record(t, tr, func() error { _, err := tr.Update(jNames, jChange); return err })
	k := slices.IndexFunc(trace, func(s Step) bool { return s.Op == StepRename && filepath.Base(s.To) == "firewall" })
	states := powerCut(bytesMap(jBefore), trace, k+1)
	cut := materialize(t, tr.Dir, states[len(states)-1])
	before := readConfigs(t, cut.Dir, true)
	if _, err := cut.Plan(jNames, jChange); !errors.Is(err, ErrPending) {
		t.Fatalf("plan: %v, want ErrPending", err)
	}
	if got := readConfigs(t, cut.Dir, true); !maps.Equal(got, before) {
		t.Error("the plan wrote")
	}
	if _, err := os.Stat(filepath.Join(cut.Dir, JournalName)); err != nil {
		t.Error("the plan removed the journal")
	}
	if _, err := cut.Update(jNames, func(map[string]*Config) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := configs(t, cut.Dir); !maps.Equal(got, jAfter) {
		t.Errorf("after the next update: %q", got)
	}
}

// TestRefreshedBeforeReturn: once Update returns (and so unlocks), every
// replaced file already holds the new contents for whoever has it open
// and waits on its lock (lock.go), also a big file edited near its start,
// whose refresh is the longest step of a commit's end.
func TestRefreshedBeforeReturn(t *testing.T) {
	big := "config interface 'lan'\n\toption proto 'static'\n" + strings.Repeat("\nconfig rule\n\toption name 'x'\n", 150000)
	tr := tempTree(t, map[string]string{"network": big, "firewall": "config defaults\n"})
	var held []*os.File
	for _, n := range []string{"firewall", "network"} {
		f, err := os.Open(filepath.Join(tr.Dir, n))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		held = append(held, f)
	}
	// The journal's removal fails (the quickest way out of a commit that
	// is saved): even so the refreshes are done when Update returns.
	tr.Hook = func(s Step) error {
		if s.Op == StepRemove && filepath.Base(s.Path) == JournalName {
			return errors.New("injected")
		}
		return nil
	}
	_, err := tr.Update([]string{"network", "firewall"}, func(m map[string]*Config) error {
		m["firewall"].Section("@defaults[0]").Set("input", "DROP")
		return m["network"].Section("lan").Set("proto", "dhcp")
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.Hook = nil
	// A refresh still under way would show first at the end (it writes
	// front to back).
	end := make([]byte, 4)
	if _, err := held[1].ReadAt(end, int64(len(big)-len(end))); err != nil || string(end) != "'\n\n\n" {
		t.Errorf("network's replaced file ends %q, want the new contents' end and padding (%v)", end, err)
	}
	for _, f := range held {
		got, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		now, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		if want := string(now) + strings.Repeat("\n", max(len(got)-len(now), 0)); string(got) != want {
			t.Errorf("%s as its replaced file holds it: %.80q..., want the new contents", filepath.Base(f.Name()), got)
		}
	}
	if _, err := tr.Recover(); err != nil {
		t.Fatal(err)
	}
}

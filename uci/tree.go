package uci

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// Change is one config file's change in a transaction.
type Change struct {
	Config string
	Old    []byte      // nil: the file did not exist
	New    []byte      // nil: the file is removed (fn left it empty)
	Mode   os.FileMode // permission bits the file has (0600 for a new file)

	content content // New as runs (what a commit writes)
}

// Tree is a directory of UCI config files, such as /etc/config.
type Tree struct {
	Dir string
	// Hook, when set, is called before every write-related step of a
	// commit or recovery (see Step); an error it returns fails that step.
	// Tests use it to kill, fail or record commits. Calls come one at a
	// time, though a commit writes and syncs its new files concurrently.
	Hook func(Step) error
	// Private names configs that hold private keys: written mode 0600
	// (an existing file's wider mode is narrowed at the next write) and
	// never through a symbolic link.
	Private []string
}

// concurrentFrom is the size from which a file is parsed, written or
// refreshed on a goroutine of its own, beside the others: below it,
// starting one (and a thread to run it) costs about what it saves. (A
// variable for tests, which run commits both ways.)
var concurrentFrom = 64 << 10

// tempMark names the temporary files of a commit: ".NAME.wghub-XXXXXX".
const tempMark = ".wghub-"

// testHookBeforeRename, when set by tests, runs after the temporary file is
// written and synced and before it replaces the config.
var testHookBeforeRename func(name string)

func (t *Tree) path(name string) (string, error) {
	// libuci skips config names with a '.', and a '/' would leave the tree.
	if !validType(name) || strings.ContainsAny(name, "./") {
		return "", fmt.Errorf("uci: invalid config name %q", name)
	}
	return filepath.Join(t.Dir, name), nil
}

// Load reads one config under a shared lock on the file, as libuci's
// readers do. A missing file gives an error wrapping fs.ErrNotExist.
// Stray temporary files of an interrupted commit are not configs and are
// never read.
func (t *Tree) Load(name string) (*Config, error) {
	p, err := t.path(name)
	if err != nil {
		return nil, err
	}
	if _, err := t.Recover(); err != nil {
		return nil, err
	}
	f, data, err := openLocked(p, syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	f.Close()
	return parseOwned(name, data)
}

// readLocked reads the locked file f, which path names (st is its
// FileInfo); f is closed when it cannot be read.
func readLocked(f *os.File, st fs.FileInfo, path string) (*os.File, []byte, error) {
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("uci: %s is not a regular file", path)
	}
	// Read in one go into a buffer of the file's size (+1 to see the end).
	data := make([]byte, 0, st.Size()+1)
	var err error
	for {
		n, rerr := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
		if len(data) == cap(data) {
			data = slices.Grow(data, 4096)
		}
	}
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("uci: %w", err)
	}
	return f, data, nil
}

// openLocked opens and flocks path and reads it. A commit renames a new
// file over the old one, so a lock won on a file that is no longer at
// path is dropped and the new file locked instead.
func openLocked(path string, how int) (*os.File, []byte, error) {
	for {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("uci: %w", err)
		}
		if err := flock(f, how); err != nil {
			f.Close()
			return nil, nil, err
		}
		st, err1 := f.Stat()
		cur, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(st, cur) {
			return readLocked(f, st, path)
		}
		f.Close()
		if err2 != nil && errors.Is(err2, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("uci: %w", err2)
		}
	}
}

// Update runs fn on the named configs under an exclusive lock and writes
// back those whose bytes changed, all together or none (journal.go). If
// fn or a validation fails nothing is written; if writing fails, the error
// is a *CommitError that says whether nothing was saved or the change is
// pending for the next run. A config that does not exist is passed in
// empty and created (mode 0600) only if fn gives it content; one that fn
// leaves with no bytes at all is removed, so adding and then removing
// everything in a new file leaves the directory as it was.
//
// Locking: an exclusive flock on the directory serialises every wghub
// writer, also of files that do not exist yet; then, in name order, an
// exclusive flock on each existing file, which is the lock libuci's
// `uci commit` takes, taken when no libuci commit can be between its
// unlock and its rename (see lock.go). Each changed file is written to
// ".NAME.wghub-XXXXXX" in the same directory, synced, given the
// original's mode and owner, while the journal is written and synced;
// then the journal is renamed into place (the commit point), the new
// files renamed over the originals while these are still locked, the
// directories synced, the originals brought up to date for whoever waits
// on their locks, and the journal removed. A change a killed writer left
// after its commit point is finished first; temporary files of writers
// killed before it are removed.
func (t *Tree) Update(names []string, fn func(map[string]*Config) error) ([]Change, error) {
	return t.run(names, fn, true, true)
}

// Commit is Update for a caller that needs only the names of the configs
// it changed: the changes it returns carry no contents (Old and New are
// nil, whatever the files), so a new file is written from the lines as
// read and those edited, never held whole in memory (a megabyte for a
// hub's config at 5000 peers).
func (t *Tree) Commit(names []string, fn func(map[string]*Config) error) ([]Change, error) {
	return t.run(names, fn, true, false)
}

// Plan is Update without writing: it returns the changes fn would make.
// It takes shared locks only.
func (t *Tree) Plan(names []string, fn func(map[string]*Config) error) ([]Change, error) {
	return t.run(names, fn, false, true)
}

type loaded struct {
	name   string
	path   string // the file written: a symlink's target
	old    []byte
	mode   os.FileMode
	uid    int
	gid    int
	exists bool
	f      *os.File // the file read, locked until the end
}

// run is Update (write) or Plan; contents: the changes carry Old and New.
func (t *Tree) run(names []string, fn func(map[string]*Config) error, write, contents bool) ([]Change, error) {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	paths := make([]string, len(names))
	for i, n := range names {
		p, err := t.path(n)
		if err != nil {
			return nil, err
		}
		paths[i] = p
	}
	how := syscall.LOCK_EX
	if !write {
		how = syscall.LOCK_SH
	}
	dir, err := os.Open(t.Dir)
	if err != nil {
		return nil, fmt.Errorf("uci: %w", err)
	}
	defer dir.Close()
	if err := flock(dir, how); err != nil {
		return nil, err
	}
	if !write {
		// Under the shared lock no writer is mid-commit: a journal now is
		// a crashed one, which a plan must not finish (it writes nothing)
		// and cannot ignore.
		if _, err := os.Lstat(filepath.Join(t.Dir, JournalName)); err == nil {
			return nil, ErrPending
		}
	}
	if write {
		// Before reading anything: finish a change a crash interrupted
		// (see journal.go), and drop the temporary files of writers that
		// died before their commit point.
		if _, err := t.recoverLocked(); err != nil {
			return nil, err
		}
		removeStaleJournal(t.Dir)
		for i, p := range paths {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				p = real
			}
			removeStale(filepath.Dir(p), names[i])
		}
	}
	files := make([]*loaded, len(names))
	cfgs := make(map[string]*Config, len(names))
	// A big file is parsed on a goroutine of its own while the next is
	// opened and locked (in name order, as before): a hub's network and
	// wghub configs are a megabyte and half of one at 5000 peers, and
	// routers have two to four cores. Waited for on every return too: none
	// outlives the call.
	var parsing sync.WaitGroup
	defer parsing.Wait()
	parsed := make([]*Config, len(names))
	perr := make([]error, len(names))
	for i, n := range names {
		l := &loaded{name: n, path: paths[i], mode: 0o600, uid: -1, gid: -1}
		files[i] = l
		var f *os.File
		var data []byte
		if write {
			f, data, err = openForUpdate(t.Dir, n, paths[i])
		} else {
			f, data, err = openLocked(paths[i], how)
		}
		if errors.Is(err, fs.ErrNotExist) {
			cfgs[n] = New(n)
			continue
		}
		if err != nil {
			return nil, err
		}
		defer f.Close() // holds the lock until the end
		l.f = f
		st, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("uci: %w", err)
		}
		l.exists, l.old, l.mode = true, data, st.Mode().Perm()
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			l.uid, l.gid = int(sys.Uid), int(sys.Gid)
		}
		if real, err := filepath.EvalSymlinks(paths[i]); err == nil {
			l.path = real // libuci too writes through a symlink
		}
		if write && t.isPrivate(n) {
			if err := checkPrivate(paths[i], f, l); err != nil {
				return nil, err
			}
		}
		// data is kept unchanged (the old bytes of the change).
		if len(data) < concurrentFrom || i == len(names)-1 {
			// Small, or the last: nothing is left to open meanwhile,
			// and a new goroutine would grow a stack of its own.
			parsed[i], perr[i] = parseOwned(n, data)
			continue
		}
		parsing.Add(1)
		go func() {
			defer parsing.Done()
			parsed[i], perr[i] = parseOwned(n, data)
		}()
	}
	parsing.Wait()
	for i, n := range names {
		if perr[i] != nil {
			return nil, perr[i]
		}
		if parsed[i] != nil {
			cfgs[n] = parsed[i]
		}
	}
	if err := fn(cfgs); err != nil {
		return nil, err
	}
	var changes []Change
	var changed []*loaded
	for _, l := range files {
		c := cfgs[l.name]
		if c == nil {
			return nil, fmt.Errorf("uci: config %q was removed from the transaction", l.name)
		}
		// An emptied config is removed: to libuci both mean no sections.
		ct := c.content()
		if !l.exists && ct.n == 0 || l.exists && ct.equal(l.old) {
			continue
		}
		ch := Change{Config: l.name, Mode: l.mode, content: ct}
		if contents {
			ch.Old, ch.New = l.old, ct.bytes()
			if l.exists && ch.Old == nil {
				ch.Old = []byte{}
			}
		}
		changes = append(changes, ch)
		changed = append(changed, l)
	}
	if !write {
		return changes, nil
	}
	if len(changed) == 0 {
		return changes, nil
	}
	if err := t.commit(changed, changes); err != nil {
		return nil, err
	}
	return changes, nil
}

// removeStale deletes temporary files of earlier commits of config name.
// Only called under the exclusive directory lock, when no other wghub
// writer can be in the middle of a commit.
func removeStale(dir, name string) {
	stale, _ := filepath.Glob(filepath.Join(dir, "."+name+tempMark+"*"))
	for _, p := range stale {
		os.Remove(p)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("uci: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("uci: syncing %s: %w", dir, err)
	}
	return nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		switch err {
		case nil, syscall.ENOSYS: // libuci too goes on where flock is missing
			return nil
		case syscall.EINTR:
			continue
		}
		return fmt.Errorf("uci: locking %s: %w", f.Name(), err)
	}
}

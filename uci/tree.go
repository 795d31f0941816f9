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
	"syscall"
)

// Change is one config file's change in a transaction.
type Change struct {
	Config string
	Old    []byte      // nil: the file did not exist
	New    []byte      // nil: the file is removed (fn left it empty)
	Mode   os.FileMode // permission bits the file has (0600 for a new file)
}

// Tree is a directory of UCI config files, such as /etc/config.
type Tree struct {
	Dir string
}

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
	f, data, err := openLocked(p, syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	f.Close()
	return Parse(name, data)
}

// readLocked reads the locked file f, which path names (st is its
// FileInfo); f is closed when it cannot be read.
func readLocked(f *os.File, st fs.FileInfo, path string) (*os.File, []byte, error) {
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("uci: %s is not a regular file", path)
	}
	data, err := io.ReadAll(f)
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
// back those whose bytes changed, each atomically. If fn or a validation
// fails nothing is written. A config that does not exist is passed in
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
// original's mode and owner, renamed over the original while the
// original is still locked, the original brought up to date for whoever
// waits on its lock, and the directory synced. Temporary files left by a
// writer that was killed are removed.
func (t *Tree) Update(names []string, fn func(map[string]*Config) error) ([]Change, error) {
	return t.run(names, fn, true)
}

// Plan is Update without writing: it returns the changes fn would make.
// It takes shared locks only.
func (t *Tree) Plan(names []string, fn func(map[string]*Config) error) ([]Change, error) {
	return t.run(names, fn, false)
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

func (t *Tree) run(names []string, fn func(map[string]*Config) error, write bool) ([]Change, error) {
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
	files := make([]*loaded, len(names))
	cfgs := make(map[string]*Config, len(names))
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
		if cfgs[n], err = Parse(n, data); err != nil {
			return nil, err
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
		data := c.Bytes()
		if !l.exists && len(data) == 0 || l.exists && string(l.old) == string(data) {
			continue
		}
		old := l.old
		if l.exists && old == nil {
			old = []byte{}
		}
		if len(data) == 0 {
			data = nil // an emptied config is removed: to libuci both mean no sections
		}
		changes = append(changes, Change{Config: l.name, Old: old, New: data, Mode: l.mode})
		changed = append(changed, l)
	}
	if !write {
		return changes, nil
	}
	for _, l := range files {
		removeStale(filepath.Dir(l.path), l.name)
	}
	synced := map[string]bool{}
	for i, l := range changed {
		if changes[i].New == nil {
			if err := os.Remove(l.path); err != nil {
				return nil, fmt.Errorf("uci: removing emptied %s: %w", l.path, err)
			}
		} else if err := writeAtomic(l, changes[i].New); err != nil {
			return nil, err
		}
		if d := filepath.Dir(l.path); !synced[d] {
			synced[d] = true
			if err := syncDir(d); err != nil {
				return nil, err
			}
		}
	}
	// Only once the whole change is in place (see lock.go): the replaced
	// files, still locked, get the new contents for libuci commits
	// queued on them.
	for i, l := range changed {
		if l.f != nil {
			refreshReplaced(l.f, l.old, changes[i].New)
		}
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

// writeAtomic replaces l.path with data: a temporary file in the same
// directory, synced, with the original's mode and owner, renamed over it.
// A crash leaves either the old file or the new one, never half of one.
func writeAtomic(l *loaded, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(l.path), "."+l.name+tempMark)
	if err != nil {
		return fmt.Errorf("uci: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("uci: writing %s: %w", l.name, err)
	}
	if err := tmp.Chmod(l.mode); err != nil {
		return fmt.Errorf("uci: %w", err)
	}
	if l.uid >= 0 {
		tmp.Chown(l.uid, l.gid) // best effort: only root may give files away
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("uci: syncing %s: %w", l.name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("uci: %w", err)
	}
	if testHookBeforeRename != nil {
		testHookBeforeRename(l.name)
	}
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		return fmt.Errorf("uci: replacing %s: %w", l.path, err)
	}
	ok = true
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

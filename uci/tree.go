package uci

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Change is one config file's change in a transaction.
type Change struct {
	Config string
	Old    []byte // nil: the file did not exist
	New    []byte // nil: the file is removed
	Mode   os.FileMode
}

// Tree is a directory of UCI config files, such as /etc/config.
type Tree struct {
	Dir string
}

// testHookBeforeRename, when set by tests, runs after the temporary file is
// written and synced and before it replaces the config.
var testHookBeforeRename func(name string)

func (t *Tree) path(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "./\x00") {
		return "", fmt.Errorf("uci: invalid config name %q", name)
	}
	return filepath.Join(t.Dir, name), nil
}

// Load reads one config under a shared lock. A missing file gives an error
// wrapping fs.ErrNotExist.
func (t *Tree) Load(name string) (*Config, error) {
	p, err := t.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("uci: %w", err)
	}
	defer f.Close()
	if err := flock(f, syscall.LOCK_SH); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("uci: %w", err)
	}
	return Parse(name, data)
}

// Update runs fn on the named configs under an exclusive lock and writes
// back those whose bytes changed, each atomically. If fn fails nothing is
// written. A config that does not exist is passed in empty and created
// (mode 0600) only if fn gives it content; one that fn leaves with no
// bytes at all is removed, so adding and then removing everything in a new
// file leaves the directory as it was. The lock is a flock on the
// directory, which serialises every wghub writer, plus libuci's own flock
// on each existing file, so `uci commit` does not interleave with us.
func (t *Tree) Update(names []string, fn func(map[string]*Config) error) ([]Change, error) {
	return t.run(names, fn, true)
}

// Plan is Update without writing: it returns the changes fn would make.
func (t *Tree) Plan(names []string, fn func(map[string]*Config) error) ([]Change, error) {
	return t.run(names, fn, false)
}

type loaded struct {
	name string
	path string
	old  []byte
	mode os.FileMode
	uid  int
	gid  int
	f    *os.File
}

func (t *Tree) run(names []string, fn func(map[string]*Config) error, write bool) (changes []Change, err error) {
	names = append([]string(nil), names...)
	sort.Strings(names)
	dir, err := os.Open(t.Dir)
	if err != nil {
		return nil, fmt.Errorf("uci: %w", err)
	}
	defer dir.Close()
	how := syscall.LOCK_EX
	if !write {
		how = syscall.LOCK_SH
	}
	if err := flock(dir, how); err != nil {
		return nil, err
	}
	var files []*loaded
	defer func() {
		for _, l := range files {
			if l.f != nil {
				l.f.Close()
			}
		}
	}()
	cfgs := map[string]*Config{}
	for i, n := range names {
		if i > 0 && names[i-1] == n {
			continue
		}
		p, err := t.path(n)
		if err != nil {
			return nil, err
		}
		l := &loaded{name: n, path: p, mode: 0o600, uid: -1, gid: -1}
		files = append(files, l)
		f, err := os.Open(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			cfgs[n] = New(n)
			continue
		case err != nil:
			return nil, fmt.Errorf("uci: %w", err)
		}
		l.f = f
		if err := flock(f, how); err != nil {
			return nil, err
		}
		st, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("uci: %w", err)
		}
		l.mode = st.Mode().Perm()
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			l.uid, l.gid = int(sys.Uid), int(sys.Gid)
		}
		if l.old, err = os.ReadFile(p); err != nil {
			return nil, fmt.Errorf("uci: %w", err)
		}
		if l.old == nil {
			l.old = []byte{}
		}
		if cfgs[n], err = Parse(n, l.old); err != nil {
			return nil, err
		}
	}
	if err := fn(cfgs); err != nil {
		return nil, err
	}
	for _, l := range files {
		data := cfgs[l.name].Bytes()
		if l.old == nil && len(data) == 0 || l.old != nil && string(l.old) == string(data) {
			continue
		}
		if len(data) == 0 {
			data = nil // an emptied config is removed: to libuci both are no package content
		}
		changes = append(changes, Change{Config: l.name, Old: l.old, New: data, Mode: l.mode})
	}
	if !write {
		return changes, nil
	}
	for _, c := range changes {
		l := fileOf(files, c.Config)
		if c.New == nil {
			if err := os.Remove(l.path); err != nil {
				return nil, fmt.Errorf("uci: removing emptied %s: %w", l.path, err)
			}
			continue
		}
		if err := writeAtomic(t.Dir, l, c.New); err != nil {
			return nil, err
		}
	}
	if len(changes) > 0 {
		if err := dir.Sync(); err != nil {
			return nil, fmt.Errorf("uci: syncing %s: %w", t.Dir, err)
		}
	}
	return changes, nil
}

func fileOf(files []*loaded, name string) *loaded {
	for _, l := range files {
		if l.name == name {
			return l
		}
	}
	return nil
}

// writeAtomic replaces l.path with data: a temporary file in the same
// directory, synced, with the original's mode and owner, renamed over it.
// A crash leaves either the old file or the new one, never half of one.
func writeAtomic(dir string, l *loaded, data []byte) error {
	tmp, err := os.CreateTemp(dir, "."+l.name+".wghub-")
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
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("uci: locking %s: %w", f.Name(), err)
		}
		return nil
	}
}

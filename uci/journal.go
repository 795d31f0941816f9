package uci

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"

	"github.com/wghub/wghub/jsonval"
)

// A commit of several configs is made atomic by a journal: every new file
// is written to a temporary file and synced, and so is the journal (for
// every config in the change, the bytes where its old and new contents
// differ and a checksum of the rest, which the two share), all at once;
// once all are synced the journal is renamed to JournalName, and only then
// are the temporary files renamed over the configs. The journal's rename
// is the commit point: a crash or power cut before it leaves every config
// as it was (the temporary files are stray and removed later); after it,
// the next wghub run finds the journal and rolls the change forward. A
// failure after the commit point (a rename refused) puts back what was
// already renamed, so the caller sees either everything or nothing.

// JournalName is the journal's file name in the tree's directory. libuci
// skips names with a '.', so it never shows up as a config.
const JournalName = ".wghub-journal"

// journalTemp prefixes the journal's own temporary files.
const journalTemp = ".wghub-journal.new-"

// StepOp names one write-related step of a commit.
type StepOp string

// The steps a commit or a recovery takes, in the terms a power-cut model
// needs: data written to a new file, fsync of a file, rename, removal and
// fsync of a directory.
const (
	StepWrite   StepOp = "write"   // Path is created (O_EXCL) with Data
	StepSync    StepOp = "sync"    // Path's data made durable
	StepRename  StepOp = "rename"  // Path renamed to To
	StepRemove  StepOp = "remove"  // Path removed
	StepSyncDir StepOp = "syncdir" // Path (a directory) made durable
)

// Step is one write-related step, as Tree.Hook sees it before it happens.
type Step struct {
	Op   StepOp
	Path string
	To   string // StepRename: the new name
	Data []byte // StepWrite: the bytes written
}

func (s Step) String() string {
	switch s.Op {
	case StepRename:
		return fmt.Sprintf("%s %s -> %s", s.Op, filepath.Base(s.Path), filepath.Base(s.To))
	case StepWrite:
		return fmt.Sprintf("%s %s (%d bytes)", s.Op, filepath.Base(s.Path), len(s.Data))
	}
	return fmt.Sprintf("%s %s", s.Op, filepath.Base(s.Path))
}

// stepMu makes the calls of a Hook one at a time: a commit writes its
// files on two goroutines, and a hook (a test's) sees one order.
var stepMu sync.Mutex

func (t *Tree) step(s Step) error {
	if t.Hook != nil {
		stepMu.Lock()
		defer stepMu.Unlock()
		return t.Hook(s)
	}
	return nil
}

// ErrPending is returned by Plan while a change a crash interrupted is
// still to be finished (by Recover, or any Update).
var ErrPending = errors.New("an interrupted change is pending; the next wghub command that writes (or wghub recover) finishes it")

// CommitError is a commit that did not happen. Pending is false when every
// config is as it was before; true when neither finishing nor undoing the
// change succeeded: the journal stays and the next run of wghub finishes
// it (or undoes it), so the files end up before or after, never half.
type CommitError struct {
	Err     error
	Pending bool
}

func (e *CommitError) Error() string {
	if e.Pending {
		return fmt.Sprintf("the change was interrupted (%v); it is kept in %s and the next wghub run finishes it", e.Err, JournalName)
	}
	return fmt.Sprintf("nothing was saved: %v", e.Err)
}

func (e *CommitError) Unwrap() error { return e.Err }

// Recovery tells what Recover did with an interrupted change.
type Recovery struct {
	Configs []string // the configs of the change
	// Forward: the change was finished; else it was undone, because a
	// config had meanwhile been changed by someone else (kept as it is).
	Forward  bool
	Conflict []string // configs changed by someone else since the crash
}

// journal is the file's content: the configs of one change.
type journal struct {
	Version int            `json:"version"`
	Files   []journalEntry `json:"files"`
}

// journalEntry is one config of a change. The old and new contents are
// Prefix bytes the same at the start, then Old or New, then Suffix bytes
// the same at the end; Sum is the SHA-256 of those shared bytes. A change
// of one section so costs the journal that section, not the file, and a
// config found in either state gives the other one back. Version 1
// journals (whole contents in Old and New) read as Prefix = Suffix = 0.
type journalEntry struct {
	Config    string      `json:"config"`
	Mode      os.FileMode `json:"mode"`
	UID       int         `json:"uid"`
	GID       int         `json:"gid"`
	OldExists bool        `json:"old_exists"`
	Old       []byte      `json:"old,omitempty"`
	NewExists bool        `json:"new_exists"`
	New       []byte      `json:"new,omitempty"`
	Prefix    int         `json:"prefix,omitempty"`
	Suffix    int         `json:"suffix,omitempty"`
	Sum       []byte      `json:"sum,omitempty"`
}

// journalFile describes the change of l from its old content to ct
// (empty: the file is removed).
func journalFile(l *loaded, ct content) journalEntry {
	e := journalEntry{Config: l.name, Mode: l.mode, UID: l.uid, GID: l.gid, OldExists: l.exists, NewExists: ct.n > 0}
	old := l.old
	e.Prefix = ct.prefix(old)
	e.Suffix = ct.suffix(old, min(len(old), ct.n)-e.Prefix)
	e.Old = old[e.Prefix : len(old)-e.Suffix]
	e.New = ct.slice(e.Prefix, ct.n-e.Suffix)
	e.Sum = e.shared(old)
	return e
}

// shared is the checksum of what cur has where the entry's contents agree.
func (e *journalEntry) shared(cur []byte) []byte {
	h := sha256.New()
	h.Write(cur[:e.Prefix])
	h.Write(cur[len(cur)-e.Suffix:])
	return h.Sum(nil)
}

// is reports whether cur (exists: whether the file exists) is the entry's
// new (newSide) or old content. sum caches cur's shared checksum.
func (e *journalEntry) is(cur []byte, exists, newSide bool, sum *[]byte) bool {
	want, mid := e.OldExists, e.Old
	if newSide {
		want, mid = e.NewExists, e.New
	}
	if exists != want {
		return false
	}
	if !exists {
		return true
	}
	if len(cur) != e.Prefix+len(mid)+e.Suffix || !bytes.Equal(cur[e.Prefix:e.Prefix+len(mid)], mid) {
		return false
	}
	if e.Sum == nil && e.Prefix+e.Suffix == 0 {
		return true // version 1: the whole content was compared
	}
	if *sum == nil {
		*sum = e.shared(cur)
	}
	return bytes.Equal(*sum, e.Sum)
}

// other gives the content on the other side of cur: the entry's new
// content when toNew (cur is the old one), else its old content.
func (e *journalEntry) other(cur []byte, toNew bool) []byte {
	mid := e.Old
	if toNew {
		mid = e.New
	}
	out := make([]byte, 0, e.Prefix+len(mid)+e.Suffix)
	out = append(out, cur[:e.Prefix]...)
	out = append(out, mid...)
	return append(out, cur[len(cur)-e.Suffix:]...)
}

// commonPrefix is how many bytes a and b share at the start; compared in
// blocks first, as the files are large and mostly the same.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	const block = 256
	for i+block <= n && bytes.Equal(a[i:i+block], b[i:i+block]) {
		i += block
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix is how many bytes a and b share at the end.
func commonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	const block = 256
	for i+block <= n && bytes.Equal(a[len(a)-i-block:len(a)-i], b[len(b)-i-block:len(b)-i]) {
		i += block
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// encode renders the journal with a checksum line, so a torn or emptied
// journal is recognised (and ignored: it was never committed).
func (j *journal) encode() []byte {
	b, _ := jsonval.Marshal(j)
	sum := sha256.Sum256(b)
	return append(append(b, '\n'), hex.EncodeToString(sum[:])+"\n"...)
}

func decodeJournal(data []byte) (*journal, bool) {
	body, sumLine, ok := bytes.Cut(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if !ok {
		return nil, false
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != string(sumLine) {
		return nil, false
	}
	var j journal
	if jsonval.Unmarshal(body, &j) != nil || j.Version < 1 || j.Version > 2 {
		return nil, false
	}
	for _, e := range j.Files {
		if e.Prefix < 0 || e.Suffix < 0 || j.Version == 1 && e.Prefix+e.Suffix != 0 {
			return nil, false
		}
	}
	return &j, true
}

// commit makes changes[i] the content of files[i], all or nothing. The
// directory lock and every existing file's lock are held.
func (t *Tree) commit(files []*loaded, changes []Change) error {
	// Refuse early what a rename would refuse later: a read-only mount or
	// an immutable file. Nothing is visible yet.
	for _, l := range files {
		if err := writable(l); err != nil {
			return &CommitError{Err: err}
		}
	}
	temps := make([]string, len(files))
	cleanup := func() {
		for _, p := range temps {
			if p != "" {
				os.Remove(p)
			}
		}
	}
	// The small new files are written and synced here, as they come; the
	// big ones on one goroutine, while this one checksums, writes and
	// syncs the journal: none of them is visible before the journal's
	// rename below, which waits for all, so their order does not matter
	// to a crash (see TestPowerCut). The big files are all written before
	// the first is synced, their writeback started as each is written,
	// so the disk takes them together. (One goroutine, not one a file:
	// two in fsync would hold both of a two-core router's Ps while the
	// checksum waits for one.)
	errs := make([]error, len(files))
	var big []int
	for i, l := range files {
		ct := changes[i].content
		switch {
		case ct.n == 0: // removed
		case ct.n >= concurrentFrom:
			big = append(big, i)
		default:
			temps[i], errs[i] = t.writeTemp(filepath.Dir(l.path), "."+l.name+tempMark, ct.parts, l.mode, l.uid, l.gid)
		}
	}
	var writing sync.WaitGroup
	if len(big) > 0 {
		writing.Add(1)
		go func() {
			defer writing.Done()
			open := make([]*os.File, len(files))
			for _, i := range big {
				l := files[i]
				open[i], errs[i] = t.createTemp(filepath.Dir(l.path), "."+l.name+tempMark, changes[i].content.parts, l.mode, l.uid, l.gid)
				if open[i] != nil {
					startWriteback(open[i])
				}
			}
			for _, i := range big {
				if open[i] != nil {
					temps[i], errs[i] = t.syncTemp(open[i])
				}
			}
		}()
	}
	j := &journal{Version: 2, Files: make([]journalEntry, len(files))}
	for i, l := range files {
		j.Files[i] = journalFile(l, changes[i].content)
	}
	jpath := filepath.Join(t.Dir, JournalName)
	jtmp, err := t.writeTemp(t.Dir, journalTemp, [][]byte{j.encode()}, 0o600, -1, -1)
	writing.Wait()
	for i, l := range files {
		if errs[i] != nil {
			if jtmp != "" {
				os.Remove(jtmp)
			}
			cleanup()
			return &CommitError{Err: fmt.Errorf("writing %s: %w", l.name, errs[i])}
		}
	}
	if err != nil {
		cleanup()
		return &CommitError{Err: fmt.Errorf("writing the journal: %w", err)}
	}
	if err := t.rename(jtmp, jpath); err != nil {
		os.Remove(jtmp)
		cleanup()
		return &CommitError{Err: fmt.Errorf("writing the journal: %w", err)}
	}
	if err := t.syncDir(t.Dir); err != nil {
		// The journal may or may not be durable: undo it like a failed
		// rename below.
		return t.undo(files, j, 0, temps, err)
	}
	// Committed: from here on the change is finished, or undone.
	for i, l := range files {
		var err error
		if testHookBeforeRename != nil {
			testHookBeforeRename(l.name)
		}
		if temps[i] == "" {
			err = t.remove(l.path)
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		} else {
			err = t.rename(temps[i], l.path)
		}
		if err != nil {
			return t.undo(files, j, i, temps, err)
		}
		temps[i] = ""
	}
	for _, d := range dirsOf(t.Dir, files) {
		if err := t.syncDir(d); err != nil {
			return t.undo(files, j, len(files), temps, err)
		}
	}
	// Every file is in place and durable: bring the replaced files, still
	// locked here, up to date for libuci commits queued on their locks
	// (lock.go). Not earlier: an undo must leave them as they were. They
	// are no longer linked, so the big refreshes (a megabyte when an edit
	// is near a big file's start) are done on one goroutine beside the
	// journal's removal, and waited for before the locks go.
	var bigRefresh []int
	for i, l := range files {
		switch {
		case l.f == nil:
		case max(changes[i].content.n, len(l.old))-j.Files[i].Prefix >= concurrentFrom:
			bigRefresh = append(bigRefresh, i)
		default:
			refreshReplaced(l.f, l.old, changes[i].content, j.Files[i].Prefix)
		}
	}
	var refreshing sync.WaitGroup
	if len(bigRefresh) > 0 {
		refreshing.Add(1)
		go func() {
			defer refreshing.Done()
			for _, i := range bigRefresh {
				refreshReplaced(files[i].f, files[i].old, changes[i].content, j.Files[i].Prefix)
			}
		}()
	}
	// Done: a journal left behind now (removal failed) only describes a
	// finished change; the next run sees that and deletes it.
	if t.remove(jpath) == nil {
		t.syncDir(t.Dir)
	}
	refreshing.Wait()
	return nil
}

// undo puts back the old content of files[:done] after cause stopped the
// commit, then drops the journal. If that fails too, the journal stays for
// the next run.
func (t *Tree) undo(files []*loaded, j *journal, done int, temps []string, cause error) error {
	for _, p := range temps {
		if p != "" {
			os.Remove(p)
		}
	}
	for i := range done {
		if err := t.put(files[i].path, &j.Files[i], files[i].exists, files[i].old); err != nil {
			return &CommitError{Err: fmt.Errorf("%v; putting back %s: %v", cause, files[i].name, err), Pending: true}
		}
	}
	for _, d := range dirsOf(t.Dir, files) {
		if err := t.syncDir(d); err != nil {
			return &CommitError{Err: fmt.Errorf("%v; %v", cause, err), Pending: true}
		}
	}
	if err := t.remove(filepath.Join(t.Dir, JournalName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &CommitError{Err: fmt.Errorf("%v; removing the journal: %v", cause, err), Pending: true}
	}
	if err := t.syncDir(t.Dir); err != nil {
		return &CommitError{Err: fmt.Errorf("%v; %v", cause, err), Pending: true}
	}
	return &CommitError{Err: cause}
}

// put makes path hold data (exists) or removes it (!exists): a synced
// temporary file renamed over it, or its removal.
func (t *Tree) put(path string, e *journalEntry, exists bool, data []byte) error {
	if !exists {
		err := t.remove(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if data == nil {
		data = []byte{}
	}
	tmp, err := t.writeTemp(filepath.Dir(path), "."+e.Config+tempMark, [][]byte{data}, e.Mode, e.UID, e.GID)
	if err != nil {
		return err
	}
	if err := t.rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// writeTemp creates a new file (O_EXCL: never one someone else made) in
// dir, writes data, sets mode and owner, syncs it and returns its path.
func (t *Tree) writeTemp(dir, prefix string, data [][]byte, mode os.FileMode, uid, gid int) (string, error) {
	f, err := t.createTemp(dir, prefix, data, mode, uid, gid)
	if err != nil {
		return "", err
	}
	return t.syncTemp(f)
}

// createTemp is writeTemp up to the sync: it returns the file, open.
func (t *Tree) createTemp(dir, prefix string, data [][]byte, mode os.FileMode, uid, gid int) (*os.File, error) {
	f, err := os.CreateTemp(dir, prefix)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	if t.Hook != nil {
		if err := t.step(Step{Op: StepWrite, Path: f.Name(), Data: bytes.Join(data, nil)}); err != nil {
			return fail(err)
		}
	}
	for _, p := range data {
		if _, err := f.Write(p); err != nil {
			return fail(err)
		}
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if uid >= 0 {
		f.Chown(uid, gid) // best effort: only root may give files away
	}
	return f, nil
}

// syncTemp syncs and closes a file createTemp made and returns its path;
// on failure the file is removed.
func (t *Tree) syncTemp(f *os.File) (string, error) {
	name := f.Name()
	err := t.step(Step{Op: StepSync, Path: name})
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		os.Remove(name)
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

func (t *Tree) rename(from, to string) error {
	if err := t.step(Step{Op: StepRename, Path: from, To: to}); err != nil {
		return err
	}
	return os.Rename(from, to)
}

func (t *Tree) remove(path string) error {
	if err := t.step(Step{Op: StepRemove, Path: path}); err != nil {
		return err
	}
	return os.Remove(path)
}

func (t *Tree) syncDir(dir string) error {
	if err := t.step(Step{Op: StepSyncDir, Path: dir}); err != nil {
		return err
	}
	return syncDir(dir)
}

// dirsOf lists the directories a commit touches: the tree's (which holds
// the journal) and those of symlinked configs' targets.
func dirsOf(tree string, files []*loaded) []string {
	out := []string{tree}
	for _, l := range files {
		if d := filepath.Dir(l.path); !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// writable refuses a config on a read-only mount or marked immutable, and
// a directory that cannot take the temporary files.
func writable(l *loaded) error {
	if err := syscall.Access(filepath.Dir(l.path), 2 /* W_OK */); err != nil {
		return fmt.Errorf("%s: directory not writable: %w", l.name, err)
	}
	if l.exists {
		if err := syscall.Access(l.path, 2); err != nil {
			return fmt.Errorf("%s is read-only: %w", l.path, err)
		}
	}
	return nil
}

// Recover finishes (or undoes) a change that a crash interrupted after its
// commit point. It returns nil, nil when there was nothing to do. Every
// wghub run calls it before reading or writing configs.
func (t *Tree) Recover() (*Recovery, error) {
	if _, err := os.Lstat(filepath.Join(t.Dir, JournalName)); errors.Is(err, fs.ErrNotExist) {
		return nil, nil // the common case: no lock taken
	}
	dir, err := os.Open(t.Dir)
	if err != nil {
		return nil, fmt.Errorf("uci: %w", err)
	}
	defer dir.Close()
	if err := flock(dir, syscall.LOCK_EX); err != nil {
		return nil, err
	}
	return t.recoverLocked()
}

// recoverLocked is Recover with the directory lock held.
func (t *Tree) recoverLocked() (*Recovery, error) {
	jpath := filepath.Join(t.Dir, JournalName)
	data, err := os.ReadFile(jpath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("uci: reading %s: %w", JournalName, err)
	}
	j, ok := decodeJournal(data)
	if !ok {
		// Torn: the crash came before the commit point was durable, so
		// no config was touched.
		if err := t.remove(jpath); err != nil {
			return nil, fmt.Errorf("uci: removing a torn %s: %w", JournalName, err)
		}
		return nil, t.syncDir(t.Dir)
	}
	rec := &Recovery{Forward: true}
	paths := make([]string, len(j.Files))
	states := make([]int, len(j.Files)) // 0 old, 1 new, 2 neither
	files := make([]*os.File, len(j.Files))
	olds := make([][]byte, len(j.Files))
	var locks []*os.File
	defer func() {
		for _, f := range locks {
			f.Close()
		}
	}()
	for i := range j.Files {
		e := &j.Files[i]
		rec.Configs = append(rec.Configs, e.Config)
		p, err := t.path(e.Config)
		if err != nil {
			return nil, err
		}
		// Locked as an update locks (lock.go): not while a libuci commit
		// of the file is between its unlock and its rename.
		f, cur, err := openForUpdate(t.Dir, e.Config, p)
		if real, err := filepath.EvalSymlinks(p); err == nil && !t.isPrivate(e.Config) {
			p = real
		}
		paths[i] = p
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		files[i] = f
		if exists {
			locks = append(locks, f)
			olds[i] = cur
		}
		var sum []byte
		switch {
		case e.is(cur, exists, true, &sum):
			states[i] = 1
		case e.is(cur, exists, false, &sum):
			states[i] = 0
		default:
			states[i] = 2
			rec.Conflict = append(rec.Conflict, e.Config)
			rec.Forward = false
		}
	}
	// What each config becomes: its new content forward, else its old.
	targets := make([][]byte, len(j.Files))
	for i := range j.Files {
		e := &j.Files[i]
		switch {
		case states[i] == 2:
			continue // someone else's edit: theirs to keep
		case rec.Forward && states[i] == 0:
			if e.NewExists {
				targets[i] = e.other(olds[i], true)
			}
			err = t.put(paths[i], e, e.NewExists, targets[i])
		case !rec.Forward && states[i] == 1:
			if e.OldExists {
				targets[i] = e.other(olds[i], false)
			}
			err = t.put(paths[i], e, e.OldExists, targets[i])
		}
		if err != nil {
			return nil, &CommitError{Err: fmt.Errorf("finishing an interrupted change of %s: %w", j.Files[i].Config, err), Pending: true}
		}
	}
	dirs := []string{t.Dir}
	for _, p := range paths {
		if d := filepath.Dir(p); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	for _, d := range dirs {
		if err := t.syncDir(d); err != nil {
			return nil, &CommitError{Err: err, Pending: true}
		}
	}
	// As after a commit: libuci commits queued on the replaced files' locks
	// must build on what is there now.
	for i, f := range files {
		switch {
		case f == nil || states[i] == 2:
		case rec.Forward && states[i] == 0, !rec.Forward && states[i] == 1:
			refreshReplaced(f, olds[i], content{parts: [][]byte{targets[i]}, n: len(targets[i])}, 0)
		}
	}
	if err := t.remove(jpath); err != nil {
		return nil, &CommitError{Err: err, Pending: true}
	}
	if err := t.syncDir(t.Dir); err != nil {
		return nil, &CommitError{Err: err, Pending: true}
	}
	return rec, nil
}

// removeStaleJournal deletes journal temporary files of a writer that died
// before its commit point. Only under the exclusive directory lock.
func removeStaleJournal(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, journalTemp+"*"))
	for _, p := range stale {
		os.Remove(p)
	}
}

package uci

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Writing beside libuci. libuci's commit (file.c, uci_file_commit) locks
// the config it opened, writes the new contents to ".NAME.uci-XXXXXX",
// unlocks, and only then renames that over the config. So a writer that
// merely locks the config can lose an update in three ways:
//
//  1. It locks in that window, reads the old contents, and one of the two
//     renames undoes the other.
//  2. A libuci commit that waited on the lock of a file since replaced
//     (libuci never checks) goes on from that file's stale contents and
//     undoes every commit since.
//  3. wghub itself replaces the file while a libuci commit waits on its
//     lock: that commit then reads the contents from before wghub's.
//
// An update therefore (openForUpdate) locks the file, checks that the path
// still names it, and reads it only when no libuci commit can be under
// way: no fresh ".NAME.uci-*" file in the config directory (1), and no
// other process holding a deleted former version of the file open for
// writing (2); otherwise it lets go and tries again. And after renaming
// its new file into place it writes the same contents into the replaced
// file, still locked and no longer linked (3), so whoever waits on it
// reads wghub's update and keeps it. (libuci's own commits lose each
// other's edits in all three ways; TestLibuciConcurrentCommits measures.)

// busyTimeout bounds how long an update waits for libuci commits (a
// variable for tests).
var busyTimeout = 10 * time.Second

// testHookBusy, when set by tests, runs each time an update finds a
// libuci commit under way.
var testHookBusy func()

// staleTemp is the age from which a ".NAME.uci-*" file is taken to be
// left behind by a crashed commit (a live one lasts milliseconds).
const staleTemp = 10 * time.Second

// BusyError: libuci commits of the config kept going on for busyTimeout.
type BusyError struct{ Config string }

func (e *BusyError) Error() string {
	return fmt.Sprintf("uci: %s: another program's commit of this config is still in progress", e.Config)
}

// openForUpdate opens path (config name in the directory dir) for
// writing, locks it exclusively and reads it, once no libuci commit of it
// can be under way. The file is open read-write where permitted, so that
// refreshReplaced can bring it up to date for processes waiting on its
// lock once it has been replaced. *BusyError after busyTimeout.
func openForUpdate(dir, name, path string) (*os.File, []byte, error) {
	deadline := time.Now().Add(busyTimeout)
	delay := time.Millisecond
	for {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			// A read-only file or mount: the commit itself will say
			// what fails; there is just nothing to bring up to date.
			f, err = os.Open(path)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("uci: %w", err)
		}
		if err := flock(f, syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, nil, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("uci: %w", err)
		}
		// Checked in this order: a commit seen in neither check can
		// only have finished, and then the path no longer names st.
		busy := staleWriter(path, st) || libuciTemp(dir, name)
		cur, err := os.Stat(path)
		if err == nil && os.SameFile(st, cur) && !busy {
			return readLocked(f, st, path)
		}
		f.Close()
		if err != nil && errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("uci: %w", err)
		}
		if busy {
			if testHookBusy != nil {
				testHookBusy()
			}
			if time.Now().After(deadline) {
				return nil, nil, &BusyError{Config: name}
			}
			time.Sleep(delay)
			delay = min(2*delay, 20*time.Millisecond)
		}
	}
}

// libuciTemp reports whether a libuci commit of config name has its new
// file in dir and not yet renamed it.
func libuciTemp(dir, name string) bool {
	ms, _ := filepath.Glob(filepath.Join(dir, "."+name+".uci-*"))
	for _, m := range ms {
		if st, err := os.Lstat(m); err == nil && time.Since(st.ModTime()) < staleTemp {
			return true
		}
	}
	return false
}

// recentChange is how long after the file last changed an update looks
// at every process's open files, not only at the lock holders (a
// variable for tests).
var recentChange = 5 * time.Second

// staleWriter reports whether another process has a file open for
// writing that was path before path was replaced (locked is the file now
// at path): a libuci commit going on, or about to once it has its lock,
// from stale contents. Where /proc cannot be read nothing can be seen and
// it reports false.
//
// The processes that hold or wait for an exclusive flock (/proc/locks)
// are always looked at. A commit that opened the file just before it was
// replaced is not listed until it calls flock, which on a busy machine
// may be milliseconds later; so while the file changed recently (its
// ctime or mtime, both set when a commit's new file was written and
// renamed) every process is looked at.
func staleWriter(path string, locked os.FileInfo) bool {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	want := real + " (deleted)"
	self := strconv.Itoa(os.Getpid())
	var pids []string
	if changed(locked) > time.Now().Add(-recentChange).UnixNano() {
		procs, err := os.ReadDir("/proc")
		if err != nil {
			return false
		}
		for _, p := range procs {
			if c := p.Name()[0]; c >= '0' && c <= '9' {
				pids = append(pids, p.Name())
			}
		}
	} else {
		locks, err := os.ReadFile("/proc/locks")
		if err != nil {
			return false
		}
		// "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF", waiters
		// with "->" after the number; device major:minor in hex. Only
		// other files on the config's file system matter.
		dev, ino := devIno(locked)
		for _, line := range strings.Split(string(locks), "\n") {
			f := strings.Fields(strings.Replace(line, "->", "", 1))
			if len(f) < 6 || f[1] != "FLOCK" || f[3] != "WRITE" || slices.Contains(pids, f[4]) {
				continue
			}
			fdev, n, ok := lockDevIno(f[5])
			if !ok || n == ino || dev != "" && dev != fdev {
				continue
			}
			pids = append(pids, f[4])
		}
	}
	for _, pid := range pids {
		if pid == self {
			continue
		}
		fdDir := "/proc/" + pid + "/fd/"
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if l, err := os.Readlink(fdDir + fd.Name()); err == nil && l == want && openForWriting(pid, fd.Name()) {
				return true
			}
		}
	}
	return false
}

// lockDevIno parses /proc/locks' "08:01:5678" (major and minor in hex,
// inode in decimal) into devIno's form. (Not fmt.Sscanf: fmt's scanner
// would cost the router build about 40 KB.)
func lockDevIno(s string) (dev string, ino uint64, ok bool) {
	f := strings.Split(s, ":")
	if len(f) != 3 {
		return "", 0, false
	}
	maj, err1 := strconv.ParseUint(f[0], 16, 64)
	min, err2 := strconv.ParseUint(f[1], 16, 64)
	ino, err3 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return "", 0, false
	}
	return strconv.FormatUint(maj, 16) + ":" + strconv.FormatUint(min, 16), ino, true
}

// devIno gives a file's device as /proc/locks writes it ("8:1", major and
// minor in hex; "" if unknown) and its inode.
func devIno(st os.FileInfo) (string, uint64) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return "", 0
	}
	d := uint64(sys.Dev)
	maj := d>>8&0xfff | d>>32&^0xfff
	min := d&0xff | d>>12&^0xff
	return fmt.Sprintf("%x:%x", maj, min), sys.Ino
}

// openForWriting reads the access mode of a process's open file from
// /proc/PID/fdinfo/FD ("flags:" in octal).
func openForWriting(pid, fd string) bool {
	info, err := os.ReadFile("/proc/" + pid + "/fdinfo/" + fd)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(info), "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&(syscall.O_WRONLY|syscall.O_RDWR) != 0
		}
	}
	return false
}

// refreshReplaced writes the new contents ct over the file just replaced
// at its path, f, still locked by this process: a libuci commit waiting
// on that lock reads it next and so builds on them instead of the old
// contents. It is no longer linked, so a crash here harms nothing on
// disk; the contents are padded with newlines (blank lines to a parser)
// to at least the old length and written in one call, so no truncation
// is needed. The first from bytes, which old and ct share, are already
// there and not written again.
func refreshReplaced(f *os.File, old []byte, ct content, from int) {
	if st, err := f.Stat(); err != nil || st.Sys().(*syscall.Stat_t).Nlink != 0 {
		return // still linked elsewhere (a hard link): someone's file
	}
	var iov [][]byte
	off := 0
	for _, p := range ct.parts {
		if off+len(p) > from {
			iov = append(iov, p[max(from-off, 0):])
		}
		off += len(p)
	}
	if pad := len(old) - ct.n; pad > 0 {
		iov = append(iov, bytes.Repeat([]byte{'\n'}, pad))
	}
	if len(iov) > 0 {
		writeAt(f, iov, int64(from)) // best effort: a read-only file stays as it was
	}
}

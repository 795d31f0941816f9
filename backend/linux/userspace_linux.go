package linux

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SocketDir is where userspace WireGuard implementations put their UAPI
// sockets (<interface>.sock). It is shared by all network namespaces, so
// interface names must be unique across them.
const SocketDir = "/var/run/wireguard"

// userspaceTimeout bounds the wait for a started daemon's socket and link.
const userspaceTimeout = 5 * time.Second

func socketPath(iface string) string { return filepath.Join(SocketDir, iface+".sock") }

func userspaceBinary(s Spec) string {
	if s.Userspace != "" {
		return s.Userspace
	}
	if v := os.Getenv("WG_QUICK_USERSPACE_IMPLEMENTATION"); v != "" {
		return v
	}
	return DefaultUserspace
}

// startUserspace runs the userspace implementation as wg-quick does
// (`wireguard-go wg0`, which daemonises itself) and waits until its UAPI
// socket and link exist. It returns the daemon, found as the owner of the
// socket.
func (h *Host) startUserspace(ctx context.Context, s Spec) (*daemon, error) {
	bin := userspaceBinary(s)
	cmd := exec.CommandContext(ctx, bin, s.Interface)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The daemon may inherit our output if logging is on; do not wait for it.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil && !errors.Is(err, exec.ErrWaitDelay) {
		return nil, fmt.Errorf("starting %s %s: %w: %s", bin, s.Interface, err, lastLine(out.String()))
	}
	ok := wait(ctx, userspaceTimeout, func() bool {
		if _, err := os.Stat(socketPath(s.Interface)); err != nil {
			return false
		}
		_, err := h.nl.LinkByName(s.Interface)
		return err == nil
	})
	if !ok {
		return nil, fmt.Errorf("%s %s: no socket %s after %s", bin, s.Interface, socketPath(s.Interface), userspaceTimeout)
	}
	d := socketOwner(s.Interface)
	if d == nil {
		return nil, fmt.Errorf("%s %s: cannot find the process serving %s", bin, s.Interface, socketPath(s.Interface))
	}
	d.Binary = bin
	h.logf("created %s (userspace %s, pid %d)", s.Interface, bin, d.PID)
	return d, nil
}

// stopDaemon waits for d to exit after its link went away, then removes a
// left-over socket; a daemon still alive after a few seconds is killed.
func (h *Host) stopDaemon(ctx context.Context, iface string, d *daemon) error {
	gone := func() bool { return !d.alive() }
	if !wait(ctx, 2*time.Second, gone) {
		// Removing the socket is how wg-quick stops a userspace daemon.
		os.Remove(socketPath(iface))
		if !wait(ctx, 500*time.Millisecond, gone) {
			h.logf("killing %s (pid %d)", d.Binary, d.PID)
			d.signal(syscall.SIGTERM)
			if !wait(ctx, time.Second, gone) {
				d.signal(syscall.SIGKILL)
				if !wait(ctx, 2*time.Second, gone) {
					return fmt.Errorf("userspace daemon for %s (pid %d) does not exit", iface, d.PID)
				}
			}
		}
	}
	if err := os.Remove(socketPath(iface)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", socketPath(iface), err)
	}
	return nil
}

// alive reports whether the process is still running (a zombie is not).
func (d *daemon) alive() bool {
	start, state, err := procStat(d.PID)
	return err == nil && start == d.Start && state != "Z" && state != "X"
}

func (d *daemon) signal(sig syscall.Signal) {
	if d.alive() {
		syscall.Kill(d.PID, sig)
	}
}

// procStat returns the start time (field 22) and state (field 3) of pid.
func procStat(pid int) (start, state string, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", "", err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", "", fmt.Errorf("bad /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 20 {
		return "", "", fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return f[19], f[0], nil
}

// socketOwner finds the process listening on iface's UAPI socket: the
// socket's inode from /proc/thread-self/net/unix (this thread's network
// namespace), then the process holding it open. nil if none.
func socketOwner(iface string) *daemon {
	ino := socketInode(socketPath(iface))
	if ino == "" {
		return nil
	}
	target := "socket:[" + ino + "]"
	procs, _ := filepath.Glob("/proc/[0-9]*/fd")
	for _, dir := range procs {
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if l, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && l == target {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
				start, _, err := procStat(pid)
				if err != nil {
					return nil
				}
				return &daemon{PID: pid, Start: start}
			}
		}
	}
	return nil
}

func socketInode(path string) string {
	f, err := os.Open("/proc/thread-self/net/unix")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Num RefCount Protocol Flags Type St Inode Path
		fs := strings.Fields(sc.Text())
		if len(fs) == 8 && fs[7] == path && fs[3] == "00010000" {
			return fs[6]
		}
	}
	return ""
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

//go:build linux

package netnstests

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wghub/wghub/backend/linux"
)

// Prefix starts the name of every namespace the harness creates; the
// process id follows, so that concurrent test binaries never collide.
const Prefix = "wghub-"

// RoleEnv names the role a re-executed test binary plays (see Main).
const RoleEnv = "WGHUB_NETNS_ROLE"

var (
	pid     = os.Getpid()
	counter atomic.Int64

	mu sync.Mutex
	// ifaces maps a namespace to the WireGuard interfaces named for it,
	// whose sockets its cleanup removes.
	ifaces = map[string][]string{}
)

func next() int64 { return counter.Add(1) }

// nsPrefix is this process's namespace prefix.
func nsPrefix() string { return fmt.Sprintf("%s%d-", Prefix, pid) }

// ifPrefix is this process's WireGuard interface prefix ("w<pid>").
func ifPrefix() string { return fmt.Sprintf("w%d", pid) }

// RequireRoot skips the test unless it runs as root with a working `ip netns`.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
	if err := exec.Command("ip", "netns", "list").Run(); err != nil {
		t.Skipf("needs `ip netns`: %v", err)
	}
}

// NewNS creates a fresh, empty network namespace (loopback up) named
// wghub-<pid>-<n>-<role> and removes it, with every process in it and the
// sockets of its WireGuard interfaces, when the test ends.
func NewNS(t testing.TB, role string) string {
	t.Helper()
	name := fmt.Sprintf("%s%d-%s", nsPrefix(), next(), role)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() { DeleteNS(name) })
	MustRun(t, name, "ip", "link", "set", "lo", "up")
	// No duplicate address detection on links added later: a tentative
	// address gets its local route only when DAD ends, which would make
	// before/after snapshots race with it.
	MustRun(t, name, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad && echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad")
	return name
}

// DeleteNS kills every process in ns, deletes it and removes the sockets of
// the WireGuard interfaces named for it. It is NewNS's cleanup.
func DeleteNS(ns string) {
	kill := func(sig syscall.Signal) int {
		out, _ := exec.Command("ip", "netns", "pids", ns).Output()
		n := 0
		for _, f := range strings.Fields(string(out)) {
			var p int
			if _, err := fmt.Sscan(f, &p); err == nil && p > 1 && p != pid {
				syscall.Kill(p, sig)
				n++
			}
		}
		return n
	}
	if kill(syscall.SIGTERM) > 0 {
		for i := 0; i < 100 && kill(0) > 0; i++ {
			time.Sleep(20 * time.Millisecond)
		}
		kill(syscall.SIGKILL)
	}
	exec.Command("ip", "netns", "del", ns).Run()
	mu.Lock()
	names := ifaces[ns]
	delete(ifaces, ns)
	mu.Unlock()
	for _, n := range names {
		os.Remove(filepath.Join("/var/run/wireguard", n+".sock"))
		os.Remove(filepath.Join(linux.DefaultStateDir, n+".json"))
	}
}

// PIDs lists the processes in ns other than this one (whose thread may be
// in ns through EnterNS), as `ip netns pids` would, without running
// anything inside ns.
func PIDs(ns string) []int {
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join("/var/run/netns", ns), &st); err != nil {
		return nil
	}
	want := fmt.Sprintf("net:[%d]", st.Ino)
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, d := range dirs {
		var p int
		if _, err := fmt.Sscan(filepath.Base(d), &p); err != nil || p == pid {
			continue
		}
		if l, err := os.Readlink(filepath.Join(d, "ns/net")); err == nil && l == want {
			pids = append(pids, p)
		}
	}
	return pids
}

// Iface returns a WireGuard interface name unique across namespaces and
// concurrent test binaries ("w<pid><role><n>", role one letter), and has
// its UAPI socket and its default-place wghub state file removed with ns. The userspace sockets all live in one
// directory shared by every namespace, hence the uniqueness.
func Iface(ns string, role byte) string {
	n := fmt.Sprintf("%s%c%d", ifPrefix(), role, next())
	mu.Lock()
	ifaces[ns] = append(ifaces[ns], n)
	mu.Unlock()
	return n
}

// Run runs argv in ns (`ip netns exec`), bounded to 30 s, and returns its
// combined output.
func Run(ns string, argv ...string) (string, error) {
	return RunEnv(ns, nil, argv...)
}

// RunEnv is Run with extra environment variables ("K=V").
func RunEnv(ns string, env []string, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, argv...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s in %s: %w: %s", strings.Join(argv, " "), ns, err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// MustRun is Run, failing the test on error.
func MustRun(t testing.TB, ns string, argv ...string) string {
	t.Helper()
	out, err := Run(ns, argv...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Proc is a background process in a namespace.
type Proc struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Start starts argv in ns in the background; the process is killed when the
// test ends if still running. ready, if not "", is a line the process prints
// on stdout when ready; Start waits up to 10 s for it.
func Start(t testing.TB, ns string, env []string, ready string, argv ...string) *Proc {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...)
	cmd.Env = append(os.Environ(), env...)
	p := &Proc{cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.out
	var stdout io.ReadCloser
	if ready != "" {
		var err error
		if stdout, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
	} else {
		cmd.Stdout = p.out
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %v in %s: %v", argv, ns, err)
	}
	readyc := make(chan bool, 1)
	if stdout != nil {
		go func() {
			sc := bufio.NewScanner(stdout)
			seen := false
			for sc.Scan() {
				if !seen && sc.Text() == ready {
					seen = true
					readyc <- true
					continue
				}
				p.out.Write(append(sc.Bytes(), '\n'))
			}
			if !seen {
				readyc <- false
			}
		}()
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.Stop() })
	if stdout != nil {
		select {
		case ok := <-readyc:
			if !ok {
				<-p.done
				t.Fatalf("%v in %s exited before ready: %v: %s", argv, ns, p.err, p.out)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v in %s: not ready after 10s: %s", argv, ns, p.out)
		}
	}
	return p
}

// Stop kills the process (if running) and waits for it.
func (p *Proc) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
}

// Wait waits up to d for the process to exit and returns its error and
// output so far.
func (p *Proc) Wait(d time.Duration) (string, error) {
	select {
	case <-p.done:
		return p.out.String(), p.err
	case <-time.After(d):
		return p.out.String(), fmt.Errorf("still running after %s", d)
	}
}

// Output is what the process printed so far (stderr, and stdout after the
// ready line).
func (p *Proc) Output() string { return p.out.String() }

// EnterNS moves the calling goroutine, locked to its OS thread, into the
// named namespace, and returns the function that moves it back and unlocks
// it (call it on the same goroutine, typically deferred). Processes
// started from the goroutine meanwhile inherit the namespace.
func EnterNS(t testing.TB, ns string) (restore func()) {
	t.Helper()
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	target, err := os.Open(filepath.Join("/var/run/netns", ns))
	if err != nil {
		orig.Close()
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer target.Close()
	if err := setns(target); err != nil {
		orig.Close()
		runtime.UnlockOSThread()
		t.Fatalf("entering %s: %v", ns, err)
	}
	return func() {
		defer orig.Close()
		if err := setns(orig); err != nil {
			// Leave the thread locked: the runtime discards it when the
			// goroutine ends, instead of reusing a thread in ns.
			t.Errorf("leaving %s: %v", ns, err)
			return
		}
		runtime.UnlockOSThread()
	}
}

func setns(f *os.File) error {
	_, _, e := syscall.RawSyscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Leftovers lists what this process's tests left behind: namespaces named
// with its prefix, and userspace WireGuard sockets and wghub state files
// (in linux.DefaultStateDir) of its interfaces.
func Leftovers() []string {
	var left []string
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], nsPrefix()) {
			left = append(left, "namespace "+f[0])
		}
	}
	socks, _ := filepath.Glob(filepath.Join("/var/run/wireguard", ifPrefix()+"*.sock"))
	states, _ := filepath.Glob(filepath.Join(linux.DefaultStateDir, ifPrefix()+"*.json"))
	for _, s := range append(socks, states...) {
		b := strings.TrimPrefix(filepath.Base(s), ifPrefix())
		if b != "" && b[0] >= 'a' && b[0] <= 'z' {
			left = append(left, "file "+s)
		}
	}
	return left
}

var counters = regexp.MustCompile(`\[\d+:\d+\]`)

// Snapshot is the state of ns that Down must restore: the rules of both
// families as save and save6 (the iptables-save commands of the backend in
// use) print them, comments and counters dropped; routes of all tables;
// addresses; forwarding sysctls.
func Snapshot(t testing.TB, ns, save, save6 string) string {
	t.Helper()
	var b strings.Builder
	for _, argv := range [][]string{
		{save}, {save6},
		{"ip", "-4", "route", "show", "table", "all"},
		{"ip", "-6", "route", "show", "table", "all"},
		{"ip", "addr"},
		{"cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"},
	} {
		fmt.Fprintf(&b, "$ %s\n", strings.Join(argv, " "))
		for _, l := range strings.Split(MustRun(t, ns, argv...), "\n") {
			if strings.HasPrefix(l, "#") {
				continue
			}
			// DAD state of the veths' link-local addresses changes on its own.
			l = strings.Replace(l, " tentative", "", 1)
			b.WriteString(counters.ReplaceAllString(l, "[0:0]") + "\n")
		}
	}
	return b.String()
}

// LineDiff shows lines only in a ("-") or only in b ("+").
func LineDiff(a, b string) string {
	in := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(s, "\n") {
			m[l]++
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out strings.Builder
	for _, l := range strings.Split(a, "\n") {
		if mb[l] < ma[l] {
			fmt.Fprintf(&out, "-%s\n", l)
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if ma[l] < mb[l] {
			fmt.Fprintf(&out, "+%s\n", l)
		}
	}
	return out.String()
}

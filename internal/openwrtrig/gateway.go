//go:build linux

package openwrtrig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	netnstests "github.com/wghub/wghub/netns-tests"
)

// Addresses of the rig. WAN addresses are TEST-NET-3; everything lives
// only inside the rig's namespaces.
const (
	WANAddr   = "203.0.113.1"  // the gateway on the WAN (device WANDevice)
	ExtAddr   = "203.0.113.10" // the external host Ext
	LANAddr   = "192.168.1.1"  // the gateway on the LAN (stock lan address)
	LANHost   = "192.168.1.20" // the LAN host, which has no route to anything beyond the LAN
	WANNet    = "203.0.113.0/24"
	LANNet    = "192.168.1.0/24"
	WANDevice = "wan"  // the gateway's WAN device, as in the stock config
	LANDevice = "lan1" // the gateway's LAN device: a veth, not a bridge (see package doc)
)

// Handler is a generation of netifd's WireGuard proto handler
// (OpenWrt's wireguard-tools/files/wireguard.sh).
type Handler string

const (
	// Setconf deletes and re-adds the link on every setup and loads it
	// with `wg setconf` (OpenWrt 24.10 and earlier).
	Setconf Handler = "setconf"
	// Syncconf keeps the link, applies `wg syncconf` and has a renew
	// handler; it reads the PSK from peer_psk and joins allowed_ips with
	// only the first space replaced (newer OpenWrt).
	Syncconf Handler = "syncconf"
)

// Login is an rpcd login of the rig (/etc/config/rpcd).
type Login struct{ User, Password string }

// The rig's rpcd logins.
var (
	// Root may read and write everything (list read/write '*').
	Root = Login{"root", "rig-root"}
	// ReadOnly has the read half of unauthenticated, luci-base and
	// luci-app-wghub: what LuCI needs to show the page, nothing to change.
	ReadOnly = Login{"viewer", "rig-viewer"}
	// ReadWrite has read and write of the same groups.
	ReadWrite = Login{"operator", "rig-operator"}
)

// Options configure a Gateway.
type Options struct {
	// Handler is the WireGuard proto handler generation; "" is Setconf.
	Handler Handler
	// Wghub is the wghub binary installed as /usr/sbin/wghub; "" builds
	// cmd/wghub into the test's temporary directory.
	Wghub string
}

// Gateway is an OpenWrt router with a WAN host and a LAN host, each in its
// own network namespace (see the package doc).
type Gateway struct {
	// GW is the router's network namespace, SW the WAN switch's (bridge
	// br-wan), Ext the external host's (eth0, ExtAddr) and LAN the LAN
	// host's (eth0, LANHost).
	GW, SW, Ext, LAN string
	// Prefix is the userland prefix (scripts/userland.sh) the rig runs.
	Prefix  string
	Handler Handler

	t   testing.TB
	pid int // the mount namespace's holder, whose root is the router's /

	mu      sync.Mutex
	daemons map[string]*daemon
	hosts   int
}

// New starts a gateway: namespaces, the router's file system, ubusd, rpcd,
// firewall4, netifd (lan and wan up) and uhttpd. Everything is removed when
// the test ends.
func New(t testing.TB, opt Options) *Gateway {
	t.Helper()
	netnstests.RequireRoot(t)
	prefix := userlandPrefix(t)
	if opt.Handler == "" {
		opt.Handler = Setconf
	}
	if opt.Handler != Setconf && opt.Handler != Syncconf {
		t.Fatalf("openwrtrig: unknown handler %q", opt.Handler)
	}
	bin := opt.Wghub
	if bin == "" {
		bin = buildWghub(t)
	}
	g := &Gateway{Prefix: prefix, Handler: opt.Handler, t: t, daemons: map[string]*daemon{}}
	g.network(t)
	g.startHolder(t)
	t.Cleanup(g.stopDaemons)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("openwrtrig: gateway logs:\n%s", g.Logs())
		}
	})
	g.install(t, bin)
	g.boot(t)
	return g
}

func buildWghub(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wghub")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/wghub/wghub/cmd/wghub").CombinedOutput()
	if err != nil {
		t.Fatalf("openwrtrig: building wghub: %v\n%s", err, out)
	}
	return bin
}

// network creates the namespaces and links: br-wan in SW joins the
// router's WAN device and Ext; the router's LAN device is a veth to LAN.
func (g *Gateway) network(t testing.TB) {
	t.Helper()
	g.SW = netnstests.NewNS(t, "owsw")
	g.GW = netnstests.NewNS(t, "owgw")
	g.Ext = netnstests.NewNS(t, "owext")
	g.LAN = netnstests.NewNS(t, "owlan")
	netnstests.MustRun(t, g.SW, "sh", "-c", "ip link add br-wan type bridge && ip link set br-wan up")
	g.plug(t, g.GW, WANDevice, "gw", "")
	g.plug(t, g.Ext, "eth0", "ext", ExtAddr+"/24")
	netnstests.MustRun(t, g.GW, "ip", "link", "add", LANDevice, "type", "veth", "peer", "name", "eth0", "netns", g.LAN)
	netnstests.MustRun(t, g.LAN, "sh", "-c", "ip addr add "+LANHost+"/24 dev eth0 && ip link set eth0 up")
}

// plug connects dev in ns to br-wan (port name port in SW), with addr if set.
func (g *Gateway) plug(t testing.TB, ns, dev, port, addr string) {
	t.Helper()
	netnstests.MustRun(t, g.SW, "sh", "-c", fmt.Sprintf(
		"ip link add %s type veth peer name %s netns %s && ip link set %s master br-wan up", port, dev, ns, port))
	if addr != "" {
		netnstests.MustRun(t, ns, "sh", "-c", fmt.Sprintf("ip addr add %s dev %s && ip link set %s up", addr, dev, dev))
	}
}

// AddWANHost adds a host with address addr (in WANNet) on the WAN switch
// and returns its namespace; its device is eth0.
func (g *Gateway) AddWANHost(t testing.TB, addr string) string {
	t.Helper()
	g.mu.Lock()
	g.hosts++
	n := g.hosts
	g.mu.Unlock()
	ns := netnstests.NewNS(t, "owwan")
	g.plug(t, ns, "eth0", fmt.Sprintf("host%d", n), addr+"/24")
	return ns
}

// rootMarker exists only in the router's root.
const rootMarker = "/.openwrtrig-root"

// holderScript makes the router's file system in a private mount
// namespace and then holds it (and the namespace) as a sleeping process
// chrooted into it: a tmpfs at $1 carries an overlay of the host's / and
// one of the userland prefix $2 (so nothing the rig writes reaches the
// host), fresh /proc, /sys (of the router's network namespace), /tmp,
// /run and /dev/shm.
const holderScript = `set -e
base=$1 prefix=$2
# Drop this namespace's copies of the named network namespaces' mounts:
# held here, they would keep ip netns del from removing any namespace of
# the machine while the rig runs.
umount -l /run/netns 2>/dev/null || true
mount -t tmpfs -o mode=0755 openwrtrig "$base"
mkdir -p "$base/root" "$base/upper/root" "$base/work/root" "$base/upper/prefix" "$base/work/prefix"
mount -t overlay openwrtrig -o "lowerdir=/,upperdir=$base/upper/root,workdir=$base/work/root" "$base/root"
r=$base/root
mount -t proc proc "$r/proc"
mount -t sysfs sysfs "$r/sys"
mount --rbind /dev "$r/dev"
mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
mount -t tmpfs -o mode=1777 tmp "$r/tmp"
mount -t tmpfs -o mode=0755 run "$r/run"
mkdir -p "$r$prefix"
mount -t overlay openwrtrig -o "lowerdir=$prefix,upperdir=$base/upper/prefix,workdir=$base/work/prefix" "$r$prefix"
touch "$r/.openwrtrig-root"
cd "$r"
echo "pid $$"
# "ready" only once chrooted: the rig enters this process's root.
exec chroot . sh -c 'echo ready; exec sleep infinity'
`

func (g *Gateway) startHolder(t testing.TB) {
	t.Helper()
	base := t.TempDir()
	p := netnstests.Start(t, g.GW, nil, "ready", "unshare", "--mount", "--propagation", "private",
		"sh", "-c", holderScript, "holder", base, g.Prefix)
	for _, l := range strings.Split(p.Output(), "\n") {
		if s, ok := strings.CutPrefix(l, "pid "); ok {
			g.pid, _ = strconv.Atoi(s)
		}
	}
	if g.pid == 0 {
		t.Fatalf("openwrtrig: holder did not report its pid: %s", p.Output())
	}
	// Everything the rig writes goes through this root: make sure it is
	// the router's, never the host's.
	if _, err := os.Stat(g.Path(rootMarker)); err != nil {
		t.Fatalf("openwrtrig: the holder's root is not the router's: %v", err)
	}
}

// Path is where the router's path p is seen from the host (through the
// holder's /proc/PID/root). Paths through Debian's top-level symlinks are
// rewritten to their targets, since an absolute link would resolve on the
// host.
func (g *Gateway) Path(p string) string {
	p = filepath.Clean("/" + p)
	for _, m := range [][2]string{{"/var/run", "/run"}, {"/bin", "/usr/bin"}, {"/sbin", "/usr/sbin"}, {"/lib", "/usr/lib"}, {"/lib64", "/usr/lib64"}} {
		if p == m[0] || strings.HasPrefix(p, m[0]+"/") {
			p = m[1] + p[len(m[0]):]
			break
		}
	}
	return fmt.Sprintf("/proc/%d/root%s", g.pid, p)
}

// ReadFile reads a file of the router.
func (g *Gateway) ReadFile(p string) ([]byte, error) { return os.ReadFile(g.Path(p)) }

// WriteFile writes a file of the router, creating its directories.
func (g *Gateway) WriteFile(p string, data []byte, mode os.FileMode) error {
	hp := g.Path(p)
	if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
		return err
	}
	// Never write through a link (the stock /usr/sbin/ip is one):
	// replace it.
	if st, err := os.Lstat(hp); err == nil && st.Mode()&os.ModeSymlink != 0 {
		if err := os.Remove(hp); err != nil {
			return err
		}
	}
	if err := os.WriteFile(hp, data, mode); err != nil {
		return err
	}
	return os.Chmod(hp, mode)
}

// Env is the environment of every process the rig runs in the router.
var Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8", "TZ=UTC"}

// Command is a command run in the router: its network and mount
// namespaces, chrooted to its root, with Env.
func (g *Gateway) Command(argv ...string) *exec.Cmd {
	args := append([]string{"-t", strconv.Itoa(g.pid), "-m", "-n", "-r", "-w", "--", "/usr/bin/env", "-i"}, Env...)
	return exec.Command("nsenter", append(args, argv...)...)
}

// NetCommand is a command run in the router's network namespace only, on
// the host's file system: a browser started this way reaches LuCI at URL().
func (g *Gateway) NetCommand(argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", g.GW}, argv...)...)
}

// ExecError is a command of the rig that failed.
type ExecError struct {
	Argv   []string
	Err    error
	Output string
}

func (e *ExecError) Error() string {
	return fmt.Sprintf("%s: %v: %s", strings.Join(e.Argv, " "), e.Err, strings.TrimSpace(e.Output))
}

func (e *ExecError) Unwrap() error { return e.Err }

// Exec runs argv in the router (see Command), bounded to a minute, and
// returns its combined output.
func (g *Gateway) Exec(argv ...string) (string, error) {
	return g.ExecInput(nil, argv...)
}

// ExecInput is Exec with stdin.
func (g *Gateway) ExecInput(stdin []byte, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := g.Command(argv...)
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	cmd.WaitDelay = time.Second
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), &ExecError{Argv: argv, Err: err, Output: string(out)}
	}
	return string(out), nil
}

// MustExec is Exec, failing the test on error.
func (g *Gateway) MustExec(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := g.Exec(argv...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Ubus runs the real ubus CLI in the router as root (no ACL applies).
func (g *Gateway) Ubus(args ...string) (string, error) {
	return g.Exec(append([]string{"ubus"}, args...)...)
}

// UCI runs the real uci CLI in the router.
func (g *Gateway) UCI(args ...string) (string, error) {
	return g.Exec(append([]string{"uci"}, args...)...)
}

// Wghub runs the installed /usr/sbin/wghub in the router as root.
func (g *Gateway) Wghub(args ...string) (string, error) {
	return g.Exec(append([]string{"/usr/sbin/wghub"}, args...)...)
}

// Ping pings dst from namespace ns: count requests, all answered within
// deadline seconds.
func (g *Gateway) Ping(ns, dst string, count, deadline int) error {
	return netnstests.Ping(ns, dst, count, deadline)
}

// daemon is a long-running process of the router.
type daemon struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDaemon starts argv in the router under name; its output is kept
// for Logs.
func (g *Gateway) startDaemon(t testing.TB, name string, argv ...string) {
	t.Helper()
	d := &daemon{cmd: g.Command(argv...), out: &syncBuffer{}, done: make(chan struct{})}
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("openwrtrig: starting %s: %v", name, err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.done) }()
	g.mu.Lock()
	if old := g.daemons[name]; old != nil {
		fmt.Fprintf(d.out, "(earlier run)\n%s(restarted)\n", old.out)
	}
	g.daemons[name] = d
	g.mu.Unlock()
}

// stopDaemon sends SIGTERM to the named daemon and waits for it to exit
// (SIGKILL after 10 s).
func (g *Gateway) stopDaemon(name string) {
	g.mu.Lock()
	d := g.daemons[name]
	g.mu.Unlock()
	if d == nil {
		return
	}
	// nsenter and env exec the daemon: the process started is the daemon.
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
	}
}

func (g *Gateway) stopDaemons() {
	for _, n := range []string{"uhttpd", "netifd", "rpcd", "procd-system", "ubusd"} {
		g.stopDaemon(n)
	}
}

// Logs is the output of the router's daemons and the logs the stand-ins
// keep (hotplug events, wireguard-go), for failure messages.
func (g *Gateway) Logs() string {
	var b strings.Builder
	g.mu.Lock()
	names := make([]string, 0, len(g.daemons))
	for n := range g.daemons {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "--- %s\n%s", n, g.daemons[n].out)
	}
	g.mu.Unlock()
	for _, f := range []string{"/tmp/hotplug.log", "/tmp/wireguard-go.log"} {
		if data, err := g.ReadFile(f); err == nil {
			fmt.Fprintf(&b, "--- %s\n%s", f, data)
		}
	}
	return b.String()
}

// waitFor polls ok until it returns nil, failing the test with its last
// error after a minute: readiness of daemons, never a timing assertion.
func waitFor(t testing.TB, what string, ok func() error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		err := ok()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("openwrtrig: %s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// boot starts the router's services in OpenWrt's order: the boot
// stand-in (sysctl, uci-defaults), ubusd, rpcd, the firewall, netifd,
// uhttpd.
func (g *Gateway) boot(t testing.TB) {
	t.Helper()
	g.MustExec(t, bootPath)
	g.startDaemon(t, "ubusd", "ubusd")
	waitFor(t, "ubusd's socket", func() error {
		_, err := os.Stat(g.Path("/var/run/ubus/ubus.sock"))
		return err
	})
	g.startDaemon(t, "procd-system", "ucode", standinSystemPath)
	waitFor(t, "the system object", func() error {
		_, err := g.Ubus("-t", "1", "list", "system")
		return err
	})
	g.startDaemon(t, "rpcd", "rpcd", "-t", "30")
	waitFor(t, "rpcd's session object", func() error {
		_, err := g.Ubus("-t", "1", "list", "session")
		return err
	})
	g.MustExec(t, "/etc/init.d/firewall", "start")
	g.startNetifd(t)
	g.startDaemon(t, "uhttpd", "uhttpd", "-f", "-h", "/www", "-r", "OpenWrt", "-x", "/cgi-bin", "-u", "/ubus",
		"-t", "60", "-T", "30", "-k", "20", "-A", "1", "-n", "3", "-N", "100", "-R",
		"-p", "0.0.0.0:80", "-p", "[::]:80", "-o", "/cgi-bin/luci", "-O", "/usr/share/ucode/luci/uhttpd.uc")
	waitFor(t, "uhttpd", func() error {
		c, err := g.dial("tcp", "127.0.0.1:80")
		if err == nil {
			c.Close()
		}
		return err
	})
	g.Settle(t)
}

func (g *Gateway) startNetifd(t testing.TB) {
	t.Helper()
	g.startDaemon(t, "netifd", "netifd", "-S")
	for _, iface := range []string{"lan", "wan"} {
		waitFor(t, "netifd: interface "+iface+" up", func() error { return g.ifaceUp(iface) })
	}
}

// ifaceUp reports whether netifd has interface up.
func (g *Gateway) ifaceUp(iface string) error {
	var st struct {
		Up bool `json:"up"`
	}
	if err := g.UbusCall("network.interface."+iface, "status", nil, &st); err != nil {
		return err
	}
	if !st.Up {
		return fmt.Errorf("interface %s is not up", iface)
	}
	return nil
}

// WaitUp waits until netifd reports interface iface up.
func (g *Gateway) WaitUp(t testing.TB, iface string) {
	t.Helper()
	waitFor(t, "interface "+iface+" up", func() error { return g.ifaceUp(iface) })
}

// RestartNetifd stops netifd, removes the WireGuard links it left (netifd
// leaves them on exit; after a reboot they are gone) and starts it again,
// as at boot; it returns when lan and wan are up.
func (g *Gateway) RestartNetifd(t testing.TB) {
	t.Helper()
	g.stopDaemon("netifd")
	out := g.MustExec(t, "ip", "-o", "link", "show", "type", "tun")
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			dev := strings.TrimSuffix(strings.SplitN(f[1], "@", 2)[0], ":")
			g.MustExec(t, "ip", "link", "del", "dev", dev)
			waitFor(t, "wireguard-go for "+dev+" to exit", func() error {
				if _, err := os.Stat(g.Path("/var/run/wireguard/" + dev + ".sock")); err == nil {
					return errors.New("socket still there")
				}
				return nil
			})
		}
	}
	g.startNetifd(t)
}

// busy are the processes whose presence means the router is still
// reacting to an event (hotplug scripts, firewall reloads, proto handlers).
var busy = []string{"hotplug-call", "fw4", "utpl", "nft", "wireguard.sh", "/lib/netifd/proto/"}

// Settle waits until no hotplug script, firewall reload or proto handler
// has run in the router for a while, so that snapshots do not race them.
func (g *Gateway) Settle(t testing.TB) {
	t.Helper()
	quiet := 0
	waitFor(t, "the router to settle", func() error {
		if p := g.busyProcess(); p != "" {
			quiet = 0
			return fmt.Errorf("still running: %s", p)
		}
		quiet++
		if quiet < 10 {
			return errors.New("not quiet long enough")
		}
		return nil
	})
}

func (g *Gateway) busyProcess() string {
	for _, p := range netnstests.PIDs(g.GW) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		if err != nil {
			continue
		}
		cmd := strings.ReplaceAll(string(b), "\x00", " ")
		for _, s := range busy {
			if strings.Contains(cmd, s) {
				return cmd
			}
		}
	}
	return ""
}

// Peers reads the peers of the router's WireGuard interface iface by
// public key (`wg show IFACE dump`, run in the router, where its userspace
// socket is).
func (g *Gateway) Peers(t testing.TB, iface string) map[string]netnstests.PeerStat {
	t.Helper()
	out := g.MustExec(t, "wg", "show", iface, "dump")
	m := map[string]netnstests.PeerStat{}
	for i, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(l, "\t")
		if i == 0 || len(f) < 8 {
			continue
		}
		n := func(s string) int64 { v, _ := strconv.ParseInt(s, 10, 64); return v }
		m[f[0]] = netnstests.PeerStat{Handshake: n(f[4]), RX: n(f[5]), TX: n(f[6])}
	}
	return m
}

// UpWithin waits up to d for netifd to report iface up and returns the
// last error if it does not: for interfaces a test expects may fail.
func (g *Gateway) UpWithin(iface string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		err := g.ifaceUp(iface)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// routerOnly are paths the rig creates in the router that a Debian host
// does not have: seeing one appear on the host means the rig wrote there.
var routerOnly = []string{rootMarker, "/etc/config", "/etc/rc.common", "/etc/openwrt_release", "/etc/uci-defaults",
	"/etc/hotplug.d", "/www", "/usr/share/rpcd", "/usr/libexec/rpcd", "/usr/share/ucode", "/usr/lib/ucode",
	"/usr/lib/netifd", "/usr/share/libubox", bootPath}

// HostGuard records which of the router's own paths exist on the host
// now; the function it returns lists those that appeared since. A test
// binary runs it around its tests (the rig must never write to the host).
func HostGuard() func() []string {
	had := map[string]bool{}
	for _, p := range routerOnly {
		if _, err := os.Lstat(p); err == nil {
			had[p] = true
		}
	}
	return func() []string {
		var leaked []string
		for _, p := range routerOnly {
			if _, err := os.Lstat(p); err == nil && !had[p] {
				leaked = append(leaked, p)
			}
		}
		return leaked
	}
}

// LANCommand is a command run on the LAN host (its network namespace, the
// host's file system): a browser there reaches LuCI at http://192.168.1.1/
// as an owner's would.
func (g *Gateway) LANCommand(argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", g.LAN}, argv...)...)
}

//go:build linux

package netnstests

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/backend/linux"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Addresses of the topology. WAN addresses are TEST-NET-3; everything lives
// only inside the test's namespaces.
const (
	HubWAN     = "203.0.113.1"
	ExtWAN     = "203.0.113.10"
	Ext2WAN    = "203.0.113.11"
	WANOnlyWAN = "203.0.113.20"
	HubLAN     = "192.168.1.1"
	LAN1       = "192.168.1.20"
	LAN2       = "192.168.1.30"
	HubVPN     = "192.168.100.1"
	ExtVPN     = "192.168.100.10"
	Ext2VPN    = "192.168.100.11"
	// ServerPort is where Serve listens on lan1 and lan2.
	ServerPort = 7000
	// HubPort is the hub's WireGuard listen port.
	HubPort = 51820
	// WANDev and LANDev are the hub's devices towards the WAN and the LAN.
	WANDev = "wan0"
	LANDev = "lan0"
)

// Fixed subnets of the topology.
var (
	VPNNet = netip.MustParsePrefix("192.168.100.0/24")
	LANNet = netip.MustParsePrefix("192.168.1.0/24")
)

// Topology is the design's network: a WAN segment (bridge in namespace SW)
// with ext, ext2, wanonly and the hub; a LAN segment with the hub (.1),
// lan1 (.20) and lan2 (.30). LAN hosts have no route to the VPN: only the
// hub's masquerade lets them answer. The hub's firewall starts with a few
// unrelated rules, as a real host's would.
type Topology struct {
	SW, Ext, Ext2, WANOnly, Hub, LAN1, LAN2 string // namespace names
	HubIf, ExtIf, Ext2If                    string // WireGuard interfaces
	HubKey, ExtKey, Ext2Key                 wgtypes.Key
	// Dir is a per-test directory (keys, state, driver spec).
	Dir string
}

// NewTopology builds the topology; everything is removed when the test ends.
func NewTopology(t testing.TB) *Topology {
	t.Helper()
	RequireRoot(t)
	tp := &Topology{Dir: t.TempDir()}
	tp.SW = NewNS(t, "sw")
	tp.Ext = NewNS(t, "ext")
	tp.Ext2 = NewNS(t, "ext2")
	tp.WANOnly = NewNS(t, "wanonly")
	tp.Hub = NewNS(t, "hub")
	tp.LAN1 = NewNS(t, "lan1")
	tp.LAN2 = NewNS(t, "lan2")
	tp.HubIf = Iface(tp.Hub, 'h')
	tp.ExtIf = Iface(tp.Ext, 'e')
	tp.Ext2If = Iface(tp.Ext2, 'f')
	for _, k := range []*wgtypes.Key{&tp.HubKey, &tp.ExtKey, &tp.Ext2Key} {
		var err error
		if *k, err = wgtypes.GeneratePrivateKey(); err != nil {
			t.Fatal(err)
		}
	}
	sw := func(argv ...string) { MustRun(t, tp.SW, argv...) }
	sw("ip", "link", "add", "br-wan", "type", "bridge")
	sw("ip", "link", "add", "br-lan", "type", "bridge")
	sw("ip", "link", "set", "br-wan", "up")
	sw("ip", "link", "set", "br-lan", "up")
	type port struct {
		ns, dev, bridge, addr, swName string
	}
	for _, p := range []port{
		{tp.Ext, "eth0", "br-wan", ExtWAN + "/24", "ext"},
		{tp.Ext2, "eth0", "br-wan", Ext2WAN + "/24", "ext2"},
		{tp.WANOnly, "eth0", "br-wan", WANOnlyWAN + "/24", "wanonly"},
		{tp.Hub, WANDev, "br-wan", HubWAN + "/24", "hub-wan"},
		{tp.Hub, LANDev, "br-lan", HubLAN + "/24", "hub-lan"},
		{tp.LAN1, "eth0", "br-lan", LAN1 + "/24", "lan1"},
		{tp.LAN2, "eth0", "br-lan", LAN2 + "/24", "lan2"},
	} {
		sw("ip", "link", "add", p.swName, "type", "veth", "peer", "name", p.dev, "netns", p.ns)
		sw("ip", "link", "set", p.swName, "master", p.bridge, "up")
		MustRun(t, p.ns, "ip", "addr", "add", p.addr, "dev", p.dev)
		MustRun(t, p.ns, "ip", "link", "set", p.dev, "up")
	}
	// Unrelated rules a real hub would already have, in both families and
	// both iptables backends: Up must insert before them and Down must
	// leave them exactly as they were.
	for _, bin := range []string{"iptables", "iptables-legacy"} {
		MustRun(t, tp.Hub, bin, "-A", "FORWARD", "-i", LANDev, "-o", WANDev, "-m", "comment", "--comment", "preexisting", "-j", "ACCEPT")
		MustRun(t, tp.Hub, bin, "-t", "nat", "-A", "POSTROUTING", "-s", "198.51.100.0/24", "-o", WANDev, "-j", "MASQUERADE")
	}
	for _, bin := range []string{"ip6tables", "ip6tables-legacy"} {
		MustRun(t, tp.Hub, bin, "-A", "FORWARD", "-i", LANDev, "-o", WANDev, "-j", "ACCEPT")
		MustRun(t, tp.Hub, bin, "-t", "nat", "-A", "POSTROUTING", "-s", "2001:db8::/32", "-o", WANDev, "-j", "MASQUERADE")
	}
	return tp
}

// Ping pings dst from ns: count echo requests, all of which must be
// answered within deadline seconds in total; extra goes before dst (e.g.
// "-I", addr).
func Ping(ns, dst string, count, deadline int, extra ...string) error {
	argv := append([]string{"ping", "-n", "-q", "-c", strconv.Itoa(count), "-i", "0.2", "-w", strconv.Itoa(deadline)}, extra...)
	_, err := Run(ns, append(argv, dst)...)
	return err
}

// Serve starts the "who are you" / sink TCP server on ns at addr:ServerPort.
func Serve(t testing.TB, ns, addr string) {
	t.Helper()
	Start(t, ns, []string{RoleEnv + "=serve"}, "ready", self(), fmt.Sprintf("%s:%d", addr, ServerPort))
}

// Who connects from ns to addr:ServerPort within timeout and returns the
// client address the server saw.
func Who(ns, addr string, timeout time.Duration) (netip.AddrPort, error) {
	out, err := RunEnv(ns, []string{RoleEnv + "=dial"}, self(), fmt.Sprintf("%s:%d", addr, ServerPort), timeout.String())
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.ParseAddrPort(strings.TrimSpace(out))
}

// WhoUDP sends datagrams from ns to addr:ServerPort until one is answered
// within timeout and returns the client address the server saw.
func WhoUDP(ns, addr string, timeout time.Duration) (netip.AddrPort, error) {
	out, err := RunEnv(ns, []string{RoleEnv + "=udp"}, self(), fmt.Sprintf("%s:%d", addr, ServerPort), timeout.String())
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.ParseAddrPort(strings.TrimSpace(out))
}

// Resolve looks name up from ns at server's port 53 over network ("udp"
// or "tcp") within timeout and returns the addresses.
func Resolve(ns, server, name, network string, timeout time.Duration) (string, error) {
	out, err := RunEnv(ns, []string{RoleEnv + "=dns"}, self(), server, name, network, timeout.String())
	return strings.TrimSpace(out), err
}

// Stream sends a TCP stream from ns to addr:ServerPort for d and returns
// the rate the server received, in Mbit/s.
func Stream(ns, addr string, d time.Duration) (float64, error) {
	out, err := RunEnv(ns, []string{RoleEnv + "=dial"}, self(), fmt.Sprintf("%s:%d", addr, ServerPort), "5s", d.String())
	if err != nil {
		return 0, err
	}
	var n int64
	var secs float64
	if _, err := fmt.Sscan(out, &n, &secs); err != nil {
		return 0, fmt.Errorf("stream output %q: %w", out, err)
	}
	return float64(n) * 8 / secs / 1e6, nil
}

// StartPeer brings up an external host's WireGuard (userspace, `wg set`):
// key, the hub as its one peer at HubWAN:HubPort with the VPN and LAN as
// allowed IPs, its VPN address, and a route to the LAN via the tunnel.
func (tp *Topology) StartPeer(t testing.TB, hubPub wgtypes.Key, ns, iface string, key wgtypes.Key, addr string) {
	t.Helper()
	kf := filepath.Join(tp.Dir, iface+".key")
	if err := os.WriteFile(kf, []byte(key.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	MustRun(t, ns, "wireguard-go", iface)
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join("/var/run/wireguard", iface+".sock")); err == nil {
			break
		}
		if i == 500 {
			t.Fatalf("wireguard-go %s: no socket", iface)
		}
		time.Sleep(10 * time.Millisecond)
	}
	MustRun(t, ns, "wg", "set", iface, "private-key", kf, "peer", hubPub.String(),
		"endpoint", fmt.Sprintf("%s:%d", HubWAN, HubPort), "allowed-ips", VPNNet.String()+","+LANNet.String())
	MustRun(t, ns, "ip", "addr", "add", addr+"/24", "dev", iface)
	MustRun(t, ns, "ip", "link", "set", iface, "up")
	MustRun(t, ns, "ip", "route", "add", LANNet.String(), "dev", iface)
}

// StartPeers starts ext and ext2 with hubPub as their peer.
func (tp *Topology) StartPeers(t testing.TB, hubPub wgtypes.Key) {
	t.Helper()
	tp.StartPeer(t, hubPub, tp.Ext, tp.ExtIf, tp.ExtKey, ExtVPN)
	tp.StartPeer(t, hubPub, tp.Ext2, tp.Ext2If, tp.Ext2Key, Ext2VPN)
}

// PeerStat is one peer as `wg show IFACE dump` reports it.
type PeerStat struct {
	Handshake int64 // unix seconds, 0 never
	RX, TX    int64
}

// Peers reads the peers of iface in ns by public key, through `wg`, so that
// it works whatever configured the interface.
func Peers(t testing.TB, ns, iface string) map[string]PeerStat {
	t.Helper()
	out := MustRun(t, ns, "wg", "show", iface, "dump")
	m := map[string]PeerStat{}
	for i, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(l, "\t")
		if i == 0 || len(f) < 8 {
			continue
		}
		m[f[0]] = PeerStat{Handshake: atoi(f[4]), RX: atoi(f[5]), TX: atoi(f[6])}
	}
	return m
}

// HubConfig is what a test asks of the hub, whatever drives it.
type HubConfig struct {
	// VPN6 and LAN6, when valid, add an IPv6 VPN subnet (the hub takes
	// its ::1) and an IPv6 LAN subnet.
	VPN6, LAN6 netip.Prefix
	// Legacy runs the hub with iptables-legacy (by PATH: see LegacyEnv).
	Legacy bool
	// OnlyExt makes ext the only initial peer (default: ext and ext2).
	OnlyExt bool
}

// Hub is the hub under test, as the tests drive it. DriverHub calls package
// linux through the re-executed test binary; CLIHub runs the wghub binary.
// Switching a test between them is changing its constructor.
type Hub interface {
	// Up sets the hub up with ext (and ext2) as peers.
	Up(t testing.TB)
	// Down stops it.
	Down(t testing.TB)
	// AddPeer adds a peer live (name for CLIs that name peers).
	AddPeer(t testing.TB, name string, pub wgtypes.Key, ip netip.Addr)
	// RemovePeer removes a peer live.
	RemovePeer(t testing.TB, name string, pub wgtypes.Key)
	// PublicKey is the hub's public key (known after Up).
	PublicKey(t testing.TB) wgtypes.Key
}

// LegacyEnv returns environment variables that make `iptables`,
// `ip6tables` and their -save/-restore commands the legacy ones, through a
// PATH directory of symlinks: how a process that runs plain `iptables`
// (go-iptables does) is tested on the legacy backend.
func LegacyEnv(t testing.TB) []string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range []string{"iptables", "ip6tables", "iptables-save", "ip6tables-save", "iptables-restore", "ip6tables-restore"} {
		target, err := exec.LookPath(strings.Replace(n, "tables", "tables-legacy", 1))
		if err != nil {
			t.Skipf("no legacy iptables: %v", err)
		}
		if err := os.Symlink(target, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"PATH=" + dir + ":" + os.Getenv("PATH")}
}

// HubSpec is the hub's package-linux configuration for cfg.
func (tp *Topology) HubSpec(cfg HubConfig) DriverSpec {
	d := DriverSpec{
		Interface:  tp.HubIf,
		PrivateKey: tp.HubKey.String(),
		ListenPort: HubPort,
		Addresses:  []netip.Prefix{netip.MustParsePrefix(HubVPN + "/24")},
		Peers: []DriverPeer{
			{PublicKey: tp.ExtKey.PublicKey().String(), AllowedIPs: []netip.Prefix{netip.MustParsePrefix(ExtVPN + "/32")}},
			{PublicKey: tp.Ext2Key.PublicKey().String(), AllowedIPs: []netip.Prefix{netip.MustParsePrefix(Ext2VPN + "/32")}},
		},
		LANDevice: LANDev,
		VPN:       []netip.Prefix{VPNNet},
		LAN:       []netip.Prefix{LANNet},
		Default:   linux.Access{LAN: true},
		StateDir:  filepath.Join(tp.Dir, "state"),
	}
	if cfg.OnlyExt {
		d.Peers = d.Peers[:1]
	}
	if cfg.VPN6.IsValid() {
		d.Addresses = append(d.Addresses, netip.PrefixFrom(cfg.VPN6.Addr().Next(), cfg.VPN6.Bits()))
		d.VPN = append(d.VPN, cfg.VPN6)
	}
	if cfg.LAN6.IsValid() {
		d.LAN = append(d.LAN, cfg.LAN6)
	}
	return d
}

// DriverHub drives package linux in the hub namespace through the test
// binary's driver role.
type DriverHub struct {
	tp   *Topology
	file string
	env  []string
}

// NewDriverHub returns the hub driven by package linux.
func (tp *Topology) NewDriverHub(t testing.TB, cfg HubConfig) *DriverHub {
	t.Helper()
	b, err := json.MarshalIndent(tp.HubSpec(cfg), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(tp.Dir, fmt.Sprintf("driver-%d.json", next()))
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	h := &DriverHub{tp: tp, file: f, env: []string{RoleEnv + "=driver"}}
	if cfg.Legacy {
		h.env = append(h.env, LegacyEnv(t)...)
	}
	return h
}

func (h *DriverHub) run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := RunEnv(h.tp.Hub, h.env, append([]string{self(), h.file}, args...)...)
	if err != nil {
		t.Fatalf("driver: %v", err)
	}
	return out
}

// Up implements Hub.
func (h *DriverHub) Up(t testing.TB) { t.Helper(); h.run(t, "up") }

// Down implements Hub.
func (h *DriverHub) Down(t testing.TB) { t.Helper(); h.run(t, "down") }

// AddPeer implements Hub.
func (h *DriverHub) AddPeer(t testing.TB, name string, pub wgtypes.Key, ip netip.Addr) {
	t.Helper()
	h.run(t, "add", pub.String(), netip.PrefixFrom(ip, ip.BitLen()).String())
}

// RemovePeer implements Hub.
func (h *DriverHub) RemovePeer(t testing.TB, name string, pub wgtypes.Key) {
	t.Helper()
	h.run(t, "remove", pub.String())
}

// PublicKey implements Hub.
func (h *DriverHub) PublicKey(testing.TB) wgtypes.Key { return h.tp.HubKey.PublicKey() }

// CLIHub runs the wghub binary (--backend linux) in the hub namespace, with
// its config root in the test's directory.
type CLIHub struct {
	tp   *Topology
	cfg  HubConfig
	bin  string
	root string
	env  []string
	pub  wgtypes.Key
}

// NewCLIHub returns the hub run by the wghub binary bin.
func (tp *Topology) NewCLIHub(t testing.TB, cfg HubConfig, bin string) *CLIHub {
	t.Helper()
	h := &CLIHub{tp: tp, cfg: cfg, bin: bin, root: filepath.Join(tp.Dir, "etc-wghub")}
	if cfg.Legacy {
		h.env = LegacyEnv(t)
	}
	return h
}

func (h *CLIHub) run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := RunEnv(h.tp.Hub, h.env, append([]string{h.bin, "--root", h.root, "--backend", "linux"}, args...)...)
	if err != nil {
		t.Fatalf("wghub: %v", err)
	}
	return out
}

// Up implements Hub: setup, the initial peers, up.
func (h *CLIHub) Up(t testing.TB) {
	t.Helper()
	args := []string{"setup", "--interface", h.tp.HubIf, "--port", strconv.Itoa(HubPort), "--subnet", VPNNet.String(),
		"--endpoint", HubWAN, "--lan", LANNet.String(), "--lan-device", LANDev}
	if h.cfg.VPN6.IsValid() {
		args = append(args, "--subnet6", h.cfg.VPN6.String())
	}
	if h.cfg.LAN6.IsValid() {
		args = append(args, "--lan", h.cfg.LAN6.String())
	}
	h.run(t, args...)
	if h.pub == (wgtypes.Key{}) {
		h.AddPeer(t, "ext", h.tp.ExtKey.PublicKey(), netip.MustParseAddr(ExtVPN))
		if !h.cfg.OnlyExt {
			h.AddPeer(t, "ext2", h.tp.Ext2Key.PublicKey(), netip.MustParseAddr(Ext2VPN))
		}
	}
	h.run(t, "up")
	var st struct {
		PublicKey string `json:"public_key"`
	}
	if err := json.Unmarshal([]byte(h.run(t, "status", "--json")), &st); err != nil {
		t.Fatalf("wghub status --json: %v", err)
	}
	k, err := wgtypes.ParseKey(st.PublicKey)
	if err != nil {
		t.Fatalf("wghub status --json: public key: %v", err)
	}
	h.pub = k
}

// Down implements Hub.
func (h *CLIHub) Down(t testing.TB) { t.Helper(); h.run(t, "down") }

// AddPeer implements Hub.
func (h *CLIHub) AddPeer(t testing.TB, name string, pub wgtypes.Key, ip netip.Addr) {
	t.Helper()
	h.run(t, "peer", "add", name, "--public-key", pub.String(), "--ip", ip.String())
}

// RemovePeer implements Hub.
func (h *CLIHub) RemovePeer(t testing.TB, name string, _ wgtypes.Key) {
	t.Helper()
	h.run(t, "peer", "remove", name)
}

// PublicKey implements Hub.
func (h *CLIHub) PublicKey(t testing.TB) wgtypes.Key {
	if h.pub == (wgtypes.Key{}) {
		t.Fatal("hub public key unknown before Up")
	}
	return h.pub
}

// PingStream is a stream of back-to-back pings of perRun at 100/s from ns
// to dst, started by StartPingStream and ended by Stop. (One long ping
// stopped by a signal could count its last request as lost.)
type PingStream struct {
	done    chan struct{}
	results chan pingRun
}

type pingRun struct {
	out string
	err error
}

const pingStreamRun = 100

// StartPingStream starts the stream and lets it run for 300 ms before it
// returns, so that changes made next fall inside it.
func StartPingStream(ns, dst string) *PingStream {
	s := &PingStream{done: make(chan struct{}), results: make(chan pingRun, 1000)}
	go func() {
		defer close(s.results)
		for {
			select {
			case <-s.done:
				return
			default:
			}
			out, err := Run(ns, "ping", "-n", "-q", "-i", "0.01", "-W", "1", "-c", fmt.Sprint(pingStreamRun), dst)
			s.results <- pingRun{out, err}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	return s
}

// Stop waits for the run under way and fails t for every run that lost a
// packet (what names the stream in the message); it returns the runs and
// echo requests sent, and fails t when fewer than two runs overlapped.
func (s *PingStream) Stop(t *testing.T, what string) (runs, sent int) {
	t.Helper()
	close(s.done)
	want := fmt.Sprintf("%d packets transmitted, %d received", pingStreamRun, pingStreamRun)
	for r := range s.results {
		runs++
		sent += pingStreamRun
		if r.err != nil || !strings.Contains(r.out, want) {
			t.Errorf("ping run %d %s lost packets: %v\n%s", runs, what, r.err, r.out)
		}
	}
	if runs < 2 {
		t.Errorf("only %d ping run(s) overlapped the changes", runs)
	}
	return runs, sent
}

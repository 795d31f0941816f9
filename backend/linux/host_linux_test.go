//go:build linux

package linux_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wghub/wghub/backend/linux"
	nt "github.com/wghub/wghub/netns-tests"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// The root tests run each in fresh network namespaces made by the netns-tests
// harness, which also plays the re-executed roles (servers) they use.
func TestMain(m *testing.M) { nt.Main(m) }

func mustKey(t *testing.T) wgtypes.Key {
	t.Helper()
	k, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func peer(t *testing.T, ip string) wgtypes.PeerConfig {
	t.Helper()
	p := netip.MustParsePrefix(ip)
	return wgtypes.PeerConfig{
		PublicKey:  mustKey(t).PublicKey(),
		AllowedIPs: []net.IPNet{{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}},
	}
}

func prefixes(s ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, x := range s {
		ps = append(ps, netip.MustParsePrefix(x))
	}
	return ps
}

// hostIn opens a Host in ns; the calling goroutine stays in ns until the
// returned function runs (defer it).
func hostIn(t *testing.T, ns string, o linux.Options) (*linux.Host, func()) {
	t.Helper()
	restore := nt.EnterNS(t, ns)
	h, err := linux.NewWithOptions(o)
	if err != nil {
		restore()
		t.Fatal(err)
	}
	return h, func() { h.Close(); restore() }
}

func readState(t *testing.T, s linux.Spec) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.StateDir, s.Interface+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestUpDown: Up creates the userspace device with its addresses, routes,
// MTU, peers, sysctls and rules; a second Up changes nothing; Up drops a
// peer no longer listed; Down restores rules, routes, addresses and sysctls
// exactly and the daemon is gone. With both iptables backends.
func TestUpDown(t *testing.T) {
	nt.RequireRoot(t)
	for _, tc := range []struct {
		name        string
		opts        linux.Options
		save, save6 string
	}{
		{"nft", linux.Options{}, "iptables-save", "ip6tables-save"},
		{"legacy", linux.Options{IPTables: "iptables-legacy", IP6Tables: "ip6tables-legacy"}, "iptables-legacy-save", "ip6tables-legacy-save"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ns := nt.NewNS(t, "up")
			iface := nt.Iface(ns, 'u')
			nt.MustRun(t, ns, "ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan0p")
			existingRules(t, ns, strings.TrimSuffix(tc.save, "-save"), strings.TrimSuffix(tc.save6, "-save"))
			h, restore := hostIn(t, ns, tc.opts)
			defer restore()
			s := linux.Spec{
				Interface:  iface,
				PrivateKey: mustKey(t),
				ListenPort: 51820,
				Addresses:  prefixes("192.168.100.1/24", "fd00:100::1/64"),
				Peers:      []wgtypes.PeerConfig{peer(t, "192.168.100.2/32"), peer(t, "192.168.100.3/32")},
				Routes:     prefixes("10.99.0.0/24"),
				LANDevice:  "lan0",
				VPN:        prefixes("192.168.100.0/24", "fd00:100::/64"),
				LAN:        prefixes("192.168.1.0/24", "fd00:1::/64"),
				MTU:        1380,
				StateDir:   t.TempDir(),
			}
			ctx := context.Background()
			before := nt.Snapshot(t, ns, tc.save, tc.save6)
			if err := h.Up(ctx, s); err != nil {
				t.Fatal(err)
			}
			up := nt.Snapshot(t, ns, tc.save, tc.save6)
			for _, want := range []string{
				"-A FORWARD -m comment --comment wghub -j " + linux.FwdChain(iface),
				"-A POSTROUTING -m comment --comment wghub -j " + linux.NATChain(iface),
				"-A " + linux.NATChain(iface) + " -s 192.168.100.0/24 -d 192.168.1.0/24 -o lan0 -m comment --comment wghub -j MASQUERADE",
				"-A " + linux.NATChain(iface) + " -s fd00:100::/64 -d fd00:1::/64 -o lan0 -m comment --comment wghub -j MASQUERADE",
				"10.99.0.0/24 dev " + iface + " scope link",
				"inet 192.168.100.1/24",
				"inet6 fd00:100::1/64",
				iface + ": <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1380",
				"$ cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding\n1\n1\n",
			} {
				if !strings.Contains(up, want) {
					t.Errorf("after Up, no %q in:\n%s", want, up)
				}
			}
			if _, err := os.Stat(linux.SocketDir + "/" + iface + ".sock"); err != nil {
				t.Errorf("no userspace socket: %v", err)
			}
			st := readState(t, s)
			if st["created"] != true || st["userspace"] == nil {
				t.Errorf("state %v: want created by userspace", st)
			}
			d, err := h.Status(iface)
			if err != nil {
				t.Fatal(err)
			}
			if d.PrivateKey != s.PrivateKey || d.ListenPort != 51820 || len(d.Peers) != 2 {
				t.Errorf("device: key ok %v, port %d, %d peers; want ok, 51820, 2", d.PrivateKey == s.PrivateKey, d.ListenPort, len(d.Peers))
			}

			if err := h.Up(ctx, s); err != nil {
				t.Fatalf("second Up: %v", err)
			}
			if again := nt.Snapshot(t, ns, tc.save, tc.save6); again != up {
				t.Errorf("second Up changed the host:\n%s", nt.LineDiff(up, again))
			}
			if st2 := readState(t, s); !equalJSON(st, st2) {
				t.Errorf("second Up changed the state from %v to %v", st, st2)
			}

			s.Peers = s.Peers[1:]
			if err := h.Up(ctx, s); err != nil {
				t.Fatal(err)
			}
			if d, err := h.Status(iface); err != nil || len(d.Peers) != 1 || d.Peers[0].PublicKey != s.Peers[0].PublicKey {
				t.Errorf("after Up with one peer: %v, %v", d, err)
			}

			if err := h.Down(ctx, s); err != nil {
				t.Fatal(err)
			}
			if after := nt.Snapshot(t, ns, tc.save, tc.save6); after != before {
				t.Errorf("Down did not restore the host:\n%s", nt.LineDiff(before, after))
			}
			checkGone(t, ns, iface)
			if _, err := os.Stat(filepath.Join(s.StateDir, iface+".json")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("state file left after Down: %v", err)
			}
			if err := h.Down(ctx, s); err != nil {
				t.Errorf("second Down: %v", err)
			}
			if _, err := h.Status(iface); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Status after Down = %v; want os.ErrNotExist", err)
			}
		})
	}
}

// existingRules gives ns a host's usual rules with the given binaries: they
// make the tables exist (Down leaves tables it created, empty) and must
// stay as they are.
func existingRules(t *testing.T, ns string, bins ...string) {
	t.Helper()
	for _, bin := range bins {
		nt.MustRun(t, ns, bin, "-A", "FORWARD", "-i", "lan0", "-j", "ACCEPT")
		nt.MustRun(t, ns, bin, "-t", "nat", "-A", "POSTROUTING", "-o", "lan0", "-j", "ACCEPT")
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// checkGone checks that iface's socket and daemon are gone from ns.
func checkGone(t *testing.T, ns, iface string) {
	t.Helper()
	if _, err := os.Stat(linux.SocketDir + "/" + iface + ".sock"); err == nil {
		t.Errorf("socket of %s left", iface)
	}
	if pids := nt.PIDs(ns); len(pids) > 0 {
		t.Errorf("processes left in %s: %v", ns, pids)
	}
}

// TestDownKillsStuckDaemon: a userspace daemon that does not exit when its
// link goes away (here: stopped) is killed by Down.
func TestDownKillsStuckDaemon(t *testing.T) {
	nt.RequireRoot(t)
	t.Parallel()
	ns := nt.NewNS(t, "stuck")
	iface := nt.Iface(ns, 's')
	h, restore := hostIn(t, ns, linux.Options{})
	defer restore()
	s := linux.Spec{Interface: iface, PrivateKey: mustKey(t), Addresses: prefixes("10.77.0.1/24"), StateDir: t.TempDir()}
	ctx := context.Background()
	if err := h.Up(ctx, s); err != nil {
		t.Fatal(err)
	}
	pid := int(readState(t, s)["userspace"].(map[string]any)["pid"].(float64))
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := h.Down(ctx, s); err != nil {
		t.Fatal(err)
	}
	t.Logf("Down took %s", time.Since(start).Round(time.Millisecond))
	checkGone(t, ns, iface)
}

// TestApplyPeers: peers and routes added and removed live keep an existing
// peer's session: same handshake, counters only grow, traffic flows.
func TestApplyPeers(t *testing.T) {
	t.Parallel()
	tp := nt.NewTopology(t)
	ds := tp.HubSpec(nt.HubConfig{OnlyExt: true})
	s, err := ds.Spec()
	if err != nil {
		t.Fatal(err)
	}
	h, restore := hostIn(t, tp.Hub, linux.Options{})
	defer restore()
	ctx := context.Background()
	if err := h.ApplyPeers(s.Interface, nil, nil, nil, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ApplyPeers before Up = %v; want os.ErrNotExist", err)
	}
	if err := h.Up(ctx, s); err != nil {
		t.Fatal(err)
	}
	tp.StartPeer(t, tp.HubKey.PublicKey(), tp.Ext, tp.ExtIf, tp.ExtKey, nt.ExtVPN)
	if err := nt.Ping(tp.Ext, nt.LAN1, 3, 5); err != nil {
		t.Fatal(err)
	}
	ext := tp.ExtKey.PublicKey()
	find := func() (wgtypes.Peer, int) {
		d, err := h.Status(s.Interface)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range d.Peers {
			if p.PublicKey == ext {
				return p, len(d.Peers)
			}
		}
		t.Fatal("ext is no longer a peer")
		return wgtypes.Peer{}, 0
	}
	before, _ := find()

	added := []wgtypes.PeerConfig{peer(t, "192.168.100.20/32"), peer(t, "192.168.100.21/32"), peer(t, "10.98.0.0/24")}
	routes := prefixes("10.98.0.0/24")
	if err := h.ApplyPeers(s.Interface, added, nil, routes, nil); err != nil {
		t.Fatal(err)
	}
	if _, n := find(); n != 4 {
		t.Errorf("%d peers after adding 3; want 4", n)
	}
	if out := nt.MustRun(t, tp.Hub, "ip", "route", "show", "10.98.0.0/24"); !strings.Contains(out, "dev "+s.Interface) {
		t.Errorf("no route 10.98.0.0/24 via %s: %q", s.Interface, out)
	}
	if err := nt.Ping(tp.Ext, nt.LAN1, 3, 5); err != nil {
		t.Error(err)
	}
	var keys []wgtypes.Key
	for _, p := range added {
		keys = append(keys, p.PublicKey)
	}
	if err := h.ApplyPeers(s.Interface, nil, keys, nil, routes); err != nil {
		t.Fatal(err)
	}
	after, n := find()
	if n != 1 {
		t.Errorf("%d peers after removing 3; want 1", n)
	}
	if out := nt.MustRun(t, tp.Hub, "ip", "route", "show", "10.98.0.0/24"); strings.TrimSpace(out) != "" {
		t.Errorf("route 10.98.0.0/24 left: %q", out)
	}
	if err := nt.Ping(tp.Ext, nt.LAN1, 3, 5); err != nil {
		t.Error(err)
	}
	if !after.LastHandshakeTime.Equal(before.LastHandshakeTime) {
		t.Errorf("ext's handshake changed from %s to %s", before.LastHandshakeTime, after.LastHandshakeTime)
	}
	if after.ReceiveBytes <= before.ReceiveBytes || after.TransmitBytes <= before.TransmitBytes {
		t.Errorf("ext's counters did not grow: rx %d→%d tx %d→%d", before.ReceiveBytes, after.ReceiveBytes, before.TransmitBytes, after.TransmitBytes)
	}
	// Removing an absent route or peer is not an error.
	if err := h.ApplyPeers(s.Interface, nil, keys[:1], nil, routes); err != nil {
		t.Errorf("removing again: %v", err)
	}
	if err := h.Down(ctx, s); err != nil {
		t.Fatal(err)
	}
	checkGone(t, tp.Hub, s.Interface)
}

// TestAdoptedLinkSurvivesDown: a WireGuard link that existed before Up
// (wg-quick's, say) keeps existing after Down; only what Up added goes.
func TestAdoptedLinkSurvivesDown(t *testing.T) {
	nt.RequireRoot(t)
	t.Parallel()
	ns := nt.NewNS(t, "adopt")
	iface := nt.Iface(ns, 'a')
	nt.MustRun(t, ns, "wireguard-go", iface)
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(linux.SocketDir + "/" + iface + ".sock"); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	existingRules(t, ns, "iptables", "ip6tables")
	h, restore := hostIn(t, ns, linux.Options{})
	defer restore()
	before := nt.Snapshot(t, ns, "iptables-save", "ip6tables-save")
	s := linux.Spec{Interface: iface, PrivateKey: mustKey(t), Addresses: prefixes("10.77.0.1/24"),
		Routes: prefixes("10.78.0.0/24"), LANDevice: "lo", VPN: prefixes("10.77.0.0/24"), LAN: prefixes("10.79.0.0/24"),
		MTU: 1420, StateDir: t.TempDir()}
	ctx := context.Background()
	if err := h.Up(ctx, s); err != nil {
		t.Fatal(err)
	}
	if st := readState(t, s); st["adopted"] != true || st["created"] != nil {
		t.Errorf("state %v: want adopted", st)
	}
	if err := h.Down(ctx, s); err != nil {
		t.Fatal(err)
	}
	after := nt.Snapshot(t, ns, "iptables-save", "ip6tables-save")
	for _, gone := range []string{"10.77.0.1", "10.78.0.0", "WGHUB"} {
		if strings.Contains(after, gone) {
			t.Errorf("%q left after Down:\n%s", gone, after)
		}
	}
	if _, err := h.Status(iface); err != nil {
		t.Errorf("adopted link gone after Down: %v", err)
	}
	// The link stays (and up); rules and sysctls are as before.
	rules := func(s string) string { return s[:strings.Index(s, "$ ip -4 route")] }
	sysctls := func(s string) string { return s[strings.Index(s, "$ cat "):] }
	if rules(after) != rules(before) || sysctls(after) != sysctls(before) {
		t.Errorf("Down did not restore rules or sysctls:\n%s", nt.LineDiff(before, after))
	}
}

// TestApplyAccess: on a running interface ApplyAccess replaces the chains'
// rules with the new policy (a device's own rules before the defaults,
// the INPUT chain with it) and keeps the jumps single; on an interface
// that is not running it changes nothing. Down removes all of it.
func TestApplyAccess(t *testing.T) {
	nt.RequireRoot(t)
	t.Parallel()
	ns := nt.NewNS(t, "access")
	iface := nt.Iface(ns, 'x')
	nt.MustRun(t, ns, "ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan0p")
	existingRules(t, ns, "iptables", "ip6tables")
	h, restore := hostIn(t, ns, linux.Options{})
	defer restore()
	s := linux.Spec{Interface: iface, PrivateKey: mustKey(t), Addresses: prefixes("10.77.0.1/24"),
		LANDevice: "lan0", VPN: prefixes("10.77.0.0/24"), LAN: prefixes("10.79.0.0/24"),
		Default: linux.Access{LAN: true}, StateDir: t.TempDir()}
	save := func() string {
		var b strings.Builder
		for _, l := range strings.SplitAfter(nt.MustRun(t, ns, "iptables-save"), "\n") {
			if !strings.HasPrefix(l, "#") {
				b.WriteString(l)
			}
		}
		return b.String()
	}
	before := save()
	if err := h.ApplyAccess(s); err != nil {
		t.Fatalf("ApplyAccess while down: %v", err)
	}
	if after := save(); after != before {
		t.Errorf("ApplyAccess while down changed the rules:\n%s", nt.LineDiff(before, after))
	}
	ctx := context.Background()
	if err := h.Up(ctx, s); err != nil {
		t.Fatal(err)
	}
	dev := "-A " + linux.FwdChain(iface) + " -s 10.77.0.5/32 -i " + iface + " -o lan0 -m comment --comment wghub -j ACCEPT"
	if strings.Contains(save(), dev) {
		t.Fatalf("device rule before the device had access of its own:\n%s", save())
	}
	s.Devices = []linux.Device{{Sources: prefixes("10.77.0.5/32"), Access: linux.Access{Internet: true, Router: true}}}
	s.InternetDevice = "lan0"
	for range 2 {
		if err := h.ApplyAccess(s); err != nil {
			t.Fatal(err)
		}
	}
	got := save()
	for _, want := range []string{
		dev,
		"-A " + linux.FwdChain(iface) + " -s 10.77.0.5/32 -d 10.79.0.0/24 -i " + iface + " -m comment --comment wghub -j REJECT",
		"-A " + linux.InChain(iface) + " -s 10.77.0.5/32 -m comment --comment wghub -j RETURN",
		"-A " + linux.NATChain(iface) + " -s 10.77.0.0/24 -o lan0 -m comment --comment wghub -j MASQUERADE",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("after ApplyAccess, no %q in:\n%s", want, got)
		}
	}
	for _, j := range linux.Jumps(linux.IPv4, iface) {
		line := "-A " + j.Chain + " " + strings.Join(j.Spec, " ")
		if n := strings.Count(got, "-j "+j.Spec[len(j.Spec)-1]+"\n"); n != 1 {
			t.Errorf("%d jumps like %q; want 1", n, line)
		}
	}
	if m := h.MissingRule(s); m != "" {
		t.Errorf("MissingRule = %q after ApplyAccess; want none", m)
	}
	nt.MustRun(t, ns, "iptables", "-D", "INPUT", "-i", iface, "-m", "comment", "--comment", "wghub", "-j", linux.InChain(iface))
	if m := h.MissingRule(s); !strings.Contains(m, "INPUT") {
		t.Errorf("MissingRule = %q without the INPUT jump; want it named", m)
	}
	if err := h.Down(ctx, s); err != nil {
		t.Fatal(err)
	}
	if after := save(); after != before {
		t.Errorf("Down did not restore the rules:\n%s", nt.LineDiff(before, after))
	}
}

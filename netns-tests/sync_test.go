//go:build linux

package netnstests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/internal/userland"
	"github.com/wghub/wghub/sandbox"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// liveGateway is an OpenWrt-style hub in the topology's hub namespace: the
// openwrt backend on a system tree of its own (Dir/sys with etc/config,
// base-files' sysctl default, netifd's syncconf WireGuard handler and
// wghub's hotplug hook), the WireGuard device built from UCI the way that
// handler builds it (no preshared keys), firewall4's chains for the
// topology's devices loaded into nft, forwarding on, a default route.
type liveGateway struct {
	tp      *Topology
	sys     string // the system tree; UCI in sys/etc/config
	iface   string
	pskPeer string // ext's public key: the peer with a PSK
}

func (g *liveGateway) wghub(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return Run(g.tp.Hub, append([]string{wghubBin, "--backend", "openwrt", "--root", filepath.Join(g.sys, "etc", "config")}, args...)...)
}

// doctor runs `wghub doctor --json` and returns the failing checks by
// name (handshake checks of peers that never connected left out).
func (g *liveGateway) doctor(t *testing.T) map[string]string {
	t.Helper()
	out, _ := g.wghub(t, "doctor", "--json")
	return DoctorFails(t, out)
}

func newLiveGateway(t *testing.T) *liveGateway {
	t.Helper()
	if wghubBin == "" {
		t.Skip("needs the wghub binary (not built in driver mode)")
	}
	prefix := userland.Prefix(t) // for netifd's WireGuard handler and uci
	tp := NewTopology(t)
	g := &liveGateway{tp: tp, sys: filepath.Join(tp.Dir, "sys"), iface: tp.HubIf, pskPeer: tp.ExtKey.PublicKey().String()}
	conf := filepath.Join(g.sys, "etc", "config")
	for _, d := range []string{conf, filepath.Join(g.sys, "etc/sysctl.d"), filepath.Join(g.sys, "lib/netifd/proto"), filepath.Join(g.sys, "etc/hotplug.d/iface")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sandbox.Copy(conf); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(g.sys, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	handler, err := os.ReadFile(filepath.Join(prefix, "openwrt-files", "wireguard.sh-syncconf"))
	if err != nil {
		t.Fatal(err)
	}
	write("lib/netifd/proto/wireguard.sh", string(handler))
	write("etc/sysctl.d/10-default.conf", "net.ipv4.ip_forward=1\n")
	hook, err := os.ReadFile("../openwrt/wghub/files/wghub.hotplug")
	if err != nil {
		t.Fatal(err)
	}
	write("etc/hotplug.d/iface/10-wghub", string(hook))

	must := func(args ...string) string {
		t.Helper()
		out, err := g.wghub(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	must("setup", "--interface", g.iface, "--endpoint", HubWAN, "--port", fmt.Sprint(HubPort), "--lan", LANNet.String())
	must("peer", "add", "ext", "--public-key", tp.ExtKey.PublicKey().String(), "--ip", ExtVPN, "--psk")
	must("peer", "add", "ext2", "--public-key", tp.Ext2Key.PublicKey().String(), "--ip", Ext2VPN)

	// netifd with the syncconf handler: the device from UCI, without the
	// preshared key (it reads peer_psk).
	export := must("export")
	var hubKey wgtypes.Key
	var lines []string
	psk := ""
	for _, l := range strings.Split(export, "\n") {
		k, v, _ := strings.Cut(l, " = ")
		switch k {
		case "PresharedKey":
			psk = v
			continue
		case "PrivateKey":
			hubKey, _ = wgtypes.ParseKey(v)
		case "Address", "DNS":
			continue
		}
		lines = append(lines, l)
	}
	if psk == "" {
		t.Fatalf("export has no preshared key:\n%s", export)
	}
	cf := filepath.Join(tp.Dir, "hub.conf")
	os.WriteFile(cf, []byte(strings.Join(lines, "\n")), 0o600)
	MustRun(t, tp.Hub, "wireguard-go", g.iface)
	waitSocket(t, g.iface)
	MustRun(t, tp.Hub, "wg", "setconf", g.iface, cf)
	MustRun(t, tp.Hub, "ip", "addr", "add", HubVPN+"/24", "dev", g.iface)
	MustRun(t, tp.Hub, "ip", "link", "set", g.iface, "up")
	MustRun(t, tp.Hub, "ip", "route", "add", "default", "via", ExtWAN, "dev", WANDev)
	MustRun(t, tp.Hub, "sysctl", "-qw", "net.ipv4.ip_forward=1")

	// firewall4's chains (nftrules/testdata) for this topology's devices.
	rules, err := os.ReadFile("../nftrules/testdata/fw4-shaped.nft")
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReplacer(`"br-lan"`, `"`+LANDev+`"`, `"eth1"`, `"`+WANDev+`"`, `"wg0"`, `"`+g.iface+`"`).Replace(string(rules))
	rf := filepath.Join(tp.Dir, "fw4.nft")
	os.WriteFile(rf, []byte(r), 0o600)
	MustRun(t, tp.Hub, "nft", "-f", rf)

	// The peers: ext has the PSK, as its client config would.
	tp.StartPeers(t, hubKey.PublicKey())
	pf := filepath.Join(tp.Dir, "ext.psk")
	os.WriteFile(pf, []byte(psk+"\n"), 0o600)
	MustRun(t, tp.Ext, "wg", "set", tp.ExtIf, "peer", hubKey.PublicKey().String(), "preshared-key", pf)
	Serve(t, tp.LAN1, LAN1)
	return g
}

func waitSocket(t *testing.T, iface string) {
	t.Helper()
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join("/var/run/wireguard", iface+".sock")); err == nil {
			return
		}
		if i == 500 {
			t.Fatalf("wireguard-go %s: no socket", iface)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// nftHandle is the handle of the rule of fw4's chain whose line holds s.
func nftHandle(t *testing.T, ns, chain, s string) string {
	t.Helper()
	return RuleHandle(t, MustRun(t, ns, "nft", "-a", "list", "chain", "inet", "fw4", chain), s)
}

// TestDoctorLiveGateway breaks, one at a time, each thing a working
// gateway needs — in the kernel, nft and the WireGuard device, not in UCI
// — and checks doctor's finding and advice, and that real traffic agrees
// with doctor about the firewall.
func TestDoctorLiveGateway(t *testing.T) {
	RequireRoot(t)
	g := newLiveGateway(t)
	tp, ns := g.tp, g.tp.Hub
	if err := Ping(tp.Ext2, LAN1, 2, 5); err != nil {
		t.Fatalf("ext2 (no PSK) cannot reach the LAN: %v", err)
	}
	// The handler dropped ext's PSK: doctor says so and names the handler.
	WantFails(t, g.doctor(t), map[string][]string{
		"device_psk_missing_ext": {"no preshared key", "wghub sync"},
		"netifd_handler_psk":     {"reads option peer_psk", "/etc/hotplug.d/iface/10-wghub"},
	})
	if err := Ping(tp.Ext, LAN1, 1, 2); err == nil {
		t.Fatal("ext reached the LAN although the hub has no PSK for it")
	}
	g.wghub(t, "sync")
	WantFails(t, g.doctor(t), nil)

	steps := []struct {
		name          string
		brk, fix      func()
		want          map[string][]string
		trafficBroken bool // ext2 -> LAN1 must fail while broken
	}{
		{name: "masquerade rule deleted", trafficBroken: true,
			brk: func() {
				MustRun(t, ns, "nft", "delete", "rule", "inet", "fw4", "srcnat_lan", "handle", nftHandle(t, ns, "srcnat_lan", "masquerade"))
			},
			fix: func() {
				MustRun(t, ns, "nft", "add", "rule", "inet", "fw4", "srcnat_lan", "ip", "saddr", VPNNet.String(), "counter", "masquerade")
			},
			want: map[string][]string{"nft_masquerade": {"does not masquerade", LANDev, "/etc/init.d/firewall reload"}}},
		{name: "forwarding rule deleted", trafficBroken: true,
			brk: func() {
				MustRun(t, ns, "nft", "delete", "rule", "inet", "fw4", "forward_vpn", "handle", nftHandle(t, ns, "forward_vpn", "accept_to_lan"))
			},
			fix: func() {
				MustRun(t, ns, "nft", "insert", "rule", "inet", "fw4", "forward_vpn", "jump", "accept_to_lan")
			},
			want: map[string][]string{"nft_forwarding": {"drops new connections from " + g.iface, "/etc/init.d/firewall reload"}}},
		{name: "ip_forward off", trafficBroken: true,
			brk:  func() { MustRun(t, ns, "sysctl", "-qw", "net.ipv4.ip_forward=0") },
			fix:  func() { MustRun(t, ns, "sysctl", "-qw", "net.ipv4.ip_forward=1") },
			want: map[string][]string{"ip_forward": {"= 0", "sysctl -w net.ipv4.ip_forward=1", "/etc/sysctl.d/10-default.conf sets it at boot"}}},
		{name: "WAN port rule deleted",
			brk: func() {
				MustRun(t, ns, "nft", "delete", "rule", "inet", "fw4", "input_wan", "handle", nftHandle(t, ns, "input_wan", "Allow-wghub"))
			},
			fix: func() {
				MustRun(t, ns, "nft", "insert", "rule", "inet", "fw4", "input_wan", "udp", "dport", fmt.Sprint(HubPort), "counter", "accept")
			},
			want: map[string][]string{"nft_wan_port": {fmt.Sprintf("drops UDP port %d from %s", HubPort, WANDev)}}},
		{name: "VPN subnet route deleted", trafficBroken: true,
			brk: func() { MustRun(t, ns, "ip", "route", "del", VPNNet.String(), "dev", g.iface) },
			fix: func() { MustRun(t, ns, "ip", "route", "add", VPNNet.String(), "dev", g.iface) },
			want: map[string][]string{
				"route_ext":  {"via " + WANDev + ", not " + g.iface, "no address in the VPN subnet"},
				"route_ext2": {"via " + WANDev},
			}},
		{name: "peer removed from the device",
			brk:  func() { MustRun(t, ns, "wg", "set", g.iface, "peer", g.pskPeer, "remove") },
			fix:  func() { g.wghub(t, "sync") },
			want: map[string][]string{"device_peer_missing_ext": {"not on the device", "wghub sync"}}},
		{name: "peer changed on the device",
			brk:  func() { MustRun(t, ns, "wg", "set", g.iface, "peer", g.pskPeer, "allowed-ips", "192.168.100.99/32") },
			fix:  func() { g.wghub(t, "sync") },
			want: map[string][]string{"device_allowed_ips_ext": {"192.168.100.99/32", "wghub sync"}}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.brk()
			WantFails(t, g.doctor(t), s.want)
			if s.trafficBroken {
				if err := Ping(tp.Ext2, LAN1, 1, 2); err == nil {
					t.Error("ext2 still reaches the LAN: the break did not break it")
				}
			}
			s.fix()
			WantFails(t, g.doctor(t), nil)
			if s.trafficBroken {
				if err := Ping(tp.Ext2, LAN1, 2, 5); err != nil {
					t.Errorf("after the fix ext2 does not reach the LAN: %v", err)
				}
			}
		})
	}
}

// TestSyncHitless: with the device missing a peer and a PSK, `wghub sync`
// (run by the ifup hotplug hook, as netifd would run it) fixes both while
// ext2 pings a LAN host through the hub; ext2 loses nothing and keeps its
// session, ext then reaches the LAN with its PSK; a second sync changes
// nothing.
func TestSyncHitless(t *testing.T) {
	RequireRoot(t)
	g := newLiveGateway(t)
	tp, ns := g.tp, g.tp.Hub
	if err := Ping(tp.Ext2, LAN1, 2, 5); err != nil {
		t.Fatalf("ext2 cannot reach the LAN: %v", err)
	}
	// The device also lost ext entirely (PSK was missing already).
	MustRun(t, ns, "wg", "set", g.iface, "peer", g.pskPeer, "remove")
	before := Peers(t, ns, g.iface)[tp.Ext2Key.PublicKey().String()]
	ping := Start(t, tp.Ext2, nil, "", "ping", "-n", "-i", "0.02", "-c", "300", "-W", "1", LAN1)
	time.Sleep(time.Second)

	// The hotplug hook as netifd runs it, with uci and wghub on PATH.
	bin := filepath.Join(tp.Dir, "bin")
	os.MkdirAll(bin, 0o755)
	prefix := userland.Prefix(t)
	conf := filepath.Join(g.sys, "etc", "config")
	os.WriteFile(filepath.Join(bin, "uci"), []byte(fmt.Sprintf("#!/bin/sh\nexec %s -c %s \"$@\"\n", filepath.Join(prefix, "bin", "uci"), conf)), 0o755)
	os.WriteFile(filepath.Join(bin, "wghub"), []byte(fmt.Sprintf("#!/bin/sh\nexec %s --backend openwrt --root %s \"$@\"\n", wghubBin, conf)), 0o755)
	os.WriteFile(filepath.Join(bin, "logger"), []byte(fmt.Sprintf("#!/bin/sh\ncat >> %s\n", filepath.Join(tp.Dir, "log"))), 0o755)
	hook := filepath.Join(g.sys, "etc/hotplug.d/iface/10-wghub")
	path := "PATH=" + bin + ":" + os.Getenv("PATH")
	// Another interface's ifup, and an ifdown of the hub's: the hook does nothing.
	for _, env := range [][]string{{"ACTION=ifup", "INTERFACE=lan"}, {"ACTION=ifdown", "INTERFACE=" + g.iface}} {
		if _, err := RunEnv(ns, append(env, path), "sh", "-c", ". "+hook); err != nil {
			t.Fatal(err)
		}
	}
	if len(Peers(t, ns, g.iface)) != 1 {
		t.Fatal("the hook changed the device on another event")
	}
	if _, err := RunEnv(ns, []string{"ACTION=ifup", "INTERFACE=" + g.iface, path}, "sh", "-c", ". "+hook); err != nil {
		t.Fatal(err)
	}
	log, _ := os.ReadFile(filepath.Join(tp.Dir, "log"))
	if !strings.Contains(string(log), "fixed:") {
		t.Errorf("hook log: %q, want wghub sync's fixes", log)
	}

	out, err := ping.Wait(30 * time.Second)
	if err != nil {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] {
		t.Fatalf("ext2 lost packets while sync ran:\n%s", out)
	}
	t.Logf("ext2's ping during sync: %s sent, %s received", m[1], m[2])
	after := Peers(t, ns, g.iface)[tp.Ext2Key.PublicKey().String()]
	if after.Handshake != before.Handshake || after.RX <= before.RX {
		t.Errorf("ext2's session was touched: handshake %d -> %d, rx %d -> %d", before.Handshake, after.Handshake, before.RX, after.RX)
	}
	if err := Ping(tp.Ext, LAN1, 2, 10); err != nil {
		t.Errorf("ext (with PSK) cannot reach the LAN after sync: %v", err)
	}
	WantFails(t, g.doctor(t), nil)
	if out, _ := g.wghub(t, "sync"); !strings.Contains(out, "already equals UCI") {
		t.Errorf("second sync: %q", out)
	}
	// Down: nothing to do, and said so.
	MustRun(t, ns, "ip", "link", "del", g.iface)
	if out, err := g.wghub(t, "sync"); err != nil || !strings.Contains(out, "not running") {
		t.Errorf("sync with the interface down: %q, %v", out, err)
	}
}

// TestDoctorSyncLinux is the plain-Linux hub (wghub up): doctor's advice
// for forwarding is a sysctl.d file, a peer removed from the device is
// found and `wghub sync` puts it back while ext2 streams, losing nothing.
func TestDoctorSyncLinux(t *testing.T) {
	if wghubBin == "" {
		t.Skip("needs the wghub binary (not built in driver mode)")
	}
	tp := NewTopology(t)
	h := tp.NewCLIHub(t, HubConfig{}, wghubBin)
	h.root = filepath.Join(tp.Dir, "etc", "wghub") // a system's tree: doctor reads the live system
	h.Up(t)
	tp.StartPeers(t, h.PublicKey(t))
	Serve(t, tp.LAN1, LAN1)
	doctor := func() map[string]string {
		out, _ := RunEnv(tp.Hub, h.env, wghubBin, "--root", h.root, "--backend", "linux", "doctor", "--json")
		return DoctorFails(t, out)
	}
	WantFails(t, doctor(), nil)

	MustRun(t, tp.Hub, "sysctl", "-qw", "net.ipv4.ip_forward=0")
	WantFails(t, doctor(), map[string][]string{"ip_forward": {"sysctl -w net.ipv4.ip_forward=1", "/etc/sysctl.d/90-wghub.conf"}})
	MustRun(t, tp.Hub, "sysctl", "-qw", "net.ipv4.ip_forward=1")

	if err := Ping(tp.Ext2, LAN1, 2, 5); err != nil {
		t.Fatalf("ext2 cannot reach the LAN: %v", err)
	}
	ext := tp.ExtKey.PublicKey().String()
	MustRun(t, tp.Hub, "wg", "set", tp.HubIf, "peer", ext, "remove")
	WantFails(t, doctor(), map[string][]string{"device_peer_missing_ext": {"wghub sync"}})
	before := Peers(t, tp.Hub, tp.HubIf)[tp.Ext2Key.PublicKey().String()]
	ping := Start(t, tp.Ext2, nil, "", "ping", "-n", "-i", "0.02", "-c", "150", "-W", "1", LAN1)
	time.Sleep(time.Second)
	h.run(t, "sync")
	out, err := ping.Wait(30 * time.Second)
	if err != nil {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	if m := regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`).FindStringSubmatch(out); m == nil || m[1] != m[2] {
		t.Fatalf("ext2 lost packets while sync ran:\n%s", out)
	}
	if after := Peers(t, tp.Hub, tp.HubIf)[tp.Ext2Key.PublicKey().String()]; after.Handshake != before.Handshake {
		t.Errorf("ext2's handshake changed: %d -> %d", before.Handshake, after.Handshake)
	}
	if err := Ping(tp.Ext, LAN1, 2, 10); err != nil {
		t.Errorf("ext cannot reach the LAN after sync: %v", err)
	}
	WantFails(t, doctor(), nil)
}

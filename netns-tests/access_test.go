//go:build linux

package netnstests

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wghub/wghub/backend/linux"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Per-device access on the plain-Linux backend (issue 11 points 1-2): the
// wghub binary runs the hub; every device is a namespace of its own with
// wireguard-go that sends everything it tests into the tunnel (AllowedIPs
// 0.0.0.0/0, routes to the LAN, the VPN and the WAN host via the tunnel),
// so what passes or not is the hub's doing.

// device is one VPN device on the WAN segment.
type device struct {
	name, ns, iface string
	key             wgtypes.Key
	vpn             string // its VPN address
	vpn6            string // its IPv6 VPN address on a hub with VPN6, else ""
}

// newDevice makes the namespace of device n (WAN address 203.0.113.40+n,
// VPN address 192.168.100.40+n) on the WAN bridge; its tunnel starts with
// start, once the hub knows it.
func newDevice(t *testing.T, tp *Topology, name string, n int) *device {
	t.Helper()
	d := &device{name: name, ns: NewNS(t, name), vpn: fmt.Sprintf("192.168.100.%d", 40+n)}
	d.iface = Iface(d.ns, 'd')
	var err error
	if d.key, err = wgtypes.GeneratePrivateKey(); err != nil {
		t.Fatal(err)
	}
	sw := "d" + name
	MustRun(t, tp.SW, "ip", "link", "add", sw, "type", "veth", "peer", "name", "eth0", "netns", d.ns)
	MustRun(t, tp.SW, "ip", "link", "set", sw, "master", "br-wan", "up")
	MustRun(t, d.ns, "ip", "addr", "add", fmt.Sprintf("203.0.113.%d/24", 40+n), "dev", "eth0")
	MustRun(t, d.ns, "ip", "link", "set", "eth0", "up")
	return d
}

// start brings the device's tunnel up: the hub as its one peer with
// AllowedIPs 0.0.0.0/0, and the LAN, the VPN and the WAN host routed into
// the tunnel.
func (d *device) start(t *testing.T, tp *Topology, hubPub wgtypes.Key) {
	t.Helper()
	kf := filepath.Join(tp.Dir, d.iface+".key")
	if err := os.WriteFile(kf, []byte(d.key.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	MustRun(t, d.ns, "wireguard-go", d.iface)
	waitSocket(t, d.iface)
	MustRun(t, d.ns, "wg", "set", d.iface, "private-key", kf, "peer", hubPub.String(),
		"endpoint", fmt.Sprintf("%s:%d", HubWAN, HubPort), "allowed-ips", "0.0.0.0/0")
	MustRun(t, d.ns, "ip", "addr", "add", d.vpn+"/24", "dev", d.iface)
	MustRun(t, d.ns, "ip", "link", "set", d.iface, "up")
	MustRun(t, d.ns, "ip", "route", "add", LANNet.String(), "dev", d.iface)
	MustRun(t, d.ns, "ip", "route", "add", WANOnlyWAN+"/32", "dev", d.iface)
	MustRun(t, d.ns, "ip", "route", "add", siteNet, "dev", d.iface)
	if d.vpn6 != "" {
		MustRun(t, d.ns, "wg", "set", d.iface, "peer", hubPub.String(), "allowed-ips", "0.0.0.0/0,::/0")
		MustRun(t, d.ns, "ip", "addr", "add", d.vpn6+"/64", "dev", d.iface)
		MustRun(t, d.ns, "ip", "route", "add", lan6.String(), "dev", d.iface)
	}
}

// add adds the device to the hub with wghub peer add (live).
func (d *device) add(t *testing.T, h *CLIHub, flags ...string) {
	t.Helper()
	h.run(t, append([]string{"peer", "add", d.name, "--public-key", d.key.PublicKey().String(), "--ip", d.vpn}, flags...)...)
}

// siteNet is a subnet routed to a device (site to site); site is its host.
const siteNet, site = "10.50.0.0/24", "10.50.0.1"

// accessHub is the topology with the wghub binary as the hub: FORWARD's
// policy DROP (a hardened host: nothing passes that wghub's chains do not
// accept), a default route out of the WAN device (the Internet device),
// and servers (TCP and UDP) on lan1, lan2 and the WAN host.
func accessHub(t *testing.T, cfg HubConfig) (*Topology, *CLIHub) {
	t.Helper()
	RequireRoot(t)
	if wghubBin == "" {
		t.Skip("needs the wghub binary (not built in driver mode)")
	}
	tp := NewTopology(t)
	ipt, ip6t := iptablesOf(cfg)
	MustRun(t, tp.Hub, ipt, "-P", "FORWARD", "DROP")
	MustRun(t, tp.Hub, ip6t, "-P", "FORWARD", "DROP")
	MustRun(t, tp.Hub, "ip", "route", "add", "default", "dev", WANDev)
	Serve(t, tp.LAN1, LAN1)
	Serve(t, tp.LAN2, LAN2)
	Serve(t, tp.WANOnly, WANOnlyWAN)
	cfg.OnlyExt = true
	h := tp.NewCLIHub(t, cfg, wghubBin)
	h.Up(t)
	return tp, h
}

// iptablesOf names the iptables and ip6tables the hub of cfg uses.
func iptablesOf(cfg HubConfig) (string, string) {
	if cfg.Legacy {
		return "iptables-legacy", "ip6tables-legacy"
	}
	return "iptables", "ip6tables"
}

// probe is one kind of traffic.
type probe string

const (
	icmp probe = "ping"
	tcp  probe = "tcp"
	udp  probe = "udp"
)

var all = []probe{icmp, tcp, udp}

// try sends one probe from ns to dst (ServerPort for tcp and udp) and
// returns nil when it was answered, with the address the server saw.
func try(ns, dst string, p probe, timeout time.Duration) (netip.AddrPort, error) {
	switch p {
	case icmp:
		return netip.AddrPort{}, Ping(ns, dst, 1, int(timeout/time.Second))
	case tcp:
		return Who(ns, dst, timeout)
	default:
		return WhoUDP(ns, dst, timeout)
	}
}

// expect is one check: from device d to dst by p, passes or not.
type expect struct {
	d    *device
	dst  string
	p    []probe
	pass bool
}

// check runs the expectations, each device's in parallel with the others
// (a probe that must fail waits for its timeout).
func check(t *testing.T, what string, es []expect) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var fails []string
	for _, e := range es {
		for _, p := range e.p {
			wg.Add(1)
			go func() {
				defer wg.Done()
				timeout := failTimeout
				if e.pass {
					timeout = 5 * time.Second
				}
				_, err := try(e.d.ns, e.dst, p, timeout)
				var f string
				switch {
				case e.pass && err != nil:
					f = fmt.Sprintf("%s → %s %s: no answer, want one: %v", e.d.name, e.dst, p, err)
				case !e.pass && err == nil:
					f = fmt.Sprintf("%s → %s %s: answered, want it refused", e.d.name, e.dst, p)
				}
				if f != "" {
					mu.Lock()
					fails = append(fails, f)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	for _, f := range fails {
		t.Errorf("%s: %s", what, f)
	}
}

// hubRules is what wghub's IPv4 chains hold in the hub namespace
// (iptables -S; ipt names the iptables, "" the default one).
func hubRules(t *testing.T, tp *Topology, ipt ...string) string {
	t.Helper()
	bin := "iptables"
	if len(ipt) > 0 {
		bin = ipt[0]
	}
	var b strings.Builder
	for _, c := range [][2]string{{"filter", linux.FwdChain(tp.HubIf)}, {"filter", linux.InChain(tp.HubIf)}, {"nat", linux.NATChain(tp.HubIf)}} {
		b.WriteString(MustRun(t, tp.Hub, bin, "-t", c[0], "-S", c[1]))
	}
	return b.String()
}

// TestAccessKinds: for every access kind, what is allowed passes and what
// is denied is refused, by ping, TCP and UDP, with the hub's default
// access "lan": lan, internet (only this device to the WAN host, which
// sees the hub's address), router (the hub's own service; DNS on the hub
// answers everybody over udp and tcp), LAN hosts with protocol and port,
// and spoke (to devices and a subnet routed to one) off and on, both as
// the hub default and per device.
func TestAccessKinds(t *testing.T) {
	t.Parallel()
	tp, h := accessHub(t, HubConfig{})
	L := newDevice(t, tp, "lan", 1)
	I := newDevice(t, tp, "inet", 2)
	R := newDevice(t, tp, "router", 3)
	S := newDevice(t, tp, "spoke", 4)
	H := newDevice(t, tp, "hosts", 5)
	L.add(t, h, "--route", siteNet)
	I.add(t, h, "--access", "internet")
	R.add(t, h, "--access", "lan,router")
	S.add(t, h, "--access", "spoke")
	H.add(t, h, "--access", LAN1+" tcp/7000", "--access", LAN2+" udp/7000", "--access", LAN2+" icmp")
	for _, d := range []*device{L, I, R, S, H} {
		d.start(t, tp, h.PublicKey(t))
		Serve(t, d.ns, d.vpn)
	}
	MustRun(t, L.ns, "ip", "addr", "add", site+"/32", "dev", "lo")
	Serve(t, L.ns, site)     // a host of the subnet behind L
	Serve(t, tp.Hub, HubVPN) // the hub's own service
	dns := Start(t, tp.Hub, nil, "", "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
		"--user=root", "--pid-file="+filepath.Join(tp.Dir, "dnsmasq.pid"), "--bind-interfaces", "--listen-address="+HubVPN,
		"--address=/hub.test/192.0.2.53")
	for i := 0; ; i++ {
		if _, err := Resolve(tp.Hub, HubVPN, "hub.test", "udp", time.Second); err == nil {
			break
		} else if i == 50 {
			t.Fatalf("dnsmasq does not answer on the hub: %v\n%s", err, dns.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rules := hubRules(t, tp); os.Getenv("WGHUB_DEBUG") != "" {
		t.Logf("rules:\n%s", rules)
	}

	// The WAN host sees the hub's WAN address: the internet device was
	// masqueraded out of the Internet device.
	if who, err := Who(I.ns, WANOnlyWAN, 5*time.Second); err != nil || who.Addr().String() != HubWAN {
		t.Errorf("internet device → WAN host: server saw %s (%v); want %s", who, err, HubWAN)
	}
	check(t, "spoke off by default", []expect{
		// lan (the hub's default)
		{L, LAN1, all, true},
		{L, LAN2, all, true},
		{L, WANOnlyWAN, all, false},
		{L, HubVPN, all, false},
		{L, S.vpn, all, false},
		// internet only
		{I, WANOnlyWAN, all, true},
		{I, LAN1, all, false},
		{I, HubVPN, all, false},
		{I, L.vpn, all, false},
		// lan and router
		{R, HubVPN, all, true},
		{R, LAN1, all, true},
		{R, WANOnlyWAN, all, false},
		{R, L.vpn, all, false},
		// spoke only
		{S, L.vpn, all, true},
		{S, R.vpn, all, true},
		{S, site, all, true},
		{R, site, all, false},
		{S, LAN1, all, false},
		{S, WANOnlyWAN, all, false},
		{S, HubVPN, all, false},
		// LAN hosts: lan1 tcp/7000, lan2 udp/7000 and icmp
		{H, LAN1, []probe{tcp}, true},
		{H, LAN1, []probe{icmp, udp}, false},
		{H, LAN2, []probe{udp, icmp}, true},
		{H, LAN2, []probe{tcp}, false},
		{H, WANOnlyWAN, all, false},
		{H, HubVPN, all, false},
	})
	// DNS on the hub answers every device, router access or not.
	for _, d := range []*device{L, I, S, H} {
		for _, network := range []string{"udp", "tcp"} {
			if out, err := Resolve(d.ns, HubVPN, "hub.test", network, 5*time.Second); err != nil || out != "192.0.2.53" {
				t.Errorf("%s: DNS over %s at the hub: %q, %v; want 192.0.2.53", d.name, network, out, err)
			}
		}
	}

	// Spoke on as the hub's default: the default devices reach each
	// other; a device whose own access has no spoke still does not.
	h.run(t, "setup", "--access", "lan,spoke")
	check(t, "spoke on by default", []expect{
		{L, R.vpn, all, true},
		{L, S.vpn, all, true},
		{R, S.vpn, all, false},
		{L, LAN1, all, true},
		{I, L.vpn, all, false},
		{R, L.vpn, all, false},
		{H, L.vpn, all, false},
	})
}

// TestAccessChangeHitless (issue 11 point 2): a ping stream through device
// A loses no packet while device B's access changes 10 times, each change
// applied live by `wghub peer set B --access ...`; B's rules follow every
// change, and B's traffic the last one. With both iptables backends.
func TestAccessChangeHitless(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		name := "nft"
		if legacy {
			name = "legacy"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			accessChangeHitless(t, HubConfig{Legacy: legacy})
		})
	}
}

func accessChangeHitless(t *testing.T, cfg HubConfig) {
	tp, h := accessHub(t, cfg)
	ipt, _ := iptablesOf(cfg)
	A := newDevice(t, tp, "a", 1)
	B := newDevice(t, tp, "b", 2)
	A.add(t, h, "--access", "lan,router")
	B.add(t, h)
	A.start(t, tp, h.PublicKey(t))
	B.start(t, tp, h.PublicKey(t))
	if err := Ping(A.ns, LAN1, 2, 5); err != nil {
		t.Fatal(err)
	}
	stream := StartPingStream(A.ns, LAN1)
	internetRule := "-A " + linux.FwdChain(tp.HubIf) + " -s " + B.vpn + "/32 -i " + tp.HubIf + " -o " + WANDev
	changes := time.Now()
	for i := range 10 {
		acc, internet := "lan,router", false
		if i%2 == 0 {
			acc, internet = "internet", true
		}
		h.run(t, "peer", "set", B.name, "--access", acc)
		if got := strings.Contains(hubRules(t, tp, ipt), internetRule); got != internet {
			t.Errorf("change %d (%s): B's internet rule present %v; want %v:\n%s", i+1, acc, got, internet, hubRules(t, tp, ipt))
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(changes).Round(time.Millisecond)
	runs, sent := stream.Stop(t, "through A while B's access changed")
	t.Logf("A: %d echo requests in %d runs while B's access changed 10 times (in %s, with a rules check and 50 ms after each)", sent, runs, took)
	// B's last access is "lan,router".
	check(t, "after the changes", []expect{
		{B, LAN1, all, true},
		{B, WANOnlyWAN, all, false},
		{A, LAN1, all, true},
	})
}

// TestFullTunnelLive: a live `peer add --full-tunnel` opens the WAN for
// that device at once (not at the next `up`) and for it only; removing
// the last internet device removes every WAN rule again.
func TestFullTunnelLive(t *testing.T) {
	t.Parallel()
	tp, h := accessHub(t, HubConfig{})
	F1 := newDevice(t, tp, "full1", 1)
	F2 := newDevice(t, tp, "full2", 2)
	L := newDevice(t, tp, "lan", 3)
	L.add(t, h)
	L.start(t, tp, h.PublicKey(t))
	wanRules := func() []string {
		var out []string
		for _, l := range strings.Split(hubRules(t, tp), "\n") {
			if strings.Contains(l, WANDev) {
				out = append(out, l)
			}
		}
		return out
	}
	if r := wanRules(); len(r) > 0 {
		t.Fatalf("WAN rules before any internet device:\n%s", strings.Join(r, "\n"))
	}
	F1.add(t, h, "--full-tunnel")
	F2.add(t, h, "--full-tunnel")
	F1.start(t, tp, h.PublicKey(t))
	F2.start(t, tp, h.PublicKey(t))
	if r := wanRules(); len(r) == 0 {
		t.Errorf("no WAN rule after a live peer add --full-tunnel")
	}
	check(t, "two full-tunnel devices", []expect{
		{F1, WANOnlyWAN, all, true},
		{F2, WANOnlyWAN, all, true},
		{F1, LAN1, []probe{tcp}, true},
		{L, WANOnlyWAN, all, false},
	})
	h.run(t, "peer", "remove", F1.name)
	check(t, "one full-tunnel device left", []expect{
		{F2, WANOnlyWAN, all, true},
		{F1, WANOnlyWAN, []probe{tcp}, false},
	})
	h.run(t, "peer", "remove", F2.name)
	if r := wanRules(); len(r) > 0 {
		t.Errorf("WAN rules left after removing the last internet device:\n%s", strings.Join(r, "\n"))
	}
	check(t, "no full-tunnel device", []expect{{L, LAN1, []probe{tcp}, true}})
}

// IPv6 subnets of TestAccessIPv6: the VPN (hub at ::1; a device's address
// is the twin of its IPv4 one) and the LAN (hub ::1, lan1 ::20).
var (
	vpn6 = netip.MustParsePrefix("fd00:100::/64")
	lan6 = netip.MustParsePrefix("fd00:1::/64")
)

// TestAccessIPv6: the same enforcement with ip6tables: a device with the
// default lan access reaches an IPv6 LAN host (masqueraded: the host has
// no route back) but not the hub's own service; an internet-only device
// does not reach the LAN.
func TestAccessIPv6(t *testing.T) {
	t.Parallel()
	tp, h := accessHub(t, HubConfig{VPN6: vpn6, LAN6: lan6})
	MustRun(t, tp.Hub, "ip", "addr", "add", "fd00:1::1/64", "dev", LANDev)
	MustRun(t, tp.LAN1, "ip", "addr", "add", "fd00:1::20/64", "dev", "eth0")
	Serve(t, tp.LAN1, "[fd00:1::20]")
	L := newDevice(t, tp, "lan6", 1)
	I := newDevice(t, tp, "inet6", 2)
	L.vpn6, I.vpn6 = "fd00:100::29", "fd00:100::2a" // twins of .41 and .42
	L.add(t, h)
	I.add(t, h, "--access", "internet")
	for _, d := range []*device{L, I} {
		d.start(t, tp, h.PublicKey(t))
	}
	Serve(t, tp.Hub, "[fd00:100::1]")
	if who, err := Who(L.ns, "[fd00:1::20]", 5*time.Second); err != nil || who.Addr().String() != "fd00:1::1" {
		t.Errorf("lan device → IPv6 LAN host: server saw %s (%v); want fd00:1::1 (masqueraded)", who, err)
	}
	check(t, "IPv6", []expect{
		{L, "fd00:1::20", []probe{icmp}, true},
		{L, "[fd00:1::20]", []probe{tcp, udp}, true},
		{L, "fd00:100::1", []probe{icmp}, false},
		{L, "[fd00:100::1]", []probe{tcp, udp}, false},
		{I, "fd00:1::20", []probe{icmp}, false},
		{I, "[fd00:1::20]", []probe{tcp, udp}, false},
	})
}

//go:build linux

package netnstests

import (
	"fmt"
	"github.com/wghub/wghub/internal/wghubtest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/backend/linux"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// wghubBin is the wghub binary TestMain built, "" if none.
var wghubBin string

// TestMain builds the wghub binary (as root, when the tests will run) so
// that the hub is the real CLI; WGHUB_NETNS_HUB=driver drives package linux
// directly instead.
func TestMain(m *testing.M) {
	if os.Getenv(RoleEnv) == "" && os.Geteuid() == 0 && os.Getenv("WGHUB_NETNS_HUB") != "driver" {
		bin, cleanup, err := wghubtest.Build()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		wghubBin = bin
		code := RunTests(m)
		cleanup()
		os.Exit(code)
	}
	Main(m)
}

// failTimeout bounds every check that traffic does NOT get through.
const failTimeout = 2 * time.Second

// newHub is the one place that chooses what drives the hub: the wghub
// binary TestMain built, or package linux through the driver role.
func newHub(t *testing.T, tp *Topology, cfg HubConfig) Hub {
	if wghubBin != "" {
		return tp.NewCLIHub(t, cfg, wghubBin)
	}
	return tp.NewDriverHub(t, cfg)
}

// setup builds the topology, starts servers on lan1 and lan2, brings the
// hub up with ext and ext2 as peers and starts them.
func setup(t *testing.T) (*Topology, Hub) {
	t.Helper()
	tp := NewTopology(t)
	Serve(t, tp.LAN1, LAN1)
	Serve(t, tp.LAN2, LAN2)
	hub := newHub(t, tp, HubConfig{})
	hub.Up(t)
	tp.StartPeers(t, hub.PublicKey(t))
	return tp, hub
}

// mustReach checks ICMP and a TCP connection from ns to dst.
func mustReach(t *testing.T, ns, dst string, extra ...string) {
	t.Helper()
	if err := Ping(ns, dst, 2, 5, extra...); err != nil {
		t.Errorf("ping %s from %s: %v", dst, ns, err)
	}
	if len(extra) == 0 {
		if _, err := Who(ns, dst, 5*time.Second); err != nil {
			t.Errorf("TCP %s from %s: %v", dst, ns, err)
		}
	}
}

// mustNotReach checks that neither ICMP nor TCP from ns gets an answer
// from dst within failTimeout each.
func mustNotReach(t *testing.T, ns, dst string, extra ...string) {
	t.Helper()
	if err := Ping(ns, dst, 1, int(failTimeout/time.Second), extra...); err == nil {
		t.Errorf("ping %s from %s got an answer; want none", dst, ns)
	}
	if len(extra) == 0 {
		if who, err := Who(ns, dst, failTimeout); err == nil {
			t.Errorf("TCP %s from %s connected (server saw %s); want no connection", dst, ns, who)
		}
	}
}

// a. ext reaches lan1 and lan2 by ICMP and TCP through the tunnel.
func TestExtReachesLAN(t *testing.T) {
	t.Parallel()
	tp, _ := setup(t)
	for _, dst := range []string{LAN1, LAN2} {
		mustReach(t, tp.Ext, dst)
		mustReach(t, tp.Ext2, dst)
	}
}

// b. lan1 sees the hub's LAN address: the hub masqueraded.
func TestMasquerade(t *testing.T) {
	t.Parallel()
	tp, _ := setup(t)
	for _, ns := range []string{tp.Ext, tp.Ext2} {
		who, err := Who(ns, LAN1, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if who.Addr() != netip.MustParseAddr(HubLAN) {
			t.Errorf("lan1 saw a connection from %s from %s; want %s (masqueraded)", ns, who, HubLAN)
		}
	}
}

// c. without the MASQUERADE rule, LAN hosts cannot answer.
func TestWithoutMasqueradeNoAnswer(t *testing.T) {
	t.Parallel()
	tp, _ := setup(t)
	mustReach(t, tp.Ext, LAN1)
	chain := linux.NATChain(tp.HubIf)
	n := 0
	for _, l := range strings.Split(MustRun(t, tp.Hub, "iptables", "-t", "nat", "-S", chain), "\n") {
		if rule, ok := strings.CutPrefix(l, "-A "+chain+" "); ok && strings.Contains(rule, "-j MASQUERADE") {
			MustRun(t, tp.Hub, append([]string{"iptables", "-t", "nat", "-D", chain}, strings.Fields(rule)...)...)
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no MASQUERADE rule in %s", chain)
	}
	mustNotReach(t, tp.Ext, LAN1)
}

// d. a WAN host without a tunnel, routing the LAN via the hub, gets nothing.
func TestWANOnlyCannotReachLAN(t *testing.T) {
	t.Parallel()
	tp, _ := setup(t)
	MustRun(t, tp.WANOnly, "ip", "route", "add", LANNet.String(), "via", HubWAN)
	MustRun(t, tp.WANOnly, "ip", "route", "add", VPNNet.String(), "via", HubWAN)
	if err := Ping(tp.WANOnly, HubWAN, 1, 5); err != nil {
		t.Fatalf("wanonly cannot even reach the hub: %v", err)
	}
	mustNotReach(t, tp.WANOnly, LAN1)
	mustNotReach(t, tp.WANOnly, LAN2)
	mustReach(t, tp.Ext, LAN1) // the hub itself works
}

// e. a removed peer reaches nothing; the remaining one still does.
func TestRemovedPeer(t *testing.T) {
	t.Parallel()
	tp, hub := setup(t)
	mustReach(t, tp.Ext, LAN1)
	mustReach(t, tp.Ext2, LAN1)
	hub.RemovePeer(t, "ext", tp.ExtKey.PublicKey())
	mustNotReach(t, tp.Ext, LAN1)
	mustNotReach(t, tp.Ext, HubVPN)
	mustReach(t, tp.Ext2, LAN1)
	mustReach(t, tp.Ext2, LAN2)
	if _, ok := Peers(t, tp.Hub, tp.HubIf)[tp.ExtKey.PublicKey().String()]; ok {
		t.Error("ext is still a peer of the hub")
	}
}

// f. a peer sending from outside its allowed IPs gets nothing through.
func TestSpoofedSource(t *testing.T) {
	t.Parallel()
	tp, _ := setup(t)
	const spoof = "192.168.100.50"
	MustRun(t, tp.Ext, "ip", "addr", "add", spoof+"/32", "dev", tp.ExtIf)
	mustReach(t, tp.Ext, LAN1, "-I", ExtVPN)
	mustNotReach(t, tp.Ext, LAN1, "-I", spoof)
	mustNotReach(t, tp.Ext, HubVPN, "-I", spoof)
}

// g. after Down, rules (both families), routes, addresses and sysctls are
// exactly as before Up; Up twice changes nothing. With both iptables
// backends.
func TestDownRestores(t *testing.T) {
	for _, tc := range []struct {
		name        string
		legacy      bool
		save, save6 string
	}{
		{"nft", false, "iptables-save", "ip6tables-save"},
		{"legacy", true, "iptables-legacy-save", "ip6tables-legacy-save"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tp := NewTopology(t)
			Serve(t, tp.LAN1, LAN1)
			// An IPv6 VPN and LAN too, so that ip6tables and IPv6
			// forwarding are exercised.
			hub := newHub(t, tp, HubConfig{
				VPN6:    netip.MustParsePrefix("fd00:100::/64"),
				LAN6:    netip.MustParsePrefix("fd00:1::/64"),
				Legacy:  tc.legacy,
				OnlyExt: true,
			})
			before := Snapshot(t, tp.Hub, tc.save, tc.save6)
			hub.Up(t)
			tp.StartPeer(t, hub.PublicKey(t), tp.Ext, tp.ExtIf, tp.ExtKey, ExtVPN)
			mustReach(t, tp.Ext, LAN1)
			up := Snapshot(t, tp.Hub, tc.save, tc.save6)
			if os.Getenv("WGHUB_DEBUG") != "" {
				t.Logf("after Up:\n%s", up)
			}
			if up == before {
				t.Fatal("Up changed nothing")
			}
			for _, want := range []string{linux.FwdChain(tp.HubIf), linux.NATChain(tp.HubIf), "MASQUERADE", "fd00:100::/64", "fd00:1::/64"} {
				if !strings.Contains(up, want) {
					t.Errorf("after Up, no %q in\n%s", want, up)
				}
			}
			hub.Up(t)
			if again := Snapshot(t, tp.Hub, tc.save, tc.save6); again != up {
				t.Errorf("second Up changed the hub:\n%s", LineDiff(up, again))
			}
			mustReach(t, tp.Ext, LAN1)
			hub.Down(t)
			if after := Snapshot(t, tp.Hub, tc.save, tc.save6); after != before {
				t.Errorf("Down did not restore the hub:\n%s", LineDiff(before, after))
			}
			if _, err := os.Stat("/var/run/wireguard/" + tp.HubIf + ".sock"); err == nil {
				t.Error("hub's UAPI socket still exists after Down")
			}
			if pids := PIDs(tp.Hub); len(pids) > 0 {
				t.Errorf("processes left in the hub namespace after Down: %v", pids)
			}
		})
	}
}

// h. adding and removing 20 peers one by one while ext streams through the
// hub loses no packet, and ext's session (handshake, counters) survives.
func TestHitlessPeerChanges(t *testing.T) {
	t.Parallel()
	tp, hub := setup(t)
	mustReach(t, tp.Ext, LAN1)
	extPub := tp.ExtKey.PublicKey().String()
	before := Peers(t, tp.Hub, tp.HubIf)[extPub]
	if before.Handshake == 0 {
		t.Fatal("ext has no handshake with the hub")
	}
	// Every echo request of the stream must be answered.
	stream := StartPingStream(tp.Ext, LAN1)
	// Spread the changes over the stream rather than in one burst.
	const pace = 50 * time.Millisecond
	changes := time.Now()
	var keys []wgtypes.Key
	for i := range 20 {
		k, err := wgtypes.GeneratePrivateKey()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.PublicKey())
		hub.AddPeer(t, fmt.Sprintf("extra%d", i), k.PublicKey(), netip.AddrFrom4([4]byte{192, 168, 100, byte(100 + i)}))
		time.Sleep(pace)
	}
	if n := len(Peers(t, tp.Hub, tp.HubIf)); n != 22 {
		t.Errorf("hub has %d peers after adding 20; want 22", n)
	}
	for i, k := range keys {
		hub.RemovePeer(t, fmt.Sprintf("extra%d", i), k)
		time.Sleep(pace)
	}
	t.Logf("20 adds and 20 removes took %s", time.Since(changes).Round(time.Millisecond))
	runs, sent := stream.Stop(t, "while peers changed")
	t.Logf("%d echo requests in %d runs, all answered", sent, runs)
	after := Peers(t, tp.Hub, tp.HubIf)
	if len(after) != 2 {
		t.Errorf("hub has %d peers after removing the 20; want 2", len(after))
	}
	a := after[extPub]
	if a.Handshake != before.Handshake {
		t.Errorf("ext's handshake changed from %d to %d: its session was reset", before.Handshake, a.Handshake)
	}
	if a.RX <= before.RX || a.TX <= before.TX {
		t.Errorf("ext's counters did not grow: before %+v, after %+v", before, a)
	}
	t.Logf("ext before %+v after %+v", before, a)
}

// TestThroughput prints the rate of one TCP stream ext→lan1 through the
// userspace hub (WGHUB_BENCH=1; about 3 s).
func TestThroughput(t *testing.T) {
	if os.Getenv("WGHUB_BENCH") != "1" {
		t.Skip("set WGHUB_BENCH=1 to measure throughput")
	}
	tp, _ := setup(t)
	mustReach(t, tp.Ext, LAN1)
	mbps, err := Stream(tp.Ext, LAN1, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("TCP ext→lan1 through the userspace hub: %.0f Mbit/s", mbps)
	fmt.Printf("throughput: %.0f Mbit/s\n", mbps)
}

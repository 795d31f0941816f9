//go:build linux

package openwrt_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/internal/openwrtrig"
	"github.com/wghub/wghub/internal/wghubtest"
	netnstests "github.com/wghub/wghub/netns-tests"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// goldenTrees applies control's golden diffs (control/testdata/golden,
// the life of a hub on the stock tree) in order to a copy of the stock
// tree and returns the firewall config after each, by diff name; import.diff
// applies to a fresh stock tree.
func goldenTrees(t *testing.T) (names []string, firewall map[string]string) {
	t.Helper()
	dir := filepath.Join(openwrtrig.RepoRoot(), "control", "testdata", "golden")
	diffs, _ := filepath.Glob(filepath.Join(dir, "*.diff"))
	if len(diffs) == 0 {
		t.Fatal("no golden diffs in control/testdata/golden")
	}
	sort.Strings(diffs)
	firewall = map[string]string{}
	life := wghubtest.Sandbox(t)
	for _, d := range diffs {
		name := filepath.Base(d)
		tree := life
		if !regexp.MustCompile(`^\d\d-`).MatchString(name) {
			tree = wghubtest.Sandbox(t) // not a step of the life: from stock
		}
		// Only the firewall part: the other files' hunks carry keys,
		// normalised per diff, which do not chain from one to the next.
		b, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		if fw := firewallHunks(string(b)); fw != "" {
			cmd := exec.Command("patch", "-s", "-p1", "-d", tree)
			cmd.Stdin = strings.NewReader(fw)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("patch %s: %v: %s", name, err, out)
			}
		}
		fw, err := os.ReadFile(filepath.Join(tree, "firewall"))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
		firewall[name] = string(fw)
	}
	return names, firewall
}

// firewallHunks is the part of a unified diff that changes firewall.
func firewallHunks(diff string) string {
	var out strings.Builder
	in := false
	for _, l := range strings.SplitAfter(diff, "\n") {
		if strings.HasPrefix(l, "--- ") {
			in = strings.TrimSpace(l) == "--- a/firewall"
		}
		if in {
			out.WriteString(l)
		}
	}
	return out.String()
}

var (
	countersRE = regexp.MustCompile(`packets \d+ bytes \d+`)
	handleRE   = regexp.MustCompile(` # handle \d+`)
)

// ruleset is `nft list ruleset` of the router, counters and handles
// normalised, after the router has settled.
func ruleset(t *testing.T, g *openwrtrig.Gateway) string {
	t.Helper()
	g.Settle(t)
	out := g.MustExec(t, "nft", "list", "ruleset")
	return handleRE.ReplaceAllString(countersRE.ReplaceAllString(out, "packets 0 bytes 0"), "")
}

// wghubNames are the names of wghub's firewall rules and NAT sections in
// a firewall config (fw4 comments each rule it renders with "!fw4: NAME").
func wghubNames(fw string) []string {
	var names []string
	for _, sec := range strings.Split(fw, "\nconfig ") {
		if !strings.Contains(strings.SplitN(sec, "\n", 2)[0], "'wghub_") {
			continue
		}
		if m := regexp.MustCompile(`option name '([^']*)'`).FindStringSubmatch(sec); m != nil && !strings.HasPrefix(sec, "zone") {
			names = append(names, m[1])
		}
	}
	return names
}

// TestOpenwrtFirewall is issue 9 point 3d: firewall4 compiles and loads
// wghub's firewall for every golden tree of control's tests; on a hub set
// up with `wghub setup`, ping and TCP from the external peer reach the LAN
// host through a real tunnel and the LAN host sees the hub's LAN address;
// a WAN host without a tunnel does not get through; `wghub teardown` gives
// back the stock ruleset.
func TestOpenwrtFirewall(t *testing.T) {
	t.Parallel()
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin})
	stockFirewall, err := g.ReadFile("/etc/config/firewall")
	if err != nil {
		t.Fatal(err)
	}
	stock := ruleset(t, g)

	names, trees := goldenTrees(t)
	for _, name := range names {
		t.Run("golden/"+name, func(t *testing.T) {
			if err := g.WriteFile("/etc/config/firewall", []byte(trees[name]), 0o644); err != nil {
				t.Fatal(err)
			}
			rules := g.MustExec(t, "fw4", "-q", "print")
			if err := g.WriteFile("/tmp/golden.nft", []byte(rules), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := g.Exec("nft", "-c", "-f", "/tmp/golden.nft"); err != nil {
				t.Fatalf("nft -c rejects what fw4 renders: %v\n%s", err, out)
			}
			g.MustExec(t, "fw4", "-q", "restart")
			live := ruleset(t, g)
			for _, n := range wghubNames(trees[name]) {
				if !strings.Contains(live, "!fw4: "+n+`"`) {
					t.Errorf("loaded ruleset lacks wghub's %q", n)
				}
			}
			if strings.Contains(trees[name], "'wghub_zone'") != strings.Contains(live, "chain forward_vpn {") {
				t.Errorf("zone vpn in config: %v, chain forward_vpn loaded: %v",
					strings.Contains(trees[name], "'wghub_zone'"), strings.Contains(live, "chain forward_vpn {"))
			}
		})
	}
	if err := g.WriteFile("/etc/config/firewall", stockFirewall, 0o644); err != nil {
		t.Fatal(err)
	}
	g.MustExec(t, "fw4", "-q", "restart")
	if got := ruleset(t, g); got != stock {
		t.Fatalf("stock firewall restored, ruleset differs:\n%s", netnstests.LineDiff(stock, got))
	}

	// A hub, as an owner sets it up, and ext as its device.
	g.MustExec(t, "/usr/sbin/wghub", "setup", "--endpoint", openwrtrig.WANAddr)
	extKey, _ := wgtypes.GeneratePrivateKey()
	g.MustExec(t, "/usr/sbin/wghub", "peer", "add", "ext", "--public-key", extKey.PublicKey().String(), "--ip", netnstests.ExtVPN)
	g.WaitUp(t, "wg0")
	// wg0's ifup makes firewall4 reload (hotplug): until then wg0 is in
	// no zone and its traffic is rejected.
	g.Settle(t)
	extIf := startExt(t, g, extKey)

	netnstests.Serve(t, g.LAN, openwrtrig.LANHost)
	if err := g.Ping(g.Ext, openwrtrig.LANHost, 3, 10); err != nil {
		t.Errorf("ping from ext through the tunnel to the LAN host: %v", err)
	}
	src, err := netnstests.Who(g.Ext, openwrtrig.LANHost, 5*time.Second)
	if err != nil {
		t.Errorf("TCP from ext through the tunnel to the LAN host: %v", err)
	} else if src.Addr() != netip.MustParseAddr(openwrtrig.LANAddr) {
		t.Errorf("the LAN host saw %s, want the hub's LAN address %s (masquerade)", src.Addr(), openwrtrig.LANAddr)
	}
	peers := netnstests.Peers(t, g.Ext, extIf)
	if len(peers) != 1 {
		t.Errorf("ext has %d peers, want the hub", len(peers))
	}

	// A WAN host without a tunnel, routing the LAN via the hub's WAN address.
	wan := g.AddWANHost(t, "203.0.113.20")
	netnstests.MustRun(t, wan, "ip", "route", "add", openwrtrig.LANNet, "via", openwrtrig.WANAddr)
	if err := g.Ping(wan, openwrtrig.LANHost, 1, 2); err == nil {
		t.Error("a WAN host without a tunnel pinged the LAN host")
	}
	if _, err := netnstests.Who(wan, openwrtrig.LANHost, 2*time.Second); err == nil {
		t.Error("a WAN host without a tunnel reached the LAN host over TCP")
	}

	g.MustExec(t, "/usr/sbin/wghub", "teardown")
	if got := ruleset(t, g); got != stock {
		t.Errorf("after wghub teardown the ruleset is not the stock one:\n%s", netnstests.LineDiff(stock, got))
	}
}

// startExt brings up ext's WireGuard (userspace, on the host's file
// system) with the hub as its one peer, and returns its interface.
func startExt(t *testing.T, g *openwrtrig.Gateway, key wgtypes.Key) string {
	t.Helper()
	var st struct {
		PublicKey string `json:"public_key"`
	}
	if err := json.Unmarshal([]byte(g.MustExec(t, "/usr/sbin/wghub", "status", "--json")), &st); err != nil {
		t.Fatalf("wghub status --json: %v", err)
	}
	hubPub, err := wgtypes.ParseKey(st.PublicKey)
	if err != nil {
		t.Fatalf("hub public key %q: %v", st.PublicKey, err)
	}
	iface := netnstests.Iface(g.Ext, 'e')
	tp := &netnstests.Topology{Dir: t.TempDir()}
	if netnstests.HubWAN != openwrtrig.WANAddr || netnstests.LANNet.String() != openwrtrig.LANNet {
		t.Fatal(fmt.Sprintf("netnstests' StartPeer assumes the hub at %s and LAN %s", netnstests.HubWAN, netnstests.LANNet))
	}
	tp.StartPeer(t, hubPub, g.Ext, iface, key, netnstests.ExtVPN)
	return iface
}

//go:build linux

package openwrt_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wghub/wghub/internal/openwrtrig"
	netnstests "github.com/wghub/wghub/netns-tests"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// deviceConfig is `wg showconf wg0` of the router with endpoints left out
// (learnt from traffic, not configured) and peers sorted, so that two
// devices configured alike compare equal whatever order peers came in.
func deviceConfig(t *testing.T, g *openwrtrig.Gateway) string {
	t.Helper()
	out := g.MustExec(t, "wg", "showconf", "wg0")
	blocks := strings.Split(out, "[Peer]")
	for i, b := range blocks {
		var keep []string
		for _, l := range strings.Split(strings.TrimSpace(b), "\n") {
			if l == "" || strings.HasPrefix(l, "Endpoint") {
				continue
			}
			// Secrets compare by a digest, so that a diff shows which
			// changed without printing them.
			if k, v, ok := strings.Cut(l, " = "); ok && (k == "PrivateKey" || k == "PresharedKey") {
				l = fmt.Sprintf("%s = sha256:%x", k, sha256.Sum256([]byte(v)))
			}
			keep = append(keep, l)
		}
		if i > 0 {
			sort.Strings(keep[1:]) // AllowedIPs order is the device's
		}
		blocks[i] = strings.Join(keep, "\n")
	}
	sort.Strings(blocks[1:])
	return strings.Join(blocks, "\n[Peer]\n")
}

var pingStats = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// pinger pings dst from ns every 50 ms until stop, which returns how many
// requests went unanswered (the last one, in flight when stopped, aside).
type pinger struct {
	cmd *exec.Cmd
	out strings.Builder
}

func startPing(t *testing.T, ns, dst string) *pinger {
	t.Helper()
	p := &pinger{cmd: exec.Command("ip", "netns", "exec", ns, "ping", "-n", "-q", "-i", "0.05", "-W", "1", dst)}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	return p
}

func (p *pinger) stop(t *testing.T) (sent, lost int) {
	t.Helper()
	// ip netns exec runs ping in its own process: SIGINT makes it print
	// its statistics and exit.
	p.cmd.Process.Signal(syscall.SIGINT)
	p.cmd.Wait()
	m := pingStats.FindStringSubmatch(p.out.String())
	if m == nil {
		t.Fatalf("ping printed no statistics: %s", p.out.String())
	}
	fmt.Sscan(m[1], &sent)
	var got int
	fmt.Sscan(m[2], &got)
	lost = sent - got
	if lost == 1 {
		lost = 0 // the request in flight when ping was stopped
	}
	return sent, lost
}

// TestOpenwrtNetifd is issue 9 point 3c, under both generations of
// OpenWrt's WireGuard proto handler: netifd brings wg0 up from the UCI
// `wghub setup` writes; peers added and removed with wghub while ext pings
// through the tunnel lose no packet, as does `ubus call network reload`,
// and ext's session is not reset; a netifd restart as at boot gives the
// same device (wg showconf) as before — which the syncconf generation
// cannot do alone (it reads the PSK from peer_psk and joins 3+ allowed_ips
// wrongly), so there wghub's ifup hook must re-apply UCI.
func TestOpenwrtNetifd(t *testing.T) {
	for _, gen := range []openwrtrig.Handler{openwrtrig.Setconf, openwrtrig.Syncconf} {
		t.Run(string(gen), func(t *testing.T) {
			t.Parallel()
			testNetifd(t, gen)
		})
	}
}

func testNetifd(t *testing.T, gen openwrtrig.Handler) {
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin, Handler: gen})
	w := func(args ...string) string {
		t.Helper()
		return g.MustExec(t, append([]string{"/usr/sbin/wghub"}, args...)...)
	}
	// ext pings the hub itself: devices may reach the router.
	w("setup", "--endpoint", openwrtrig.WANAddr, "--access", "lan,router")
	g.WaitUp(t, "wg0")
	g.Settle(t)
	if out := g.MustExec(t, "ip", "-d", "link", "show", "wg0"); !strings.Contains(out, "tun") {
		t.Fatalf("wg0 is not the userspace device netifd's handler made:\n%s", out)
	}

	extKey, _ := wgtypes.GeneratePrivateKey()
	w("peer", "add", "ext", "--public-key", extKey.PublicKey().String(), "--ip", netnstests.ExtVPN)
	// What each handler generation reads differently: a preshared key,
	// and a peer with three allowed IPs (its address and two routed subnets).
	w("peer", "add", "phone", "--psk")
	w("peer", "add", "site", "--route", "10.1.0.0/24", "--route", "10.2.0.0/24")
	startExt(t, g, extKey)
	if err := g.Ping(g.Ext, "192.168.100.1", 2, 10); err != nil {
		t.Fatalf("ext cannot reach the hub through the tunnel: %v", err)
	}
	before := g.Peers(t, "wg0")[extKey.PublicKey().String()]
	if before.Handshake == 0 {
		t.Fatal("no handshake with ext")
	}
	checkStatus(t, g, extKey.PublicKey().String())

	t.Run("hitless", func(t *testing.T) {
		ping := startPing(t, g.Ext, "192.168.100.1")
		for i := 0; i < 5; i++ {
			w("peer", "add", fmt.Sprintf("t%d", i))
		}
		if out, err := g.Ubus("call", "network", "reload"); err != nil {
			t.Errorf("ubus call network reload: %v %s", err, out)
		}
		g.Settle(t)
		for i := 0; i < 5; i++ {
			w("peer", "remove", fmt.Sprintf("t%d", i))
		}
		if out, err := g.Ubus("call", "network", "reload"); err != nil {
			t.Errorf("ubus call network reload: %v %s", err, out)
		}
		g.Settle(t)
		if err := g.Ping(g.Ext, "192.168.100.1", 1, 5); err != nil {
			t.Errorf("after the changes: %v", err)
		}
		sent, lost := ping.stop(t)
		t.Logf("%s: %d pings during 10 peer changes and 2 network reloads, %d lost", gen, sent, lost)
		if lost != 0 {
			t.Errorf("%d of %d pings lost while peers changed and the network reloaded", lost, sent)
		}
		after := g.Peers(t, "wg0")[extKey.PublicKey().String()]
		if after.Handshake != before.Handshake || after.RX <= before.RX {
			t.Errorf("ext's session was reset: handshake %d -> %d, rx %d -> %d", before.Handshake, after.Handshake, before.RX, after.RX)
		}
		if n := len(g.Peers(t, "wg0")); n != 3 {
			t.Errorf("wg0 has %d peers after the changes, want 3", n)
		}
	})

	t.Run("reboot", func(t *testing.T) {
		want := deviceConfig(t, g)
		g.RestartNetifd(t)
		// The syncconf handler drops preshared keys (it reads peer_psk)
		// and fails on a third allowed_ips item (netifd then retries
		// every few seconds, wg0 never up): wghub writes at most two
		// items, and its ifup hook (wghub sync) applies the rest.
		upErr := g.UpWithin("wg0", 20*time.Second)
		if upErr == nil {
			g.Settle(t)
		}
		got := "(no device)"
		if _, err := g.Exec("wg", "show", "wg0"); err == nil {
			got = deviceConfig(t, g)
		}
		if got != want || upErr != nil {
			diff := netnstests.LineDiff(want, got)
			t.Fatalf("after a netifd restart wg0 differs from before (up: %v; -before +after):\n%s", upErr, diff)
		}
		// ext's session died with the old device: ext re-handshakes once
		// its data goes unanswered (WireGuard's rekey timeout, ~15 s).
		if err := g.Ping(g.Ext, "192.168.100.1", 2, 40); err != nil {
			t.Errorf("ext cannot reach the hub after the restart: %v", err)
		}
	})
}

// checkStatus: what `wghub status --json` shows of the peer pub (read
// from wg0's UAPI socket, package wgstat) is what wg shows: endpoint,
// handshake, and counters no larger than wg's read just after.
func checkStatus(t *testing.T, g *openwrtrig.Gateway, pub string) {
	t.Helper()
	var st struct {
		Peers []struct {
			PublicKey       string `json:"public_key"`
			Endpoint        string `json:"endpoint"`
			LatestHandshake int64  `json:"latest_handshake"`
			RxBytes         int64  `json:"rx_bytes"`
			TxBytes         int64  `json:"tx_bytes"`
		} `json:"peers"`
	}
	if err := json.Unmarshal([]byte(g.MustExec(t, "/usr/sbin/wghub", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	ends := g.MustExec(t, "wg", "show", "wg0", "endpoints")
	wg := g.Peers(t, "wg0")[pub]
	for _, p := range st.Peers {
		if p.PublicKey != pub {
			continue
		}
		if p.Endpoint == "" || !strings.Contains(ends, pub+"\t"+p.Endpoint+"\n") || p.LatestHandshake != wg.Handshake ||
			p.RxBytes == 0 || p.RxBytes > wg.RX || p.TxBytes == 0 || p.TxBytes > wg.TX {
			t.Errorf("status shows %+v; wg: %+v, endpoints\n%s", p, wg, ends)
		}
		return
	}
	t.Errorf("status does not show %s", pub)
}

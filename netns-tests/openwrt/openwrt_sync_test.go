//go:build linux

package openwrt_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/internal/openwrtrig"
)

// wgState is a device or UCI config reduced to what must agree: keys,
// port, and per peer (by public key) its preshared key and allowed IPs.
type wgState struct {
	PrivateKey, ListenPort string
	Peers                  map[string]string // public key -> "psk=...; ips=a,b"
}

func (s wgState) String() string {
	var ps []string
	for k, v := range s.Peers {
		ps = append(ps, k[:8]+": "+v)
	}
	slices.Sort(ps)
	return fmt.Sprintf("port %s, %d peers [%s]", s.ListenPort, len(s.Peers), strings.Join(ps, "; "))
}

func peerText(psk string, ips []string) string {
	slices.Sort(ips)
	return "psk=" + psk + "; ips=" + strings.Join(ips, ",")
}

// showconf parses `wg showconf IFACE`.
func showconf(out string) wgState {
	s := wgState{Peers: map[string]string{}}
	var pub, psk string
	var ips []string
	flush := func() {
		if pub != "" {
			s.Peers[pub] = peerText(psk, ips)
		}
		pub, psk, ips = "", "", nil
	}
	for _, l := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(l, " = ")
		switch strings.TrimSpace(k) {
		case "[Peer]":
			flush()
		case "PrivateKey":
			s.PrivateKey = v
		case "ListenPort":
			s.ListenPort = v
		case "PublicKey":
			pub = v
		case "PresharedKey":
			psk = v
		case "AllowedIPs":
			for _, a := range strings.Split(v, ",") {
				ips = append(ips, strings.TrimSpace(a))
			}
		}
	}
	flush()
	return s
}

// fromUCI reads the same from `uci show network` (the real uci): the
// interface section iface and its enabled peer sections.
func fromUCI(out, iface string) wgState {
	s := wgState{Peers: map[string]string{}}
	type peer struct {
		pub, psk string
		ips      []string
		disabled bool
	}
	peers := map[string]*peer{}
	var order []string
	for _, l := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		f := strings.Split(k, ".")
		if len(f) == 2 && v == "wireguard_"+iface {
			peers[f[1]] = &peer{}
			order = append(order, f[1])
			continue
		}
		if len(f) != 3 {
			continue
		}
		vals := strings.Fields(strings.ReplaceAll(v, "'", " "))
		val := strings.Join(vals, " ")
		if f[1] == iface {
			switch f[2] {
			case "private_key":
				s.PrivateKey = val
			case "listen_port":
				s.ListenPort = val
			}
			continue
		}
		p := peers[f[1]]
		if p == nil {
			continue
		}
		switch f[2] {
		case "public_key":
			p.pub = val
		case "preshared_key":
			p.psk = val
		case "allowed_ips":
			p.ips = vals
		case "disabled":
			p.disabled = val == "1"
		}
	}
	for _, n := range order {
		if p := peers[n]; !p.disabled && p.pub != "" {
			s.Peers[p.pub] = peerText(p.psk, p.ips)
		}
	}
	return s
}

// untilEqual polls until `wg showconf` equals UCI and returns how long it
// took; it fails the test if they never agree within bound.
func untilEqual(t *testing.T, g *openwrtrig.Gateway, iface string, bound time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var dev, cfg wgState
	for {
		u, err := g.UCI("show", "network")
		if err != nil {
			t.Fatal(err)
		}
		cfg = fromUCI(u, iface)
		if out, err := g.Exec("wg", "showconf", iface); err == nil {
			dev = showconf(out)
			if dev.String() == cfg.String() && dev.PrivateKey == cfg.PrivateKey {
				return time.Since(start)
			}
		}
		if time.Since(start) > bound {
			t.Fatalf("wg showconf %s never equalled UCI within %s:\ndevice %s\nUCI    %s", iface, bound, dev, cfg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSyncAfterNetifdRestart: under both generations of netifd's WireGuard
// handler, after a netifd restart (as at boot) the running wg0 equals UCI
// — keys, port, peers, preshared keys, allowed IPs — soon after ifup,
// thanks to the ifup hotplug hook running `wghub sync`. Without the hook,
// the syncconf generation leaves the preshared keys out, and doctor names
// the handler and the missing hook.
func TestSyncAfterNetifdRestart(t *testing.T) {
	for _, h := range []openwrtrig.Handler{openwrtrig.Setconf, openwrtrig.Syncconf} {
		t.Run(string(h), func(t *testing.T) {
			g := openwrtrig.New(t, openwrtrig.Options{Handler: h, Wghub: wghubBin})
			w := func(args ...string) string {
				t.Helper()
				out, err := g.Wghub(append([]string{"--backend", "openwrt"}, args...)...)
				if err != nil {
					t.Fatalf("wghub %v: %v", args, err)
				}
				return out
			}
			w("setup", "--endpoint", openwrtrig.WANAddr)
			g.WaitUp(t, "wg0")
			w("peer", "add", "laptop", "--psk")
			w("peer", "add", "phone")
			w("peer", "add", "site", "--psk", "--route", "10.20.0.0/24")
			untilEqual(t, g, "wg0", 30*time.Second)

			g.RestartNetifd(t)
			g.WaitUp(t, "wg0")
			// A generous bound, not a speed assertion: netifd runs the
			// hotplug events of lan, wan and loopback first.
			took := untilEqual(t, g, "wg0", 30*time.Second)
			t.Logf("%s: wg showconf equals UCI %s after netifd reported wg0 up", h, took.Round(10*time.Millisecond))
			if log, _ := g.ReadFile("/tmp/hotplug.log"); !strings.Contains(string(log), "ifup wg0: /etc/hotplug.d/iface/10-wghub") {
				t.Errorf("the hotplug hook did not run on wg0's ifup:\n%s", log)
			}
			if h != openwrtrig.Syncconf {
				return
			}
			// Without the hook the handler's result stays: no PSKs.
			g.MustExec(t, "rm", "/etc/hotplug.d/iface/10-wghub")
			g.RestartNetifd(t)
			g.WaitUp(t, "wg0")
			g.Settle(t)
			dev, _ := g.Exec("wg", "showconf", "wg0")
			if strings.Contains(dev, "PresharedKey") {
				t.Fatalf("the syncconf handler applied preshared keys by itself:\n%s", dev)
			}
			out, _ := g.Wghub("--backend", "openwrt", "doctor")
			for _, want := range []string{"netifd_handler_psk", "reads option peer_psk", "is missing: reinstall wghub", "device_psk_missing_laptop"} {
				if !strings.Contains(out, want) {
					t.Errorf("doctor without the hook lacks %q:\n%s", want, out)
				}
			}
			w("sync")
			untilEqual(t, g, "wg0", 30*time.Second)

			// A peer with 3 allowed IPs: wghub writes them as 2 list items,
			// which this handler carries, so wg0 still comes up.
			w("peer", "add", "site2", "--route", "10.30.0.0/24", "--route", "10.31.0.0/24")
			g.RestartNetifd(t)
			if err := g.UpWithin("wg0", 30*time.Second); err != nil {
				t.Fatalf("a peer with 3 allowed IPs keeps wg0 down under %s: %v", h, err)
			}
			w("sync")
			untilEqual(t, g, "wg0", 30*time.Second)

			// The owner's hand edit into one item per prefix: this handler's
			// wg syncconf line is rejected at every ifup, and doctor says why.
			g.MustExec(t, "sh", "-c", `s=$(uci show network | sed -n "s/^network\.\([^.]*\)\.description='site2'$/\1/p")
ips=$(uci get network.$s.allowed_ips | tr ',' ' ')
uci delete network.$s.allowed_ips
for ip in $ips; do uci add_list network.$s.allowed_ips=$ip; done
uci commit network`)
			g.RestartNetifd(t)
			deadline := time.Now().Add(30 * time.Second)
			for {
				out, _ := g.Wghub("--backend", "openwrt", "doctor")
				if strings.Contains(out, "netifd_handler_allowed_ips_site2") && strings.Contains(out, "${peer_a_ips/ /, }") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("doctor does not name the handler's allowed_ips problem:\n%s", out)
				}
				time.Sleep(500 * time.Millisecond)
			}
		})
	}
}

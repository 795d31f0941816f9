//go:build linux

package openwrt_test

import (
	"encoding/json"
	"testing"

	"github.com/wghub/wghub/internal/openwrtrig"
	netnstests "github.com/wghub/wghub/netns-tests"
)

// doctorFails runs `wghub doctor --json` in the rig and returns its
// failing checks.
func doctorFails(t *testing.T, g *openwrtrig.Gateway) map[string]string {
	t.Helper()
	out, _ := g.Exec("/usr/sbin/wghub", "doctor", "--json")
	return netnstests.DoctorFails(t, out)
}

// fw4Handle is the handle of the rule of firewall4's chain whose line
// holds s.
func fw4Handle(t *testing.T, g *openwrtrig.Gateway, chain, s string) string {
	t.Helper()
	return netnstests.RuleHandle(t, g.MustExec(t, "nft", "-a", "list", "chain", "inet", "fw4", chain), s)
}

// TestOpenwrtDoctor breaks, one at a time, each thing the gateway needs in
// the running system — the ruleset firewall4 loaded from wghub's UCI, the
// forwarding sysctl, the WireGuard device — checks doctor's finding, then
// applies doctor's own advice and checks that it mends it: traffic flows
// again and doctor is quiet.
func TestOpenwrtDoctor(t *testing.T) {
	t.Parallel()
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin})
	g.MustExec(t, "/usr/sbin/wghub", "setup", "--endpoint", openwrtrig.WANAddr)
	g.WaitUp(t, "wg0")
	// A router has a default route out of the WAN: doctor asks the
	// firewall about the listen port on that device.
	g.AddWANHost(t, internetGW)
	netnstests.MustRun(t, g.GW, "ip", "route", "add", "default", "via", internetGW, "dev", openwrtrig.WANDevice)
	g.Settle(t)
	laptop := startDevice(t, g, hubKey(t, g), "laptop", "203.0.113.31", "192.168.100.31", "")
	// An idle device with a preshared key, for the PSK check.
	g.MustExec(t, "/usr/sbin/wghub", "peer", "add", "tablet", "--psk")
	var list struct {
		Peers []struct {
			Name      string `json:"name"`
			PublicKey string `json:"public_key"`
		} `json:"peers"`
	}
	out := g.MustExec(t, "/usr/sbin/wghub", "peer", "list", "--json")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("peer list --json: %v\n%s", err, out)
	}
	pub := map[string]string{}
	for _, p := range list.Peers {
		pub[p.Name] = p.PublicKey
	}
	g.Settle(t)
	lan := openwrtrig.LANHost
	if err := g.Ping(laptop.ns, lan, 2, 5); err != nil {
		t.Fatalf("laptop does not reach the LAN host: %v", err)
	}
	netnstests.WantFails(t, doctorFails(t, g), nil)

	reload := func() { g.MustExec(t, "/etc/init.d/firewall", "reload") }
	sync := func() { g.MustExec(t, "/usr/sbin/wghub", "sync") }
	steps := []struct {
		name          string
		brk, fix      func()
		want          map[string][]string
		trafficBroken bool // laptop -> LAN host fails while broken
	}{
		{name: "masquerade rule deleted", trafficBroken: true, fix: reload,
			brk: func() {
				g.MustExec(t, "nft", "delete", "rule", "inet", "fw4", "srcnat_lan", "handle", fw4Handle(t, g, "srcnat_lan", "wghub-masquerade-ipv4"))
			},
			want: map[string][]string{"nft_masquerade": {"does not masquerade", "/etc/init.d/firewall reload"}}},
		{name: "forwarding rule deleted", trafficBroken: true, fix: reload,
			brk: func() {
				g.MustExec(t, "nft", "delete", "rule", "inet", "fw4", "forward_vpn", "handle", fw4Handle(t, g, "forward_vpn", "accept_to_lan"))
			},
			want: map[string][]string{"nft_forwarding": {"drops new connections from wg0", "/etc/init.d/firewall reload"}}},
		{name: "ip_forward off", trafficBroken: true,
			brk:  func() { g.MustExec(t, "sysctl", "-qw", "net.ipv4.ip_forward=0") },
			fix:  func() { g.MustExec(t, "sysctl", "-qw", "net.ipv4.ip_forward=1") },
			want: map[string][]string{"ip_forward": {"= 0", "sysctl -w net.ipv4.ip_forward=1", "/etc/sysctl.d"}}},
		{name: "WAN port rule deleted", fix: reload,
			brk: func() {
				g.MustExec(t, "nft", "delete", "rule", "inet", "fw4", "input_wan", "handle", fw4Handle(t, g, "input_wan", "Allow-wghub"))
			},
			want: map[string][]string{"nft_wan_port": {"drops UDP port 51820"}}},
		{name: "peer removed from the device", trafficBroken: true, fix: sync,
			brk:  func() { g.MustExec(t, "wg", "set", "wg0", "peer", pub["laptop"], "remove") },
			want: map[string][]string{"device_peer_missing_laptop": {"not on the device", "wghub sync"}}},
		{name: "peer changed on the device", trafficBroken: true, fix: sync,
			brk:  func() { g.MustExec(t, "wg", "set", "wg0", "peer", pub["laptop"], "allowed-ips", "192.168.100.99/32") },
			want: map[string][]string{"device_allowed_ips_laptop": {"192.168.100.99/32", "wghub sync"}}},
		{name: "preshared key missing on the device", fix: sync,
			brk:  func() { g.MustExec(t, "wg", "set", "wg0", "peer", pub["tablet"], "preshared-key", "/dev/null") },
			want: map[string][]string{"device_psk_missing_tablet": {"no preshared key", "wghub sync"}}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.brk()
			netnstests.WantFails(t, doctorFails(t, g), s.want)
			if s.trafficBroken {
				if err := g.Ping(laptop.ns, lan, 1, 2); err == nil {
					t.Error("laptop still reaches the LAN host: the break did not break it")
				}
			}
			s.fix()
			netnstests.WantFails(t, doctorFails(t, g), nil)
			// A device the hub forgot handshakes again first (keepalive 5 s).
			if err := g.Ping(laptop.ns, lan, 2, 20); err != nil {
				t.Errorf("after doctor's fix laptop does not reach the LAN host: %v", err)
			}
		})
	}
}

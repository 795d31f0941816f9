package control

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"github.com/wghub/wghub/wgsync"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Check is one doctor finding.
type Check = backend.Check

// checks collects findings; the fix is kept only for failures.
type checks []Check

func (c *checks) add(name string, ok bool, msg, fix string) {
	x := Check{Name: name, OK: ok, Message: msg}
	if !ok {
		x.Fix = fix
	}
	*c = append(*c, x)
}

// Doctor checks what breaks hub-and-spoke in practice and says what to do:
// first what UCI holds, then — with a System — what is actually running:
// the device against UCI, the loaded firewall, forwarding sysctls and
// routes. A live check replaces the backend's check of the same name.
func (m *Manager) Doctor(ctx context.Context) ([]Check, error) {
	h, cfgs, err := m.Load()
	if errors.Is(err, hub.ErrNotSetUp) {
		return []Check{{Name: "setup", Message: "no hub is set up", Fix: "wghub setup --endpoint HOST"}}, nil
	}
	if err != nil {
		return nil, err
	}
	var out checks
	out.add("endpoint", h.Settings.Endpoint != "", "public endpoint: "+orNone(h.Settings.Endpoint),
		"set the address clients reach the hub at: wghub setup --endpoint HOST[:PORT]")

	host := m.Backend.Host(cfgs)
	overlap := ""
	for iface, subs := range host.Subnets {
		for _, sn := range subs {
			for _, v := range h.Settings.Subnets {
				if iface != h.Settings.Interface && v.Overlaps(sn) {
					overlap = fmt.Sprintf("VPN subnet %s overlaps %s on %s", v, sn, iface)
				}
			}
		}
	}
	out.add("subnet_overlap", overlap == "", orText(overlap, "VPN subnets overlap no local network"),
		"move the VPN to a free subnet: wghub teardown, then wghub setup --subnet CIDR")

	if fw := m.layout().Firewall; fw != "" && cfgs[fw] != nil {
		n := 0
		for _, z := range cfgs[fw].SectionsByType("zone") {
			if v, _ := z.Get("name"); v == h.Settings.Zone {
				n++
			}
		}
		out.add("zone_name", n <= 1, fmt.Sprintf("%d firewall zone(s) named %q", n, h.Settings.Zone),
			fmt.Sprintf("firewall4 does not load with two zones of one name: rename the other zone %q", h.Settings.Zone))
	}
	var live checks
	var dev *wgtypes.Device
	if m.System != nil {
		dev, err = m.System.Device(h.Settings.Interface)
	} else {
		dev, err = m.Backend.Device(h.Settings.Interface)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if m.System != nil {
		live = m.liveChecks(ctx, h, cfgs, dev)
	}
	replaced := map[string]bool{}
	for _, c := range live {
		replaced[c.Name] = true
	}
	for _, c := range m.Backend.Checks(ctx, h, cfgs) {
		if !replaced[c.Name] {
			out = append(out, c)
		}
	}
	out.add("interface_up", dev != nil, fmt.Sprintf("interface %s running: %v", h.Settings.Interface, dev != nil),
		fmt.Sprintf("bring it up: ifup %s (OpenWrt) or wghub up (Linux)", h.Settings.Interface))
	out = append(out, live...)
	if dev != nil {
		out = append(out, handshakes(h, dev, m.System == nil)...)
	}
	return out, nil
}

// handshakes reports, for each enabled peer on the device, whether it ever
// completed a handshake; with missing, also the peers not on the device
// (without a System, nothing else reports them).
func handshakes(h *hub.Hub, dev *wgtypes.Device, missing bool) checks {
	var out checks
	live := map[wgtypes.Key]wgtypes.Peer{}
	for _, p := range dev.Peers {
		live[p.PublicKey] = p
	}
	for _, p := range h.Peers {
		lp, ok := live[p.PublicKey]
		switch {
		case p.Disabled:
		case !ok && missing:
			out.add("peer_"+hub.PeerID(p.Name), false, fmt.Sprintf("peer %q is configured but not on the running interface", p.Name),
				"apply UCI to the running interface: wghub sync")
		case !ok:
			// The live device check reports it.
		case lp.LastHandshakeTime.IsZero():
			out.add("peer_"+hub.PeerID(p.Name), false, fmt.Sprintf("peer %q never completed a handshake", p.Name),
				fmt.Sprintf("check the client has this hub's current config (wghub peer config %s), that UDP port %d is reachable from outside and the endpoint is right", p.Name, h.Settings.Port()))
		default:
			out.add("peer_"+hub.PeerID(p.Name), true, fmt.Sprintf("peer %q last handshake %s ago", p.Name, time.Since(lp.LastHandshakeTime).Round(time.Second)), "")
		}
	}
	return out
}

// want reads what UCI tells netifd to build for the hub's interface.
func (m *Manager) want(h *hub.Hub, cfgs map[string]*uci.Config) (*wgsync.Want, error) {
	w, _, err := wgsync.FromUCI(cfgs[m.layout().Network], h.Settings.Interface)
	return w, err
}

func orNone(s string) string { return orText(s, "none") }

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

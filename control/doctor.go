package control

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/hub"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Check is one doctor finding.
type Check = backend.Check

// Doctor checks what breaks hub-and-spoke in practice and says what to do.
func (m *Manager) Doctor(ctx context.Context) ([]Check, error) {
	h, cfgs, err := m.Load()
	if errors.Is(err, hub.ErrNotSetUp) {
		return []Check{{Name: "setup", Message: "no hub is set up", Fix: "wghub setup --endpoint HOST"}}, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Check
	add := func(name string, ok bool, msg, fix string) {
		c := Check{Name: name, OK: ok, Message: msg}
		if !ok {
			c.Fix = fix
		}
		out = append(out, c)
	}
	add("endpoint", h.Settings.Endpoint != "", "public endpoint: "+orNone(h.Settings.Endpoint),
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
	add("subnet_overlap", overlap == "", orText(overlap, "VPN subnets overlap no local network"),
		"move the VPN to a free subnet: wghub teardown, then wghub setup --subnet CIDR")

	out = append(out, m.Backend.Checks(ctx, h, cfgs)...)

	dev, err := m.Backend.Device(h.Settings.Interface)
	add("interface_up", err == nil, fmt.Sprintf("interface %s running: %v", h.Settings.Interface, err == nil),
		fmt.Sprintf("bring it up: ifup %s (OpenWrt) or wghub up (Linux)", h.Settings.Interface))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return out, err
	}
	if dev != nil {
		live := map[wgtypes.Key]wgtypes.Peer{}
		for _, p := range dev.Peers {
			live[p.PublicKey] = p
		}
		for _, p := range h.Peers {
			if p.Disabled {
				continue
			}
			lp, ok := live[p.PublicKey]
			switch {
			case !ok:
				add("peer_"+hub.PeerID(p.Name), false, fmt.Sprintf("peer %q is configured but not on the running interface", p.Name),
					"re-apply: wghub peer disable, then enable "+p.Name)
			case lp.LastHandshakeTime.IsZero():
				add("peer_"+hub.PeerID(p.Name), false, fmt.Sprintf("peer %q never completed a handshake", p.Name),
					fmt.Sprintf("check the client has this hub's current config (wghub peer config %s), that UDP port %d is reachable from outside and the endpoint is right", p.Name, h.Settings.Port()))
			default:
				add("peer_"+hub.PeerID(p.Name), true, fmt.Sprintf("peer %q last handshake %s ago", p.Name, time.Since(lp.LastHandshakeTime).Round(time.Second)), "")
			}
		}
	}
	return out, nil
}

func orNone(s string) string { return orText(s, "none") }

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

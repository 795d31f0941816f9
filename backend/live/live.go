// Package live changes the peers of a running WireGuard interface in place,
// through wgctrl and netlink, so that other peers keep their sessions.
package live

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"

	"github.com/vishvananda/netlink"
	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Device reads iface, normalising "no such device" to os.ErrNotExist.
func Device(wg *wgctrl.Client, iface string) (*wgtypes.Device, error) {
	d, err := wg.Device(iface)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("live: %s: %w", iface, os.ErrNotExist)
		}
		return nil, fmt.Errorf("live: reading %s: %w", iface, err)
	}
	return d, nil
}

// Apply configures only the given peers (never ReplacePeers) and adds or
// deletes routes via iface. It is `wg set` plus `ip route`, not `ifup`.
func Apply(wg *wgctrl.Client, nl *netlink.Handle, iface string, peers []wgtypes.PeerConfig, routesAdd, routesDel []netip.Prefix) error {
	if _, err := Device(wg, iface); err != nil {
		return err
	}
	if len(peers) > 0 {
		if err := wg.ConfigureDevice(iface, wgtypes.Config{Peers: peers}); err != nil {
			return fmt.Errorf("live: configuring peers on %s: %w", iface, err)
		}
	}
	if len(routesAdd)+len(routesDel) == 0 {
		return nil
	}
	link, err := nl.LinkByName(iface)
	if err != nil {
		return fmt.Errorf("live: %s: %w", iface, err)
	}
	for _, p := range routesDel {
		r := route(link, p)
		if err := nl.RouteDel(r); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("live: deleting route %s via %s: %w", p, iface, err)
		}
	}
	for _, p := range routesAdd {
		if err := nl.RouteReplace(route(link, p)); err != nil {
			return fmt.Errorf("live: adding route %s via %s: %w", p, iface, err)
		}
	}
	return nil
}

func route(link netlink.Link, p netip.Prefix) *netlink.Route {
	return &netlink.Route{
		LinkIndex: link.Attrs().Index,
		Dst:       &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())},
		Scope:     netlink.SCOPE_LINK,
	}
}

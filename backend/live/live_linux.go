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

// Conn holds the wgctrl and netlink handles of the current network
// namespace.
type Conn struct {
	wg *wgctrl.Client
	nl *netlink.Handle
}

// Open opens the handles.
func Open() (*Conn, error) {
	wg, err := wgctrl.New()
	if err != nil {
		return nil, fmt.Errorf("opening wgctrl: %w", err)
	}
	nl, err := netlink.NewHandle()
	if err != nil {
		wg.Close()
		return nil, fmt.Errorf("opening netlink: %w", err)
	}
	return &Conn{wg: wg, nl: nl}, nil
}

// With wraps handles the caller owns; the caller closes them, not the Conn.
func With(wg *wgctrl.Client, nl *netlink.Handle) *Conn { return &Conn{wg: wg, nl: nl} }

// Close releases the handles.
func (c *Conn) Close() error {
	c.nl.Close()
	return c.wg.Close()
}

// Device reads iface, normalising "no such device" to os.ErrNotExist.
func (c *Conn) Device(iface string) (*wgtypes.Device, error) {
	d, err := c.wg.Device(iface)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", iface, os.ErrNotExist)
		}
		return nil, fmt.Errorf("reading %s: %w", iface, err)
	}
	return d, nil
}

// Apply configures only the given peers (never ReplacePeers) and adds or
// deletes routes via iface.
func (c *Conn) Apply(iface string, peers []wgtypes.PeerConfig, routesAdd, routesDel []netip.Prefix) error {
	if _, err := c.Device(iface); err != nil {
		return err
	}
	if len(peers) > 0 {
		if err := c.wg.ConfigureDevice(iface, wgtypes.Config{Peers: peers}); err != nil {
			return fmt.Errorf("configuring peers on %s: %w", iface, err)
		}
	}
	if len(routesAdd)+len(routesDel) == 0 {
		return nil
	}
	link, err := c.nl.LinkByName(iface)
	if err != nil {
		return fmt.Errorf("%s: %w", iface, err)
	}
	for _, p := range routesDel {
		r := route(link, p)
		if err := c.nl.RouteDel(r); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("deleting route %s via %s: %w", p, iface, err)
		}
	}
	for _, p := range routesAdd {
		if err := c.nl.RouteReplace(route(link, p)); err != nil {
			return fmt.Errorf("adding route %s via %s: %w", p, iface, err)
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

// InitialNetns reports whether this process runs in the host's own network
// namespace rather than in one made for it: not in a named namespace of `ip
// netns` (/run/netns), and in PID 1's where that can be read. When neither
// tells (PID 1's namespace is unreadable in some containers), the namespace
// counts as the host's: wghub then errs on the side of leaving it alone.
func InitialNetns() bool {
	self, err := os.Stat("/proc/self/ns/net")
	if err != nil {
		return true
	}
	for _, dir := range []string{"/run/netns", "/var/run/netns"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if st, err := os.Stat(dir + "/" + e.Name()); err == nil && os.SameFile(self, st) {
				return false
			}
		}
	}
	if init, err := os.Stat("/proc/1/ns/net"); err == nil {
		return os.SameFile(self, init)
	}
	return true
}

package live

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"syscall"

	"github.com/wghub/wghub/rtnl"
	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Conn holds the wgctrl and rtnetlink handles of the current network
// namespace.
type Conn struct {
	wg *wgctrl.Client
	rt *rtnl.Conn // nil: Apply opens one for its routes
}

// Open opens the handles.
func Open() (*Conn, error) {
	wg, err := wgctrl.New()
	if err != nil {
		return nil, fmt.Errorf("opening wgctrl: %w", err)
	}
	rt, err := rtnl.Dial()
	if err != nil {
		wg.Close()
		return nil, fmt.Errorf("opening netlink: %w", err)
	}
	return &Conn{wg: wg, rt: rt}, nil
}

// With wraps a wgctrl client the caller owns and closes; Apply opens (and
// closes) its own rtnetlink socket when it changes routes.
func With(wg *wgctrl.Client) *Conn { return &Conn{wg: wg} }

// Close releases the handles.
func (c *Conn) Close() error {
	if c.rt != nil {
		c.rt.Close()
	}
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
	rt := c.rt
	if rt == nil {
		var err error
		if rt, err = rtnl.Dial(); err != nil {
			return fmt.Errorf("opening netlink: %w", err)
		}
		defer rt.Close()
	}
	index, err := rt.LinkIndex(iface)
	if err != nil {
		return fmt.Errorf("%s: %w", iface, err)
	}
	for _, p := range routesDel {
		if err := rt.RouteDel(index, p); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("deleting route %s via %s: %w", p, iface, err)
		}
	}
	for _, p := range routesAdd {
		if err := rt.RouteReplace(index, p); err != nil {
			return fmt.Errorf("adding route %s via %s: %w", p, iface, err)
		}
	}
	return nil
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

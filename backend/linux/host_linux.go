package linux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/coreos/go-iptables/iptables"
	"github.com/vishvananda/netlink"
	"github.com/wghub/wghub/backend/live"
	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Options choose the tools a Host uses. The zero value is the default.
type Options struct {
	// IPTables and IP6Tables are the binaries for IPv4 and IPv6 rules
	// ("" = "iptables" and "ip6tables" from $PATH, whichever backend,
	// nft or legacy, they are). Use "iptables-legacy"/"ip6tables-legacy"
	// to force the legacy backend.
	IPTables, IP6Tables string
	// Log receives one line per notable action; nil discards.
	Log io.Writer
}

// Host applies Specs to the network namespace it was opened in: its netlink
// and wgctrl sockets are bound to that namespace, and the iptables and
// userspace processes it starts inherit the calling thread's namespace (so
// a caller that switches namespaces must lock its OS thread).
type Host struct {
	nl  *netlink.Handle
	wg  *wgctrl.Client
	ipt map[Family]*iptables.IPTables
	// iptErr holds why a family's iptables could not be opened; it is
	// reported only when that family is needed.
	iptErr map[Family]error
	// restoreBin is each family's iptables-restore: the binary of
	// Options.IPTables/IP6Tables with "-restore" appended.
	restoreBin map[Family]string
	log        io.Writer
}

// New opens a Host on the current network namespace with default Options.
func New() (*Host, error) { return NewWithOptions(Options{}) }

// NewWithOptions opens a Host on the current network namespace.
func NewWithOptions(o Options) (*Host, error) {
	nl, err := netlink.NewHandle()
	if err != nil {
		return nil, fmt.Errorf("opening netlink: %w", err)
	}
	wg, err := wgctrl.New()
	if err != nil {
		nl.Close()
		return nil, fmt.Errorf("opening wgctrl: %w", err)
	}
	h := &Host{nl: nl, wg: wg, ipt: map[Family]*iptables.IPTables{}, iptErr: map[Family]error{},
		restoreBin: map[Family]string{}, log: o.Log}
	if h.log == nil {
		h.log = io.Discard
	}
	for fam, path := range map[Family]string{IPv4: o.IPTables, IPv6: o.IP6Tables} {
		proto := iptables.ProtocolIPv4
		if fam == IPv6 {
			proto = iptables.ProtocolIPv6
		}
		h.restoreBin[fam] = iptName(fam, path) + "-restore"
		// Path("") means the default binary for the family.
		t, err := iptables.New(iptables.IPFamily(proto), iptables.Timeout(5), iptables.Path(path))
		if err != nil {
			h.iptErr[fam] = fmt.Errorf("opening %s: %w", iptName(fam, path), err)
			continue
		}
		h.ipt[fam] = t
	}
	return h, nil
}

func iptName(fam Family, path string) string {
	switch {
	case path != "":
		return path
	case fam == IPv6:
		return "ip6tables"
	}
	return "iptables"
}

// Close releases the netlink and wgctrl sockets.
func (h *Host) Close() error {
	h.nl.Close()
	return h.wg.Close()
}

func (h *Host) logf(format string, a ...any) { fmt.Fprintf(h.log, format+"\n", a...) }

// Status reads the running device; an error wraps os.ErrNotExist when name
// is not a running WireGuard interface.
func (h *Host) Status(name string) (*wgtypes.Device, error) {
	d, err := h.wg.Device(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", name, os.ErrNotExist)
		}
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return d, nil
}

// Up brings the hub interface to s: link (kernel, or the userspace
// implementation when the kernel has none), key, port and peers, MTU,
// addresses, link up, routes, forwarding sysctls and iptables rules. It is
// idempotent: on a running interface it changes only what differs and keeps
// the sessions of peers that stay. What it changes is recorded in
// StateDir/<interface>.json for Down.
func (h *Host) Up(ctx context.Context, s Spec) error {
	if err := h.canFirewall(s); err != nil {
		return err
	}
	st, err := loadState(s)
	if err != nil {
		return err
	}
	link, err := h.ensureLink(ctx, s, st)
	if err != nil {
		return err
	}
	if err := h.configureDevice(s); err != nil {
		return err
	}
	if link.Attrs().MTU != s.mtu() {
		if err := h.nl.LinkSetMTU(link, s.mtu()); err != nil {
			return fmt.Errorf("setting MTU %d on %s: %w", s.mtu(), s.Interface, err)
		}
	}
	for _, a := range s.Addresses {
		addr := &netlink.Addr{IPNet: ipNet(a)}
		if a.Addr().Is6() {
			addr.Flags = syscall.IFA_F_NODAD
		}
		if err := h.nl.AddrReplace(link, addr); err != nil {
			return fmt.Errorf("adding address %s to %s: %w", a, s.Interface, err)
		}
	}
	if err := h.nl.LinkSetUp(link); err != nil {
		return fmt.Errorf("setting %s up: %w", s.Interface, err)
	}
	for _, r := range s.Routes {
		if err := h.nl.RouteReplace(route(link.Attrs().Index, r)); err != nil {
			return fmt.Errorf("adding route %s via %s: %w", r, s.Interface, err)
		}
	}
	if err := h.setSysctls(s, st); err != nil {
		return err
	}
	return h.firewallUp(s)
}

// canFirewall checks s and that the iptables of every family s needs are
// there, before anything changes.
func (h *Host) canFirewall(s Spec) error {
	if err := s.Validate(); err != nil {
		return err
	}
	for _, fam := range []Family{IPv4, IPv6} {
		if len(s.Rules(fam)) > 0 && h.ipt[fam] == nil {
			return h.iptErr[fam]
		}
	}
	return nil
}

// ApplyAccess loads s's rules (its access policy) into iface's chains, as
// Up does, while the interface runs; one transaction per family, so other
// devices' traffic and established connections are not disturbed. When
// the interface is not running it does nothing: Up loads the rules.
func (h *Host) ApplyAccess(s Spec) error {
	if err := h.canFirewall(s); err != nil {
		return err
	}
	if _, err := h.Status(s.Interface); errors.Is(err, os.ErrNotExist) {
		h.logf("%s is not running: access rules are loaded when it comes up", s.Interface)
		return nil
	} else if err != nil {
		return err
	}
	return h.firewallUp(s)
}

// Down removes what Up added: the jumps and own chains in both families,
// the link (which takes its addresses and routes; a userspace daemon that
// outlives it is killed) — or, for a link that existed before the first Up,
// only the Spec's addresses and routes — and restores the recorded sysctls.
// Missing pieces are not errors; Down on an interface that is not up
// succeeds. Without a state file (StateDir lost) the link is deleted.
func (h *Host) Down(ctx context.Context, s Spec) error {
	if err := validIfName(s.Interface); err != nil {
		return err
	}
	st, err := loadState(s)
	if err != nil {
		return err
	}
	errs := []error{h.firewallDown(s.Interface)}
	errs = append(errs, h.deleteLink(ctx, s, st))
	for _, k := range sortedKeys(st.Sysctls) {
		if err := writeSysctl(k, st.Sysctls[k]); err != nil {
			errs = append(errs, err)
		} else {
			h.logf("restored %s=%s", k, st.Sysctls[k])
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return removeState(s)
}

// ApplyPeers changes the peers of the running interface iface in place:
// add holds peers to add or update (set ReplaceAllowedIPs to replace their
// allowed IPs), remove the public keys of peers to remove; then routes via
// iface are added and deleted. It never replaces the whole peer set, so the
// sessions, handshakes and counters of other peers are untouched. An error
// wraps os.ErrNotExist when iface is not running.
func (h *Host) ApplyPeers(iface string, add []wgtypes.PeerConfig, remove []wgtypes.Key, routesAdd, routesDel []netip.Prefix) error {
	peers := make([]wgtypes.PeerConfig, 0, len(add)+len(remove))
	for _, k := range remove {
		peers = append(peers, wgtypes.PeerConfig{PublicKey: k, Remove: true})
	}
	for _, p := range add {
		p.Remove = false
		peers = append(peers, p)
	}
	// The same minimal change the OpenWrt backend makes: one implementation.
	return live.With(h.wg).Apply(iface, peers, routesAdd, routesDel)
}

// configureDevice sets key, port and peers, changing only what differs:
// an unchanged key or port is not re-set (wireguard-go rebinds its socket
// on a port write), peers not in s are removed one by one and the others
// are (re)configured with their allowed IPs replaced.
func (h *Host) configureDevice(s Spec) error {
	d, err := h.Status(s.Interface)
	if err != nil {
		return err
	}
	var cfg wgtypes.Config
	if d.PrivateKey != s.PrivateKey {
		cfg.PrivateKey = &s.PrivateKey
	}
	if s.ListenPort != 0 && d.ListenPort != s.ListenPort {
		cfg.ListenPort = &s.ListenPort
	}
	want := map[wgtypes.Key]bool{}
	for _, p := range s.Peers {
		want[p.PublicKey] = true
		p.Remove = false
		p.ReplaceAllowedIPs = true
		cfg.Peers = append(cfg.Peers, p)
	}
	for _, p := range d.Peers {
		if !want[p.PublicKey] {
			cfg.Peers = append(cfg.Peers, wgtypes.PeerConfig{PublicKey: p.PublicKey, Remove: true})
		}
	}
	if err := h.wg.ConfigureDevice(s.Interface, cfg); err != nil {
		return fmt.Errorf("configuring %s: %w", s.Interface, err)
	}
	return nil
}

// ensureLink returns the link, creating it (kernel WireGuard, else the
// userspace implementation) when missing.
func (h *Host) ensureLink(ctx context.Context, s Spec, st *state) (netlink.Link, error) {
	link, err := h.nl.LinkByName(s.Interface)
	if err == nil {
		if _, err := h.wg.Device(s.Interface); err != nil {
			return nil, fmt.Errorf("%s exists but is not a WireGuard interface: %w", s.Interface, err)
		}
		if !st.Created && !st.Adopted {
			st.Adopted = true
			h.logf("adopted existing %s", s.Interface)
			if err := saveState(s, st); err != nil {
				return nil, err
			}
		}
		return link, nil
	}
	var nf netlink.LinkNotFoundError
	if !errors.As(err, &nf) {
		return nil, fmt.Errorf("looking up %s: %w", s.Interface, err)
	}
	err = h.nl.LinkAdd(&netlink.Wireguard{LinkAttrs: netlink.LinkAttrs{Name: s.Interface}})
	switch {
	case err == nil:
		h.logf("created %s (kernel)", s.Interface)
		st.Created = true
	case errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.EAFNOSUPPORT):
		d, err := h.startUserspace(ctx, s)
		if err != nil {
			return nil, err
		}
		st.Created, st.Userspace = true, d
	default:
		return nil, fmt.Errorf("creating %s: %w", s.Interface, err)
	}
	if err := saveState(s, st); err != nil {
		return nil, err
	}
	link, err = h.nl.LinkByName(s.Interface)
	if err != nil {
		return nil, fmt.Errorf("looking up %s: %w", s.Interface, err)
	}
	return link, nil
}

// deleteLink deletes the link; a userspace daemon normally exits when its
// TUN goes away, and is killed if it has not within a few seconds.
func (h *Host) deleteLink(ctx context.Context, s Spec, st *state) error {
	if st.Adopted {
		return h.unconfigureLink(s)
	}
	d := st.Userspace
	if d == nil {
		// Not started by us, or state lost: still find the daemon serving
		// the interface so that it does not outlive it.
		d = socketOwner(s.Interface)
	}
	link, err := h.nl.LinkByName(s.Interface)
	if err == nil {
		if err := h.nl.LinkDel(link); err != nil && !errors.Is(err, syscall.ENODEV) {
			return fmt.Errorf("deleting %s: %w", s.Interface, err)
		}
		h.logf("deleted %s", s.Interface)
	} else {
		var nf netlink.LinkNotFoundError
		if !errors.As(err, &nf) {
			return fmt.Errorf("looking up %s: %w", s.Interface, err)
		}
	}
	if d == nil {
		return nil
	}
	return h.stopDaemon(ctx, s.Interface, d)
}

// unconfigureLink removes the Spec's routes and addresses from a link Up
// adopted, leaving the link itself.
func (h *Host) unconfigureLink(s Spec) error {
	link, err := h.nl.LinkByName(s.Interface)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return fmt.Errorf("looking up %s: %w", s.Interface, err)
	}
	var errs []error
	for _, r := range s.Routes {
		err := h.nl.RouteDel(route(link.Attrs().Index, r))
		if err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("deleting route %s via %s: %w", r, s.Interface, err))
		}
	}
	for _, a := range s.Addresses {
		err := h.nl.AddrDel(link, &netlink.Addr{IPNet: ipNet(a)})
		if err != nil && !errors.Is(err, syscall.EADDRNOTAVAIL) {
			errs = append(errs, fmt.Errorf("deleting address %s from %s: %w", a, s.Interface, err))
		}
	}
	return errors.Join(errs...)
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func route(index int, p netip.Prefix) *netlink.Route {
	return &netlink.Route{LinkIndex: index, Dst: ipNet(p.Masked()), Scope: netlink.SCOPE_LINK}
}

// wait polls cond every 10ms until it holds, ctx ends or d passes.
func wait(ctx context.Context, d time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return cond()
		case <-t.C:
		}
	}
}

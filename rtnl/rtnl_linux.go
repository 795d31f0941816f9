package rtnl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Conn is an rtnetlink socket of the network namespace it was opened in.
type Conn struct {
	c *netlink.Conn
}

// Dial opens an rtnetlink socket in the calling thread's network namespace.
func Dial() (*Conn, error) {
	c, err := netlink.Dial(unix.NETLINK_ROUTE, nil)
	if err != nil {
		return nil, fmt.Errorf("rtnl: %w", err)
	}
	return &Conn{c: c}, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return c.c.Close() }

// Route is a route of the main table.
type Route struct {
	// Dst is the destination; bits 0 for the default route.
	Dst netip.Prefix
	// Index is the output link's index; 0 when the route has none (a
	// multipath, blackhole or unreachable route).
	Index int
	// Priority is the metric; lower wins.
	Priority int
}

// The size of struct rtmsg and struct ifinfomsg (linux/rtnetlink.h).
const (
	sizeofRtmsg     = 12
	sizeofIfinfomsg = 16
)

// Routes lists the main table's routes of one family (`ip route show
// table main`), without the kernel's cached clones.
func (c *Conn) Routes(v6 bool) ([]Route, error) {
	fam := byte(unix.AF_INET)
	if v6 {
		fam = unix.AF_INET6
	}
	req := make([]byte, sizeofRtmsg)
	req[0] = fam
	msgs, err := c.c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETROUTE, Flags: netlink.Request | netlink.Dump},
		Data:   req,
	})
	if err != nil {
		return nil, fmt.Errorf("rtnl: listing routes: %w", err)
	}
	var routes []Route
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWROUTE || len(m.Data) < sizeofRtmsg || m.Data[0] != fam {
			continue
		}
		r, table, ok := parseRoute(m.Data)
		if ok && table == unix.RT_TABLE_MAIN {
			routes = append(routes, r)
		}
	}
	return routes, nil
}

// parseRoute reads an RTM_NEWROUTE message's rtmsg and attributes; ok is
// false for cached clones and malformed messages.
func parseRoute(b []byte) (r Route, table uint32, ok bool) {
	dstLen, table := int(b[1]), uint32(b[4])
	if binary.NativeEndian.Uint32(b[8:12])&unix.RTM_F_CLONED != 0 {
		return Route{}, 0, false
	}
	ad, err := netlink.NewAttributeDecoder(b[sizeofRtmsg:])
	if err != nil {
		return Route{}, 0, false
	}
	dst := netip.IPv4Unspecified()
	if b[0] == unix.AF_INET6 {
		dst = netip.IPv6Unspecified()
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.RTA_DST:
			if a, ok := netip.AddrFromSlice(ad.Bytes()); ok {
				dst = a
			}
		case unix.RTA_OIF:
			r.Index = int(ad.Uint32())
		case unix.RTA_PRIORITY:
			r.Priority = int(ad.Uint32())
		case unix.RTA_TABLE:
			table = ad.Uint32()
		}
	}
	if ad.Err() != nil {
		return Route{}, 0, false
	}
	r.Dst = netip.PrefixFrom(dst, dstLen)
	return r, table, r.Dst.IsValid()
}

// RouteReplace adds or replaces the device route to dst via the link
// index (`ip route replace DST dev X scope link`), in the main table.
func (c *Conn) RouteReplace(index int, dst netip.Prefix) error {
	err := c.route(unix.RTM_NEWROUTE, netlink.Create|netlink.Replace, unix.RTPROT_BOOT, unix.RTN_UNICAST, index, dst)
	if err != nil {
		return fmt.Errorf("rtnl: adding route %s: %w", dst, err)
	}
	return nil
}

// RouteDel deletes the device route to dst via the link index (`ip route
// del DST dev X scope link`). A route that is not there is an error
// matching syscall.ESRCH (or, from some kernels, os.ErrNotExist).
func (c *Conn) RouteDel(index int, dst netip.Prefix) error {
	// Protocol and type 0: the kernel then deletes the route whoever
	// added it.
	if err := c.route(unix.RTM_DELROUTE, 0, 0, 0, index, dst); err != nil {
		return fmt.Errorf("rtnl: deleting route %s: %w", dst, err)
	}
	return nil
}

func (c *Conn) route(typ netlink.HeaderType, flags netlink.HeaderFlags, proto, rtype byte, index int, dst netip.Prefix) error {
	if !dst.IsValid() {
		return errors.New("no destination")
	}
	dst = dst.Masked()
	rt := make([]byte, sizeofRtmsg)
	rt[0] = unix.AF_INET
	if dst.Addr().Is6() {
		rt[0] = unix.AF_INET6
	}
	rt[1] = byte(dst.Bits())
	rt[4], rt[5], rt[6], rt[7] = unix.RT_TABLE_MAIN, proto, unix.RT_SCOPE_LINK, rtype
	ae := netlink.NewAttributeEncoder()
	ae.Bytes(unix.RTA_DST, dst.Addr().AsSlice())
	ae.Uint32(unix.RTA_OIF, uint32(index))
	attrs, err := ae.Encode()
	if err != nil {
		return err
	}
	_, err = c.c.Execute(netlink.Message{
		Header: netlink.Header{Type: typ, Flags: netlink.Request | netlink.Acknowledge | flags},
		Data:   append(rt, attrs...),
	})
	return err
}

// LinkIndex is the index of the link named name; an error matching
// os.ErrNotExist when there is none.
func (c *Conn) LinkIndex(name string) (int, error) {
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.IFLA_IFNAME, name)
	attrs, err := ae.Encode()
	if err != nil {
		return 0, err
	}
	b, err := c.link(append(make([]byte, sizeofIfinfomsg), attrs...))
	if err != nil {
		return 0, fmt.Errorf("rtnl: link %s: %w", name, err)
	}
	return int(int32(binary.NativeEndian.Uint32(b[4:8]))), nil
}

// LinkName is the name of the link with the index; an error matching
// os.ErrNotExist when there is none.
func (c *Conn) LinkName(index int) (string, error) {
	req := make([]byte, sizeofIfinfomsg)
	binary.NativeEndian.PutUint32(req[4:8], uint32(index))
	b, err := c.link(req)
	if err != nil {
		return "", fmt.Errorf("rtnl: link %d: %w", index, err)
	}
	ad, err := netlink.NewAttributeDecoder(b[sizeofIfinfomsg:])
	if err != nil {
		return "", fmt.Errorf("rtnl: link %d: %w", index, err)
	}
	for ad.Next() {
		if ad.Type() == unix.IFLA_IFNAME {
			return ad.String(), nil
		}
	}
	return "", fmt.Errorf("rtnl: link %d: no name", index)
}

// link sends an RTM_GETLINK request (an ifinfomsg and attributes) and
// returns the reply's payload.
func (c *Conn) link(req []byte) ([]byte, error) {
	msgs, err := c.c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request},
		Data:   req,
	})
	if errors.Is(err, unix.ENODEV) {
		return nil, os.ErrNotExist
	}
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Header.Type == unix.RTM_NEWLINK && len(m.Data) >= sizeofIfinfomsg {
			return m.Data, nil
		}
	}
	return nil, errors.New("no link in the reply")
}

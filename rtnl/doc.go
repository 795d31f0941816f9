// Package rtnl is the little of rtnetlink the OpenWrt router needs: the
// main routing table's routes, a link's index or name, and adding or
// deleting a device route (`ip route replace|del DST dev X scope link`).
// It speaks rtnetlink through mdlayher/netlink, which wgctrl links in
// anyway, so the router build does without vishvananda/netlink (about
// 250 KB of a mipsel binary). Creating links and addresses stays with the
// plain-Linux backend, which keeps vishvananda/netlink.
//
// It works on Linux only; elsewhere the package is empty.
package rtnl

// Package openwrtrig runs an OpenWrt gateway in network namespaces, for
// wghub's integration tests against OpenWrt's real components: ubusd,
// rpcd (with wghub installed as its packages install it: the exec plugin
// link, the LuCI app's ACL, menu and view), uhttpd with ubus JSON-RPC and
// LuCI's ucode dispatcher, netifd with OpenWrt's WireGuard proto handler
// (either generation) and firewall4 with the real nft — all built from
// OpenWrt's sources by scripts/userland.sh.
//
// A Gateway is four network namespaces: the router (GW), a WAN switch (SW)
// with the external host Ext on it, and a LAN host (LAN) without a route
// back. The router also has a private mount namespace whose root is a
// copy-on-write view of the host's, so that /etc/config, /var/run, /tmp,
// /www, /usr/share/rpcd, /lib/netifd ... are its own; the prefix's
// build-time paths (rpcd's plugin and ACL directories, ucode's module
// path) are bind mounts of the paths OpenWrt uses.
//
// What cannot run here is replaced by a stand-in, each marked STAND-IN in
// standin.go: procd's ubus object "system", /etc/rc.common, hotplug-call,
// base-files' /lib/functions.sh, /etc/openwrt_release and boot (sysctl,
// uci-defaults), and ip for `ip link add X type wireguard` (wireguard-go:
// no kernel module here). The router's /bin/sh is bash, not busybox ash.
//
// Non-goals: procd itself, dnsmasq, DHCP, wireless, a bridged LAN (netifd
// requests VLAN filtering, which the test kernel lacks: lan is a veth).
package openwrtrig

package openwrtrig

// The rig's STAND-INs: what a real OpenWrt image has but the userland built
// from source (scripts/userland.sh) does not, because it belongs to procd,
// base-files or the image build, none of which run here. Each is written
// for the rig (not copied from OpenWrt) and does only what the real
// components the rig runs ask of it. README.md's testing section lists them.

// standinFunctions is a STAND-IN for base-files' /lib/functions.sh (with
// /lib/config/uci.sh): the config_* helpers that netifd's proto handlers,
// hotplug scripts and uci-defaults use. Like the original it loads a
// package by evaluating `uci export`, so a list option reads as its items
// joined by spaces, which is what netifd's WireGuard handlers see.
const standinFunctions = `# STAND-IN for OpenWrt base-files' /lib/functions.sh (wghub's test rig).
# Only the config_* API that netifd's proto handlers and hotplug scripts use.

append() {
	local _var="$1" _val="$2" _sep="${3:- }"
	eval "$_var=\${$_var:+\${$_var}\${_sep}}\$_val"
}

package() { :; }

config() {
	local _type="$1" _name="$2"
	_RIG_N=$((_RIG_N + 1))
	[ -n "$_name" ] || _name="cfg$_RIG_N"
	CONFIG_SECTION="$_name"
	append CONFIG_SECTIONS "$_name"
	eval "CONFIG_${_name}_TYPE=\$_type"
	eval "CONFIG_${_name}_OPTIONS="
}

option() {
	eval "CONFIG_${CONFIG_SECTION}_$1=\$2"
	append "CONFIG_${CONFIG_SECTION}_OPTIONS" "$1"
}

list() {
	local _n
	append "CONFIG_${CONFIG_SECTION}_$1" "$2"
	eval "_n=\${CONFIG_${CONFIG_SECTION}_$1_ITEMS:-0}"
	_n=$((_n + 1))
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEMS=$_n"
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEM$_n=\$2"
}

config_load() {
	local _s
	for _s in $CONFIG_SECTIONS; do
		eval "unset CONFIG_${_s}_TYPE"
	done
	CONFIG_SECTIONS=
	_RIG_N=0
	eval "$(uci -q -P /var/state -n export "$1" 2>/dev/null)"
}

config_get() {
	case "$#" in
		4) eval "$1=\${CONFIG_$2_$3:-\$4}" ;;
		3) eval "$1=\${CONFIG_$2_$3}" ;;
		2) eval "echo \"\${CONFIG_$1_$2}\"" ;;
	esac
}

config_get_bool() {
	local _v
	eval "_v=\${CONFIG_$2_$3:-\$4}"
	case "$_v" in
		1|on|true|yes|enabled) _v=1 ;;
		0|off|false|no|disabled) _v=0 ;;
		*) _v="$4" ;;
	esac
	eval "$1=\$_v"
}

config_set() {
	eval "CONFIG_$1_$2=\$3"
}

config_foreach() {
	local _fn="$1" _type="$2" _s _t
	shift 2
	for _s in $CONFIG_SECTIONS; do
		eval "_t=\${CONFIG_${_s}_TYPE}"
		[ -z "$_type" ] || [ "$_t" = "$_type" ] || continue
		"$_fn" "$_s" "$@"
	done
}

config_list_foreach() {
	local _s="$1" _o="$2" _fn="$3" _n _i=1 _v
	shift 3
	eval "_n=\${CONFIG_${_s}_${_o}_ITEMS:-0}"
	while [ "$_i" -le "$_n" ]; do
		eval "_v=\${CONFIG_${_s}_${_o}_ITEM${_i}}"
		"$_fn" "$_v" "$@"
		_i=$((_i + 1))
	done
}

list_contains() {
	local _l
	eval "_l=\${$1}"
	case " $_l " in *" $2 "*) return 0 ;; esac
	return 1
}
`

// standinHotplugCall is a STAND-IN for procd's /sbin/hotplug-call, which
// netifd runs (`netifd -h`) on every interface event: it runs the scripts
// of /etc/hotplug.d/<type>/ in order, each sourced in a subshell with the
// event's environment (ACTION, INTERFACE, DEVICE).
const standinHotplugCall = `#!/bin/sh
# STAND-IN for OpenWrt's /sbin/hotplug-call (wghub's test rig).
export HOTPLUG_TYPE="$1"
. /lib/functions.sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
[ -n "$1" ] && [ -d "/etc/hotplug.d/$1" ] || exit 0
for script in /etc/hotplug.d/"$1"/*; do
	[ -f "$script" ] || continue
	echo "hotplug-call $1: $ACTION $INTERFACE: $script" >> /tmp/hotplug.log
	( . "$script" ) >> /tmp/hotplug.log 2>&1
done
exit 0
`

// standinRCCommon is a STAND-IN for /etc/rc.common (base-files + procd): it
// runs an init script's start/stop/reload/restart/enabled by calling the
// script's *_service functions directly, without procd.
const standinRCCommon = `#!/bin/sh
# STAND-IN for OpenWrt's /etc/rc.common (wghub's test rig): no procd, the
# init script's *_service functions run in the foreground.
initscript="$1"
action="${2:-help}"
shift 2 2>/dev/null
name="${initscript##*/}"

start() { type start_service >/dev/null 2>&1 && start_service "$@"; }
stop() { type stop_service >/dev/null 2>&1 && stop_service "$@"; }
reload() {
	if type reload_service >/dev/null 2>&1; then reload_service "$@"; else stop; start; fi
}
restart() { stop; start; }
boot() { start "$@"; }
enabled() { [ -n "$(ls /etc/rc.d/S??"$name" 2>/dev/null)" ]; }
enable() { [ -n "$START" ] && ln -sf "../init.d/$name" "/etc/rc.d/S$START$name"; }
disable() { rm -f /etc/rc.d/S??"$name" /etc/rc.d/K??"$name"; }
procd_add_reload_trigger() { :; }
procd_add_reload_data_trigger() { :; }

. /lib/functions.sh
. "$initscript"
"$action" "$@"
`

// standinIP wraps iproute2's ip for exactly `ip link add [dev] X type
// wireguard`: this kernel has no WireGuard module, so it starts
// wireguard-go X (the userspace implementation, driven through the same
// UAPI by wg and wgctrl) instead. Everything else goes to the real ip.
const standinIP = `#!/bin/sh
# STAND-IN (wghub's test rig): ip, with "link add [dev] X type wireguard"
# served by wireguard-go X, as the kernel here has no WireGuard module.
if [ "$1" = link ] && [ "$2" = add ]; then
	dev=
	case "$#:$3" in
		6:dev) [ "$5" = type ] && [ "$6" = wireguard ] && dev="$4" ;;
		5:*) [ "$4" = type ] && [ "$5" = wireguard ] && dev="$3" ;;
	esac
	if [ -n "$dev" ]; then
		# A link deleted just before (setconf handler) takes its
		# wireguard-go down asynchronously; its socket goes last.
		i=0
		while [ -S "/var/run/wireguard/$dev.sock" ] && [ $i -lt 100 ]; do
			sleep 0.05; i=$((i + 1))
		done
		echo "$(date +%T) ip link add $dev type wireguard: wireguard-go $dev" >> /tmp/wireguard-go.log
		exec wireguard-go "$dev" >> /tmp/wireguard-go.log 2>&1
	fi
fi
exec /usr/bin/ip "$@"
`

// standinSystem is a STAND-IN for procd's ubus object "system" (board and
// info), which LuCI's header and status page call: a ucode process of its
// own, as procd is, with plausible values, the live ones read from /proc.
// (Not an rpcd plugin: LuCI's rpcd plugin calls system.board from inside
// rpcd, which would then wait for itself until the ubus timeout.)
const standinSystem = `// STAND-IN for procd's ubus object "system" (wghub's test rig).
'use strict';

import { readfile } from 'fs';
import { connect } from 'ubus';
import * as uloop from 'uloop';

function num(path, re) {
	let m = match(readfile(path) ?? '', re);
	return m ? +m[1] : 0;
}

uloop.init();
let conn = connect();
conn.publish('system', {
		board: {
			call: function() {
				return {
					kernel: trim(readfile('/proc/sys/kernel/osrelease') ?? ''),
					hostname: 'OpenWrt',
					system: 'wghub test rig',
					model: 'wghub test rig (network namespaces)',
					board_name: 'wghub,rig',
					rootfs_type: 'tmpfs',
					release: {
						distribution: 'OpenWrt',
						version: 'SNAPSHOT',
						revision: 'rig',
						target: 'x86/64',
						description: 'OpenWrt SNAPSHOT (wghub test rig)',
						builddate: '0'
					}
				};
			}
		},
		info: {
			call: function() {
				let load = split(trim(readfile('/proc/loadavg') ?? '0 0 0'), ' ');
				return {
					localtime: time(),
					uptime: int(num('/proc/uptime', /^([0-9]+)/)),
					load: [ int(+load[0] * 65536), int(+load[1] * 65536), int(+load[2] * 65536) ],
					memory: {
						total: num('/proc/meminfo', /MemTotal:\s+([0-9]+)/) * 1024,
						free: num('/proc/meminfo', /MemFree:\s+([0-9]+)/) * 1024,
						shared: 0,
						buffered: 0,
						available: num('/proc/meminfo', /MemAvailable:\s+([0-9]+)/) * 1024,
						cached: 0
					},
					root: { total: 0, free: 0, used: 0, avail: 0 },
					tmp: { total: 0, free: 0, used: 0, avail: 0 },
					swap: { total: 0, free: 0 }
				};
			}
		}
});
uloop.run();
`

// standinBoot is a STAND-IN for the part of procd's boot the rig needs:
// base-files' sysctl defaults (forwarding on) and the uci-defaults scripts,
// each run once and removed when it succeeds, as at first boot.
const standinBoot = `#!/bin/sh
# STAND-IN (wghub's test rig) for OpenWrt's boot: sysctl defaults and uci-defaults.
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 1 > /proc/sys/net/ipv6/conf/all/forwarding
. /lib/functions.sh
cd /etc/uci-defaults || exit 0
for f in *; do
	[ -f "$f" ] || continue
	( . "./$f" ) && rm -f "$f"
done
exit 0
`

// standinRelease is a STAND-IN for base-files' /etc/openwrt_release,
// which an image build generates: wghub (like other tools) recognises
// OpenWrt by it.
const standinRelease = `DISTRIB_ID='OpenWrt'
DISTRIB_RELEASE='SNAPSHOT'
DISTRIB_REVISION='openwrtrig'
DISTRIB_TARGET='x86/64'
DISTRIB_ARCH='x86_64'
DISTRIB_DESCRIPTION='OpenWrt SNAPSHOT (wghub test rig)'
DISTRIB_TAINTS=''
`

#!/usr/bin/env bash
# Builds OpenWrt's own userland (libubox, uci, ubus, rpcd, uhttpd, ucode,
# netifd, LuCI's native parts, apk-tools, opkg, usign, ...) from unmodified
# source archives into one prefix, for the integration tests and `make apk`.
#
#   scripts/userland.sh [SRC_DIR]     builds if needed; prints the prefix
#
# SRC_DIR (or $WGHUB_OPENWRT_SRC) holds NAME.tar.gz archives unpacking to
# NAME/ (default: ../shared/openwrt-src beside the repository; outside this
# workspace the same commits come from the upstream repositories listed in
# its SOURCES.md). The prefix lives under $WGHUB_USERLAND_CACHE (default
# ~/.cache/wghub-userland), keyed by the hashes of the archives and of this
# script, so a warm run only hashes. Concurrent callers wait on a lock.
#
# Prefix layout: bin/ sbin/ lib/ (ucode modules in lib/ucode, among them
# luci/core.so and html.so; rpcd plugins in lib/rpcd), share/, src/NAME/
# (each archive unpacked, for the files OpenWrt installs as they are:
# firewall4's ucode, LuCI's htdocs and templates, netifd's scripts) and
# openwrt-files/.
#
# Build pitfalls on Debian 12 (gcc 12, glibc 2.36, Linux 6.1 headers) are
# worked around below, each where it is needed; SOURCES.md describes them.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
self=$here/scripts/userland.sh
src=${1:-${WGHUB_OPENWRT_SRC:-$here/../shared/openwrt-src}}
cache=${WGHUB_USERLAND_CACHE:-${HOME:-/root}/.cache/wghub-userland}
archives=(libubox uci ubus libnl-tiny ucode rpcd uhttpd udebug netifd iwinfo lucihttp luci apk-tools opkg-lede usign firewall4)

die() { echo "userland: $*" >&2; exit 1; }

[ -d "$src" ] || die "no source directory $src (set WGHUB_OPENWRT_SRC or pass it)"
for a in "${archives[@]}"; do
	[ -r "$src/$a.tar.gz" ] || die "missing $src/$a.tar.gz"
	gzip -t "$src/$a.tar.gz" 2>/dev/null || die "$src/$a.tar.gz is not a readable gzip archive"
done
for f in wireguard.sh-setconf wireguard.sh-syncconf; do
	[ -r "$src/openwrt-files/$f" ] || die "missing $src/openwrt-files/$f"
done
for t in cc cmake meson ninja pkg-config make; do
	command -v $t >/dev/null || die "$t is not installed (scripts/deps.sh installs the build packages)"
done

key=$( (cd "$src" && sha256sum "${archives[@]/%/.tar.gz}" openwrt-files/*; sha256sum < "$self") | sha256sum | cut -c1-16)
prefix=$cache/$key
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -f "$prefix/.complete" ]; then
	echo "$prefix"
	exit 0
fi

start=$(date +%s)
rm -rf "$prefix" "$cache/build-$key"
build=$cache/build-$key
mkdir -p "$prefix/src" "$build" "$prefix/openwrt-files"
log=$build/build.log
: > "$log"
trap 'echo "userland: build failed; last lines of $log:" >&2; tail -n 30 "$log" >&2' ERR

for a in "${archives[@]}"; do tar -xzf "$src/$a.tar.gz" -C "$prefix/src"; done
cp "$src"/openwrt-files/* "$prefix/openwrt-files/"
jobs=$(nproc)
P=$prefix
export PKG_CONFIG_PATH=$P/lib/pkgconfig
export LD_LIBRARY_PATH=$P/lib
export LIBRARY_PATH=$P/lib
export CPATH=$P/include

step() { echo "userland: building $1" >&2; echo "=== $1" >> "$log"; }

# cm NAME SRCDIR [cmake args...]: configure, build and install one cmake project.
cm() {
	local name=$1 dir=$2
	shift 2
	step "$name"
	cmake -S "$dir" -B "$build/$name" -DCMAKE_INSTALL_PREFIX="$P" -DCMAKE_INSTALL_LIBDIR=lib \
		-DCMAKE_INSTALL_RPATH="$P/lib" -DCMAKE_BUILD_RPATH="$P/lib" -DCMAKE_PREFIX_PATH="$P" \
		-DCMAKE_BUILD_TYPE=Release -DBUILD_LUA=OFF -DBUILD_EXAMPLES=OFF -DBUILD_TESTS=OFF -DUNIT_TESTING=OFF \
		"$@" >> "$log" 2>&1
	cmake --build "$build/$name" -j "$jobs" >> "$log" 2>&1
	cmake --install "$build/$name" >> "$log" 2>&1
}

# A private copy for projects that build in their source tree or need a
# header they lack; $P/src keeps the pristine sources.
work() { rm -rf "$build/$1-src"; cp -a "$P/src/$1" "$build/$1-src"; echo "$build/$1-src"; }

gnu="-D_GNU_SOURCE="

cm libubox "$P/src/libubox"
cm uci "$P/src/uci"
cm ubus "$P/src/ubus"
cm libnl-tiny "$P/src/libnl-tiny"
cm ucode "$P/src/ucode" -DUBUS_SUPPORT=ON -DUCI_SUPPORT=ON -DRTNL_SUPPORT=ON -DNL80211_SUPPORT=OFF \
	-DULOOP_SUPPORT=ON -DZLIB_SUPPORT=OFF -DDIGEST_SUPPORT=OFF -DDEBUG_SUPPORT=OFF \
	-DCMAKE_C_FLAGS="-I$P/include/libnl-tiny"

# rpcd's sys plugin calls strlcpy, which glibc 2.36 lacks.
mkdir -p "$build/compat"
cat > "$build/compat/strlcpy.h" <<'EOF'
#include <string.h>
static inline size_t wghub_strlcpy(char *d, const char *s, size_t n)
{
	size_t l = strlen(s);
	if (n) { size_t c = l < n - 1 ? l : n - 1; memcpy(d, s, c); d[c] = 0; }
	return l;
}
#define strlcpy wghub_strlcpy
EOF
cm rpcd "$P/src/rpcd" -DFILE_SUPPORT=ON -DIWINFO_SUPPORT=OFF -DRPCSYS_SUPPORT=ON -DUCODE_SUPPORT=ON \
	-DCMAKE_C_FLAGS="$gnu -include $build/compat/strlcpy.h"
cm uhttpd "$P/src/uhttpd" -DTLS_SUPPORT=OFF -DLUA_SUPPORT=OFF -DUCODE_SUPPORT=ON -DUBUS_SUPPORT=ON \
	-DCMAKE_C_FLAGS="$gnu -Wno-error=stringop-overread"
cm udebug "$P/src/udebug"

# netifd builds in its tree (a generator is run by relative path) and needs
# PoE constants newer than this kernel's headers: a wrapper header adds them
# and raises ETHTOOL_A_PSE_MAX to 13, or netifd reads past an array.
nd=$(work netifd)
mkdir -p "$build/compat/linux"
cat > "$build/compat/linux/ethtool_netlink.h" <<'EOF'
#include_next <linux/ethtool_netlink.h>
#ifndef ETHTOOL_A_C33_PSE_ADMIN_STATE
#define ETHTOOL_A_C33_PSE_ADMIN_STATE 5
#define ETHTOOL_A_C33_PSE_ADMIN_CONTROL 6
#define ETHTOOL_A_C33_PSE_PW_D_STATUS 7
#define ETHTOOL_A_C33_PSE_PW_CLASS 8
#define ETHTOOL_A_C33_PSE_ACTUAL_PW 9
#define ETHTOOL_A_C33_PSE_EXT_STATE 10
#define ETHTOOL_A_C33_PSE_EXT_SUBSTATE 11
#define ETHTOOL_A_C33_PSE_AVAIL_PW_LIMIT 12
#define ETHTOOL_A_C33_PSE_PW_LIMIT_RANGES 13
#define ETHTOOL_C33_PSE_ADMIN_STATE_DISABLED 2
#define ETHTOOL_C33_PSE_ADMIN_STATE_ENABLED 3
#define ETHTOOL_C33_PSE_PW_D_STATUS_DISABLED 2
#define ETHTOOL_C33_PSE_PW_D_STATUS_SEARCHING 3
#define ETHTOOL_C33_PSE_PW_D_STATUS_DELIVERING 4
#define ETHTOOL_C33_PSE_PW_D_STATUS_TEST 5
#define ETHTOOL_C33_PSE_PW_D_STATUS_FAULT 6
#define ETHTOOL_C33_PSE_PW_D_STATUS_OTHERFAULT 7
#undef ETHTOOL_A_PSE_MAX
#define ETHTOOL_A_PSE_MAX 13
#endif
EOF
step netifd
(cd "$nd" && cmake . -DCMAKE_INSTALL_PREFIX="$P" -DCMAKE_INSTALL_RPATH="$P/lib" -DCMAKE_BUILD_RPATH="$P/lib" \
	-DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_C_FLAGS="$gnu -I$build/compat -I$P/include/libnl-tiny" >> "$log" 2>&1 &&
	make -j "$jobs" >> "$log" 2>&1 && make install >> "$log" 2>&1)

# lucihttp (ucode module used by LuCI's dispatcher for uploads).
cm lucihttp "$P/src/lucihttp" -DBUILD_UCODE=ON -DBUILD_LUA=OFF -DCMAKE_C_FLAGS="$gnu"

# luci-base's core.so: its Makefile puts -l flags before the objects, which
# --as-needed drops; generate the plural-forms parser with its lemon, then
# compile and link by hand with the libraries last.
step luci-core
lb=$(work luci)/modules/luci-base/src
mkdir -p "$P/lib/ucode/luci" "$P/share/ucode/luci"
(cd "$lb" && cc -std=gnu17 -o contrib/lemon contrib/lemon.c && ./contrib/lemon -q lib/plural_formula.y &&
	cc -O2 -fPIC -shared -DNDEBUG -o "$P/lib/ucode/luci/core.so" -I"$P/include" \
		lib/luci.c lib/lmo.c lib/plural_formula.c \
		-L"$P/lib" -Wl,-rpath,"$P/lib" -lucode -lcrypt) >> "$log" 2>&1
echo "export const revision = 'wghub-userland', branch = 'openwrt-25.12';" > "$P/share/ucode/luci/version.uc"

# ucode-mod-html (LuCI's dispatcher imports it): one file, no build system.
step ucode-mod-html
cc -O2 -fPIC -shared -o "$P/lib/ucode/html.so" -I"$P/include" \
	"$P/src/luci/contrib/package/ucode-mod-html/src/html.c" >> "$log" 2>&1

# rpcd-mod-luci: one file against rpcd's source headers, iwinfo's and libnl-tiny.
step rpcd-mod-luci
mkdir -p "$P/lib/rpcd"
cc -O2 -fPIC -shared $gnu -o "$P/lib/rpcd/luci.so" \
	-I"$P/src/rpcd/include" -I"$P/src/iwinfo/include" -I"$P/include" -I"$P/include/libnl-tiny" \
	"$P/src/luci/libs/rpcd-mod-luci/src/luci.c" \
	-L"$P/lib" -Wl,-rpath,"$P/lib" -lubus -luci -lubox -lnl-tiny -ldl >> "$log" 2>&1

# apk-tools 3 (meson): optional features off explicitly.
step apk-tools
LDFLAGS="-Wl,-rpath,$P/lib" meson setup "$build/apk-tools" "$P/src/apk-tools" --prefix="$P" --libdir=lib \
	-Dlua=disabled -Ddocs=disabled -Dhelp=disabled -Dtests=disabled -Dzstd=disabled \
	-Durl_backend=libfetch -Dcrypto_backend=openssl >> "$log" 2>&1
ninja -C "$build/apk-tools" >> "$log" 2>&1
ninja -C "$build/apk-tools" install >> "$log" 2>&1

# opkg-lede takes its version from git, which an archive lacks.
cm opkg-lede "$P/src/opkg-lede" -DVERSION=38eccbb -DBUILD_TESTS=OFF
cm usign "$P/src/usign" -DUSE_LIBUBOX=ON

echo "userland: built in $(( $(date +%s) - start ))s into $P" >&2
trap - ERR
touch "$P/.complete"
rm -rf "$build"
echo "$P"

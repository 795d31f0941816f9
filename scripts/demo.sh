#!/usr/bin/env bash
# make demo: wghub on a sandbox copy of a stock OpenWrt router's /etc/config,
# then (as root) the hub in network namespaces with real packets, then
# screenshots of the LuCI page in real LuCI. Nothing outside build/demo and
# the namespaces it creates is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
wghub="$PWD/build/wghub"
out="$PWD/build/demo"
rm -rf "$out" && mkdir -p "$out"
cp -a sandbox/etc/config "$out/config"
chmod 600 "$out/config/wghub"
umask 077
w() { echo "\$ wghub $*" >&2; "$wghub" --backend openwrt --root "$out/config" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Set up the gateway: WireGuard interface, zone, forwarding to lan, masquerade, WAN port"
w setup --endpoint vpn.example.org --subnet6 fd42:4242:4242::/64

step "2. Add two devices: a laptop (split tunnel: VPN + LAN) and a phone (full tunnel)"
w peer add laptop --psk
w peer add phone --full-tunnel
w peer list

step "3. What changed in /etc/config (diff against the stock router)"
(cd build/demo && diff -ru ../../sandbox/etc/config config) || true

step "4. The laptop's client config (wg-quick format)"
w peer config laptop | tee "$out/laptop.conf"
if command -v wg-quick >/dev/null; then
	echo "-- what wg(8) is given (wg-quick strip):"
	wg-quick strip "$out/laptop.conf"
fi

step "5. The phone's config as a QR code (scan it with the WireGuard app)"
w peer qr phone
w peer qr phone --png "$out/phone.png" --svg "$out/phone.svg"
echo "(also written to $out/phone.png and $out/phone.svg)"

step "6. Status and doctor (the interface is not running in a sandbox)"
w status || true
w doctor || true

step "7. Teardown gives back the stock files byte for byte"
w teardown
if diff -r sandbox/etc/config "$out/config"; then echo "identical to the stock tree"; fi

if [ "$(id -u)" -eq 0 ] && ip netns list >/dev/null 2>&1 && command -v wireguard-go >/dev/null; then
	step "8. Network demo: external host -> hub -> LAN host, in network namespaces"
	./scripts/netdemo.sh "$wghub"
else
	step "8. Network demo skipped (needs root, ip netns and wireguard-go)"
fi

if [ "$(id -u)" -eq 0 ] && command -v chromium >/dev/null && command -v zbarimg >/dev/null; then
	step "9. The LuCI page in real LuCI, as an owner uses it (headless Chromium)"
	# OpenWrt's own uhttpd, rpcd and LuCI, built from source by
	# scripts/userland.sh (cached), run as a gateway in namespaces; the
	# browser test sets up the hub, adds a device and saves screenshots.
	WGHUB_LUCI_SCREENSHOTS="$out" ${GO:-go} test -count=1 -run 'TestOpenwrtLuCI$/owner' ./netns-tests/openwrt/ \
		>"$out/luci-test.log" 2>&1 || echo "(the LuCI browser test failed: see $out/luci-test.log)"
	if [ -f "$out/luci.png" ]; then
		echo "written: $out/luci.png (the page after adding a device), luci-add.png (its QR code and"
		echo "configuration), luci-add-form.png (the add-device dialog), luci-setup.png (the setup form)"
	fi
else
	step "9. LuCI screenshots skipped (needs root, chromium and zbarimg)"
fi

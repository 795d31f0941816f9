#!/usr/bin/env bash
# The design's topology in network namespaces, with real packets:
#
#   ext (203.0.113.2) --WAN-- (203.0.113.1) hub (192.168.1.1) --LAN-- lan (192.168.1.20)
#   VPN 192.168.100.0/24: hub .1, ext .2
#
# The LAN host has no route to the VPN: it can only answer because the hub
# masquerades. Everything is created here and removed on exit.
set -euo pipefail
wghub=${1:-build/wghub}
id=$$
ext=wghub-demo-ext-$id hubns=wghub-demo-hub-$id lan=wghub-demo-lan-$id
cfg=$(mktemp -d)
cleanup() {
	ip netns exec "$hubns" "$wghub" --backend linux --root "$cfg" down >/dev/null 2>&1 || true
	ip netns exec "$ext" ip link del wgdx$id 2>/dev/null || true
	[ -n "${httpd:-}" ] && kill "$httpd" 2>/dev/null || true
	for n in "$ext" "$hubns" "$lan"; do ip netns del "$n" 2>/dev/null || true; done
	rm -f /var/run/wireguard/wgdh$id.sock /var/run/wireguard/wgdx$id.sock
	rm -rf "$cfg"
}
trap cleanup EXIT
say() { printf '  %s\n' "$*"; }

for n in "$ext" "$hubns" "$lan"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add dx$id netns "$ext" type veth peer name dh$id netns "$hubns"
ip link add dl$id netns "$hubns" type veth peer name dn$id netns "$lan"
ip -n "$ext" addr add 203.0.113.2/24 dev dx$id; ip -n "$ext" link set dx$id up
ip -n "$hubns" addr add 203.0.113.1/24 dev dh$id; ip -n "$hubns" link set dh$id up
ip -n "$hubns" addr add 192.168.1.1/24 dev dl$id; ip -n "$hubns" link set dl$id up
ip -n "$lan" addr add 192.168.1.20/24 dev dn$id; ip -n "$lan" link set dn$id up
say "namespaces: $ext, $hubns, $lan"

h() { ip netns exec "$hubns" "$wghub" --backend linux --root "$cfg" "$@"; }
h setup --interface wgdh$id --endpoint 203.0.113.1 --lan 192.168.1.0/24 --lan-device dl$id >/dev/null
h peer add ext >/dev/null
h up
say "hub up: $(h status | head -1)"

h peer config ext > "$cfg/ext.conf"
wg-quick strip "$cfg/ext.conf" > "$cfg/ext.stripped"
ip netns exec "$ext" wireguard-go wgdx$id >/dev/null 2>&1
ip netns exec "$ext" wg setconf wgdx$id "$cfg/ext.stripped"
ip -n "$ext" addr add 192.168.100.2/32 dev wgdx$id
ip -n "$ext" link set wgdx$id up
ip -n "$ext" route add 192.168.100.0/24 dev wgdx$id
ip -n "$ext" route add 192.168.1.0/24 dev wgdx$id

echo "  \$ ping 192.168.1.20 (from ext, through the tunnel)"
ip netns exec "$ext" ping -c 3 -i 0.2 -W 2 192.168.1.20 | sed 's/^/    /'

if command -v python3 >/dev/null; then
	mkdir -p "$cfg/www" && echo "hello from the LAN host 192.168.1.20" > "$cfg/www/index.html"
	ip netns exec "$lan" python3 -m http.server -b 192.168.1.20 -d "$cfg/www" 8080 >"$cfg/httpd.log" 2>&1 &
	httpd=$!
	sleep 1
	echo "  \$ HTTP GET http://192.168.1.20:8080/ (from ext)"
	ip netns exec "$ext" python3 -c 'import urllib.request; print("    " + urllib.request.urlopen("http://192.168.1.20:8080/", timeout=5).read().decode().strip())'
	echo "  the LAN host saw the request from: $(awk '{print $1}' "$cfg/httpd.log" | tail -1) (the hub's LAN address: masqueraded)"
fi
echo "  \$ wghub status (on the hub)"
h status | sed 's/^/    /'

#!/usr/bin/env bash
# Installs the Debian packages wghub's demo and tests use, when missing.
# Used by .ci/run and `make demo`; needs root (or sudo) to install.
set -euo pipefail
pkgs=(wireguard-tools wireguard-go iproute2 iptables nftables iputils-ping
	qemu-user-static zbar-tools chromium nodejs ca-certificates git make bc python3 time
	# scripts/userland.sh: OpenWrt's userland built from source for the integration tests
	build-essential cmake pkg-config meson ninja-build libjson-c-dev libssl-dev zlib1g-dev libcrypt-dev
	# netns-tests/openwrt: control's golden diffs applied to the stock tree
	patch
	# apk/ and ipk/ feed tests: a router root with a static shell; apk signing keys
	busybox-static openssl
	# sysctl in the network-namespace tests (absent from minimal Debian images)
	procps
	# access tests (netns-tests, netns-tests/openwrt): a real DNS server on the hub, as OpenWrt runs dnsmasq
	dnsmasq-base)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then sudo="sudo"; else
		echo "deps: missing Debian packages (install as root): ${missing[*]}" >&2
		exit 0
	fi
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

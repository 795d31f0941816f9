#!/usr/bin/env bash
# Sizes per architecture (stripped binary, .ipk, ratio to a reference
# binary linking only the same dependencies) and cold start under qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d) build=$(mktemp -d)
trap 'rm -rf "$out" "$build"' EXIT
OUT=$out BUILD=$build VERSION=0.0.0+bench ./scripts/ipk.sh >/dev/null
printf '%-26s %10s %10s %10s %7s\n' target binary ipk reference ratio
for t in mipsel_24kc mips_24kc arm_cortex-a7_neon-vfpv4 aarch64_cortex-a53 x86_64; do
	case $t in
	mipsel_*) e="GOARCH=mipsle GOMIPS=softfloat" ;; mips_*) e="GOARCH=mips GOMIPS=softfloat" ;;
	arm_*) e="GOARCH=arm GOARM=7" ;; aarch64_*) e="GOARCH=arm64" ;; x86_64) e="GOARCH=amd64" ;;
	esac
	env CGO_ENABLED=0 GOOS=linux $e go build -tags refbin -trimpath -ldflags "-s -w -buildid=" -o "$build/ref-$t" ./ipk/refbin
	b=$(stat -c %s "$build/$t/wghub") i=$(stat -c %s "$out/wghub_0.0.0+bench_$t.ipk") r=$(stat -c %s "$build/ref-$t")
	printf '%-26s %10d %10d %10d %7.2f\n' "$t" "$b" "$i" "$r" "$(echo "$b / $r" | bc -l)"
done
printf '%-26s %10s %10d\n' luci-app-wghub "" "$(stat -c %s "$out"/luci-app-wghub_*_all.ipk)"

if command -v qemu-mipsel-static >/dev/null; then
	root=$(mktemp -d)
	cp sandbox/etc/config/* "$root"
	bin="$build/mipsel_24kc/wghub"
	qemu-mipsel-static "$bin" --backend openwrt --root "$root" --no-apply setup --endpoint vpn.example.org >/dev/null 2>&1
	for i in $(seq 1 50); do qemu-mipsel-static "$bin" --backend openwrt --root "$root" --no-apply peer add "p$i" >/dev/null 2>&1; done
	cold() { # median wall ms of 21 runs
		for i in $(seq 1 21); do
			s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000))
		done | sort -n | sed -n 11p | awk '{printf "%.1f ms", $1/1000}'
	}
	echo "cold start under qemu-mipsel-static (emulated, x86 host; median of 21):"
	echo "  wghub version:                    $(cold qemu-mipsel-static "$bin" version)"
	echo "  wghub status (50 peers, sandbox): $(cold qemu-mipsel-static "$bin" --backend openwrt --root "$root" status)"
	echo "  wghub list (rpcd registration):   $(cold qemu-mipsel-static "$bin" list)"
	rm -rf "$root"
fi

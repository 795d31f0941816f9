#!/usr/bin/env bash
# make ipk: cross-build wghub for the router targets and pack it, with
# luci-app-wghub, as reproducible .ipk files (cmd/mkipk, openwrt/ipk/*.ipkspec).
#
#   scripts/ipk.sh            build dist/wghub_<ver>_<arch>.ipk for each target
#                             and dist/luci-app-wghub_<ver>_all.ipk
#   scripts/ipk.sh version    print the version the packages get
#   scripts/ipk.sh bench      sizes per target, ratio to a binary linking only
#                             wghub's dependencies, cold start under qemu
#
# Environment: TARGETS (default: the five below), OUT (dist), BUILD (build),
# VERSION (from git), SOURCE_DATE_EPOCH (the last commit's time).
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS="mipsel_24kc mips_24kc arm_cortex-a7_neon-vfpv4 aarch64_cortex-a53 x86_64"

# version prints an opkg version from git: a tag v1.2.3 gives 1.2.3, N
# commits after it 1.2.3+N.gHASH, a tree without tags 0.0.0+N.gHASH (N
# counts commits, so later builds compare newer); a dirty tree adds .dirty.
# Only [0-9A-Za-z.+] is used: '-' would start opkg's revision part.
version() {
	local d n
	if d=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
		d=${d#v}
		case "$d" in
		*-*-g*) n=${d%-g*}; d="${n%-*}+${n##*-}.g${d##*-g}" ;;
		esac
		echo "$d" | sed 's/-dirty$/.dirty/; s/-/./g'
	elif d=$(git describe --always --dirty 2>/dev/null); then
		n=$(git rev-list --count HEAD 2>/dev/null || echo 0)
		echo "0.0.0+$n.g$d" | sed 's/-dirty$/.dirty/'
	else
		echo "0.0.0"
	fi
}

# goenv maps an OpenWrt architecture to Go's, as golang-values.mk does:
# mipsel->mipsle, softfloat unless the CPU has an FPU (the 24kc has none);
# GOARM from the FPU in CPU_TYPE (none 5, vfp/vfpv2 6, else 7).
goenv() {
	case "$1" in
	mipsel_*) echo "GOARCH=mipsle GOMIPS=softfloat" ;;
	mips_*) echo "GOARCH=mips GOMIPS=softfloat" ;;
	arm_*_neon* | arm_*_vfpv3* | arm_*_vfpv4*) echo "GOARCH=arm GOARM=7" ;;
	arm_*_vfp | arm_*_vfpv2) echo "GOARCH=arm GOARM=6" ;;
	arm_*) echo "GOARCH=arm GOARM=5" ;;
	aarch64_*) echo "GOARCH=arm64" ;;
	x86_64) echo "GOARCH=amd64" ;;
	*) echo "ipk: unknown target $1" >&2; return 1 ;;
	esac
}

VERSION=${VERSION:-$(version)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
TARGETS=${TARGETS:-$ALL_TARGETS}
OUT=${OUT:-dist}
BUILD=${BUILD:-build}
LDFLAGS="-s -w -buildid= -X github.com/wghub/wghub/cli.version=$VERSION"

# gobuild TARGET OUTPUT [PACKAGE [go build flags...]]
gobuild() {
	local t=$1 o=$2 pkg=${3:-./cmd/wghub}
	shift 3 || shift $#
	env CGO_ENABLED=0 GOOS=linux $(goenv "$t") \
		go build -trimpath -buildvcs=false -ldflags "$LDFLAGS" "$@" -o "$o" "$pkg"
}

packages() {
	mkdir -p "$BUILD" "$OUT"
	go build -o "$BUILD/mkipk" ./cmd/mkipk
	for t in $TARGETS; do
		gobuild "$t" "$BUILD/$t/wghub"
		rm -f "$OUT"/wghub_*_"$t".ipk # older versions, as ipkg-build removes them
		"$BUILD/mkipk" -o "$OUT" -var VERSION="$VERSION" -var ARCH="$t" -var BIN="$BUILD/$t/wghub" openwrt/ipk/wghub.ipkspec
	done
	rm -f "$OUT"/luci-app-wghub_*_all.ipk
	"$BUILD/mkipk" -o "$OUT" -var VERSION="$VERSION" openwrt/ipk/luci-app-wghub.ipkspec
}

# median NAME CMD...: median wall time of 21 runs, in ms.
median() {
	local i s e
	for i in $(seq 21); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s%N)
		echo $(((e - s) / 1000))
	done | sort -n | sed -n 11p | awk '{printf "%.1f ms", $1 / 1000}'
}

bench() {
	local t b i r root bin
	tmp=$(mktemp -d) # global: the EXIT trap runs after bench returns
	trap 'rm -rf "$tmp"' EXIT
	OUT=$tmp/dist BUILD=$tmp/build packages >/dev/null
	echo "sizes in bytes; reference = a binary linking only wgctrl, wgtypes, netlink, go-iptables (ipk/refbin), same flags"
	printf '%-26s %10s %10s %10s %7s\n' target binary ipk reference ratio
	for t in $ALL_TARGETS; do
		case " $TARGETS " in *" $t "*) ;; *) continue ;; esac
		LDFLAGS="-s -w -buildid=" gobuild "$t" "$tmp/ref-$t" ./ipk/refbin -tags refbin
		b=$(stat -c %s "$tmp/build/$t/wghub")
		i=$(stat -c %s "$tmp/dist/wghub_${VERSION}_$t.ipk")
		r=$(stat -c %s "$tmp/ref-$t")
		printf '%-26s %10d %10d %10d %7.2f\n' "$t" "$b" "$i" "$r" "$(echo "$b / $r" | bc -l)"
	done
	printf '%-26s %10s %10d\n' luci-app-wghub "" "$(stat -c %s "$tmp"/dist/luci-app-wghub_*_all.ipk)"

	bin=$tmp/build/mipsel_24kc/wghub
	if ! command -v qemu-mipsel-static >/dev/null || [ ! -x "$bin" ]; then
		echo "cold start: skipped (needs qemu-mipsel-static and the mipsel_24kc target)"
		return
	fi
	root=$tmp/root
	mkdir -p "$root"
	cp sandbox/etc/config/* "$root"/
	qemu-mipsel-static "$bin" --backend openwrt --root "$root" --no-apply setup --endpoint vpn.example.org >/dev/null
	for i in $(seq 50); do
		qemu-mipsel-static "$bin" --backend openwrt --root "$root" --no-apply peer add "p$i" >/dev/null
	done
	echo "cold start under qemu-mipsel-static on this $(uname -m) host (median of 21; emulated, not a router's speed):"
	echo "  wghub version                     $(median qemu-mipsel-static "$bin" version)"
	echo "  wghub list (rpcd registration)    $(median qemu-mipsel-static "$bin" list)"
	echo "  wghub peer list, 50 peers         $(median qemu-mipsel-static "$bin" --backend openwrt --root "$root" peer list)"
}

case "${1:-}" in
"") packages ;;
version) echo "$VERSION" ;;
bench) bench ;;
*) echo "usage: $0 [version|bench]" >&2; exit 2 ;;
esac

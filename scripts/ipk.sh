#!/usr/bin/env bash
# make ipk / apk / feed: cross-build wghub for the router targets and pack
# it, with luci-app-wghub, as reproducible .ipk (opkg, OpenWrt 24.10 and
# earlier) and .apk (apk-tools v3, 25.12 and later) files (cmd/mkipk,
# openwrt/ipk/*.ipkspec), and make a signed feed of them (cmd/mkfeed).
#
#   scripts/ipk.sh            build dist/wghub_<ver>_<arch>.ipk for each target
#                             and dist/luci-app-wghub_<ver>_all.ipk
#   scripts/ipk.sh apk        build dist/apk/<arch>/wghub-<ver>.apk for each
#                             target and dist/apk/noarch/luci-app-wghub-<ver>.apk
#   scripts/ipk.sh all        both of the above
#   scripts/ipk.sh feed       build both and make dist/feed/<arch>/ for each
#                             target: both formats, packages.adb signed with
#                             APK_KEY, Packages(.gz), Packages.sig when
#                             USIGN_KEY is set; public keys in dist/feed/keys/
#   scripts/ipk.sh version    print the version the packages get
#   scripts/ipk.sh bench      sizes per target, ratio to a binary linking only
#                             wghub's dependencies, cold start under qemu
#                             against a Go hello world, issue 13's figures
#
# Environment: TARGETS (default: the five below), OUT (dist), BUILD (build),
# VERSION (from git), SOURCE_DATE_EPOCH (the last commit's time), APK_KEY
# and USIGN_KEY (paths of the feed's private keys; never committed),
# GCFLAGS (the compiler flags of the binaries; default all=-l, see below).
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS="mipsel_24kc mips_24kc arm_cortex-a7_neon-vfpv4 aarch64_cortex-a53 x86_64"

# version prints the packages' version from git, one string valid for
# opkg and apk and ordered the same way by both (ipk/version_test.go
# checks it with `opkg-cl compare-versions` and `apk version -t`):
#   at a tag vX.Y.Z, clean tree        X.Y.Z-r1
#   N commits after it (hash H)        X.Y.Z.N~H-r1
#   a dirty tree                       X.Y.Z.N~H-r0 (N may be 0): after the
#                                      commit before, before H committed
#   no tag at all                      0.0.0.N~H-r1, N counting all commits
# The extra component sorts after X.Y.Z and before X.Y.(Z+1) in both. apk's
# grammar (digits{.digits}[letter]{_suffix}[~hexhash][-rN]) has no
# pre-release form that opkg orders the same way, so only vX.Y.Z tags count.
# A tree without git (a tarball) gets 0.0.0-r0 unless VERSION is set.
version() {
	local d tag n hash rev=1
	# Tags other than vX.Y.Z (v2.0.0-rc1, v1.2.3.4) are skipped.
	if d=$(git describe --tags --long --match 'v[0-9]*.[0-9]*.[0-9]*' --exclude 'v*[!0-9.]*' \
		--exclude 'v*.*.*.*' --dirty --abbrev=7 2>/dev/null); then
		case "$d" in *-dirty) rev=0; d=${d%-dirty} ;; esac
		hash=${d##*-g}; d=${d%-g*}
		n=${d##*-}; tag=${d%-*}; tag=${tag#v}
		if ! [[ $tag =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
			echo "ipk: tag v$tag: want vX.Y.Z" >&2
			return 1
		fi
	elif hash=$(git rev-parse --short=7 HEAD 2>/dev/null); then
		tag=0.0.0
		n=$(git rev-list --count HEAD)
		git diff --quiet HEAD 2>/dev/null || rev=0
	else
		echo "0.0.0-r0"
		return
	fi
	if [ "$n" = 0 ] && [ "$rev" = 1 ]; then
		echo "$tag-r1"
	else
		echo "$tag.$n~$hash-r$rev"
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
# GCFLAGS: no inlining, in any package. Inlining adds little code but
# large inline tables to the binary's pclntab: without it the mipsel
# binary is 260 KB (5%) smaller and its .ipk 240 KB (14%), for code that
# runs slower where it is CPU-bound (about 1.6x in uci.BenchmarkParse,
# native; cold start under qemu 1.2-1.4x, the hello world it is compared
# with alike). Flash is what a small router lacks most. The floor and the
# hello world of `bench` get the same flags; openwrt/wghub/Makefile sets
# them too (GO_PKG_GCFLAGS).
GCFLAGS=${GCFLAGS-all=-l}

# gobuild TARGET OUTPUT [PACKAGE [go build flags...]]
gobuild() {
	local t=$1 o=$2 pkg=${3:-./cmd/wghub}
	shift 3 || shift $#
	env CGO_ENABLED=0 GOOS=linux $(goenv "$t") \
		go build -trimpath -buildvcs=false -gcflags "$GCFLAGS" -ldflags "$LDFLAGS" "$@" -o "$o" "$pkg"
}

# packages FORMAT...: build the binaries and pack them in each format
# (ipk into $OUT, apk into $OUT/apk/<arch>), older versions removed first
# as OpenWrt's build removes them.
packages() {
	local t f
	mkdir -p "$BUILD" "$OUT"
	go build -o "$BUILD/mkipk" ./cmd/mkipk
	for t in $TARGETS; do
		# -tags openwrt: the router build leaves out the plain-Linux backend.
		gobuild "$t" "$BUILD/$t/wghub" ./cmd/wghub -tags openwrt
		for f in "$@"; do
			pack "$f" "$t" wghub -var ARCH="$t" -var BIN="$BUILD/$t/wghub"
		done
	done
	for f in "$@"; do
		pack "$f" all luci-app-wghub
	done
}

# pack FORMAT ARCH NAME [mkipk flags...]
pack() {
	local f=$1 arch=$2 name=$3 out=$OUT
	shift 3
	if [ "$f" = apk ]; then
		[ "$arch" = all ] && arch=noarch
		out=$OUT/apk/$arch
		mkdir -p "$out"
		rm -f "$out/$name"-[0-9]*.apk
	else
		rm -f "$out/${name}_"*"_$arch.ipk"
	fi
	"$BUILD/mkipk" -format "$f" -o "$out" -var VERSION="$VERSION" "$@" "openwrt/ipk/$name.ipkspec" >/dev/null
}

# feed: both formats, then one feed directory per target holding its
# packages and the architecture-independent ones, with their indexes.
feed() {
	local t d
	if [ -z "${APK_KEY:-}" ]; then
		echo "feed: set APK_KEY to an ECDSA P-256 private key (openssl ecparam -name prime256v1 -genkey -noout -out KEY)" >&2
		return 2
	fi
	packages ipk apk
	go build -o "$BUILD/mkfeed" ./cmd/mkfeed
	rm -rf "$OUT/feed"
	for t in $TARGETS; do
		d=$OUT/feed/$t
		mkdir -p "$d"
		cp "$OUT/wghub_${VERSION}_$t.ipk" "$OUT/luci-app-wghub_${VERSION}_all.ipk" \
			"$OUT/apk/$t/wghub-$VERSION.apk" "$OUT/apk/noarch/luci-app-wghub-$VERSION.apk" "$d/"
		"$BUILD/mkfeed" -apk-key "$APK_KEY" ${USIGN_KEY:+-usign-key "$USIGN_KEY"} \
			-keys "$OUT/feed/keys" -description "wghub $VERSION $t" "$d" >/dev/null
	done
	echo "$OUT/feed"
}

# coldstart N BIN ARGS... -- BIN2 ARGS2...: runs the two commands under
# qemu-mipsel-static N times each, interleaved (so load on the machine
# hits both alike), and prints the median wall time of each in ms and
# their ratio.
coldstart() {
	local n=$1 i s e a=() b=()
	shift
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	for i in $(seq "$n"); do
		s=$(date +%s%N); qemu-mipsel-static "${a[@]}" >/dev/null 2>&1 || true; e=$(date +%s%N)
		echo "a $(((e - s) / 1000))"
		s=$(date +%s%N); qemu-mipsel-static "${b[@]}" >/dev/null 2>&1 || true; e=$(date +%s%N)
		echo "b $(((e - s) / 1000))"
	done | awk '{t[$1, ++n[$1]] = $2}
		function med(k,   i, j, x, m) {
			m = n[k]
			for (i = 1; i <= m; i++) v[i] = t[k, i]
			for (i = 2; i <= m; i++) { x = v[i]; for (j = i - 1; j > 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
			return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
		}
		END { a = med("a"); b = med("b"); printf "%8.1f ms %8.1f ms   ratio %.2f\n", a / 1000, b / 1000, a / b }'
}

bench() {
	local t b i a r root bin v sum=""
	tmp=$(mktemp -d) # global: the EXIT trap runs after bench returns
	trap 'rm -rf "$tmp"' EXIT
	OUT=$tmp/dist BUILD=$tmp/build packages ipk apk >/dev/null
	echo "sizes in bytes; floor = a binary linking only wgctrl, wgtypes, netlink, go-iptables (ipk/refbin), same flags"
	printf '%-26s %10s %10s %10s %10s %7s\n' target binary ipk apk floor ratio
	for t in $ALL_TARGETS; do
		case " $TARGETS " in *" $t "*) ;; *) continue ;; esac
		LDFLAGS="-s -w -buildid=" gobuild "$t" "$tmp/ref-$t" ./ipk/refbin -tags refbin
		b=$(stat -c %s "$tmp/build/$t/wghub")
		i=$(stat -c %s "$tmp/dist/wghub_${VERSION}_$t.ipk")
		a=$(stat -c %s "$tmp/dist/apk/$t/wghub-$VERSION.apk")
		r=$(stat -c %s "$tmp/ref-$t")
		printf '%-26s %10d %10d %10d %10d %7.2f\n' "$t" "$b" "$i" "$a" "$r" "$(echo "$b / $r" | bc -l)"
		if [ "$t" = mipsel_24kc ]; then
			sum=$(printf '  router binary / deps floor        %.2f   (target <= 1.25)\n  .ipk                              %d B   (target <= 1600000)\n  .apk                              %d B' \
				"$(echo "$b / $r" | bc -l)" "$i" "$a")
		fi
	done
	printf '%-26s %10s %10d %10d\n' luci-app-wghub "" "$(stat -c %s "$tmp"/dist/luci-app-wghub_*_all.ipk)" \
		"$(stat -c %s "$tmp"/dist/apk/noarch/luci-app-wghub-*.apk)"

	bin=$tmp/build/mipsel_24kc/wghub
	if ! command -v qemu-mipsel-static >/dev/null || [ ! -x "$bin" ]; then
		echo "cold start: skipped (needs qemu-mipsel-static and the mipsel_24kc target)"
		return
	fi
	LDFLAGS="-s -w -buildid=" gobuild mipsel_24kc "$tmp/hello" ./ipk/hellobin -tags hellobin
	root=$tmp/root
	mkdir -p "$root"
	cp sandbox/etc/config/* "$root"/
	qemu-mipsel-static "$bin" --backend openwrt --root "$root" --no-apply setup --endpoint vpn.example.org >/dev/null
	for i in $(seq 50); do
		qemu-mipsel-static "$bin" --backend openwrt --root "$root" --no-apply peer add "p$i" >/dev/null
	done
	echo "cold start under qemu-mipsel-static on this $(uname -m) host, against a Go hello world"
	echo "(ipk/hellobin, same flags); median wall time of 21 interleaved runs each (emulated, not a router's speed):"
	v=$(coldstart 21 "$bin" version -- "$tmp/hello")
	echo "  wghub version                     $v"
	echo "  wghub list (rpcd registration)    $(coldstart 21 "$bin" list -- "$tmp/hello")"
	echo "  wghub peer list, 50 peers         $(coldstart 21 "$bin" --backend openwrt --root "$root" peer list -- "$tmp/hello")"
	echo "issue 13 figures, mipsel_24kc:"
	echo "$sum"
	echo "  cold start, version / hello world ${v##*ratio }   (target <= 1.3)"
}

case "${1:-}" in
"") packages ipk ;;
apk) packages apk ;;
all) packages ipk apk ;;
feed) feed ;;
version) echo "$VERSION" ;;
bench) bench ;;
*) echo "usage: $0 [apk|all|feed|version|bench]" >&2; exit 2 ;;
esac

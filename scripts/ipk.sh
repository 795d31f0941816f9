#!/usr/bin/env bash
# make ipk: cross-build wghub for the router targets and pack it, with
# luci-app-wghub, as reproducible .ipk files in dist/.
#   TARGETS="mipsel_24kc x86_64" ./scripts/ipk.sh   (default: all five)
set -euo pipefail
cd "$(dirname "$0")/.."

# opkg versions allow [a-z0-9.+-]: a tag v1.2.3 gives 1.2.3, commits after
# it 1.2.3+4.gabcdef0, an untagged tree 0.0.0+gabcdef0.
version() {
	local d
	d=$(git describe --tags --always --dirty 2>/dev/null || echo unknown)
	case "$d" in
	v[0-9]*) d=${d#v}; echo "${d/-/+}" | tr '-' '.' ;;
	*) echo "0.0.0+g$d" | tr '-' '.' ;;
	esac
}
VERSION=${VERSION:-$(version)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
TARGETS=${TARGETS:-"mipsel_24kc mips_24kc arm_cortex-a7_neon-vfpv4 aarch64_cortex-a53 x86_64"}
LDFLAGS="-s -w -buildid= -X github.com/wghub/wghub/cli.version=$VERSION"

goenv() { # OpenWrt arch -> GOARCH and friends (as golang-values.mk maps them)
	case "$1" in
	mipsel_*) echo "GOARCH=mipsle GOMIPS=softfloat" ;;
	mips_*) echo "GOARCH=mips GOMIPS=softfloat" ;;
	arm_*neon* | arm_*vfpv3* | arm_*vfpv4*) echo "GOARCH=arm GOARM=7" ;;
	arm_*vfp*) echo "GOARCH=arm GOARM=6" ;;
	arm_*) echo "GOARCH=arm GOARM=5" ;;
	aarch64_*) echo "GOARCH=arm64" ;;
	x86_64) echo "GOARCH=amd64" ;;
	*) echo "ipk: unknown target $1" >&2; return 1 ;;
	esac
}

OUT=${OUT:-dist}
BUILD=${BUILD:-build}
mkdir -p "$BUILD" "$OUT"
go build -o "$BUILD/mkipk" ./cmd/mkipk
for t in $TARGETS; do
	env CGO_ENABLED=0 GOOS=linux $(goenv "$t") \
		go build -trimpath -ldflags "$LDFLAGS" -o "$BUILD/$t/wghub" ./cmd/wghub
	"$BUILD/mkipk" -package wghub -version "$VERSION" -arch "$t" -bin "$BUILD/$t/wghub" -o "$OUT"
done
"$BUILD/mkipk" -package luci-app-wghub -version "$VERSION" -o "$OUT"

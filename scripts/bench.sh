#!/usr/bin/env bash
# make bench: the speed, size and memory figures. First issue 13's targets,
# one line each, as ratios to floors measured in the same run
# (cmd/wghub-bench); then details. Nothing here asserts a time.
#
# Run as root for the status targets (a network namespace with
# wireguard-go); qemu-mipsel-static gives the cold start. Debian packages:
# scripts/deps.sh. RUNS sets the runs per command (median printed).
set -euo pipefail
cd "$(dirname "$0")/.."
hdr() { printf '\n== %s\n' "$*"; }

hdr "issue 13 targets"
go build -o build/wghub-bench ./cmd/wghub-bench
build/wghub-bench -runs "${RUNS:-11}"

hdr "uci: parse, and load+edit+commit of a 1000-section firewall config (in-process)"
go test -run '^$' -bench . -benchmem ./uci/
[ -d uci/ucibench ] && go run ./uci/ucibench

if [ "$(id -u)" -eq 0 ] && [ -d netns-tests ]; then
	hdr "throughput of one TCP stream through the hub (userspace WireGuard)"
	WGHUB_BENCH=1 go test -count=1 -run 'Throughput' -v ./netns-tests/ | grep -iE 'mbit|throughput|ok|FAIL' || true
fi

# One architecture by default: building all five takes minutes
# (TARGETS="mipsel_24kc mips_24kc ..." as for scripts/ipk.sh).
if [ -x scripts/ipk.sh ]; then
	hdr "package sizes, and cold start under qemu"
	TARGETS="${TARGETS:-mipsel_24kc}" ./scripts/ipk.sh bench
fi

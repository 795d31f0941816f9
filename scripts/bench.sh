#!/usr/bin/env bash
# make bench: the speed, size and memory figures. Benchmarks print; nothing
# here asserts a time.
set -euo pipefail
cd "$(dirname "$0")/.."
hdr() { printf '\n== %s\n' "$*"; }

hdr "uci: parse, and load+edit+commit of a 1000-section firewall config"
go test -run '^$' -bench . -benchmem ./uci/
[ -d uci/ucibench ] && go run ./uci/ucibench

hdr "peer add with 10/100/1000 existing peers (one wghub process each); status with 1000 peers"
go test -run '^$' -bench 'BenchmarkPeerAdd|BenchmarkStatus' -benchtime 20x ./cli/

if [ -d rpcd ] && grep -q WGHUB_BENCH rpcd/*_test.go 2>/dev/null; then
	hdr "rpcd: wghub call status with 250 peers (wall, peak RSS) vs wg show all dump"
	WGHUB_BENCH=1 go test -count=1 -run 'Bench' -v ./rpcd/ | grep -E '^\s*(bench|wghub|wg|---|ok)' || true
fi

if [ "$(id -u)" -eq 0 ] && [ -d netns-tests ]; then
	hdr "throughput of one TCP stream through the hub (userspace WireGuard)"
	WGHUB_BENCH=1 go test -count=1 -run 'Throughput' -v ./netns-tests/ | grep -iE 'mbit|throughput|ok|FAIL' || true
fi

if [ -x scripts/ipk.sh ]; then
	hdr "package sizes per architecture, and cold start under qemu"
	./scripts/ipk.sh bench
fi

#!/bin/sh
# Package smoke test, as OpenWrt's CI runs it: $1 is the package name,
# $2 its version.
case "$1" in
wghub)
	wghub version | grep -F "$2" || exit 1
	wghub list | grep -q '"peer_add"' || exit 1
	;;
esac

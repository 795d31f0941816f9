#!/bin/sh
# Package smoke test, as the packages feed's CI runs it after installing
# the package: $1 is the package name, $2 its version.
case "$1" in
wghub)
	wghub version | grep -F "$2" || { echo "FAIL: wghub version does not print $2"; exit 1; }
	/usr/libexec/rpcd/wghub list | grep -q '"peer_add"' || { echo "FAIL: rpcd plugin lists no peer_add"; exit 1; }
	;;
*)
	exit 0
	;;
esac

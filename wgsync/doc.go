// Package wgsync compares a running WireGuard device with what UCI tells
// netifd to build (the interface section and its wireguard_<iface> peer
// sections) and changes the device to match with the smallest
// configuration: a peer that differs is updated in place (UpdateOnly, and
// ReplaceAllowedIPs only when its allowed IPs differ), a missing peer is
// added, an extra one removed. ReplacePeers is never used, so peers that
// already match keep their session, handshake and counters.
//
// It reads UCI the way both generations of netifd's WireGuard handler do
// (disabled sections and sections without a public key are skipped, a bare
// address is a host prefix) but takes the preshared key from
// preshared_key, the option LuCI and wghub write, so that a device built by
// a handler that reads another option shows up as different.
//
// Not covered: fwmark, MTU, addresses and routes (netifd's part of the
// interface); the caller handles routes.
package wgsync

// Package live changes the peers of a running WireGuard interface in place,
// through wgctrl and netlink, so that other peers keep their sessions. It is
// `wg set` plus `ip route`, never `ifup`.
//
// It works on Linux only; elsewhere Open fails with errors.ErrUnsupported,
// so the packages that use it build (and vet) on any GOOS.
package live

// Package hub models a WireGuard hub-and-spoke VPN: the hub's settings, its
// peers (the spokes), how addresses are handed out, what a client's wg-quick
// config says, and how all of it is laid out in UCI sections.
//
// It does no I/O. It reads and edits in-memory *uci.Config values, so every
// rule here is testable with plain tables; package control loads and commits
// the files under a lock and package backend/... applies the result to the
// running system.
//
// wghub owns only sections it can recognise by name: the hub's interface,
// peer sections named "wghub_<id>" and firewall sections named "wghub_*".
// Everything else in the user's files is left alone, so removing what wghub
// added gives back the files as they were.
package hub

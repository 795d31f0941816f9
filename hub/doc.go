// Package hub models a WireGuard hub-and-spoke VPN: the hub's settings, its
// peers (the spokes), how addresses are handed out, what a client's wg-quick
// config says, and how all of it is laid out in UCI sections.
//
// It does no I/O. It reads and edits in-memory *uci.Config values, so every
// rule here is testable with plain tables; package control loads and commits
// the files under a lock and package backend/... applies the result to the
// running system.
//
// wghub owns only sections its own config marks as its own (see owner.go):
// the interface the hub section names, peer sections wghub_<id> that have a
// client_<id> section in /etc/config/wghub, the firewall sections the
// hub section lists in fw_<role> options, and a device's own access rules
// its client section lists (list fw; see access_fw.go). A peer's name is free text (its
// LuCI description); its id is a number given once. Everything else in the
// owner's files, including what the owner adds to wghub's sections, is left
// alone, so removing what wghub added gives back the files as they were.
// Every hub is validated as a whole (Hub.Validate) before it is stored,
// whether it came from a request, an import or a hand-edited file.
package hub

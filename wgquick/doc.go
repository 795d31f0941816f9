// Package wgquick reads and writes WireGuard configuration files in the
// format wg-quick(8) uses: an [Interface] section and [Peer] sections of
// "Key = Value" lines.
//
// It keeps the wg-quick-only keys (Address, DNS, MTU, Table, PostUp, ...) as
// well as the wg(8) ones, because wghub both writes client configs, which
// phones and wg-quick read, and imports existing wg-quick server configs. It
// does not run anything: PostUp and friends are carried as text only.
package wgquick

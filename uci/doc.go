// Package uci reads, edits and writes OpenWrt UCI config files the way
// libuci does, and keeps what it does not touch byte for byte.
//
// Parse follows libuci's grammar (package/config/option/list and their
// one-letter forms, bare, single- and double-quoted tokens, backslash
// continuation, comments, ';'), and names anonymous sections with libuci's
// algorithm, so "@type[N]" and cfgXXXXXX names agree with `uci show`. Edits
// rewrite only the lines they change, in `uci export` style; comments,
// blank lines and the user's own quoting stay, so removing what a program
// added gives back the original file exactly (libuci itself drops comments
// on every commit).
//
// Tree commits the way libuci does — flock on the config file, temporary
// file in the same directory, fsync, rename — plus a flock on the directory
// that serialises wghub's own writers, also for files that do not exist yet.
//
// Not covered: libuci's delta files (/tmp/.uci, pending `uci set` changes
// are neither read nor replayed), strict-mode switches, ubus.
package uci

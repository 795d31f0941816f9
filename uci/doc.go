// Package uci reads, edits and writes OpenWrt UCI config files the way
// libuci does, and keeps what it does not touch byte for byte.
//
// Parse re-implements libuci's parser (file.c) in its default strict mode:
// package/config/option/list and their one-letter forms; bare, single-
// quoted (literal) and double-quoted (backslash escapes) words; a trailing
// backslash joining lines; quotes spanning lines; '#' comments; ';'
// between commands. It reads files the way libuci does, quirks included:
// a named section seen twice is one section, and with another type the
// file is rejected; an option or list seen again keeps the place of its
// first definition (a later "option" replaces its value, a later "list"
// appends and turns an option into a list); an empty option is ignored;
// an unquoted word directly followed by ';' drops the rest of its line
// (libuci overwrites the ';'); package names allow [A-Za-z0-9_-] only.
// Anonymous sections get libuci's names (cfg + section counter + hash of
// the type, such as cfg01e63d), so names and "@type[N]" agree with `uci
// show`. One deliberate difference: a file holding a NUL byte is
// rejected, where libuci's reading of it depends on the size its line
// buffer has grown to. The package's tests compare all of this with the
// real libuci (`uci export` and `uci -X show`) on thousands of files.
//
// Edits rewrite only the lines they change, in `uci export` style (values
// single-quoted, options tab-indented, a blank line before a new section);
// comments, blank lines and the user's own quoting and indentation stay,
// so removing what a program added gives back the original bytes. (libuci
// itself rewrites the whole file and drops comments on every commit.)
//
// Tree commits like libuci — flock on the config file, temporary file in
// the same directory, fsync, keep mode, rename — plus a flock on the
// directory that serialises wghub's own writers, also for files that do
// not exist yet. Unlike libuci it never loses an update to a concurrent
// `uci commit`, which unlocks before it renames: it reads only when no
// such commit is under way and leaves the replaced file up to date for
// commits queued on its lock (lock.go explains). libuci's commits lose
// each other's edits in these ways; wghub cannot prevent that.
// A commit of several files is atomic across them through a
// journal (journal.go): all new files and the journal are written and
// synced (side by side), then the journal is renamed, which is the commit
// point, and then the new files; a crash after that point is
// finished by the next Load or Update (Recover). Configs named in
// Tree.Private are kept 0600 and never written through a symlink. Parse
// errors on lines that set a key never quote the value.
//
// Not covered: libuci's delta files (pending `uci set` changes in /tmp/.uci
// are neither read nor replayed), the override directory /var/run/uci,
// non-strict parsing (skipping bad lines), renaming and reordering
// sections, ubus.
package uci

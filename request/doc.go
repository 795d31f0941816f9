// Package request holds wghub's argument model: one struct per operation
// (PeerAdd, Setup, ...) whose field tags give the argument's name over ubus
// (json), its command-line flag, its help text and whether it is a
// positional argument. The same struct is filled from command-line flags
// (DecodeFlags) or from a ubus call's JSON (DecodeJSON), checked by the same
// code (each operation's Check) and run by the same code (its Do), so the
// CLI, ubus and LuCI accept, refuse and do the same things. The ubus `list`
// signature (Example) and each command's --help (Help) are generated from
// the tags.
//
// Tags on a field:
//
//	json:"name"     the argument's name over ubus and in errors ("-": CLI only)
//	flag:"route"    the flag's name when it differs from the json name with '_' as '-'
//	pos:"NAME"      a positional argument on the command line, not a flag
//	help:"..."      one line of help
//	meta:"CIDR"     the value's placeholder in help
//
// Field types: string, bool, int, []string, and pointers to them; a pointer
// is optional (nil leaves the setting as it is). Lists take repeated flags
// or JSON arrays, and every element may itself be comma-separated.
//
// Errors are errkind errors: a bad argument is errkind.Invalid with the
// argument's json name as its field.
//
// Non-goals: output formatting (cli and rpcd own their replies).
package request

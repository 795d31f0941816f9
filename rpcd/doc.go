// Package rpcd implements wghub's rpcd exec plugin, the ubus object "wghub"
// that the LuCI page and ubus scripts call.
//
// /usr/libexec/rpcd/wghub is a symbolic link to /usr/sbin/wghub. rpcd runs
// "wghub list" (stdin and stderr on /dev/null) when it starts or reloads and
// registers the methods it prints; for every ubus call it runs
// "wghub call METHOD" with the arguments as one JSON object on stdin and turns
// the JSON object printed on stdout into the ubus reply. Every call is a
// fresh process, so "list" builds its answer from the method table without
// opening configs or netlink, and a call reads only what its method needs.
//
// # What rpcd does with a plugin (openwrt/rpcd plugin.c, exec.c)
//
//   - list: the first JSON value on stdout must be an object mapping each
//     method to an object of example arguments; a method whose value is not
//     an object is dropped. The argument types ubus advertises come from the
//     example values: a boolean is BOOL, a string STRING, an array ARRAY, an
//     object TABLE, and an integer INT32, except that the integers 8, 16 and
//     64 select INT8 (which blobmsg also uses for BOOL), INT16 and INT64. The
//     table here derives every example from the Go type of the argument
//     (string "", boolean false, integer 32, list []), so it cannot drift
//     from what the method decodes.
//   - call: stdin is the ubus message formatted by libubox's
//     blobmsg_format_json, always an object ("{ }" without arguments),
//     written once; rpcd then closes the pipe, so a message larger than the
//     pipe buffer can arrive cut short. wghub reads at most MaxInput bytes
//     and answers anything longer, or not one JSON object, with an error.
//   - The exit status is ignored, and so is stderr. Only stdout decides the
//     ubus status: one JSON object is UBUS_STATUS_OK with the object as the
//     reply; empty output or "null" is NO_DATA; any other value (an array,
//     a string, a truncated object) or an object libubox cannot convert is
//     INVALID_ARGUMENT. rpcd sends the reply body only with OK, so these
//     statuses reach the caller without any message. Output is streamed
//     into json-c's parser as it arrives (the 256 KiB RPC_EXEC_MAX_SIZE
//     buffer cap applies only to exec calls without a stdout callback), so
//     rpcd sets no size cap of its own; the ubus message size limits the
//     reply. status with 250 peers is about 64 KiB.
//   - libubox converts JSON numbers to blobmsg integers; older releases
//     take every integer as INT32 and fail on non-integers, so replies
//     carry integers only.
//   - rpcd kills the plugin with SIGKILL after its exec timeout (30 s by
//     default) and answers TIMEOUT. Unknown methods never reach the plugin
//     through ubus (METHOD_NOT_FOUND comes from ubus itself); ACLs are
//     checked before the plugin runs.
//
// # Error convention
//
// A plugin can produce a non-OK ubus status only by printing a non-object
// (INVALID_ARGUMENT) or nothing (NO_DATA), and then the caller gets the bare
// status with no message; NOT_FOUND and the other statuses cannot be
// produced at all. A LuCI page would show "Invalid argument" and no reason.
// So every call that reaches wghub answers with one JSON object and status
// OK; a failure is
//
//	{"error": "no peer named \"x\"", "code": "NOT_FOUND", "kind": "not_found"}
//
// where "error" is the message to show (written for a person: no Go package
// prefix, no command-line advice), "kind" is the errkind name of the error
// (invalid, not_found, conflict, not_set_up, permission, unsupported,
// internal), "field" names the argument at fault when one is, and "code"
// names the ubus status a native object would have returned:
// INVALID_ARGUMENT (invalid: arguments that are not one JSON object,
// unknown or mistyped arguments, a missing name, a bad peer name, key,
// address, CIDR, port or endpoint, input over MaxInput), NOT_FOUND
// (not_found: no peer by that name; not_set_up: no hub yet),
// PERMISSION_DENIED, NOT_SUPPORTED, METHOD_NOT_FOUND (only when "wghub call"
// is run by hand) or UNKNOWN_ERROR (conflict, for which ubus has no status:
// a taken name, address or key, an overlapping subnet; and internal
// errors). The kind is found with errors.Is/As, never from the message.
// Callers test for "error"; "code" and "kind" are for scripts and LuCI.
//
// The arguments are package request's structs, the same ones the command
// line fills from flags, checked by the same code before any config is
// opened: "wghub peer add x --route 10.9.0.0/24" and
// `ubus call wghub peer_add '{"name":"x","routes":["10.9.0.0/24"]}'` are one
// request. Peer lookups (peer_remove, peer_set, peer_config) take any name,
// since a stored peer's name is its UCI description and other tools may
// have edited it; a name no peer has is NOT_FOUND. A failed call changes
// nothing: the operations in package control write their UCI transaction
// all or nothing. The process exits 0 whenever it printed a reply, non-zero
// only for a wrong command line ("wghub call" without a method).
//
// # Secrets
//
// The read group of the LuCI ACL (status, peers, settings, doctor) never
// returns a private or preshared key: their replies are built from
// control.Status, control.PeerInfo and control.Check, which have no field
// for one. peer_config returns the client's private and preshared key in its
// config and QR code, and the ACL grants it only with write access together
// with the methods that change the hub (peer_add, peer_remove, peer_set,
// setup, settings_set).
//
// Non-goals: rpcd's other plugin kind (shared libraries) and ubus events.
package rpcd

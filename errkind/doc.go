// Package errkind holds wghub's error kinds: what went wrong in terms every
// interface can act on (invalid input and which argument, not found,
// conflict with the hub's state, no hub set up, permission, unsupported),
// and the one error type that carries a kind.
//
// The model packages (hub, control, backends) return errors of this type;
// the interfaces map the kind to what they speak (cli: exit codes and
// advice such as "run wghub setup"; rpcd: ubus status names) with
// errors.Is and errors.As, never by reading the message. Messages are
// written for the person who reads them: about the value, without Go
// package prefixes and without advice tied to one interface.
//
// Non-goals: logging, stack traces, translation.
package errkind

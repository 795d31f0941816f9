package errkind

import (
	"errors"
	"fmt"
	"os"
)

// Kind classifies an error. A Kind is itself an error, so callers test
// with errors.Is(err, errkind.NotFound).
type Kind uint8

// The kinds. Internal, the zero value, is every error nobody classified.
const (
	Internal    Kind = iota // unexpected: I/O, a broken stored config, a failed apply
	Invalid                 // the input is wrong; Error.Field names the argument
	NotFound                // the named thing (a peer) does not exist
	Conflict                // the input is fine but clashes with the hub's state (a taken name, address or key)
	NotSetUp                // no hub yet, or a setting the operation needs is not set
	Permission              // the caller may not do this (file modes, not root)
	Unsupported             // this system or backend cannot do it
)

var names = [...]string{"internal", "invalid", "not_found", "conflict", "not_set_up", "permission", "unsupported"}

// String is the kind's stable name, as rpcd replies carry it.
func (k Kind) String() string {
	if int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("kind%d", k)
}

// Error makes a Kind usable as an errors.Is target.
func (k Kind) Error() string { return k.String() }

// Kinds lists every kind, for tables that must cover them all.
func Kinds() []Kind {
	out := make([]Kind, len(names))
	for i := range out {
		out[i] = Kind(i)
	}
	return out
}

// Msg is an error that is only its message. A package-level error built
// of it, &Error{Kind: k, Err: Msg("...")}, is data the linker lays out;
// with errors.New it would be built at every start of the program.
type Msg string

// Error returns the message.
func (m Msg) Error() string { return string(m) }

// Error is an error with a kind.
type Error struct {
	Kind Kind
	// Field is the argument at fault by its request name ("name", "port",
	// "lan"); "" when no single argument is.
	Field string
	Err   error // the message, possibly wrapping a cause
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the message error, so causes wrapped with %w stay visible.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// New returns an error of kind k; format and a are as for fmt.Errorf (so %w
// wraps).
func New(k Kind, format string, a ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, a...)}
}

// Invalidf is invalid input in the argument field.
func Invalidf(field, format string, a ...any) error {
	return &Error{Kind: Invalid, Field: field, Err: fmt.Errorf(format, a...)}
}

// NotFoundf is a missing thing, named in the message.
func NotFoundf(format string, a ...any) error { return New(NotFound, format, a...) }

// Conflictf is input that clashes with the hub's state; field is the
// argument that clashes ("" if none).
func Conflictf(field, format string, a ...any) error {
	return &Error{Kind: Conflict, Field: field, Err: fmt.Errorf(format, a...)}
}

// Of returns err's kind: the outermost *Error's, else Permission for
// os.ErrPermission and Unsupported for errors.ErrUnsupported, else Internal.
// Of(nil) is Internal too; callers check for nil first.
func Of(err error) Kind {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Kind
	case errors.Is(err, os.ErrPermission):
		return Permission
	case errors.Is(err, errors.ErrUnsupported):
		return Unsupported
	}
	return Internal
}

// FieldOf returns the argument the outermost *Error names, or "".
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// WithField returns err with field set when err is an *Error naming no
// field (as when a model check learns its argument's name only from the
// request layer); other errors come back unchanged.
func WithField(err error, field string) error {
	var e *Error
	if errors.As(err, &e) && e.Field == "" && err == error(e) {
		return &Error{Kind: e.Kind, Field: field, Err: e.Err}
	}
	return err
}

package rpcd

import (
	"errors"
	"reflect"
	"testing"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/request"
)

// Every error kind has the reply code the plugin's contract (doc.go) gives
// it, and a protocol error keeps its own.
func TestCodeOfEveryKind(t *testing.T) {
	want := map[errkind.Kind]string{
		errkind.Internal:    CodeUnknownError,
		errkind.Invalid:     CodeInvalidArgument,
		errkind.NotFound:    CodeNotFound,
		errkind.Conflict:    CodeUnknownError,
		errkind.NotSetUp:    CodeNotFound,
		errkind.Permission:  CodePermissionDenied,
		errkind.Unsupported: CodeNotSupported,
	}
	for k, code := range want {
		err := &errkind.Error{Kind: k, Err: errors.New("x")}
		if got := Code(err); got != code {
			t.Errorf("Code(%s error) = %s, want %s", k, got, code)
		}
	}
	if got := Code(&Error{CodeMethodNotFound, errors.New("x")}); got != CodeMethodNotFound {
		t.Errorf("Code(protocol error) = %s, want %s", got, CodeMethodNotFound)
	}
}

// TestEveryMethodChecks: each method's request struct has a Check (call
// asserts it; def does not say so at compile time).
func TestEveryMethodChecks(t *testing.T) {
	checker := reflect.TypeFor[request.Checker]()
	for _, e := range methods {
		if m := e.method(); !reflect.PointerTo(m.args).Implements(checker) {
			t.Errorf("%s: *%v has no Check", e.name, m.args)
		}
	}
}

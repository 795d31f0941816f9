package rpcd

import (
	"errors"
	"testing"

	"github.com/wghub/wghub/errkind"
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

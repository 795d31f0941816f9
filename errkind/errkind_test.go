package errkind

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"testing"
)

func TestKindsMatchWithErrorsIs(t *testing.T) {
	base := Invalidf("port", "port %d out of range 1-65535", 70000)
	wrapped := fmt.Errorf("peer %q: %w", "x", base)
	for _, err := range []error{base, wrapped} {
		if !errors.Is(err, Invalid) {
			t.Errorf("%v: not Invalid", err)
		}
		if errors.Is(err, NotFound) {
			t.Errorf("%v: matches NotFound", err)
		}
		if Of(err) != Invalid || FieldOf(err) != "port" {
			t.Errorf("%v: Of=%v FieldOf=%q", err, Of(err), FieldOf(err))
		}
	}
	if got := wrapped.Error(); got != `peer "x": port 70000 out of range 1-65535` {
		t.Errorf("message %q", got)
	}
}

func TestOfClassifiesPlainErrors(t *testing.T) {
	cause := &fs.PathError{Op: "open", Path: "/etc/config/network", Err: os.ErrPermission}
	for _, c := range []struct {
		err  error
		want Kind
	}{
		{errors.New("boom"), Internal},
		{cause, Permission},
		{New(Conflict, "saving: %w", cause), Conflict}, // the outer kind wins
		{fmt.Errorf("x: %w", errors.ErrUnsupported), Unsupported},
		{NotFoundf("no peer named %q", "a"), NotFound},
	} {
		if got := Of(c.err); got != c.want {
			t.Errorf("Of(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if !errors.Is(New(Conflict, "saving: %w", cause), os.ErrPermission) {
		t.Error("the wrapped cause is lost")
	}
}

func TestWithField(t *testing.T) {
	err := WithField(New(Invalid, "bad"), "lan")
	if FieldOf(err) != "lan" || !errors.Is(err, Invalid) {
		t.Errorf("got field %q kind %v", FieldOf(err), Of(err))
	}
	if FieldOf(WithField(Invalidf("ip", "bad"), "lan")) != "ip" {
		t.Error("an existing field was replaced")
	}
}

func TestNamesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Kinds() {
		if seen[k.String()] {
			t.Errorf("duplicate name %q", k)
		}
		seen[k.String()] = true
	}
}

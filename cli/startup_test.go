package cli

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/request"
)

// runLine runs one command line in-process, without the global flags the
// other tests always give: the lines rpcd and people type most.
func runLine(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

// Lines without flags, and commands without arguments, are still decoded
// and checked as any other: nothing given where something is needed, or
// something where nothing is, is a usage error.
func TestLinesWithoutFlags(t *testing.T) {
	t.Setenv("WGHUB_ROOT", t.TempDir())
	for _, tt := range []struct {
		args   []string
		code   int
		stdout string // a part of it
		stderr string // a part of it
	}{
		{[]string{"version"}, ExitOK, version + "\n", ""},
		{[]string{"version", "extra"}, ExitUsage, "", `unexpected argument "extra"`},
		{[]string{"version", "--json"}, ExitUsage, "", "unknown flag --json"},
		{[]string{"version", "--help"}, ExitOK, "usage: wghub version", ""},
		{[]string{"list", "--root"}, ExitUsage, "", "--root needs a value"},
		{[]string{"call"}, ExitUsage, "", "missing METHOD"},
		{[]string{"call", "status", "more"}, ExitUsage, "", `unexpected argument "more"`},
		{[]string{"peer", "remove"}, ExitUsage, "", "missing NAME"},
		{[]string{"peer", "rm"}, ExitUsage, "", "missing NAME"},
		{[]string{"peer", "ls", "x"}, ExitUsage, "", `unexpected argument "x"`},
	} {
		code, out, errOut := runLine(tt.args...)
		if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(errOut, tt.stderr) {
			t.Errorf("wghub %s: exit %d, stdout %q, stderr %q; want exit %d, %q, %q",
				strings.Join(tt.args, " "), code, out, errOut, tt.code, tt.stdout, tt.stderr)
		}
	}
}

// Every line of the command table builds a whole command under its path,
// its aliases find the same one, and exactly the reading commands are
// read-only (they create no config directory for a look).
func TestCommandTable(t *testing.T) {
	reading := []string{"status", "doctor", "settings", "export", "peer list", "peer config", "peer qr"}
	for _, row := range commands {
		c := lookup(row.path)
		if c == nil || c.path != row.path || c.summary == "" || c.run == nil || c.args == nil || c.extra == nil {
			t.Errorf("%q: built %+v", row.path, c)
			continue
		}
		// run asserts a Check (def does not say so at compile time).
		a, ok := reflect.New(c.args).Interface().(request.Checker)
		if !ok {
			t.Errorf("%q: *%v has no Check", row.path, c.args)
		} else if err := a.Check(); err != nil && c.args.NumField() == 0 {
			t.Errorf("%q: an empty argument struct fails its check: %v", row.path, err)
		}
		for _, al := range row.aliases {
			if ac := lookup(al); ac == nil || ac.path != row.path {
				t.Errorf("alias %q finds %+v, want %q", al, ac, row.path)
			}
		}
		if want := slices.Contains(reading, row.path); c.readOnly != want {
			t.Errorf("%q: read-only %v, want %v", row.path, c.readOnly, want)
		}
	}
}

// Every error kind has its exit status.
func TestExitCodeOfEveryKind(t *testing.T) {
	want := map[errkind.Kind]int{
		errkind.Internal:    ExitError,
		errkind.Invalid:     ExitUsage,
		errkind.NotFound:    ExitNotFound,
		errkind.Conflict:    ExitConflict,
		errkind.NotSetUp:    ExitNotSetUp,
		errkind.Permission:  ExitPermission,
		errkind.Unsupported: ExitUnsupported,
	}
	if len(want) != len(errkind.Kinds()) {
		t.Fatalf("the table covers %d kinds of %d", len(want), len(errkind.Kinds()))
	}
	for k, code := range want {
		if got := ExitCode(&errkind.Error{Kind: k, Err: errors.New("x")}); got != code {
			t.Errorf("ExitCode(%s) = %d, want %d", k, got, code)
		}
	}
	if got := ExitCode(nil); got != ExitOK {
		t.Errorf("ExitCode(nil) = %d", got)
	}
}

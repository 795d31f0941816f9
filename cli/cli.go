// Package cli implements wghub's command line: the command table, flags
// decoded into package request's argument structs (the same ones the ubus
// methods decode JSON into), global options accepted anywhere on the line,
// per-command --help generated from the structs' tags, human or JSON
// output, and the mapping of error kinds to exit codes and advice. The rpcd
// plugin protocol ("wghub list", "wghub call METHOD") is dispatched to
// package rpcd.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/wghub/wghub/backend/openwrt"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/request"
	"github.com/wghub/wghub/uci"
)

// version is stamped at build time with
// -X github.com/wghub/wghub/cli.version=...
var version = "dev"

// Version is the build's version string.
func Version() string { return version }

// Exit codes, by error kind.
const (
	ExitOK          = 0
	ExitError       = 1 // an unexpected failure, or doctor found problems
	ExitUsage       = 2 // a wrong command line or invalid argument
	ExitNotFound    = 3 // no such peer
	ExitConflict    = 4 // clashes with the hub's state (a taken name, address, key)
	ExitNotSetUp    = 5 // no hub yet, or a setting the command needs is not set
	ExitPermission  = 6 // not allowed (file modes, not root)
	ExitUnsupported = 7 // this system or backend cannot do it
	// ExitNotApplied: the change was saved but applying it to the running
	// system failed (the warning says why); it takes effect at the next
	// reload or boot. Not a failure: nothing needs to be written again.
	ExitNotApplied = 8
)

// ExitCode is the exit status for err (0 for nil). (A switch, not a map:
// a package-level map is built at every start of the program.)
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	switch errkind.Of(err) {
	case errkind.Invalid:
		return ExitUsage
	case errkind.NotFound:
		return ExitNotFound
	case errkind.Conflict:
		return ExitConflict
	case errkind.NotSetUp:
		return ExitNotSetUp
	case errkind.Permission:
		return ExitPermission
	case errkind.Unsupported:
		return ExitUnsupported
	}
	return ExitError // Internal
}

// globals are the options every command accepts, anywhere on the line.
type globals struct {
	Root    string `json:"-" flag:"root" meta:"DIR" help:"config directory (default /etc/config on OpenWrt, /etc/wghub elsewhere; or $WGHUB_ROOT)"`
	Backend string `json:"-" flag:"backend" meta:"openwrt|linux" help:"the system to run on (default: what the config directory, or else this host, is)"`
	NoApply bool   `json:"-" flag:"no-apply" help:"write the config only; leave the running system alone"`
	DryRun  bool   `json:"-" flag:"dry-run" help:"print the change and write nothing"`
}

// env is one invocation's context.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	global globals
	mgr    *control.Manager
	close  func() error
	// readOnly: the command only reads, so a missing config directory is
	// not created (it reads as "no hub").
	readOnly bool
}

// Run executes one wghub command and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	e.global.Root = os.Getenv("WGHUB_ROOT")
	c, err := e.run(args)
	if e.close != nil {
		e.close()
	}
	switch {
	case err == nil && e.mgr != nil && e.mgr.Outcome.NotApplied():
		fmt.Fprintf(stderr, "wghub: saved, not applied: %s\n", e.mgr.Outcome.Warning)
		return ExitNotApplied
	case err == nil:
		return ExitOK
	case errors.Is(err, errSilent):
		return ExitError
	case errors.Is(err, request.ErrHelp):
		help(stdout, c)
		return ExitOK
	}
	fmt.Fprintf(stderr, "wghub: %v\n", err)
	if a := advice(err, c); a != "" {
		fmt.Fprintf(stderr, "%s\n", a)
	}
	return ExitCode(err)
}

// errSilent: the command already printed what went wrong.
var errSilent = errors.New("reported")

// usagef is a wrong command line: errkind.Invalid with no one argument at
// fault.
func usagef(format string, a ...any) error { return errkind.Invalidf("", format, a...) }

// run finds the command, decodes its flags and runs it; it returns the
// command (nil when none was found) for help and advice.
func (e *env) run(args []string) (*command, error) {
	c, rest, err := e.find(args)
	if err != nil || c == nil {
		return c, err
	}
	a, x := reflect.New(c.args).Interface(), reflect.New(c.extra).Interface()
	// A command without arguments given none ("wghub version", "wghub
	// list") has nothing to decode. The global options are all flags: a
	// line without one (rpcd's "wghub call METHOD") leaves them alone, and
	// their struct is not walked.
	if len(rest) > 0 || c.args.NumField() > 0 || c.extra.NumField() > 0 {
		targets := []any{a, x}
		if hasFlag(rest) {
			targets = append(targets, &e.global)
		}
		if err := request.DecodeFlags(rest, targets...); err != nil {
			return c, err
		}
	}
	if err := a.(request.Checker).Check(); err != nil {
		return c, err
	}
	if c.open {
		e.readOnly = c.readOnly
		if err := e.open(); err != nil {
			return c, err
		}
	}
	return c, c.run(e, a, x)
}

// find picks the command from the line's first words, skipping flags and
// the values of global flags wherever they are; rest is the line without
// the command's words. A group name alone ("peer") is a usage error, with
// --help its help.
func (e *env) find(args []string) (c *command, rest []string, err error) {
	// takesValue is built at the first flag: most lines have none.
	var takesValue map[string]bool
	var words []int // indexes of the first (at most two) non-flag tokens
	wantHelp := false
	for i := 0; i < len(args) && len(words) < 2; i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			name, _, explicit := strings.Cut(strings.TrimLeft(a, "-"), "=")
			wantHelp = wantHelp || name == "h" || name == "help"
			if takesValue == nil {
				takesValue = globalTakesValue()
			}
			if takesValue[name] && !explicit {
				i++
			}
			continue
		}
		words = append(words, i)
	}
	word := func(n int) string {
		if n < len(words) {
			return args[words[n]]
		}
		return ""
	}
	used := 0
	w0, w1 := word(0), word(1)
	// Each lookup builds the command it finds: look up once.
	var two, one *command
	if w0 != "" && w0 != "help" {
		if w1 != "" {
			two = lookup(w0 + " " + w1)
		}
		if two == nil {
			one = lookup(w0)
		}
	}
	switch {
	case w0 == "":
		if wantHelp {
			return nil, nil, request.ErrHelp
		}
		return nil, nil, usagef("no command")
	case w0 == "help":
		return e.helpFor(args[words[0]+1:])
	case two != nil:
		c, used = two, 2
	case one != nil:
		c, used = one, 1
	case isGroup(w0) && w1 != "":
		return groupCommand(w0), nil, usagef("%s: unknown subcommand %q", w0, w1)
	case isGroup(w0) && wantHelp:
		return groupCommand(w0), nil, request.ErrHelp
	case isGroup(w0):
		return groupCommand(w0), nil, usagef("%s: expected a subcommand", w0)
	default:
		return nil, nil, usagef("unknown command %q", w0)
	}
	for i, a := range args {
		if used > 0 && i == words[0] || used > 1 && i == words[1] {
			continue
		}
		rest = append(rest, a)
	}
	return c, rest, nil
}

// globalTakesValue tells, by flag name, whether a global flag takes a
// value (a non-boolean one).
func globalTakesValue() map[string]bool {
	m := map[string]bool{}
	for _, f := range request.Fields(reflect.TypeFor[globals]()) {
		m[f.Flag] = !f.IsBool()
	}
	return m
}

// hasFlag reports whether some word of args is a flag (or "--").
func hasFlag(args []string) bool {
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			return true
		}
	}
	return false
}

// helpFor answers "wghub help [COMMAND...]".
func (e *env) helpFor(words []string) (*command, []string, error) {
	if len(words) == 0 {
		return nil, nil, request.ErrHelp
	}
	p := strings.Join(words, " ")
	if c := lookup(p); c != nil {
		return c, nil, request.ErrHelp
	}
	if isGroup(p) {
		return groupCommand(p), nil, request.ErrHelp
	}
	return nil, nil, usagef("help: unknown command %q", p)
}

// isHostTree reports whether dir is an OpenWrt UCI directory: OpenWrt
// always has a network config there.
func isOpenWrtTree(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "network"))
	return err == nil && st.Mode().IsRegular()
}

// detectBackend follows the config tree when one is given (an OpenWrt tree
// gets the OpenWrt backend), else the host: openwrt where
// /etc/openwrt_release exists.
func detectBackend(root string) string {
	if root != "" && isOpenWrtTree(root) {
		return "openwrt"
	}
	if root != "" {
		if _, err := os.Stat(filepath.Join(root, "wghub")); err == nil {
			return "linux"
		}
	}
	if _, err := os.Stat("/etc/openwrt_release"); err == nil {
		return "openwrt"
	}
	return "linux"
}

// open builds the manager for the chosen backend.
func (e *env) open() error {
	g := &e.global
	if g.Backend == "" {
		g.Backend = detectBackend(g.Root)
	}
	var be control.Backend
	switch g.Backend {
	case "openwrt":
		if g.Root == "" {
			g.Root = openwrt.DefaultRoot
		}
		b := openwrt.New(g.Root, e.stderr)
		e.close = b.Close
		be = b
	case "linux":
		if g.Root != "" && isOpenWrtTree(g.Root) {
			// The plain-Linux backend would keep a hub of its own in this
			// tree and run it on this host: refuse rather than guess.
			return errkind.Invalidf("backend", "%s is an OpenWrt config directory (it has a network file): "+
				"the plain-Linux backend does not manage it; use --backend openwrt", g.Root)
		}
		b, err := newLinuxBackend(g.Root, e.stderr)
		if err != nil {
			return err
		}
		g.Root = b.root
		e.close = b.close
		be = b.backend
	default:
		return errkind.Invalidf("backend", "unknown backend %q (openwrt or linux)", g.Backend)
	}
	if st, err := os.Stat(g.Root); err != nil || !st.IsDir() {
		switch {
		case g.Backend == "linux" && errors.Is(err, os.ErrNotExist) && e.readOnly:
			// Nothing to read: no hub, and nothing created for a look.
		case g.Backend == "linux" && errors.Is(err, os.ErrNotExist):
			if err := os.MkdirAll(g.Root, 0o700); err != nil {
				return fmt.Errorf("creating config directory: %w", err)
			}
		default:
			return errkind.Invalidf("root", "config directory %s: not a directory", g.Root)
		}
	}
	e.mgr = &control.Manager{
		Tree:    &uci.Tree{Dir: g.Root},
		Backend: be,
		NoApply: g.NoApply,
		DryRun:  g.DryRun,
		Log:     e.stderr,
	}
	e.openSystem()
	return nil
}

// advice is what the command line can add to an error: the command to run
// next. Model errors carry none, since LuCI and ubus show them too.
func advice(err error, c *command) string {
	name := "wghub"
	if c != nil {
		name = "wghub " + c.path
	}
	switch {
	case errors.Is(err, hub.ErrNoEndpoint):
		return "set it with: wghub setup --endpoint HOST[:PORT]"
	case errors.Is(err, errkind.NotSetUp):
		return "set the hub up first: wghub setup --endpoint HOST[:PORT]"
	case errors.Is(err, hub.ErrNoPrivateKey):
		return "the device was added with --public-key: its own config holds the key"
	case errors.Is(err, errkind.NotFound):
		return "wghub peer list shows the peers"
	case errors.Is(err, errkind.Invalid):
		if f := flagOf(c, errkind.FieldOf(err)); f != "" {
			return fmt.Sprintf("%s --help explains %s", name, f)
		}
		return name + " --help shows the usage"
	case errors.Is(err, errkind.Conflict) && errkind.FieldOf(err) == "interface":
		return "to move the hub: wghub teardown, then wghub setup --interface NAME"
	}
	return ""
}

// flagOf names on the command line the argument an error's field names.
func flagOf(c *command, field string) string {
	if c == nil || field == "" {
		return ""
	}
	for _, t := range []reflect.Type{c.args, c.extra, reflect.TypeFor[globals]()} {
		for _, f := range request.Fields(t) {
			if f.JSON == field || f.Flag == field {
				return f.Name()
			}
		}
	}
	return ""
}

// printChanges shows a dry run's file diff.
func (e *env) printChanges() {
	if !e.global.DryRun {
		return
	}
	if len(e.mgr.Changes) == 0 {
		fmt.Fprintln(e.stdout, "no changes")
		return
	}
	for _, c := range e.mgr.Changes {
		fmt.Fprint(e.stdout, maskSecrets(uci.Diff(c)))
	}
}

// maskSecrets hides the values of key options: a dry run shows what
// would change, not the keys themselves. A line of the diff holds a key
// when it is, after an optional ' ', '+' or '-' and blanks, `option` (or
// `o`), blanks, private_key, preshared_key or peer_psk (quoted or not) and
// blanks; what follows becomes '<hidden>'. (By hand: package regexp would
// cost the router build about 200 KB.)
func maskSecrets(diff string) string {
	var b strings.Builder
	for line := range strings.Lines(diff) {
		body, nl := strings.CutSuffix(line, "\n")
		if n := secretPrefix(body); n > 0 {
			body = body[:n] + "'<hidden>'"
		}
		b.WriteString(body)
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// secretPrefix returns the length of line's part up to a key option's
// value, or 0 when line sets no key.
func secretPrefix(line string) int {
	s := line
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	s = strings.TrimLeft(s, " \t")
	kw := strings.IndexAny(s, " \t")
	if kw < 0 || s[:kw] != "option" && s[:kw] != "o" {
		return 0
	}
	s = strings.TrimLeft(s[kw:], " \t")
	q := s != "" && (s[0] == '\'' || s[0] == '"')
	if q {
		s = s[1:]
	}
	for _, name := range []string{"private_key", "preshared_key", "peer_psk"} {
		rest, ok := strings.CutPrefix(s, name)
		if !ok {
			continue
		}
		if rest != "" && (rest[0] == '\'' || rest[0] == '"') {
			rest = rest[1:]
		}
		value := strings.TrimLeft(rest, " \t")
		if len(value) == len(rest) {
			return 0 // no blank before the value
		}
		return len(line) - len(value)
	}
	return 0
}

// report ends a command that changes the hub: with --json, its outcome
// (saved, applied, warning, note) and extra fields; else the dry run's diff
// or the human line, and the note of a change not applied.
func (e *env) report(o *jsonOut, human func(), extra map[string]any) error {
	out := e.mgr.Outcome
	if o != nil && o.JSON {
		m := map[string]any{}
		for k, v := range extra {
			m[k] = v
		}
		m["saved"], m["applied"] = out.Saved, out.Applied
		for k, v := range map[string]string{"warning": out.Warning, "note": out.Note, "recovered": out.Recovered} {
			if v != "" {
				m[k] = v
			}
		}
		if e.global.DryRun {
			var diff strings.Builder
			for _, c := range e.mgr.Changes {
				diff.WriteString(maskSecrets(uci.Diff(c)))
			}
			m["diff"] = diff.String()
		}
		return writeJSON(e.stdout, m)
	}
	e.printChanges()
	if !e.global.DryRun {
		human()
	}
	if out.Note != "" {
		fmt.Fprintf(e.stderr, "wghub: %s\n", out.Note)
	}
	return nil
}

// Package cli implements wghub's command line: global options, dispatch to
// package control, and human or JSON output. The rpcd plugin protocol
// ("wghub list", "wghub call METHOD") is dispatched to package rpcd.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wghub/wghub/backend/openwrt"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/uci"
)

// version is stamped at build time with
// -X github.com/wghub/wghub/cli.version=...
var version = "dev"

// Version is the build's version string.
func Version() string { return version }

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

const usage = `usage: wghub [--root DIR] [--backend openwrt|linux] [--no-apply] [--dry-run] COMMAND

Hub:
  setup [--endpoint HOST[:PORT]] [--subnet CIDR] [--subnet6 CIDR|--ipv6] [--port N]
        [--interface wg0] [--lan CIDR]... [--dns IP]... [--keepalive N] [--full-tunnel]
        [--lan-device DEV]                 create or update the hub (idempotent)
  teardown                                remove everything wghub added
  up | down                               start/stop the hub (plain Linux backend)
  status [--json]                         interface and peers, live
  doctor [--json]                         check what breaks hub-and-spoke and say how to fix it
  sync [--json]                           make the running interface equal UCI, without a restart
  import FILE.conf [--endpoint ..]        adopt an existing wg-quick server config
  export                                  print the hub as a wg-quick server config (has its private key)
  version

Peers:
  peer add NAME [--ip ADDR] [--public-key KEY] [--psk] [--full-tunnel] [--lan CIDR]... [--route CIDR]...
  peer remove NAME | peer enable NAME | peer disable NAME
  peer list [--json]
  peer config NAME                        the client's wg-quick config (has its private key)
  peer qr NAME [--png FILE] [--svg FILE]  the same as a QR code for phones

rpcd plugin: wghub list | wghub call METHOD   (JSON on stdin and stdout)

The config root also comes from $WGHUB_ROOT. Peer changes apply live, without
restarting the interface; --no-apply only writes UCI; --dry-run prints the
change and writes nothing.
`

// usageError is a command-line mistake: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// env is one invocation's context.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	global globals
	mgr    *control.Manager
	close  func() error
}

type globals struct {
	root    string
	backend string
	noApply bool
	dryRun  bool
}

// Run executes one wghub command and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	err := e.run(args)
	if e.close != nil {
		e.close()
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "wghub: %v\n\n%s", err, usage)
		return exitUsage
	case errors.Is(err, errSilent):
		return exitError
	default:
		fmt.Fprintf(stderr, "wghub: %v\n", err)
		return exitError
	}
}

// errSilent: the command already printed what went wrong.
var errSilent = errors.New("reported")

func (e *env) run(args []string) error {
	fs := flag.NewFlagSet("wghub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&e.global.root, "root", os.Getenv("WGHUB_ROOT"), "config directory")
	fs.StringVar(&e.global.backend, "backend", "", "openwrt or linux (default: detected)")
	fs.BoolVar(&e.global.noApply, "no-apply", false, "write UCI only")
	fs.BoolVar(&e.global.dryRun, "dry-run", false, "print the change, write nothing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	args = fs.Args()
	if len(args) == 0 {
		return usagef("no command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version":
		fmt.Fprintln(e.stdout, version)
		return nil
	case "help", "-h", "--help":
		return flag.ErrHelp
	case "list", "call":
		return e.rpcd(cmd, rest)
	}
	if err := e.open(); err != nil {
		return err
	}
	switch cmd {
	case "setup":
		return e.setup(rest)
	case "teardown":
		return e.teardown(rest)
	case "up", "down":
		return e.updown(cmd, rest)
	case "status":
		return e.status(rest)
	case "doctor":
		return e.doctor(rest)
	case "sync":
		return e.sync(rest)
	case "import":
		return e.importConf(rest)
	case "export":
		return e.export(rest)
	case "peer":
		return e.peer(rest)
	}
	return usagef("unknown command %q", cmd)
}

// detectBackend picks openwrt where /etc/openwrt_release exists.
func detectBackend() string {
	if _, err := os.Stat("/etc/openwrt_release"); err == nil {
		return "openwrt"
	}
	return "linux"
}

// open builds the manager for the chosen backend.
func (e *env) open() error {
	g := &e.global
	if g.backend == "" {
		g.backend = detectBackend()
	}
	var be control.Backend
	switch g.backend {
	case "openwrt":
		if g.root == "" {
			g.root = openwrt.DefaultRoot
		}
		b := openwrt.New(g.root, e.stderr)
		e.close = b.Close
		be = b
	case "linux":
		b, err := newLinuxBackend(g.root, e.stderr)
		if err != nil {
			return err
		}
		g.root = b.root
		e.close = b.close
		be = b.backend
	default:
		return usagef("unknown backend %q (openwrt or linux)", g.backend)
	}
	if st, err := os.Stat(g.root); err != nil || !st.IsDir() {
		if g.backend == "linux" && errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(g.root, 0o700); err != nil {
				return fmt.Errorf("creating config directory: %w", err)
			}
		} else {
			return fmt.Errorf("config directory %s: not a directory", g.root)
		}
	}
	e.mgr = &control.Manager{
		Tree:    &uci.Tree{Dir: g.root},
		Backend: be,
		NoApply: g.noApply,
		DryRun:  g.dryRun,
		Log:     e.stderr,
	}
	e.openSystem()
	return nil
}

// printChanges shows a dry run's (or a real run's, when asked) file diff.
func (e *env) printChanges() {
	if !e.global.dryRun {
		return
	}
	if len(e.mgr.Changes) == 0 {
		fmt.Fprintln(e.stdout, "no changes")
		return
	}
	for _, c := range e.mgr.Changes {
		fmt.Fprint(e.stdout, uci.Diff(c))
	}
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// parseFlags parses args allowing flags after positional arguments, the way
// people type "peer add laptop --psk".
func parseFlags(fs *flag.FlagSet, args []string, npos int) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != npos {
		return nil, usagef("%s: expected %d argument(s), got %d", fs.Name(), npos, len(pos))
	}
	return pos, nil
}

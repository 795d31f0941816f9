package cli

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/livesys"
)

// openSystem gives the manager the live system doctor reads and sync
// changes. Its files (sysctl.d, netifd's handler, the hotplug hook) are
// read below DIR when the config root is DIR/etc/NAME ("/" for the real
// /etc/config and /etc/wghub). The plain-Linux backend always runs the
// hub on this machine; an OpenWrt config directory that is not such a
// tree (a sandbox copy) is not this machine's running system, so doctor
// then checks UCI only and sync refuses.
func (e *env) openSystem() {
	root := e.global.root
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	sysRoot := "/"
	if filepath.Base(filepath.Dir(root)) == "etc" {
		sysRoot = filepath.Dir(filepath.Dir(root))
	} else if e.global.backend != "linux" {
		return
	}
	sys := livesys.NewLinux(sysRoot)
	e.mgr.System = sys
	prev := e.close
	e.close = func() error {
		sys.Close()
		if prev != nil {
			return prev()
		}
		return nil
	}
}

func (e *env) sync(args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	r, err := e.mgr.Sync(e.ctx)
	if errors.Is(err, control.ErrNoSystem) {
		return fmt.Errorf("sync changes the running system, and %s is not its config directory (…/etc/config or …/etc/wghub)", e.global.root)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, r)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(e.stdout, "skipped peer section %s (netifd skips it too)\n", s)
	}
	switch {
	case !r.Running:
		fmt.Fprintf(e.stdout, "%s is not running: nothing to sync (it gets UCI's configuration when it comes up)\n", r.Interface)
		return nil
	case len(r.Changes) == 0 && len(r.RoutesAdded) == 0:
		fmt.Fprintf(e.stdout, "%s already equals UCI\n", r.Interface)
	default:
		what := "fixed"
		if e.global.dryRun {
			what = "would fix"
		}
		for _, c := range r.Changes {
			fmt.Fprintf(e.stdout, "%s: %s\n", what, c)
		}
		for _, p := range r.RoutesAdded {
			fmt.Fprintf(e.stdout, "added route %s via %s\n", p, r.Interface)
		}
	}
	for _, c := range r.Remaining {
		fmt.Fprintf(e.stdout, "still different: %s\n", c)
	}
	if len(r.Remaining) > 0 {
		return errSilent
	}
	return nil
}

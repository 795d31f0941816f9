package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/livesys"
	"github.com/wghub/wghub/request"
)

// openSystem gives the manager the live system doctor reads and sync
// changes. Its files (sysctl.d, netifd's handler, the hotplug hook) are
// read below DIR when the config root is DIR/etc/NAME ("/" for the real
// /etc/config and /etc/wghub). The plain-Linux backend always runs the
// hub on this machine; an OpenWrt config directory that is not such a
// tree (a sandbox copy) is not this machine's running system, so doctor
// then checks UCI only and sync refuses.
func (e *env) openSystem() {
	root := e.global.Root
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	sysRoot := "/"
	if filepath.Base(filepath.Dir(root)) == "etc" {
		sysRoot = filepath.Dir(filepath.Dir(root))
	} else if e.global.Backend != "linux" {
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

func (e *env) sync(_ *request.None, o *jsonOut) error {
	r, err := e.mgr.Sync(e.ctx)
	if errors.Is(err, control.ErrNoSystem) {
		return errkind.New(errkind.Unsupported, "sync changes the running system, and %s is not its config directory (…/etc/config or …/etc/wghub)", e.global.Root)
	}
	if err != nil {
		return err
	}
	if o.JSON {
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
		if e.global.DryRun {
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

package control

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/wghub/wghub/backend"
)

// Outcome says what the last operation did: whether the change was saved
// to UCI and whether the running system was brought in line with it.
type Outcome struct {
	Saved   bool `json:"saved"`   // a file changed (false: nothing to change, a dry run, or a failure)
	Applied bool `json:"applied"` // the running system follows the files (true also when there was nothing to apply)
	// Warning is set when the change was saved but not applied, and says
	// why; the change then takes effect at the next reload or boot.
	// --no-apply is asked for, so it sets Applied false without a warning.
	Warning string `json:"warning,omitempty"`
	// Note says why a saved change was not applied when nothing is wrong:
	// the interface is down, and picks the change up when it comes up.
	Note string `json:"note,omitempty"`
	// Recovered describes an interrupted earlier change this run finished
	// or undid before its own ("" when there was none).
	Recovered string `json:"recovered,omitempty"`
}

// NotApplied reports whether the change was saved but, unasked, not
// applied: the CLI's exit status 3 and the ubus reply's warning.
func (o *Outcome) NotApplied() bool { return o != nil && o.Saved && o.Warning != "" }

// applied records the result of applying a saved change.
func (m *Manager) applied(iface string, err error) {
	o := &m.Outcome
	switch {
	case m.DryRun:
		o.Applied = false
	case !o.Saved:
		o.Applied = true // nothing changed, nothing to apply
	case m.NoApply:
		o.Applied = false
	case err == nil:
		o.Applied = true
	case errors.Is(err, backend.ErrNotLive):
		o.Note = err.Error() // a sandbox tree: this host runs something else
	case errors.Is(err, os.ErrNotExist):
		o.Note = fmt.Sprintf("%s is not running; the change takes effect when it comes up", iface)
	default:
		o.Warning = fmt.Sprintf("applying to the running system failed: %v", err)
	}
}

// recover finishes a change an earlier run left half done (see uci's
// journal) and notes it in the outcome.
func (m *Manager) recover() error {
	rec, err := m.Tree.Recover()
	if err != nil || rec == nil {
		return err
	}
	what := "finished"
	if !rec.Forward {
		what = fmt.Sprintf("undid (changed since by someone else: %s)", strings.Join(rec.Conflict, ", "))
	}
	m.Outcome.Recovered = fmt.Sprintf("%s an interrupted change of %s", what, strings.Join(rec.Configs, ", "))
	m.logf("%s", m.Outcome.Recovered)
	return nil
}

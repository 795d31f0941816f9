package control_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wghub/wghub/backend/openwrt"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/uci"
)

// failingBackend is the OpenWrt backend on a sandbox whose applying fails
// (or finds the interface down).
type failingBackend struct {
	*openwrt.Backend
	err error
}

func (b failingBackend) ApplyPeers(context.Context, string, control.PeerDelta) error { return b.err }
func (b failingBackend) ApplySetup(context.Context, *hub.Hub, *hub.Hub) error        { return b.err }

// TestOutcome: every operation says whether it saved and applied its
// change, and why not: a failed apply is a warning beside a saved change
// (not an error), a down interface a note, --no-apply neither.
func TestOutcome(t *testing.T) {
	ctx := context.Background()
	root := wghubtest.Sandbox(t)
	b := &failingBackend{Backend: openwrt.New(root, nil)}
	m := &control.Manager{Tree: &uci.Tree{Dir: root}, Backend: b}
	ops := []struct {
		name string
		run  func() error
	}{
		{"setup", func() error { _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); return err }},
		{"peer add", func() error { _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: "laptop"}); return err }},
		{"disable", func() error { _, err := m.PeerSetEnabled(ctx, "laptop", false); return err }},
		{"enable", func() error { _, err := m.PeerSetEnabled(ctx, "laptop", true); return err }},
		{"peer remove", func() error { return m.PeerRemove(ctx, "laptop") }},
		{"teardown", func() error { return m.Teardown(ctx) }},
	}
	for _, c := range []struct {
		err     error
		noApply bool
		want    func(o control.Outcome) bool
	}{
		{nil, false, func(o control.Outcome) bool { return o.Saved && o.Applied && o.Warning == "" && o.Note == "" }},
		{fmt.Errorf("netlink: %w", errors.New("operation not permitted")), false, func(o control.Outcome) bool {
			return o.Saved && !o.Applied && strings.Contains(o.Warning, "operation not permitted") && o.NotApplied()
		}},
		{fmt.Errorf("no wg0: %w", os.ErrNotExist), false, func(o control.Outcome) bool {
			return o.Saved && !o.Applied && o.Warning == "" && strings.Contains(o.Note, "not running") && !o.NotApplied()
		}},
		{errors.New("never called"), true, func(o control.Outcome) bool { return o.Saved && !o.Applied && o.Warning == "" && o.Note == "" }},
	} {
		b.err, m.NoApply = c.err, c.noApply
		for _, op := range ops {
			if err := op.run(); err != nil {
				t.Fatalf("%s (apply error %v): %v", op.name, c.err, err)
			}
			// setup's and teardown's apply is a reload, which has no
			// "interface down" case.
			o := m.Outcome
			if errors.Is(c.err, os.ErrNotExist) && (op.name == "setup" || op.name == "teardown") {
				if !o.Saved || o.Applied || o.Note == "" && o.Warning == "" {
					t.Errorf("%s, apply error %v: outcome %+v", op.name, c.err, o)
				}
				continue
			}
			if !c.want(o) {
				t.Errorf("%s, apply error %v, no-apply %v: outcome %+v", op.name, c.err, c.noApply, o)
			}
		}
	}
	// Nothing to change: nothing saved, nothing to apply.
	b.err, m.NoApply = errors.New("never called"), false
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	if o := m.Outcome; o.Saved || !o.Applied || o.Warning != "" {
		t.Errorf("unchanged setup: %+v", o)
	}
}

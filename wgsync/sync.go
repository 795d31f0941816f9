package wgsync

import (
	"errors"
	"fmt"
	"os"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Device is the part of a wgctrl.Client that Sync needs.
type Device interface {
	Device(name string) (*wgtypes.Device, error)
	ConfigureDevice(name string, cfg wgtypes.Config) error
}

// ErrNotRunning is returned (wrapping os.ErrNotExist) when the interface
// does not exist: there is nothing to sync, and netifd or `wghub up` will
// build it from UCI when it comes up.
var ErrNotRunning error = notRunning{}

// notRunning is ErrNotRunning's type: a value the linker lays out, where
// fmt.Errorf would run (and bring in fmt's formatting) at every start.
type notRunning struct{}

func (notRunning) Error() string { return "wgsync: interface not running: " + os.ErrNotExist.Error() }
func (notRunning) Unwrap() error { return os.ErrNotExist }

// Result is what one Sync did.
type Result struct {
	Plan Plan // what differed and what was sent
	// Remaining are the differences still there afterwards: endpoints that
	// did not resolve, or a change the device did not take.
	Remaining []Difference
}

// Sync makes the device want.Interface equal want, hitlessly (see Plan),
// and reads it back. Running it again when nothing changed sends nothing.
func Sync(d Device, want *Want, o Options) (Result, error) {
	dev, err := d.Device(want.Interface)
	if errors.Is(err, os.ErrNotExist) {
		return Result{}, fmt.Errorf("%w: %s", ErrNotRunning, want.Interface)
	}
	if err != nil {
		return Result{}, fmt.Errorf("wgsync: reading %s: %w", want.Interface, err)
	}
	r := Result{Plan: Compare(want, dev, o)}
	if r.Plan.Empty() {
		r.Remaining = r.Plan.Differences
		return r, nil
	}
	if err := d.ConfigureDevice(want.Interface, r.Plan.Config); err != nil {
		return r, fmt.Errorf("wgsync: configuring %s: %w", want.Interface, err)
	}
	if dev, err = d.Device(want.Interface); err != nil {
		return r, fmt.Errorf("wgsync: reading %s back: %w", want.Interface, err)
	}
	r.Remaining = Compare(want, dev, o).Differences
	return r, nil
}

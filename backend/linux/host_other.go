//go:build !linux

package linux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Options choose the tools a Host uses (Linux only).
type Options struct {
	IPTables, IP6Tables string
	Log                 io.Writer
}

// Host is unavailable outside Linux.
type Host struct{}

var errUnsupported = fmt.Errorf("the plain-Linux backend works on Linux only: %w", errors.ErrUnsupported)

// New fails outside Linux.
func New() (*Host, error) { return nil, errUnsupported }

// NewWithOptions fails outside Linux.
func NewWithOptions(Options) (*Host, error) { return nil, errUnsupported }

// Close does nothing.
func (h *Host) Close() error { return nil }

// Up fails outside Linux.
func (h *Host) Up(context.Context, Spec) error { return errUnsupported }

// ApplyAccess fails outside Linux.
func (h *Host) ApplyAccess(Spec) error { return errUnsupported }

// Down fails outside Linux.
func (h *Host) Down(context.Context, Spec) error { return errUnsupported }

// ApplyPeers fails outside Linux.
func (h *Host) ApplyPeers(string, []wgtypes.PeerConfig, []wgtypes.Key, []netip.Prefix, []netip.Prefix) error {
	return errUnsupported
}

// Status fails outside Linux.
func (h *Host) Status(string) (*wgtypes.Device, error) { return nil, errUnsupported }

// MissingRule finds nothing outside Linux.
func (h *Host) MissingRule(Spec) string { return "" }

// Networks fails outside Linux.
func Networks() (map[string][]netip.Prefix, string, error) {
	return map[string][]netip.Prefix{}, "", errUnsupported
}

// DefaultRouteDevice is "" outside Linux.
func DefaultRouteDevice() string { return "" }

// IPv4Forwarding is false outside Linux.
func IPv4Forwarding() bool { return false }

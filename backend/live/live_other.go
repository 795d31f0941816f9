//go:build !linux

package live

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Conn is unavailable outside Linux.
type Conn struct{}

var errUnsupported = fmt.Errorf("changing a running WireGuard interface works on Linux only: %w", errors.ErrUnsupported)

// Open fails outside Linux.
func Open() (*Conn, error) { return nil, errUnsupported }

// Close does nothing.
func (c *Conn) Close() error { return nil }

// Device fails outside Linux.
func (c *Conn) Device(string) (*wgtypes.Device, error) { return nil, errUnsupported }

// Apply fails outside Linux.
func (c *Conn) Apply(string, []wgtypes.PeerConfig, []netip.Prefix, []netip.Prefix) error {
	return errUnsupported
}

// InitialNetns is true: outside Linux there is only the host's network.
func InitialNetns() bool { return true }

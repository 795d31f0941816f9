//go:build !linux

package livesys

import (
	"context"
	"errors"
	"net/netip"

	"github.com/wghub/wghub/nftrules"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// errUnsupported: wghub's hubs run on Linux; elsewhere there is no live
// system to read.
var errUnsupported = errors.ErrUnsupported

// Linux is a stub outside Linux: every read fails with
// errors.ErrUnsupported.
type Linux struct{ Root string }

var _ System = (*Linux)(nil)

// NewLinux returns the stub.
func NewLinux(root string) *Linux { return &Linux{Root: root} }

// Close does nothing.
func (l *Linux) Close() error { return nil }

func (l *Linux) Device(string) (*wgtypes.Device, error)             { return nil, errUnsupported }
func (l *Linux) ConfigureDevice(string, wgtypes.Config) error       { return errUnsupported }
func (l *Linux) Ruleset(context.Context) (*nftrules.Ruleset, error) { return nil, errUnsupported }
func (l *Linux) Sysctl(string) (string, error)                      { return "", errUnsupported }
func (l *Linux) RouteDevice(netip.Addr) (string, error)             { return "", errUnsupported }
func (l *Linux) DefaultRouteDevice(bool) (string, error)            { return "", errUnsupported }
func (l *Linux) ReadFile(string) ([]byte, error)                    { return nil, errUnsupported }
func (l *Linux) Glob(string) ([]string, error)                      { return nil, errUnsupported }

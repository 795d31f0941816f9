// Package livesys is the small window doctor and sync have onto the
// running system: the WireGuard device (read and configure), the loaded
// nftables ruleset, sysctls, the kernel's route choice, and files of the
// system's root (sysctl.d, netifd's WireGuard handler, the hotplug hook).
// System is the contract; Linux reads the real system and Fake serves
// unit tests.
package livesys

import (
	"context"
	"errors"
	"net/netip"

	"github.com/wghub/wghub/nftrules"
	"github.com/wghub/wghub/wgsync"
)

// System is what doctor and sync read (and sync writes) of the live system.
type System interface {
	wgsync.Device
	// Ruleset is the loaded nftables ruleset; an error wrapping
	// ErrNoNft when nft is not installed.
	Ruleset(ctx context.Context) (*nftrules.Ruleset, error)
	// Sysctl reads a sysctl by its dotted name ("net.ipv4.ip_forward").
	Sysctl(name string) (string, error)
	// RouteDevice is the device the kernel would send a packet to dst
	// through ("lo" for a local address, "" when there is no route).
	RouteDevice(dst netip.Addr) (string, error)
	// DefaultRouteDevice is the device of the default route of the
	// family ("" when there is none).
	DefaultRouteDevice(v6 bool) (string, error)
	// ReadFile reads an absolute path of the system's file tree.
	ReadFile(name string) ([]byte, error)
	// Glob lists absolute paths of the system's file tree matching pattern.
	Glob(pattern string) ([]string, error)
}

// ErrNoNft means the nft command is not installed.
var ErrNoNft = errors.New("livesys: nft is not installed")

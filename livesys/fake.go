package livesys

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path"
	"sort"

	"github.com/wghub/wghub/nftrules"
	"github.com/wghub/wghub/wgsync"
)

// Fake is a System held in memory, for unit tests.
type Fake struct {
	wgsync.FakeDevice
	Rules    *nftrules.Ruleset // nil: nft not installed
	Sysctls  map[string]string
	Routes   map[netip.Prefix]string // longest prefix wins
	Defaults map[bool]string         // default route device by "is IPv6"
	Files    map[string]string
}

var _ System = (*Fake)(nil)

// Ruleset returns Rules, or ErrNoNft.
func (f *Fake) Ruleset(context.Context) (*nftrules.Ruleset, error) {
	if f.Rules == nil {
		return nil, ErrNoNft
	}
	return f.Rules, nil
}

// Sysctl reads Sysctls.
func (f *Fake) Sysctl(name string) (string, error) {
	v, ok := f.Sysctls[name]
	if !ok {
		return "", fmt.Errorf("fake: sysctl %s: %w", name, os.ErrNotExist)
	}
	return v, nil
}

// RouteDevice picks the longest prefix of Routes containing dst.
func (f *Fake) RouteDevice(dst netip.Addr) (string, error) {
	best, dev := -1, ""
	for p, d := range f.Routes {
		if p.Contains(dst) && p.Bits() > best {
			best, dev = p.Bits(), d
		}
	}
	if dev == "" {
		return f.Defaults[dst.Is6()], nil
	}
	return dev, nil
}

// DefaultRouteDevice reads Defaults.
func (f *Fake) DefaultRouteDevice(v6 bool) (string, error) { return f.Defaults[v6], nil }

// ReadFile reads Files.
func (f *Fake) ReadFile(name string) ([]byte, error) {
	s, ok := f.Files[name]
	if !ok {
		return nil, fmt.Errorf("fake: %s: %w", name, os.ErrNotExist)
	}
	return []byte(s), nil
}

// Glob matches the names of Files.
func (f *Fake) Glob(pattern string) ([]string, error) {
	var out []string
	for n := range f.Files {
		if ok, _ := path.Match(pattern, n); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

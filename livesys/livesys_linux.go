package livesys

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/wghub/wghub/nftrules"
	"github.com/wghub/wghub/rtnl"
	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Linux is the real system. Files are read below Root ("/" on a live
// system; a test's directory otherwise); the kernel is this process's
// network namespace.
type Linux struct {
	Root string
	wg   *wgctrl.Client
	rt   *rtnl.Conn
}

var _ System = (*Linux)(nil)

// NewLinux returns the system with its file tree at root. Kernel handles
// are opened on first use.
func NewLinux(root string) *Linux { return &Linux{Root: root} }

// Close releases the kernel handles.
func (l *Linux) Close() error {
	if l.rt != nil {
		l.rt.Close()
	}
	if l.wg != nil {
		return l.wg.Close()
	}
	return nil
}

func (l *Linux) client() (*wgctrl.Client, error) {
	if l.wg == nil {
		c, err := wgctrl.New()
		if err != nil {
			return nil, fmt.Errorf("livesys: opening wgctrl: %w", err)
		}
		l.wg = c
	}
	return l.wg, nil
}

// Device reads the WireGuard device; os.ErrNotExist when there is none.
func (l *Linux) Device(name string) (*wgtypes.Device, error) {
	c, err := l.client()
	if err != nil {
		return nil, err
	}
	d, err := c.Device(name)
	if err != nil {
		return nil, fmt.Errorf("livesys: %s: %w", name, err)
	}
	return d, nil
}

// ConfigureDevice is `wg set`, through wgctrl.
func (l *Linux) ConfigureDevice(name string, cfg wgtypes.Config) error {
	c, err := l.client()
	if err != nil {
		return err
	}
	return c.ConfigureDevice(name, cfg)
}

// Ruleset runs `nft -j list ruleset`.
func (l *Linux) Ruleset(ctx context.Context) (*nftrules.Ruleset, error) {
	if _, err := exec.LookPath("nft"); err != nil {
		return nil, ErrNoNft
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "nft", "-j", "list", "ruleset")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("livesys: nft -j list ruleset: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nftrules.Parse(out.Bytes())
}

// Sysctl reads /proc/sys, which follows this process's network namespace.
func (l *Linux) Sysctl(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join("/proc/sys", strings.ReplaceAll(name, ".", "/")))
	return strings.TrimSpace(string(b)), err
}

func (l *Linux) handle() (*rtnl.Conn, error) {
	if l.rt == nil {
		c, err := rtnl.Dial()
		if err != nil {
			return nil, fmt.Errorf("livesys: opening netlink: %w", err)
		}
		l.rt = c
	}
	return l.rt, nil
}

// RouteDevice picks the longest matching route of the main table (lowest
// metric on a tie), as the kernel does without policy rules. (Asking the
// kernel with RTM_GETROUTE would follow rules too, but costs router binary.)
func (l *Linux) RouteDevice(dst netip.Addr) (string, error) {
	h, err := l.handle()
	if err != nil {
		return "", err
	}
	routes, err := h.Routes(dst.Is6())
	if err != nil {
		return "", fmt.Errorf("livesys: %w", err)
	}
	best, prio, index := -1, 0, 0
	for _, r := range routes {
		bits := r.Dst.Bits()
		if !r.Dst.Contains(dst) {
			continue
		}
		if bits > best || bits == best && r.Priority < prio {
			best, prio, index = bits, r.Priority, r.Index
		}
	}
	if best < 0 {
		return "", nil
	}
	name, err := h.LinkName(index)
	if err != nil {
		return "", nil
	}
	return name, nil
}

// DefaultRouteDevice finds the default route of the family.
func (l *Linux) DefaultRouteDevice(v6 bool) (string, error) {
	h, err := l.handle()
	if err != nil {
		return "", err
	}
	routes, err := h.Routes(v6)
	if err != nil {
		return "", fmt.Errorf("livesys: %w", err)
	}
	for _, r := range routes {
		if r.Dst.Bits() == 0 {
			if name, err := h.LinkName(r.Index); err == nil {
				return name, nil
			}
		}
	}
	return "", nil
}

// ReadFile reads name below Root.
func (l *Linux) ReadFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(l.Root, name))
}

// Glob matches pattern below Root and returns absolute paths of the tree.
func (l *Linux) Glob(pattern string) ([]string, error) {
	root := filepath.Clean(l.Root)
	ms, err := filepath.Glob(filepath.Join(root, pattern))
	for i, m := range ms {
		if root != "/" {
			ms[i] = strings.TrimPrefix(m, root)
		}
	}
	return ms, err
}

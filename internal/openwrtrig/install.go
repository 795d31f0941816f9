//go:build linux

package openwrtrig

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/wghub/wghub/sandbox"
)

// bootPath is the router's boot STAND-IN (standinBoot).
const bootPath = "/usr/libexec/openwrtrig-boot"

// standinSystemPath is where the stand-in for procd's "system" object lives.
const standinSystemPath = "/usr/libexec/openwrtrig-procd-system.uc"

// RepoRoot is the wghub source tree this package was built from: the rig
// installs the packages' files (openwrt/wghub, luci/luci-app-wghub) from it.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// bindScript binds the paths rpcd and ucode were built to use (under the
// prefix) to the paths OpenWrt installs into, so that a file installed as
// a package installs it is where the component looks. The prefix is the
// rig's private overlay: nothing reaches the real prefix.
const bindScript = `set -e
P=$1
[ -e /.openwrtrig-root ] || { echo "not in the router's root" >&2; exit 1; }
for d in share/rpcd libexec/rpcd share/ucode; do
	mkdir -p "$P/$d" "/usr/$d"
	mount --bind "/usr/$d" "$P/$d"
done
mkdir -p /usr/lib/ucode
mount --bind "$P/lib/ucode" /usr/lib/ucode
mkdir -p /var/run/ubus /var/run/rpcd /tmp/resolv.conf.d /tmp/.uci /var/state /etc/rc.d
`

// rpcdConfig is /etc/config/rpcd: the three logins (see Root, ReadOnly,
// ReadWrite); passwords as SHA-256 crypt hashes, which rpcd checks with crypt(3).
var rpcdConfig = `config rpcd
	option socket '/var/run/ubus/ubus.sock'
	option timeout '30'

config login
	option username 'root'
	option password '$5$wghubrig$9MH7x.ZOUQgjK28Q9af/frYEaDMyvRXXAP69jAj8s37'
	list read '*'
	list write '*'

config login
	option username 'viewer'
	option password '$5$wghubrig$7VbHJWwo1YYy.1XYxh4gSLWT/cS7Dzxr4ZbKrx2Yg.B'
	list read 'unauthenticated'
	list read 'luci-base'
	list read 'luci-app-wghub'

config login
	option username 'operator'
	option password '$5$wghubrig$APKHL4R/YGMNeY2D7zs6uwqvIscN3WaGjPbo.rP3ik3'
	list read 'unauthenticated'
	list read 'luci-base'
	list read 'luci-app-wghub'
	list write 'luci-base'
	list write 'luci-app-wghub'
`

// install lays out the router's file system.
func (g *Gateway) install(t testing.TB, wghub string) {
	t.Helper()
	P := g.Prefix
	g.MustExec(t, "sh", "-c", bindScript, "bind", P)

	// OpenWrt's /bin/sh is busybox ash; here it is bash (run as sh), which
	// has what OpenWrt's scripts use beyond POSIX (local, ${var/ /, } in
	// the syncconf handler). Debian's busybox-static would run its own
	// applets (ip among them) before PATH, bypassing the ip stand-in.
	g.symlink(t, "bash", "/usr/bin/sh")

	// The userland's programs where OpenWrt has them, without shadowing
	// the host's.
	for _, dir := range []string{"bin", "sbin"} {
		ents, err := os.ReadDir(filepath.Join(P, dir))
		if err != nil {
			t.Fatalf("openwrtrig: userland prefix: %v", err)
		}
		for _, e := range ents {
			dst := "/usr/" + dir + "/" + e.Name()
			if _, err := os.Lstat(g.Path(dst)); err == nil {
				continue
			}
			g.symlink(t, filepath.Join(P, dir, e.Name()), dst)
		}
	}

	// STAND-INs (standin.go).
	g.write(t, "/usr/sbin/ip", standinIP, 0o755)
	g.write(t, "/lib/functions.sh", standinFunctions, 0o644)
	g.write(t, "/sbin/hotplug-call", standinHotplugCall, 0o755)
	g.write(t, "/etc/rc.common", standinRCCommon, 0o755)
	g.write(t, bootPath, standinBoot, 0o755)
	g.write(t, "/etc/openwrt_release", standinRelease, 0o644)
	g.write(t, standinSystemPath, standinSystem, 0o644)

	// libubox's jshn.sh, netifd's scripts and OpenWrt's WireGuard handler.
	g.copyFile(t, filepath.Join(P, "share/libubox/jshn.sh"), "/usr/share/libubox/jshn.sh", 0o644)
	g.copyTree(t, filepath.Join(P, "src/netifd/scripts"), "/lib/netifd", nil)
	g.copyFile(t, filepath.Join(P, "openwrt-files", "wireguard.sh-"+string(g.Handler)), "/lib/netifd/proto/wireguard.sh", 0o755)

	// firewall4 as its package installs it; the config is the stock one.
	g.copyTree(t, filepath.Join(P, "src/firewall4/root"), "/", func(rel string) bool { return rel == "etc/config/firewall" })
	g.symlink(t, "../init.d/firewall", "/etc/rc.d/S19firewall")

	// rpcd's ACL for unauthenticated sessions (OpenWrt's rpcd package
	// installs it; rpcd's cmake does not) and its logins.
	g.copyFile(t, filepath.Join(P, "src/rpcd/unauthenticated.json"), "/usr/share/rpcd/acl.d/unauthenticated.json", 0o644)

	// LuCI (the subset in the prefix) and the app, as luci.mk installs them.
	for _, pat := range []string{"src/luci/modules/*", "src/luci/themes/*"} {
		dirs, _ := filepath.Glob(filepath.Join(P, pat))
		for _, d := range dirs {
			g.installLuCI(t, d)
		}
	}
	g.write(t, "/usr/share/ucode/luci/version.uc", "export const revision = 'openwrtrig', branch = 'LuCI (wghub test rig)';\n", 0o644)
	g.installLuCI(t, filepath.Join(RepoRoot(), "luci", "luci-app-wghub"))

	// The stock configuration, adapted to the rig's devices, then wghub.
	dir := t.TempDir()
	if _, err := sandbox.Copy(dir); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "network" {
			s, err := RigNetwork(string(b))
			if err != nil {
				t.Fatal(err)
			}
			b = []byte(s)
		}
		g.write(t, "/etc/config/"+e.Name(), string(b), 0o644)
	}
	g.write(t, "/etc/config/rpcd", rpcdConfig, 0o600)
	g.installWghub(t, wghub)
}

// RigNetwork adapts the stock /etc/config/network (package sandbox) to
// the rig: lan on the veth LANDevice instead of a bridge of switch ports,
// wan static at WANAddr (no DHCP server on the rig's WAN), no wan6.
func RigNetwork(stock string) (string, error) {
	edits := []struct{ re, repl string }{
		{`(?s)\nconfig device\n\toption name 'br-lan'\n.*?\n\n`, "\n"},
		{`option device 'br-lan'`, "option device '" + LANDevice + "'"},
		{`(config interface 'wan'\n\toption device 'wan'\n)\toption proto 'dhcp'\n`,
			"${1}\toption proto 'static'\n\toption ipaddr '" + WANAddr + "'\n\toption netmask '255.255.255.0'\n"},
		{`\nconfig interface 'wan6'\n\toption device 'wan'\n\toption proto 'dhcpv6'\n`, ""},
	}
	for _, e := range edits {
		re := regexp.MustCompile(e.re)
		if n := len(re.FindAllStringIndex(stock, -1)); n != 1 {
			return "", fmt.Errorf("openwrtrig: stock network config: %q matches %d times, want 1", e.re, n)
		}
		stock = re.ReplaceAllString(stock, e.repl)
	}
	return stock, nil
}

// installLuCI installs a LuCI package directory as luci.mk does:
// htdocs/ to /www, root/ to /, ucode/ to /usr/share/ucode/luci.
func (g *Gateway) installLuCI(t testing.TB, dir string) {
	t.Helper()
	for src, dst := range map[string]string{"htdocs": "/www", "root": "/", "ucode": "/usr/share/ucode/luci"} {
		if _, err := os.Stat(filepath.Join(dir, src)); err == nil {
			g.copyTree(t, filepath.Join(dir, src), dst, nil)
		}
	}
}

var (
	makeDefine  = regexp.MustCompile(`(?s)\ndefine Package/wghub/install\n(.*?)\nendef\n`)
	makeBinPath = regexp.MustCompile(`(?m)^GO_PKG_INSTALL_BIN_PATH:=(\S+)$`)
	makeInstall = regexp.MustCompile(`^\$\((INSTALL_BIN|INSTALL_DATA|INSTALL_CONF|CP)\) \./files/(\S+) \$\(1\)(/\S+)$`)
	makeDir     = regexp.MustCompile(`^\$\(INSTALL_DIR\) \$\(1\)(/\S+)$`)
	makeLink    = regexp.MustCompile(`^\$\(LN\) (\S+) \$\(1\)(/\S+)$`)
)

// installWghub runs the wghub package's install recipe
// (openwrt/wghub/Makefile, Package/wghub/install) into the router, so that
// the rig has exactly the files the package ships; a recipe line it does
// not understand fails the test rather than being skipped.
func (g *Gateway) installWghub(t testing.TB, bin string) {
	t.Helper()
	pkg := filepath.Join(RepoRoot(), "openwrt", "wghub")
	mk, err := os.ReadFile(filepath.Join(pkg, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := makeDefine.FindSubmatch(mk)
	if m == nil {
		t.Fatal("openwrtrig: no Package/wghub/install in openwrt/wghub/Makefile")
	}
	binPath := "/usr/bin"
	if b := makeBinPath.FindSubmatch(mk); b != nil {
		binPath = string(b[1])
	}
	modes := map[string]os.FileMode{"INSTALL_BIN": 0o755, "INSTALL_DATA": 0o644, "INSTALL_CONF": 0o600}
	sc := bufio.NewScanner(bytes.NewReader(m[1]))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "":
		case l == "$(call GoPackage/Package/Install/Bin,$(1))":
			g.copyFile(t, bin, binPath+"/wghub", 0o755)
		case makeDir.MatchString(l):
			if err := os.MkdirAll(g.Path(makeDir.FindStringSubmatch(l)[1]), 0o755); err != nil {
				t.Fatal(err)
			}
		case makeLink.MatchString(l):
			f := makeLink.FindStringSubmatch(l)
			g.symlink(t, f[1], f[2])
		case makeInstall.MatchString(l):
			f := makeInstall.FindStringSubmatch(l)
			src := filepath.Join(pkg, "files", f[2])
			mode, ok := modes[f[1]]
			if !ok {
				st, err := os.Stat(src)
				if err != nil {
					t.Fatal(err)
				}
				mode = st.Mode().Perm()
			}
			dst := f[3]
			if strings.HasSuffix(dst, "/") {
				dst += filepath.Base(src)
			}
			g.copyFile(t, src, dst, mode)
		default:
			t.Fatalf("openwrtrig: Package/wghub/install: line the rig cannot install: %q", l)
		}
	}
}

func (g *Gateway) write(t testing.TB, p, data string, mode os.FileMode) {
	t.Helper()
	if err := g.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatalf("openwrtrig: %v", err)
	}
}

func (g *Gateway) copyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("openwrtrig: %v", err)
	}
	g.write(t, dst, string(b), mode)
}

// symlink makes the router's path p a symbolic link to target,
// replacing what was there.
func (g *Gateway) symlink(t testing.TB, target, p string) {
	t.Helper()
	hp := g.Path(p)
	if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(hp)
	if err := os.Symlink(target, hp); err != nil {
		t.Fatalf("openwrtrig: %v", err)
	}
}

// copyTree copies the host directory src to the router's dst, keeping
// modes and symbolic links; skip, if set, leaves out paths (relative to src).
func (g *Gateway) copyTree(t testing.TB, src, dst string, skip func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil
		}
		if skip != nil && skip(filepath.ToSlash(rel)) {
			return nil
		}
		target := g.Path(filepath.Join(dst, rel))
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			os.Remove(target)
			return os.Symlink(l, target)
		default:
			st, err := d.Info()
			if err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return g.WriteFile(filepath.Join(dst, rel), b, st.Mode().Perm())
		}
	})
	if err != nil {
		t.Fatalf("openwrtrig: installing %s: %v", src, err)
	}
}

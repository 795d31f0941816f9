// Command mkipk builds wghub's two packages — wghub for one architecture
// and luci-app-wghub for all — as reproducible .ipk files. `make ipk`
// runs it once per target; OpenWrt's SDK builds the same packages from
// openwrt/wghub/Makefile instead.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wghub/wghub/ipk"
)

const (
	maintainer = "wghub developers <wghub@users.noreply.invalid>"
	url        = "https://github.com/wghub/wghub"
	license    = "MIT"
)

// Scripts in the shape OpenWrt's package-pack.mk generates: the default
// hooks from /lib/functions.sh (they run uci-defaults and enable init
// scripts), then the package's own part, which does nothing in an image
// build (IPKG_INSTROOT set).
const postinstHead = `#!/bin/sh
[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_postinst $0 $@
`

const prerm = `#!/bin/sh
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_prerm $0 $@
`

func main() {
	var (
		pkg     = flag.String("package", "wghub", "wghub or luci-app-wghub")
		version = flag.String("version", "", "package version")
		arch    = flag.String("arch", "", "OpenWrt architecture, e.g. mipsel_24kc")
		bin     = flag.String("bin", "", "wghub binary for -arch")
		files   = flag.String("files", "openwrt/wghub/files", "wghub's files/ directory")
		luci    = flag.String("luci", "luci/luci-app-wghub", "luci-app-wghub's directory")
		out     = flag.String("o", "dist", "output directory")
	)
	flag.Parse()
	epoch := time.Unix(0, 0)
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fail("SOURCE_DATE_EPOCH %q is not a number", s)
		}
		epoch = time.Unix(n, 0)
	}
	if *version == "" {
		fail("-version is required")
	}
	var p *ipk.Package
	switch *pkg {
	case "wghub":
		p = wghub(*version, *arch, *bin, *files)
	case "luci-app-wghub":
		p = luciApp(*version, *luci)
	default:
		fail("unknown package %q", *pkg)
	}
	p.Time = epoch
	b, err := p.Build()
	if err != nil {
		fail("%v", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail("%v", err)
	}
	dst := filepath.Join(*out, p.FileName())
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Println(dst)
}

func wghub(version, arch, bin, files string) *ipk.Package {
	if arch == "" || bin == "" {
		fail("-arch and -bin are required for wghub")
	}
	return &ipk.Package{
		Name: "wghub", Version: version, Architecture: arch,
		Depends:    []string{"libc", "kmod-wireguard", "wireguard-tools", "rpcd"},
		Section:    "net",
		Maintainer: maintainer, License: license, Source: "feeds/packages/net/wghub", URL: url,
		Description: `WireGuard hub-and-spoke VPN on the router
 wghub makes the router the hub of a WireGuard VPN: each device has one
 tunnel to it and reaches the LAN through it. One command (or one click in
 LuCI) sets up the interface, firewall zone, forwarding, masquerade and WAN
 rule; peers are added and removed live, without dropping other tunnels.`,
		Files: []ipk.File{
			{Path: "/usr/sbin/wghub", Mode: 0o755, Data: read(bin)},
			{Path: "/usr/libexec/rpcd/wghub", Mode: fs.ModeSymlink, Data: []byte("/usr/sbin/wghub")},
			{Path: "/etc/config/wghub", Mode: 0o600, Data: read(filepath.Join(files, "wghub.config"))},
			{Path: "/etc/uci-defaults/90-wghub", Mode: 0o755, Data: read(filepath.Join(files, "wghub.uci-defaults"))},
		},
		Conffiles: []string{"/etc/config/wghub"},
		Postinst: postinstHead + `[ -n "${IPKG_INSTROOT}" ] || /etc/init.d/rpcd reload
exit 0
`,
		Prerm: prerm,
	}
}

func luciApp(version, dir string) *ipk.Package {
	p := &ipk.Package{
		Name: "luci-app-wghub", Version: version, Architecture: "all",
		Depends:    []string{"libc", "luci-base", "wghub"},
		Section:    "luci",
		Maintainer: maintainer, License: license, Source: "feeds/luci/applications/luci-app-wghub", URL: url,
		Description: `LuCI support for wghub
 A page under VPN to set up the WireGuard hub, see who is connected, add a
 device and scan its QR code, enable, disable or remove it.`,
		Postinst: postinstHead + `[ -n "${IPKG_INSTROOT}" ] || {
	rm -f /tmp/luci-indexcache.*
	rm -rf /tmp/luci-modulecache/
	killall -HUP rpcd 2>/dev/null
}
exit 0
`,
		Prerm: prerm,
	}
	// htdocs/ goes under /www, root/ is the filesystem root, as luci.mk does.
	for src, dst := range map[string]string{"htdocs": "/www", "root": "/"} {
		base := filepath.Join(dir, src)
		filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fail("%v", err)
			}
			if d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(base, path)
			p.Files = append(p.Files, ipk.File{Path: strings.ReplaceAll(filepath.Join(dst, rel), "//", "/"), Mode: 0o644, Data: read(path)})
			return nil
		})
	}
	return p
}

func read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return b
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "mkipk: "+format+"\n", a...)
	os.Exit(1)
}

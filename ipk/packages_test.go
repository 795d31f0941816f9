package ipk

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/userland"
	"github.com/wghub/wghub/internal/wghubtest"
)

// What TestPackages builds: `make ipk` and `make apk`'s script with a
// fixed version (valid for both, as scripts/ipk.sh makes them) and epoch.
const (
	testVersion = "1.2.3.4~abc1234-r1"
	testEpoch   = "1700000000"
	// mipselBudget is the most the mipsel_24kc package may weigh: small
	// routers have 8-16 MB of flash for everything (issue 13: 1.6 MB).
	mipselBudget = 1_600_000
)

var targets = []struct {
	arch    string
	qemu    string // qemu-user binary; "" runs natively (the reference)
	machine elf.Machine
	order   binary.ByteOrder
	class   elf.Class
}{
	{"x86_64", "", elf.EM_X86_64, binary.LittleEndian, elf.ELFCLASS64},
	{"mipsel_24kc", "qemu-mipsel-static", elf.EM_MIPS, binary.LittleEndian, elf.ELFCLASS32},
	{"mips_24kc", "qemu-mips-static", elf.EM_MIPS, binary.BigEndian, elf.ELFCLASS32},
	{"arm_cortex-a7_neon-vfpv4", "qemu-arm-static", elf.EM_ARM, binary.LittleEndian, elf.ELFCLASS32},
	{"aarch64_cortex-a53", "qemu-aarch64-static", elf.EM_AARCH64, binary.LittleEndian, elf.ELFCLASS64},
}

// compareMode says how a command's output must match the amd64 binary's.
type compareMode int

const (
	exact    compareMode = iota // byte for byte
	masked                      // after replacing WireGuard keys (random per run) and the root path
	exitOnly                    // not compared; the command must exit 0
)

// qemuRuns are the commands each target's packaged binary runs, in order,
// on its own copy of the sandbox tree ("ROOT" in args is that directory),
// under qemu-user. Adding a command is adding a row. Commands that open
// WireGuard's generic netlink family (status, doctor, anything applying
// live) cannot run here: qemu-user does not translate that socket family
// ("socket: protocol not supported"); netns-tests cover them natively.
var qemuRuns = []struct {
	args    []string
	stdin   string
	compare compareMode
}{
	{args: []string{"version"}, compare: exact},
	{args: []string{"list"}, compare: exact},
	{args: []string{"--backend", "openwrt", "--root", "ROOT", "--no-apply", "setup", "--endpoint", "vpn.example.org", "--subnet6", "fd42:1::/64"}, compare: masked},
	{args: []string{"--backend", "openwrt", "--root", "ROOT", "--no-apply", "peer", "add", "laptop", "--psk"}, compare: masked},
	{args: []string{"--backend", "openwrt", "--root", "ROOT", "--no-apply", "peer", "add", "phone", "--full-tunnel"}, compare: masked},
	{args: []string{"--backend", "openwrt", "--root", "ROOT", "peer", "config", "laptop"}, compare: masked},
	{args: []string{"--backend", "openwrt", "--root", "ROOT", "peer", "list", "--json"}, compare: masked},
	{args: []string{"--backend", "openwrt", "--root", "ROOT", "call", "peers"}, stdin: "{}", compare: masked},
	{args: []string{"--backend", "openwrt", "--root", "ROOT", "--dry-run", "peer", "remove", "phone"}, compare: exitOnly},
}

// runScript runs scripts/ipk.sh all (what `make ipk` and `make apk` run)
// into out and build.
func runScript(t *testing.T, out, build string) {
	t.Helper()
	cmd := exec.Command("./scripts/ipk.sh", "all")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "OUT="+out, "BUILD="+build, "VERSION="+testVersion, "SOURCE_DATE_EPOCH="+testEpoch)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/ipk.sh: %v\n%s", err, b)
	}
}

func TestPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds five targets")
	}
	out := t.TempDir()
	runScript(t, out, t.TempDir())
	files := map[string]string{"luci-app-wghub": "luci-app-wghub_" + testVersion + "_all.ipk"}
	for _, tg := range targets {
		files[tg.arch] = "wghub_" + testVersion + "_" + tg.arch + ".ipk"
	}
	apkFiles := map[string]string{"luci-app-wghub": "apk/noarch/luci-app-wghub-" + testVersion + ".apk"}
	for _, tg := range targets {
		apkFiles[tg.arch] = "apk/" + tg.arch + "/wghub-" + testVersion + ".apk"
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != len(files)+1 { // and apk/
		t.Errorf("%d files in the output directory, want %d and apk/", len(entries), len(files))
	}
	bins := map[string]string{} // arch -> the binary unpacked from its package
	binDir := t.TempDir()
	for _, tg := range targets {
		t.Run(tg.arch, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(out, files[tg.arch]))
			if err != nil {
				t.Fatal(err)
			}
			if tg.arch == "mipsel_24kc" && len(b) > mipselBudget {
				t.Errorf("%s is %d bytes, over the %d budget", files[tg.arch], len(b), mipselBudget)
			}
			u := unpack(t, b)
			checkCommon(t, u, "wghub", tg.arch, "libc, kmod-wireguard, wireguard-tools, rpcd")
			checkTree(t, u, map[string]string{
				"./":                             "dir 755",
				"./etc/":                         "dir 755",
				"./etc/config/":                  "dir 755",
				"./etc/config/wghub":             "file 600",
				"./etc/hotplug.d/":               "dir 755",
				"./etc/hotplug.d/iface/":         "dir 755",
				"./etc/hotplug.d/iface/10-wghub": "file 644",
				"./etc/init.d/":                  "dir 755",
				"./etc/init.d/wghub":             "file 755",
				"./etc/uci-defaults/":            "dir 755",
				"./etc/uci-defaults/90-wghub":    "file 644",
				"./usr/":                         "dir 755",
				"./usr/libexec/":                 "dir 755",
				"./usr/libexec/rpcd/":            "dir 755",
				"./usr/libexec/rpcd/wghub":       "link /usr/sbin/wghub",
				"./usr/sbin/":                    "dir 755",
				"./usr/sbin/wghub":               "file 755",
			})
			if got := string(u.control["./conffiles"].data); got != "/etc/config/wghub\n" {
				t.Errorf("conffiles %q", got)
			}
			if got := string(u.control["./postinst-pkg"].data); !strings.Contains(got, `[ -n "${IPKG_INSTROOT}" ] || /etc/init.d/rpcd reload`) {
				t.Errorf("postinst-pkg does not reload rpcd outside an image build:\n%s", got)
			}
			bin := member{}
			for _, m := range u.data {
				if m.h.Name == "./usr/sbin/wghub" {
					bin = m
				}
			}
			checkELF(t, bin.data, tg.machine, tg.order, tg.class)
			p := filepath.Join(binDir, tg.arch)
			if err := os.WriteFile(p, bin.data, 0o755); err != nil {
				t.Fatal(err)
			}
			bins[tg.arch] = p
		})
	}
	t.Run("luci-app-wghub", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(out, files["luci-app-wghub"]))
		if err != nil {
			t.Fatal(err)
		}
		u := unpack(t, b)
		checkCommon(t, u, "luci-app-wghub", "all", "libc, luci-base, wghub")
		want := map[string]string{}
		for src, dst := range map[string]string{"htdocs": "./www", "root": "."} {
			base := filepath.Join("..", "luci", "luci-app-wghub", src)
			filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					t.Fatal(err)
				}
				rel, _ := filepath.Rel(base, p)
				name := dst + "/" + filepath.ToSlash(rel)
				if d.IsDir() {
					want[strings.TrimSuffix(name, "/.")+"/"] = "dir 755"
				} else {
					want[name] = "file 644"
				}
				return nil
			})
		}
		want["./"], want["./www/"] = "dir 755", "dir 755"
		for _, f := range []string{"./www/luci-static/resources/view/wghub/overview.js",
			"./usr/share/luci/menu.d/luci-app-wghub.json", "./usr/share/rpcd/acl.d/luci-app-wghub.json"} {
			if want[f] != "file 644" {
				t.Errorf("luci/luci-app-wghub has no %s", f)
			}
		}
		checkTree(t, u, want)
		post := string(u.control["./postinst-pkg"].data)
		for _, l := range []string{"rm -f /tmp/luci-indexcache", "rm -rf /tmp/luci-modulecache/", "killall -HUP rpcd"} {
			if !strings.Contains(post, l) {
				t.Errorf("postinst-pkg lacks %q:\n%s", l, post)
			}
		}
	})
	t.Run("apk", func(t *testing.T) {
		apkBin := userland.Bin(t, "apk")
		names := []string{"luci-app-wghub"}
		for _, tg := range targets {
			names = append(names, tg.arch)
		}
		for _, name := range names {
			t.Run(name, func(t *testing.T) {
				checkAPK(t, apkBin, filepath.Join(out, files[name]), filepath.Join(out, apkFiles[name]))
			})
		}
	})
	t.Run("reproducible", func(t *testing.T) {
		out2 := t.TempDir()
		runScript(t, out2, t.TempDir()) // fresh binaries too
		for _, f := range slices.Concat(slices.Collect(maps.Values(files)), slices.Collect(maps.Values(apkFiles))) {
			a, _ := os.ReadFile(filepath.Join(out, f))
			b, _ := os.ReadFile(filepath.Join(out2, f))
			if !bytes.Equal(a, b) {
				t.Errorf("%s differs between two builds", f)
			}
		}
	})
	t.Run("qemu", func(t *testing.T) {
		if len(bins) != len(targets) {
			t.Skip("a package failed above")
		}
		want, wantFiles := runAll(t, "", bins["x86_64"])
		// A client config's AllowedIPs end with the LAN (the hub's VPN
		// addresses before it depend on the peer's access).
		if !strings.Contains(want, testVersion+"\n") || !regexp.MustCompile(`\nAllowedIPs = .*192\.168\.1\.0/24\n`).MatchString(want) {
			t.Fatalf("amd64 output unexpected:\n%s", want)
		}
		for _, tg := range targets[1:] {
			t.Run(tg.arch, func(t *testing.T) {
				if _, err := exec.LookPath(tg.qemu); err != nil {
					if os.Getenv("CI") != "" {
						t.Fatalf("%s not installed (Debian: qemu-user-static)", tg.qemu)
					}
					t.Skipf("%s not installed (Debian: qemu-user-static)", tg.qemu)
				}
				got, gotFiles := runAll(t, tg.qemu, bins[tg.arch])
				if got != want {
					t.Errorf("output differs from amd64's:\n--- amd64\n%s\n--- %s\n%s", want, tg.arch, got)
				}
				if gotFiles != wantFiles {
					t.Errorf("config files differ from amd64's:\n--- amd64\n%s\n--- %s\n%s", wantFiles, tg.arch, gotFiles)
				}
			})
		}
	})
}

// checkAPK checks an .apk against the .ipk of the same package: no more
// than 0.5% larger (both are deflated by GNU gzip -9; the .apk also
// carries a SHA-256 per file), and, unpacked by the real `apk extract`, the same files with the same
// modes and contents, plus the lib/apk/packages files package-pack.mk
// adds (NAME.list naming every file and link).
func checkAPK(t *testing.T, apkBin, ipkPath, apkPath string) {
	t.Helper()
	ib, err := os.ReadFile(ipkPath)
	if err != nil {
		t.Fatal(err)
	}
	ab, err := os.ReadFile(apkPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes; %s: %d bytes", filepath.Base(apkPath), len(ab), filepath.Base(ipkPath), len(ib))
	if len(ab) > len(ib)+len(ib)/200 {
		t.Errorf("%s is %d bytes, over 0.5%% larger than the .ipk (%d)", filepath.Base(apkPath), len(ab), len(ib))
	}
	dir := t.TempDir()
	if out, err := exec.Command(apkBin, "extract", "--allow-untrusted", "--destination", dir, apkPath).CombinedOutput(); err != nil {
		t.Fatalf("apk extract: %v\n%s", err, out)
	}
	u := unpack(t, ib)
	name := u.fields["Package"]
	want := map[string]string{}
	var list []string
	for _, m := range u.data {
		switch m.h.Typeflag {
		case '5':
			want[m.h.Name] = fmt.Sprintf("dir %o", m.h.Mode)
		case '2':
			want[m.h.Name] = "link " + m.h.Linkname
			list = append(list, m.h.Name[1:])
		default:
			want[m.h.Name] = fmt.Sprintf("file %o", m.h.Mode)
			list = append(list, m.h.Name[1:])
			got, err := os.ReadFile(filepath.Join(dir, m.h.Name))
			if err != nil || !bytes.Equal(got, m.data) {
				t.Errorf("%s: contents differ from the .ipk's (%v)", m.h.Name, err)
			}
		}
	}
	for _, d := range []string{"./lib/", "./lib/apk/", "./lib/apk/packages/"} {
		want[d] = "dir 755"
	}
	want["./lib/apk/packages/"+name+".list"] = "file 644"
	if cf := u.control["./conffiles"].data; len(cf) > 0 {
		want["./lib/apk/packages/"+name+".conffiles"] = "file 644"
		want["./lib/apk/packages/"+name+".conffiles_static"] = "file 644"
		if got := pkgFile(t, dir, name+".conffiles"); got != string(cf) {
			t.Errorf("%s.conffiles %q, want the .ipk's conffiles %q", name, got, cf)
		}
	}
	got := stagedTree(t, dir)
	for _, k := range sortedKeys(want, got) {
		if got[k] != want[k] {
			t.Errorf("%s: %q, want %q", k, got[k], want[k])
		}
	}
	slices.Sort(list)
	if got := pkgFile(t, dir, name+".list"); got != strings.Join(list, "\n")+"\n" {
		t.Errorf("%s.list:\n%s\nwant:\n%s", name, got, strings.Join(list, "\n"))
	}
}

func pkgFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, "lib/apk/packages", name))
	return string(b)
}

func checkCommon(t *testing.T, u *unpacked, name, arch, depends string) {
	t.Helper()
	want := map[string]string{
		"Package": name, "Version": testVersion, "Architecture": arch, "Depends": depends,
		"SourceName": name, "License": "MIT", "SourceDateEpoch": testEpoch,
		"Installed-Size": fmt.Sprint(len(u.dataTar)),
	}
	for k, v := range want {
		if u.fields[k] != v {
			t.Errorf("%s: %q, want %q", k, u.fields[k], v)
		}
	}
	for _, k := range []string{"Source", "Section", "URL", "Maintainer", "Description"} {
		if u.fields[k] == "" {
			t.Errorf("control has no %s", k)
		}
	}
	if got := string(u.control["./postinst"].data); got != postinst {
		t.Errorf("postinst is not package-pack.mk's:\n%s", got)
	}
	if got := string(u.control["./prerm"].data); got != prerm {
		t.Errorf("prerm is not package-pack.mk's:\n%s", got)
	}
}

// checkTree compares the data's entries with want: name -> "dir MODE",
// "file MODE" or "link TARGET".
func checkTree(t *testing.T, u *unpacked, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, m := range u.data {
		switch m.h.Typeflag {
		case '5':
			got[m.h.Name] = fmt.Sprintf("dir %o", m.h.Mode)
		case '2':
			got[m.h.Name] = "link " + m.h.Linkname
		default:
			got[m.h.Name] = fmt.Sprintf("file %o", m.h.Mode)
		}
	}
	for _, k := range sortedKeys(want, got) {
		if got[k] != want[k] {
			t.Errorf("%s: %q, want %q", k, got[k], want[k])
		}
	}
}

func sortedKeys(ms ...map[string]string) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// checkELF checks the binary is for the target and static (CGO_ENABLED=0):
// no interpreter, so it runs whatever libc the router has.
func checkELF(t *testing.T, b []byte, machine elf.Machine, order binary.ByteOrder, class elf.Class) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("/usr/sbin/wghub is not ELF: %v", err)
	}
	if f.Machine != machine || f.ByteOrder != order || f.Class != class {
		t.Errorf("ELF %v %v %v, want %v %v %v", f.Machine, f.ByteOrder, f.Class, machine, order, class)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("binary has an ELF interpreter: not static")
		}
	}
	if f.Section(".symtab") != nil {
		t.Error("binary is not stripped (-s -w)")
	}
}

var keyRE = regexp.MustCompile(`[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=`)

// runAll runs qemuRuns with bin (under qemu unless it is "") on a fresh
// sandbox tree; it returns the outputs to compare and the resulting config
// files, keys masked.
func runAll(t *testing.T, qemu, bin string) (string, string) {
	t.Helper()
	root := wghubtest.Sandbox(t)
	mask := func(s string) string { return keyRE.ReplaceAllString(strings.ReplaceAll(s, root, "ROOT"), "KEY") }
	var all strings.Builder
	for _, r := range qemuRuns {
		argv := []string{bin}
		for _, a := range r.args {
			argv = append(argv, strings.ReplaceAll(a, "ROOT", root))
		}
		if qemu != "" {
			argv = append([]string{qemu}, argv...)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdin = strings.NewReader(r.stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("wghub %s: %v\n%s%s", strings.Join(r.args, " "), err, out, stderr.Bytes())
		}
		switch r.compare {
		case exact:
			fmt.Fprintf(&all, "$ %s\n%s", strings.Join(r.args, " "), out)
		case masked:
			fmt.Fprintf(&all, "$ %s\n%s", strings.Join(r.args, " "), mask(string(out)))
		}
	}
	var files strings.Builder
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(root, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&files, "== %s\n%s", e.Name(), mask(string(b)))
	}
	return all.String(), files.String()
}

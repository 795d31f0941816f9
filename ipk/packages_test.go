package ipk

import (
	"bytes"
	"fmt"
	"github.com/wghub/wghub/sandbox"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var targets = map[string]string{ // OpenWrt arch -> qemu-user binary ("" = native)
	"mipsel_24kc":              "qemu-mipsel-static",
	"mips_24kc":                "qemu-mips-static",
	"arm_cortex-a7_neon-vfpv4": "qemu-arm-static",
	"aarch64_cortex-a53":       "qemu-aarch64-static",
	"x86_64":                   "",
}

// buildPackages runs `make ipk`'s script into a temp dir.
func buildPackages(t *testing.T, out, build string) {
	t.Helper()
	cmd := exec.Command("./scripts/ipk.sh")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "OUT="+out, "BUILD="+build, "VERSION=1.2.3+gtest", "SOURCE_DATE_EPOCH=1700000000")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/ipk.sh: %v\n%s", err, b)
	}
}

func TestPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds five targets")
	}
	out, build := t.TempDir(), t.TempDir()
	buildPackages(t, out, build)
	files := map[string]string{"luci-app-wghub": "luci-app-wghub_1.2.3+gtest_all.ipk"}
	for arch := range targets {
		files[arch] = "wghub_1.2.3+gtest_" + arch + ".ipk"
	}
	for name, file := range files {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(out, file))
			if err != nil {
				t.Fatal(err)
			}
			checkPackage(t, name, b)
		})
	}
	t.Run("reproducible", func(t *testing.T) {
		out2 := t.TempDir()
		buildPackages(t, out2, build)
		for _, f := range files {
			a, _ := os.ReadFile(filepath.Join(out, f))
			b, _ := os.ReadFile(filepath.Join(out2, f))
			if !bytes.Equal(a, b) {
				t.Errorf("%s differs between two builds", f)
			}
		}
	})
	t.Run("qemu", func(t *testing.T) { runUnderQEMU(t, build) })
}

func checkPackage(t *testing.T, name string, b []byte) {
	outer, err := ReadTarGz(b)
	if err != nil || len(outer) != 3 || outer[0].Header.Name != "./debian-binary" ||
		outer[1].Header.Name != "./data.tar.gz" || outer[2].Header.Name != "./control.tar.gz" {
		t.Fatalf("not an ipk as opkg reads it: %v", err)
	}
	data, err := ReadTarGz(outer[1].Data)
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := ReadTarGz(outer[2].Data)
	if err != nil {
		t.Fatal(err)
	}
	cf := map[string]string{}
	for _, e := range ctl {
		cf[e.Header.Name] = string(e.Data)
	}
	control := cf["./control"]
	fields := map[string]string{}
	for _, l := range strings.Split(control, "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && !strings.HasPrefix(l, " ") {
			fields[k] = v
		}
	}
	for _, f := range []string{"Package", "Version", "Depends", "Section", "Architecture", "Installed-Size", "Maintainer", "License", "Description"} {
		if fields[f] == "" {
			t.Errorf("control lacks %s:\n%s", f, control)
		}
	}
	size := 0
	modes := map[string]int64{}
	links := map[string]string{}
	for _, e := range data {
		size += len(e.Data)
		modes[e.Header.Name] = e.Header.Mode
		if e.Header.Linkname != "" {
			links[e.Header.Name] = e.Header.Linkname
		}
	}
	if fields["Installed-Size"] != strconv.Itoa(size) {
		t.Errorf("Installed-Size %s, data is %d bytes", fields["Installed-Size"], size)
	}
	for _, s := range []string{"./postinst", "./prerm"} {
		if !strings.Contains(cf[s], "default_") || !strings.HasPrefix(cf[s], "#!/bin/sh\n") {
			t.Errorf("%s is not in OpenWrt's style:\n%s", s, cf[s])
		}
	}
	if !regexp.MustCompile(`IPKG_INSTROOT\}" \] \|\|`).MatchString(cf["./postinst"]) {
		t.Errorf("postinst acts in an image build (IPKG_INSTROOT set):\n%s", cf["./postinst"])
	}
	if name == "luci-app-wghub" {
		if fields["Architecture"] != "all" || !strings.Contains(fields["Depends"], "luci-base") {
			t.Errorf("luci control:\n%s", control)
		}
		for _, f := range []string{"./www/luci-static/resources/view/wghub/overview.js",
			"./usr/share/luci/menu.d/luci-app-wghub.json", "./usr/share/rpcd/acl.d/luci-app-wghub.json"} {
			if modes[f] != 0o644 {
				t.Errorf("%s: mode %o, want 644", f, modes[f])
			}
		}
		return
	}
	if fields["Architecture"] != name || !strings.Contains(fields["Depends"], "kmod-wireguard") || !strings.Contains(fields["Depends"], "rpcd") {
		t.Errorf("control:\n%s", control)
	}
	for f, m := range map[string]int64{"./usr/sbin/wghub": 0o755, "./etc/config/wghub": 0o600, "./etc/uci-defaults/90-wghub": 0o755} {
		if modes[f] != m {
			t.Errorf("%s: mode %o, want %o", f, modes[f], m)
		}
	}
	if links["./usr/libexec/rpcd/wghub"] != "/usr/sbin/wghub" {
		t.Errorf("rpcd plugin link: %q", links["./usr/libexec/rpcd/wghub"])
	}
	if cf["./conffiles"] != "/etc/config/wghub\n" {
		t.Errorf("conffiles %q", cf["./conffiles"])
	}
}

var keyRE = regexp.MustCompile(`[A-Za-z0-9+/]{43}=`)

// runUnderQEMU runs every target's binary under qemu-user: version, and
// setup + peer add + peer config on the sandbox tree, with output equal to
// the amd64 binary's (keys, random by design, are masked).
func runUnderQEMU(t *testing.T, build string) {
	run := func(arch string) string {
		root, err := sandbox.Copy(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(build, arch, "wghub")
		var all strings.Builder
		for _, args := range [][]string{
			{"version"},
			{"--backend", "openwrt", "--root", root, "--no-apply", "setup", "--endpoint", "vpn.example.org", "--subnet6", "fd42:1::/64"},
			{"--backend", "openwrt", "--root", root, "--no-apply", "peer", "add", "laptop", "--psk"},
			{"--backend", "openwrt", "--root", root, "peer", "config", "laptop"},
			{"--backend", "openwrt", "--root", root, "peer", "list", "--json"},
			{"list"},
		} {
			argv := append([]string{bin}, args...)
			if q := targets[arch]; q != "" {
				if _, err := exec.LookPath(q); err != nil {
					t.Fatalf("%s not installed (apt-get install qemu-user-static)", q)
				}
				argv = append([]string{q}, argv...)
			}
			cmd := exec.Command(argv[0], argv[1:]...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: wghub %v: %v", arch, args, err)
			}
			fmt.Fprintf(&all, "$ %s\n%s", strings.Join(args, " "), out)
		}
		return keyRE.ReplaceAllString(strings.ReplaceAll(all.String(), root, "ROOT"), "KEY")
	}
	want := run("x86_64")
	if !strings.Contains(want, "1.2.3+gtest") || !strings.Contains(want, "AllowedIPs = 192.168.100.0/24") {
		t.Fatalf("amd64 output unexpected:\n%s", want)
	}
	for arch := range targets {
		if arch == "x86_64" {
			continue
		}
		t.Run(arch, func(t *testing.T) {
			if got := run(arch); got != want {
				t.Errorf("output differs from amd64:\n--- amd64\n%s\n--- %s\n%s", want, arch, got)
			}
		})
	}
}

package cli_test

import (
	"fmt"
	"github.com/wghub/wghub/internal/wghubtest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// userspaceDevice starts Debian's wireguard-go in a network namespace of the
// test's own and returns a function running commands there.
func userspaceDevice(t *testing.T) (dev string, inNS func(args ...string) (string, error)) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for ip netns and a TUN device")
	}
	for _, tool := range []string{"wg", "wg-quick", "wireguard-go", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed (apt-get install wireguard-tools wireguard-go iproute2)", tool)
		}
	}
	ns := fmt.Sprintf("wghub-cfg-%d", os.Getpid())
	dev = fmt.Sprintf("wgc%d", os.Getpid()%100000)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v %s", err, out)
	}
	inNS = func(args ...string) (string, error) {
		out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...).CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		inNS("ip", "link", "del", dev)
		exec.Command("ip", "netns", "del", ns).Run()
		os.Remove("/var/run/wireguard/" + dev + ".sock")
	})
	if out, err := inNS("wireguard-go", dev); err != nil {
		t.Fatalf("wireguard-go: %v %s", err, out)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat("/var/run/wireguard/" + dev + ".sock"); err == nil {
			break
		}
		if i > 50 {
			t.Fatal("wireguard-go socket never appeared")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return dev, inNS
}

// TestConfigsAcceptedByWG feeds every generated client config and the
// server config through the real wg-quick strip and wg setconf.
func TestConfigsAcceptedByWG(t *testing.T) {
	dev, inNS := userspaceDevice(t)
	root := wghubtest.Sandbox(t)
	// An address, not a name: wg resolves endpoints, and the test has no DNS.
	mustRun(t, root, "setup", "--endpoint", "127.0.0.1", "--subnet6", "fd42:1::/64")
	mustRun(t, root, "peer", "add", "split", "--psk")
	mustRun(t, root, "peer", "add", "full", "--full-tunnel")
	mustRun(t, root, "peer", "add", "site", "--route", "10.20.0.0/24")
	confs := map[string]string{
		"split":  mustRun(t, root, "peer", "config", "split"),
		"full":   mustRun(t, root, "peer", "config", "full"),
		"server": mustRun(t, root, "export"),
	}
	dir := t.TempDir()
	for name, conf := range confs {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "wg"+name+".conf")
			if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			stripped, err := exec.Command("wg-quick", "strip", path).CombinedOutput()
			if err != nil {
				t.Fatalf("wg-quick strip: %v\n%s\n%s", err, stripped, conf)
			}
			sp := path + ".stripped"
			os.WriteFile(sp, stripped, 0o600)
			if out, err := inNS("wg", "setconf", dev, sp); err != nil {
				t.Fatalf("wg setconf rejected the %s config: %v\n%s\n%s", name, err, out, conf)
			}
			shown, err := inNS("wg", "showconf", dev)
			if err != nil {
				t.Fatal(err)
			}
			// What wg took is what we wrote: every key and AllowedIPs line.
			for _, l := range strings.Split(string(stripped), "\n") {
				k, v, ok := strings.Cut(l, " = ")
				if !ok || k == "Endpoint" || strings.HasPrefix(l, "#") {
					continue
				}
				if k == "AllowedIPs" {
					for _, a := range strings.Split(v, ", ") {
						if !strings.Contains(shown, a) {
							t.Errorf("wg showconf lacks allowed IP %s", a)
						}
					}
					continue
				}
				if !strings.Contains(shown, l) {
					t.Errorf("wg showconf lacks %q:\n%s", l, shown)
				}
			}
		})
	}
}

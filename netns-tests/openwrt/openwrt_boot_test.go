//go:build linux

package openwrt_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/openwrtrig"
	"github.com/wghub/wghub/uci"
)

// TestBootRecovers: a wghub change interrupted after its commit point (a
// power cut between the journal and the renames) is finished by the
// package's init script at boot, through OpenWrt's rc.common interface,
// before the firewall and netifd read UCI; both then load the whole
// change.
func TestBootRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an OpenWrt rig")
	}
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin})
	if _, err := g.Wghub("--backend", "openwrt", "setup", "--endpoint", openwrtrig.WANAddr); err != nil {
		t.Fatal(err)
	}
	g.WaitUp(t, "wg0")
	if _, err := g.ReadFile("/etc/init.d/wghub"); err != nil {
		t.Fatalf("the package installed no init script: %v", err)
	}

	// A change of network and firewall whose journal is in place but none
	// of whose files were renamed: what a power cut there leaves.
	dir := g.Path("/etc/config")
	tr := &uci.Tree{Dir: dir, Hook: func(s uci.Step) error {
		if s.Op == uci.StepRename && !strings.Contains(s.To, uci.JournalName) || s.Op == uci.StepRemove {
			return errors.New("power cut")
		}
		return nil
	}}
	_, err := tr.Update([]string{"network", "firewall"}, func(m map[string]*uci.Config) error {
		s, err := m["network"].Add("interface", "bootcheck")
		if err != nil {
			return err
		}
		if err := s.Set("proto", "none"); err != nil {
			return err
		}
		z, err := m["firewall"].Add("zone", "bootcheck")
		if err != nil {
			return err
		}
		return z.Set("name", "bootcheck")
	})
	var ce *uci.CommitError
	if !errors.As(err, &ce) || !ce.Pending {
		t.Fatalf("want a pending change, got %v", err)
	}
	for _, f := range []string{"network", "firewall"} {
		if b, _ := os.ReadFile(dir + "/" + f); strings.Contains(string(b), "bootcheck") {
			t.Fatalf("%s has the change before boot", f)
		}
	}

	g.MustExec(t, "/etc/init.d/wghub", "boot")
	if _, err := os.Stat(dir + "/" + uci.JournalName); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the journal is still there after boot: %v", err)
	}
	for _, f := range []string{"network", "firewall"} {
		if b, _ := os.ReadFile(dir + "/" + f); !strings.Contains(string(b), "'bootcheck'") {
			t.Errorf("%s lacks the change after boot:\n%s", f, b)
		}
	}
	g.MustExec(t, "/etc/init.d/firewall", "restart")
	if out := g.MustExec(t, "nft", "list", "ruleset"); !strings.Contains(out, "bootcheck") {
		t.Errorf("firewall4 did not load the recovered zone")
	}
	g.RestartNetifd(t)
	g.WaitUp(t, "wg0")
	if out, err := g.Ubus("call", "network.interface.bootcheck", "status"); err != nil {
		t.Errorf("netifd has no interface bootcheck after boot: %v\n%s", err, out)
	}
}

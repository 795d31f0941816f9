package cli_test

import (
	"fmt"
	"github.com/wghub/wghub/internal/wghubtest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/backend/openwrt"
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// treeWithPeers makes a sandbox hub with n peers, written in one
// transaction (building it through n processes would dominate the run).
func treeWithPeers(b *testing.B, n int) string {
	b.Helper()
	root := wghubtest.Sandbox(b)
	mustRun(b, root, "--no-apply", "setup", "--endpoint", "vpn.example.org", "--subnet", "10.64.0.0/16")
	tree := &uci.Tree{Dir: root}
	_, err := tree.Update(hub.OpenWrt.Configs(), func(cfgs map[string]*uci.Config) error {
		h, err := hub.Load(cfgs, hub.OpenWrt)
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			k, _ := wgtypes.GeneratePrivateKey()
			pub := k.PublicKey()
			if _, err := h.AddPeer(hub.PeerRequest{Name: fmt.Sprintf("p%04d", i), PublicKey: &pub}); err != nil {
				return err
			}
		}
		return hub.Store(cfgs, hub.OpenWrt, h)
	})
	if err != nil {
		b.Fatal(err)
	}
	return root
}

// execStats runs the binary and reports wall time and peak RSS. The RSS
// comes from GNU time: a direct child's rusage starts from this (large)
// test process's high-water mark, so it would measure the wrong process.
func execStats(b *testing.B, args ...string) (time.Duration, int64) {
	rssFile := filepath.Join(b.TempDir(), "rss")
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rssFile, wghub}, args...)...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("wghub %v: %v\n%s (needs GNU time: apt-get install time)", args, err, out)
	}
	d := time.Since(start)
	raw, _ := os.ReadFile(rssFile)
	rss, _ := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	return d, rss
}

// BenchmarkPeerAdd: one `wghub peer add` process on a hub that already has
// 10, 100 or 1000 peers (add, then remove to keep the size).
func BenchmarkPeerAdd(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			root := treeWithPeers(b, n)
			var rss int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_, r := execStats(b, "--backend", "openwrt", "--root", root, "--no-apply", "peer", "add", "bench")
				b.StopTimer()
				mustRun(b, root, "--no-apply", "peer", "remove", "bench")
				b.StartTimer()
				rss = max(rss, r)
			}
			b.ReportMetric(float64(rss), "peak-RSS-KiB")
		})
	}
}

// BenchmarkStatus: `wghub status --json` with 1000 peers.
func BenchmarkStatus(b *testing.B) {
	root := treeWithPeers(b, 1000)
	var rss int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, r := execStats(b, "--backend", "openwrt", "--root", root, "status", "--json")
		rss = max(rss, r)
	}
	b.ReportMetric(float64(rss), "peak-RSS-KiB")
}

// BenchmarkPeerAddInProcess isolates wghub's own work from process start.
func BenchmarkPeerAddInProcess(b *testing.B) {
	root := treeWithPeers(b, 1000)
	m := &control.Manager{Tree: &uci.Tree{Dir: root}, Backend: openwrt.New(root, nil), NoApply: true}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.PeerAdd(b.Context(), hub.PeerRequest{Name: "bench"}); err != nil {
			b.Fatal(err)
		}
		if err := m.PeerRemove(b.Context(), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

package uci

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// bigFirewall is a firewall config with n rule sections after the stock
// defaults, for benchmarks.
func bigFirewall(n int) []byte {
	var b strings.Builder
	b.WriteString("\nconfig defaults\n\toption input 'REJECT'\n\toption output 'ACCEPT'\n\toption forward 'REJECT'\n")
	for i := range n {
		fmt.Fprintf(&b, "\nconfig rule\n\toption name 'Rule-%d'\n\toption src 'wan'\n\toption proto 'tcp'\n\toption dest_port '%d'\n\toption target 'ACCEPT'\n", i, 1000+i)
	}
	return []byte(b.String())
}

// BenchmarkParse: a 1000-section firewall config.
func BenchmarkParse(b *testing.B) {
	data := bigFirewall(1000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("firewall", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadEditCommit: lock, load, change one option, add a section
// and commit (temp file, fsync, rename, directory fsync) a 1000-section
// firewall through Tree. heap-KiB is the Go heap in use right after the
// last commit, with the parsed config still reachable.
func BenchmarkLoadEditCommit(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "firewall"), bigFirewall(1000), 0o644); err != nil {
		b.Fatal(err)
	}
	tr := &Tree{Dir: dir}
	var keep *Config
	i := 0
	for b.Loop() {
		i++
		_, err := tr.Update([]string{"firewall"}, func(m map[string]*Config) error {
			c := m["firewall"]
			keep = c
			if err := c.Section("@rule[500]").Set("target", fmt.Sprint("T", i)); err != nil {
				return err
			}
			if s := c.Section("bench"); s != nil {
				c.Delete(s) // keep the file at 1000 sections
				return nil
			}
			s, err := c.Add("rule", "bench")
			if err != nil {
				return err
			}
			return s.Set("name", "bench")
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/1024, "heap-KiB")
	runtime.KeepAlive(keep)
}

// BenchmarkStaleWriter: the look through /proc an update makes before it
// reads a config (lock.go), on this machine's processes: every process's
// open files when the config changed in the last seconds ("recent"), the
// lock holders' otherwise ("settled").
func BenchmarkStaleWriter(b *testing.B) {
	p := filepath.Join(b.TempDir(), "network")
	if err := os.WriteFile(p, []byte("config interface 'lan'\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	for _, recent := range []bool{true, false} {
		b.Run(map[bool]string{true: "recent", false: "settled"}[recent], func(b *testing.B) {
			defer func(d time.Duration) { recentChange = d }(recentChange)
			if !recent {
				recentChange = 0
			}
			for b.Loop() {
				if staleWriter(p, st) {
					b.Fatal("a stale writer of a new file")
				}
			}
		})
	}
}

// Command ucibench prints how long load+edit+commit of a 1000-section
// firewall config takes through uci.Tree, and the process's peak memory,
// for `make bench` (parse+serialize CPU against libuci's is
// cmd/wghub-bench's line).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/wghub/wghub/uci"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ucibench:", err)
		os.Exit(1)
	}
}

// bigFirewall is the stock defaults and 1000 rule sections.
func bigFirewall() []byte {
	data := []byte("\nconfig defaults\n\toption input 'REJECT'\n\toption output 'ACCEPT'\n\toption forward 'REJECT'\n")
	for i := range 1000 {
		data = fmt.Appendf(data, "\nconfig rule\n\toption name 'Rule-%d'\n\toption src 'wan'\n\toption proto 'tcp'\n\toption dest_port '%d'\n\toption target 'ACCEPT'\n", i, 1000+i)
	}
	return data
}

func run() error {
	dir, err := os.MkdirTemp("", "ucibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	data := bigFirewall()
	if err := os.WriteFile(filepath.Join(dir, "firewall"), data, 0o644); err != nil {
		return err
	}
	tr := &uci.Tree{Dir: dir}
	const n = 50
	start := time.Now()
	for i := range n {
		_, err := tr.Update([]string{"firewall"}, func(m map[string]*uci.Config) error {
			c := m["firewall"]
			if err := c.Section("@rule[500]").Set("target", fmt.Sprint("T", i)); err != nil {
				return err
			}
			if s := c.Section("bench"); s != nil {
				c.Delete(s)
				return nil
			}
			s, err := c.Add("rule", "bench")
			if err != nil {
				return err
			}
			return s.Set("name", "bench")
		})
		if err != nil {
			return err
		}
	}
	per := time.Since(start) / n
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("uci load+edit+commit 1000 sections: %.2f ms/op (file %d KiB)\n", float64(per.Microseconds())/1000, len(data)/1024)
	fmt.Printf("uci peak RSS: %d KiB (Go heap in use at the end: %d KiB)\n", ru.Maxrss, ms.HeapInuse/1024)
	return nil
}

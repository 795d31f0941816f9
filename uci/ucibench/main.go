// Command ucibench prints how long load+edit+commit of a 1000-section
// firewall config takes, and the process's peak memory, for `make bench`.
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
	dir, err := os.MkdirTemp("", "ucibench-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	var data []byte
	for i := 0; i < 1000; i++ {
		data = fmt.Appendf(data, "\nconfig rule\n\toption name 'Rule-%d'\n\toption src 'wan'\n\toption proto 'tcp'\n\toption dest_port '%d'\n\toption target 'ACCEPT'\n", i, 1000+i)
	}
	os.WriteFile(filepath.Join(dir, "firewall"), data, 0o644)
	tr := &uci.Tree{Dir: dir}
	const n = 50
	start := time.Now()
	for i := 0; i < n; i++ {
		_, err := tr.Update([]string{"firewall"}, func(m map[string]*uci.Config) error {
			c := m["firewall"]
			if err := c.Section("@rule[500]").Set("target", fmt.Sprint("T", i)); err != nil {
				return err
			}
			_, err := c.Add("rule", fmt.Sprintf("bench%d", i))
			return err
		})
		if err != nil {
			panic(err)
		}
	}
	per := time.Since(start) / n
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("uci load+edit+commit, firewall with 1000 sections (%d KiB): %.2f ms/op\n", len(data)/1024, float64(per.Microseconds())/1000)
	fmt.Printf("uci peak RSS of the whole process: %d KiB (Go heap in use at end: %d KiB)\n", ru.Maxrss, ms.HeapInuse/1024)
}

// Command ucibench prints how long load+edit+commit of a 1000-section
// firewall config takes through uci.Tree, and the process's peak memory,
// for `make bench`. With -libuci PATH (the `uci` program built by
// scripts/userland.sh) it also prints the CPU of parse+serialize per
// process, `uci -c DIR export firewall` against `ucibench export DIR
// firewall` (the same work through uci.Tree: shared lock, parse, write
// out), and their ratio.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/wghub/wghub/uci"
)

func main() {
	libuci := flag.String("libuci", "", "path of libuci's `uci` program: compare parse+serialize CPU with it")
	runs := flag.Int("n", 200, "processes of each kind for -libuci")
	flag.Parse()
	if flag.Arg(0) == "export" && flag.NArg() == 3 {
		if err := export(flag.Arg(1), flag.Arg(2)); err != nil {
			fmt.Fprintln(os.Stderr, "ucibench:", err)
			os.Exit(1)
		}
		return
	}
	if *libuci != "" {
		if err := compare(*libuci, *runs); err != nil {
			fmt.Fprintln(os.Stderr, "ucibench:", err)
			os.Exit(1)
		}
	}
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

// export is `uci export` through uci.Tree: parse, then serialise.
func export(dir, name string) error {
	c, err := (&uci.Tree{Dir: dir}).Load(name)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(c.Bytes())
	return err
}

// compare runs n processes of libuci's export and n of ours, alternating,
// and prints their CPU (user+system, from each child's rusage) per process.
func compare(libuci string, n int) error {
	dir, err := os.MkdirTemp("", "ucibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "firewall"), bigFirewall(), 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// libuci's shared libraries sit beside its program (scripts/userland.sh).
	env := append(os.Environ(), "LD_LIBRARY_PATH="+filepath.Join(filepath.Dir(filepath.Dir(libuci)), "lib"))
	var cpu [2]time.Duration
	var want []byte
	for i := range 2 * n {
		cmd := exec.Command(libuci, "-c", dir, "export", "firewall")
		if i%2 == 1 {
			cmd = exec.Command(self, "export", dir, "firewall")
		}
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%v: %v", cmd.Args, err)
		}
		if i%2 == 1 && want == nil {
			want = out
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu[i%2] += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	fmt.Printf("uci parse+serialize 1000 sections, CPU per process: libuci %.2f ms, wghub %.2f ms, ratio %.2f\n",
		per(cpu[0]), per(cpu[1]), float64(cpu[1])/float64(cpu[0]))
	return nil
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

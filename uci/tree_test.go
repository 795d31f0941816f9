package uci

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func tempTree(t *testing.T, files map[string]string) *Tree {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &Tree{Dir: dir}
}

func addOne(tr *Tree, name string) error {
	_, err := tr.Update([]string{"firewall"}, func(c map[string]*Config) error {
		s, err := c["firewall"].Add("rule", name)
		if err != nil {
			return err
		}
		return s.Set("name", name)
	})
	return err
}

// TestConcurrentGoroutines: 50 writers each add a section; none is lost.
func TestConcurrentGoroutines(t *testing.T) {
	tr := tempTree(t, map[string]string{"firewall": "\nconfig defaults\n\toption input 'REJECT'\n"})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- addOne(tr, fmt.Sprintf("r%02d", i))
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := tr.Load("firewall")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.SectionsByType("rule")); n != 50 {
		t.Fatalf("%d sections survived, want 50", n)
	}
}

// TestConcurrentProcesses: the same across 50 processes (the test binary
// re-executed as a child), as wghub, LuCI and a script would be.
func TestConcurrentProcesses(t *testing.T) {
	if dir := os.Getenv("UCI_TEST_CHILD_DIR"); dir != "" {
		t.Skip("child")
	}
	tr := tempTree(t, map[string]string{"firewall": "\nconfig defaults\n\toption input 'REJECT'\n"})
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildAdd$")
			cmd.Env = append(os.Environ(), "UCI_TEST_CHILD_DIR="+tr.Dir, "UCI_TEST_CHILD_NAME=p"+strconv.Itoa(i))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("child %d: %v\n%s", i, err, out)
			}
		}(i)
	}
	wg.Wait()
	c, err := tr.Load("firewall")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.SectionsByType("rule")); n != 50 {
		t.Fatalf("%d sections survived, want 50", n)
	}
}

func TestChildAdd(t *testing.T) {
	dir := os.Getenv("UCI_TEST_CHILD_DIR")
	if dir == "" {
		t.Skip("only as a child of TestConcurrentProcesses")
	}
	if err := addOne(&Tree{Dir: dir}, os.Getenv("UCI_TEST_CHILD_NAME")); err != nil {
		t.Fatal(err)
	}
}

// TestKilledWriter: a writer SIGKILLed in the middle of a commit (inside
// fn, or after its temporary file and journal are written and before the
// rename) leaves the config byte-identical and loadable; the next load
// finishes a committed change; the next writer is not blocked by the dead
// one and removes its stray temporary file.
func TestKilledWriter(t *testing.T) {
	if os.Getenv("UCI_TEST_KILL_DIR") != "" {
		t.Skip("child")
	}
	for _, at := range []string{"fn", "rename"} {
		t.Run(at, func(t *testing.T) {
			orig := "\nconfig defaults\n\toption input 'REJECT'\n"
			tr := tempTree(t, map[string]string{"firewall": orig})
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildKilled$")
			cmd.Env = append(os.Environ(), "UCI_TEST_KILL_DIR="+tr.Dir, "UCI_TEST_KILL_AT="+at)
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			got := make(chan string, 1)
			go func() { buf := make([]byte, 64); n, _ := out.Read(buf); got <- string(buf[:n]) }()
			select {
			case s := <-got:
				if !strings.Contains(s, "ready") {
					t.Fatalf("child said %q", s)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("child never reached the commit")
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			b, err := os.ReadFile(filepath.Join(tr.Dir, "firewall"))
			if err != nil || string(b) != orig {
				t.Fatalf("config after a killed commit: %q, %v", b, err)
			}
			stray, _ := filepath.Glob(filepath.Join(tr.Dir, ".firewall.wghub-*"))
			if at == "rename" && len(stray) != 1 {
				t.Errorf("expected the dead writer's temporary file, found %v", stray)
			}
			// Killed before the rename is after the commit point: the
			// journal is there and the next load finishes the change.
			want := map[string]int{"fn": 1, "rename": 2}[at]
			c, err := tr.Load("firewall")
			if err != nil || len(c.Sections()) != want {
				t.Fatalf("reload: %v, want %d sections", err, want)
			}
			if err := addOne(tr, "after"); err != nil {
				t.Fatal(err)
			}
			if stray, _ := filepath.Glob(filepath.Join(tr.Dir, ".firewall.wghub-*")); len(stray) != 0 {
				t.Errorf("stray temporary files after the next commit: %v", stray)
			}
		})
	}
}

func TestChildKilled(t *testing.T) {
	dir := os.Getenv("UCI_TEST_KILL_DIR")
	if dir == "" {
		t.Skip("only as a child of TestKilledWriter")
	}
	stall := func() {
		fmt.Println("ready")
		time.Sleep(time.Minute)
	}
	if os.Getenv("UCI_TEST_KILL_AT") == "rename" {
		testHookBeforeRename = func(string) { stall() }
	}
	(&Tree{Dir: dir}).Update([]string{"firewall"}, func(m map[string]*Config) error {
		s, err := m["firewall"].Add("rule", "never")
		if err != nil {
			return err
		}
		s.Set("name", "never")
		if os.Getenv("UCI_TEST_KILL_AT") == "fn" {
			stall()
		}
		return nil
	})
}

// TestBadEditWritesNothing: a failing transaction leaves every byte and no
// temporary file behind.
func TestBadEditWritesNothing(t *testing.T) {
	orig := "\nconfig defaults\n\toption input 'REJECT'\n"
	tr := tempTree(t, map[string]string{"firewall": orig})
	cases := []struct {
		name string
		fn   func(c *Config) error
	}{
		{"newline", func(c *Config) error { return c.Section("@defaults[0]").Set("x", "a\nb") }},
		{"nul", func(c *Config) error { return c.Section("@defaults[0]").Set("x", "a\x00b") }},
		{"bad option name", func(c *Config) error { return c.Section("@defaults[0]").Set("x-y", "1") }},
		{"bad section name", func(c *Config) error { _, err := c.Add("rule", "a.b"); return err }},
		{"bad type", func(c *Config) error { _, err := c.Add("ru le", ""); return err }},
		{"list with cr", func(c *Config) error { return c.Section("@defaults[0]").SetList("l", []string{"ok", "b\r"}) }},
	}
	for _, tc := range cases {
		_, err := tr.Update([]string{"firewall"}, func(m map[string]*Config) error {
			m["firewall"].Section("@defaults[0]").Set("input", "ACCEPT") // a valid edit first
			return tc.fn(m["firewall"])
		})
		if err == nil {
			t.Errorf("%s: no error", tc.name)
		}
		b, _ := os.ReadFile(filepath.Join(tr.Dir, "firewall"))
		if string(b) != orig {
			t.Errorf("%s: file changed", tc.name)
		}
	}
	ents, _ := os.ReadDir(tr.Dir)
	if len(ents) != 1 {
		t.Errorf("stray files: %v", ents)
	}
}

func TestModeKeptAndNewFilePrivate(t *testing.T) {
	tr := tempTree(t, map[string]string{"network": "\nconfig interface 'lan'\n"})
	os.Chmod(filepath.Join(tr.Dir, "network"), 0o640)
	_, err := tr.Update([]string{"network", "wghub"}, func(m map[string]*Config) error {
		m["network"].Section("lan").Set("proto", "static")
		s, _ := m["wghub"].Add("hub", "hub")
		return s.Set("interface", "wg0")
	})
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]os.FileMode{"network": 0o640, "wghub": 0o600} {
		st, err := os.Stat(filepath.Join(tr.Dir, n))
		if err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", n, st.Mode().Perm(), want, err)
		}
	}
	// Plan changes nothing on disk.
	before, _ := os.ReadFile(filepath.Join(tr.Dir, "network"))
	ch, err := tr.Plan([]string{"network"}, func(m map[string]*Config) error {
		return m["network"].Section("lan").Set("proto", "dhcp")
	})
	after, _ := os.ReadFile(filepath.Join(tr.Dir, "network"))
	if err != nil || len(ch) != 1 || !bytes.Equal(before, after) {
		t.Errorf("plan: %v %d changes, file changed %v", err, len(ch), !bytes.Equal(before, after))
	}
	if d := Diff(ch[0]); !strings.Contains(d, "-\toption proto 'static'") || !strings.Contains(d, "+\toption proto 'dhcp'") {
		t.Errorf("diff:\n%s", d)
	}
}

func TestEmptiedFileIsRemoved(t *testing.T) {
	tr := tempTree(t, nil)
	add := func(m map[string]*Config) error { _, err := m["wghub"].Add("hub", "hub"); return err }
	del := func(m map[string]*Config) error { m["wghub"].Delete(m["wghub"].Section("hub")); return nil }
	if _, err := tr.Update([]string{"wghub"}, add); err != nil {
		t.Fatal(err)
	}
	ch, err := tr.Update([]string{"wghub"}, del)
	if err != nil || len(ch) != 1 || ch[0].New != nil {
		t.Fatalf("changes %+v, %v", ch, err)
	}
	if _, err := os.Stat(filepath.Join(tr.Dir, "wghub")); !os.IsNotExist(err) {
		t.Fatalf("emptied file still there: %v", err)
	}
	if d := Diff(ch[0]); !strings.Contains(d, "+++ /dev/null") {
		t.Errorf("diff of a removal:\n%s", d)
	}
}

// TestBadFilesAndNames: a config libuci would reject, or a bad name, fails
// the whole transaction with a clear error and changes no byte.
func TestBadFilesAndNames(t *testing.T) {
	good := "\nconfig interface 'lan'\n\toption proto 'static'\n"
	tests := []struct {
		name, file, want string
		names            []string
	}{
		{"unterminated quote", "config interface 'lan'\n\toption proto 'abc\n", `uci: network:2: unterminated quote in "'abc"`, nil},
		{"invalid section name", "config interface 'l-an'\n", `uci: network:1: invalid section name in "l-an"`, nil},
		{"invalid option name", "config interface 'lan'\n\toption pro.to x\n", `uci: network:2: invalid option name in "pro.to"`, nil},
		{"nul", "config interface 'lan'\n\toption proto \x00\n", `uci: network:2: NUL byte`, nil},
		{"dotted config name", good, `uci: invalid config name "network.bak"`, []string{"firewall", "network.bak"}},
		{"slash", good, `uci: invalid config name "../network"`, []string{"../network"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := tempTree(t, map[string]string{"network": tt.file, "firewall": good})
			names := tt.names
			if names == nil {
				names = []string{"firewall", "network"}
			}
			_, err := tr.Update(names, func(m map[string]*Config) error {
				for _, c := range m {
					if _, err := c.Add("rule", "x"); err != nil {
						return err
					}
				}
				return nil
			})
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %s", err, tt.want)
			}
			for n, want := range map[string]string{"network": tt.file, "firewall": good} {
				if b, _ := os.ReadFile(filepath.Join(tr.Dir, n)); string(b) != want {
					t.Errorf("%s changed: %q", n, b)
				}
			}
			if ents, _ := os.ReadDir(tr.Dir); len(ents) != 2 {
				t.Errorf("stray files: %v", ents)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	tr := tempTree(t, map[string]string{"network": "config interface 'lan'\n", ".network.wghub-123": "garbage '"})
	if c, err := tr.Load("network"); err != nil || c.Section("lan") == nil {
		t.Errorf("load: %v", err)
	}
	_, err := tr.Load("nothere")
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "uci: ") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := tr.Load("a.b"); err == nil {
		t.Error("dotted name accepted")
	}
	// A new file for a name that did not exist is created only with content.
	ch, err := tr.Update([]string{"empty"}, func(map[string]*Config) error { return nil })
	if _, serr := os.Stat(filepath.Join(tr.Dir, "empty")); err != nil || len(ch) != 0 || serr == nil {
		t.Errorf("untouched missing config: %v %v %v", ch, err, serr)
	}
}

// TestSymlink: a config that is a symlink is written through it, as
// libuci does.
func TestSymlink(t *testing.T) {
	tr := tempTree(t, map[string]string{"real": "config interface 'lan'\n"})
	if err := os.Symlink("real", filepath.Join(tr.Dir, "network")); err != nil {
		t.Fatal(err)
	}
	_, err := tr.Update([]string{"network"}, func(m map[string]*Config) error {
		return m["network"].Section("lan").Set("proto", "dhcp")
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(filepath.Join(tr.Dir, "network")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink replaced: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(tr.Dir, "real")); string(b) != "config interface 'lan'\n\toption proto 'dhcp'\n" {
		t.Errorf("target: %q", b)
	}
}

// TestParseErrorOrder: the configs of a transaction are parsed
// concurrently, yet when several are broken the error is always the first
// one's in name order, and nothing is written.
func TestParseErrorOrder(t *testing.T) {
	// The later config is small, so its parse would finish first.
	big := strings.Repeat("config rule\n\toption name 'x'\n", 20000) + "config rule\n\toption name 'y\n"
	tr := tempTree(t, map[string]string{"firewall": big, "network": "config interface 'lan\n"})
	want := `uci: firewall:40002: unterminated quote in "'y"`
	for range 20 {
		_, err := tr.Update([]string{"network", "firewall"}, func(map[string]*Config) error {
			t.Fatal("fn ran on a broken config")
			return nil
		})
		if err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	}
	if ents, _ := os.ReadDir(tr.Dir); len(ents) != 2 {
		t.Errorf("stray files: %v", ents)
	}
}

package uci

import (
	"bytes"
	"fmt"
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

// TestKilledWriter: a writer SIGKILLed in the middle of a commit, after its
// temporary file is written and before the rename, leaves the config intact.
func TestKilledWriter(t *testing.T) {
	if os.Getenv("UCI_TEST_KILL_DIR") != "" {
		t.Skip("child")
	}
	orig := "\nconfig defaults\n\toption input 'REJECT'\n"
	tr := tempTree(t, map[string]string{"firewall": orig})
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildKilled$")
	cmd.Env = append(os.Environ(), "UCI_TEST_KILL_DIR="+tr.Dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	deadline := time.After(20 * time.Second)
	got := make(chan string, 1)
	go func() { n, _ := out.Read(buf); got <- string(buf[:n]) }()
	select {
	case s := <-got:
		if !strings.Contains(s, "ready") {
			t.Fatalf("child said %q", s)
		}
	case <-deadline:
		t.Fatal("child never reached the commit")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	b, err := os.ReadFile(filepath.Join(tr.Dir, "firewall"))
	if err != nil || string(b) != orig {
		t.Fatalf("config after a killed commit: %q, %v", b, err)
	}
	c, err := tr.Load("firewall")
	if err != nil || len(c.Sections()) != 1 {
		t.Fatalf("reload: %v", err)
	}
	// The next writer is not blocked by the dead one and the stray temp file
	// is not read as a config.
	if err := addOne(tr, "after"); err != nil {
		t.Fatal(err)
	}
}

func TestChildKilled(t *testing.T) {
	dir := os.Getenv("UCI_TEST_KILL_DIR")
	if dir == "" {
		t.Skip("only as a child of TestKilledWriter")
	}
	testHookBeforeRename = func(string) {
		fmt.Println("ready")
		time.Sleep(time.Minute)
	}
	addOne(&Tree{Dir: dir}, "never")
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

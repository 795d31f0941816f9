package control_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// crashOps are the operations the crash tests kill, by name, as the child
// process runs them.
var crashOps = map[string]func(m *control.Manager) error{
	"setup": func(m *control.Manager) error {
		_, err := m.Setup(context.Background(), control.SetupRequest{Endpoint: "vpn.example.org", Subnet6: mustPrefix("fd42:4242:4242::/64")})
		return err
	},
	"peer-add": func(m *control.Manager) error {
		_, err := m.PeerAdd(context.Background(), hub.PeerRequest{Name: "new one", PSK: true})
		return err
	},
	"peer-remove": func(m *control.Manager) error { return m.PeerRemove(context.Background(), "laptop") },
	"disable": func(m *control.Manager) error {
		_, err := m.PeerSetEnabled(context.Background(), "phone", false)
		return err
	},
	"teardown": func(m *control.Manager) error { return m.Teardown(context.Background()) },
	"enable": func(m *control.Manager) error {
		_, err := m.PeerSetEnabled(context.Background(), "tablet", true)
		return err
	},
	"peer-add-pub": func(m *control.Manager) error {
		k := mustKey("8JWl1vMD6IL4rrAN1y5m9ZSEaqKgcDhYbW4/E6yJ/3k=")
		_, err := m.PeerAdd(context.Background(), hub.PeerRequest{Name: "router", PublicKey: &k})
		return err
	},
	"setup-update": func(m *control.Manager) error {
		_, err := m.Setup(context.Background(), control.SetupRequest{Endpoint: "other.example.org", Port: 51900})
		return err
	},
	"import": func(m *control.Manager) error {
		conf, err := os.ReadFile(filepath.Join("testdata", "server.conf"))
		if err != nil {
			return err
		}
		_, err = m.Import(context.Background(), conf, control.SetupRequest{Endpoint: "home.example.org"})
		return err
	},
	// The next wghub command: a read that recovers first.
	"status": func(m *control.Manager) error { _, err := m.Status(); return err },
}

// TestCrashChild runs one operation and SIGKILLs itself just before write
// step WGHUB_CRASH_AT (-1: never; then it prints how many steps it took).
func TestCrashChild(t *testing.T) {
	root := os.Getenv("WGHUB_CRASH_ROOT")
	if root == "" {
		t.Skip("only as a child of TestCrashKill")
	}
	at, _ := strconv.Atoi(os.Getenv("WGHUB_CRASH_AT"))
	m := manager(root)
	n := 0
	m.Tree.Hook = func(uci.Step) error {
		if n == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
		n++
		return nil
	}
	if err := crashOps[os.Getenv("WGHUB_CRASH_OP")](m); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("steps=%d\n", n)
}

// crashChild runs TestCrashChild and returns the steps it took (when not
// killed).
func crashChild(t *testing.T, root, op string, at int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), "WGHUB_CRASH_ROOT="+root, "WGHUB_CRASH_OP="+op, "WGHUB_CRASH_AT="+strconv.Itoa(at))
	out, err := cmd.CombinedOutput()
	if at >= 0 {
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("%s killed at %d: not killed: %v\n%s", op, at, err, out)
		}
		return 0
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", op, err, out)
	}
	i := bytes.Index(out, []byte("steps="))
	n, _ := strconv.Atoi(strings.Fields(string(out[i+6:]))[0])
	return n
}

// treeText is the configs of a tree (names without a '.'), one after the
// other, keys replaced by labels in order of appearance: two runs of an
// operation generate different keys, the same labels.
func treeText(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "=== %s\n%s", n, data)
	}
	return string(normalize(b.Bytes()))
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	ents, _ := os.ReadDir(to)
	for _, e := range ents {
		os.RemoveAll(filepath.Join(to, e.Name()))
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := e.Info()
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

func shmDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "wghub-crash-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// hubTree is the stock tree with a hub and the named peers ("tablet"
// disabled).
func hubTree(t *testing.T, peers ...string) string {
	root := wghubtest.Sandbox(t)
	m := manager(root)
	ctx := context.Background()
	if _, err := m.Setup(ctx, control.SetupRequest{Endpoint: "vpn.example.org"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range peers {
		if _, err := m.PeerAdd(ctx, hub.PeerRequest{Name: n, PSK: true}); err != nil {
			t.Fatal(err)
		}
		if n == "tablet" {
			if _, err := m.PeerSetEnabled(ctx, n, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func mustKey(s string) wgtypes.Key {
	k, err := wgtypes.ParseKey(s)
	if err != nil {
		panic(err)
	}
	return k
}

// TestCrashKill kills setup, peer add, peer remove, disable and teardown
// (in separate processes, SIGKILL) before every write step of their
// commit, and then kills the next command's recovery before every one of
// its steps too. After each kill the next wghub command must see exactly
// the tree before or after the operation (keys aside, which each run
// generates anew), with no journal left.
func TestCrashKill(t *testing.T) {
	if os.Getenv("WGHUB_CRASH_ROOT") != "" {
		t.Skip("child")
	}
	if testing.Short() {
		t.Skip("spawns hundreds of processes")
	}
	stock := wghubtest.Sandbox(t)
	withHub := hubTree(t, "laptop", "phone", "tablet")
	empty := hubTree(t)
	scenarios := []struct{ op, from string }{
		{"setup", stock}, {"peer-add", withHub}, {"peer-remove", withHub}, {"disable", withHub}, {"teardown", withHub},
		{"peer-add", empty}, {"teardown", empty}, {"enable", withHub}, {"peer-add-pub", withHub},
		{"setup-update", withHub}, {"import", stock},
	}
	work, ref := shmDir(t), shmDir(t)
	total := map[string]int{}
	for _, sc := range scenarios {
		copyTree(t, sc.from, ref)
		before := treeText(t, ref)
		steps := crashChild(t, ref, sc.op, -1)
		after := treeText(t, ref)
		if before == after {
			t.Fatalf("%s changed nothing", sc.op)
		}
		check := func(what string) string {
			t.Helper()
			if _, err := manager(work).Status(); err != nil {
				t.Fatalf("%s: the next command failed: %v", what, err)
			}
			if _, err := os.Stat(filepath.Join(work, uci.JournalName)); err == nil {
				t.Fatalf("%s: journal left after the next command", what)
			}
			switch treeText(t, work) {
			case before:
				return "before"
			case after:
				return "after"
			}
			t.Fatalf("%s: the tree is neither before nor after:\n%s", what, treeText(t, work))
			return ""
		}
		counts := map[string]int{}
		for at := range steps {
			copyTree(t, sc.from, work)
			crashChild(t, work, sc.op, at)
			_, err := os.Stat(filepath.Join(work, uci.JournalName))
			pending := err == nil
			if !pending {
				counts[check(fmt.Sprintf("%s killed at step %d", sc.op, at))]++
				continue
			}
			// Kill the recovery too, at each of its steps, then recover.
			saved := shmDir(t)
			copyTree(t, work, saved)
			rsteps := crashChild(t, work, "status", -1)
			counts[check(fmt.Sprintf("%s killed at step %d", sc.op, at))]++
			for rat := range rsteps {
				copyTree(t, saved, work)
				crashChild(t, work, "status", rat)
				counts[check(fmt.Sprintf("%s killed at step %d, recovery killed at %d", sc.op, at, rat))+" (2 kills)"]++
			}
		}
		n := 0
		for k, v := range counts {
			n += v
			total[k] += v
		}
		total["trials"] += n
		t.Logf("%-11s %2d steps, %3d trials: %v", sc.op, steps, n, counts)
	}
	t.Logf("total: %v", total)
	if total["trials"] < 500 {
		t.Errorf("only %d trials", total["trials"])
	}
}

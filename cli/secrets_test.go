package cli_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/wghub/wghub/internal/wghubtest"
	"github.com/wghub/wghub/uci"
)

var anyKey = regexp.MustCompile(`[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=`)

// TestWghubConfigPrivate: /etc/config/wghub that was 0644 is 0600 after the
// next write; one that is a symlink is refused, its target untouched.
func TestWghubConfigPrivate(t *testing.T) {
	root := wghubtest.Sandbox(t)
	p := filepath.Join(root, "wghub")
	os.Chmod(p, 0o644)
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org")
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after setup, want 0600", st.Mode().Perm())
	}

	// A wghub config someone else created (owned by nobody): the next
	// write replaces it with root's own file.
	if os.Geteuid() == 0 {
		os.Chown(p, 65534, 65534)
		mustRun(t, root, "peer", "add", "laptop")
		var st syscall.Stat_t
		syscall.Stat(p, &st)
		if st.Uid != 0 || st.Mode&0o777 != 0o600 {
			t.Errorf("after a write, owner %d mode %o, want root's own 0600 file", st.Uid, st.Mode&0o777)
		}
	}

	root = wghubtest.Sandbox(t)
	p = filepath.Join(root, "wghub")
	target := filepath.Join(t.TempDir(), "elsewhere")
	orig, _ := os.ReadFile(p)
	os.WriteFile(target, orig, 0o644)
	os.Remove(p)
	os.Symlink(target, p)
	before := snapshot(t, root)
	r := run(t, root, "setup", "--endpoint", "vpn.example.org")
	if r.code != 1 || !strings.Contains(r.stderr, "symbolic link") {
		t.Errorf("setup through a symlinked wghub config: exit %d, %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(target); string(b) != string(orig) {
		t.Error("the symlink's target was written")
	}
	if after := snapshot(t, root); len(after) != len(before) {
		t.Errorf("files: %d -> %d", len(before), len(after))
	}
}

// TestQRFilesPrivate: --png/--svg never write through a symlink, and
// replace an existing file (0644, someone else's inode) by a new 0600 one.
func TestQRFilesPrivate(t *testing.T) {
	root := wghubtest.Sandbox(t)
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org")
	mustRun(t, root, "peer", "add", "Anna's phone")
	dir := t.TempDir()

	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep me"), 0o644)
	link := filepath.Join(dir, "qr.svg")
	os.Symlink(victim, link)
	if r := run(t, root, "peer", "qr", "Anna's phone", "--svg", link); r.code == 0 || !strings.Contains(r.stderr, "symbolic link") {
		t.Errorf("qr --svg through a symlink: exit %d %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("written through the symlink: %q", b)
	}

	existing := filepath.Join(dir, "qr.png")
	os.WriteFile(existing, []byte("old"), 0o644)
	var old syscall.Stat_t
	syscall.Stat(existing, &old)
	mustRun(t, root, "peer", "qr", "Anna's phone", "--png", existing)
	var st syscall.Stat_t
	syscall.Stat(existing, &st)
	if st.Mode&0o777 != 0o600 || st.Ino == old.Ino {
		t.Errorf("png: mode %o inode %d (was %d), want 0600 and a new file", st.Mode&0o777, st.Ino, old.Ino)
	}
	if b, _ := os.ReadFile(existing); !strings.HasPrefix(string(b), "\x89PNG") {
		t.Error("not a PNG")
	}
}

// TestDryRunMasksKeys: a dry run shows the change, never a key.
func TestDryRunMasksKeys(t *testing.T) {
	root := wghubtest.Sandbox(t)
	out := mustRun(t, root, "--dry-run", "setup", "--endpoint", "vpn.example.org")
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org")
	out += mustRun(t, root, "--dry-run", "peer", "add", "laptop", "--psk")
	var o struct{ Diff string }
	if err := json.Unmarshal([]byte(mustRun(t, root, "--dry-run", "peer", "add", "tablet", "--json")), &o); err != nil {
		t.Fatal(err)
	}
	out += o.Diff
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "_key") && !strings.Contains(l, "public_key") && !strings.Contains(l, "'<hidden>'") {
			t.Errorf("unmasked key line: %q", l)
		}
	}
	if n := strings.Count(out, "<hidden>"); n < 4 {
		t.Errorf("%d masked keys, want at least 4 (hub, client, psk, client):\n%s", n, out)
	}
	// Public keys stay: they are what the owner compares with the device.
	if !strings.Contains(out, "public_key '") {
		t.Error("public keys were masked too")
	}
}

// TestParseErrorCarriesNoKey: a broken quote on the private_key line: the
// read-only commands fail naming the option and line, with no part of the
// key.
func TestParseErrorCarriesNoKey(t *testing.T) {
	root := wghubtest.Sandbox(t)
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org")
	p := filepath.Join(root, "network")
	b, _ := os.ReadFile(p)
	key := anyKey.FindString(string(b))
	broken := strings.Replace(string(b), "private_key '"+key+"'", "private_key '"+key, 1)
	os.WriteFile(p, []byte(broken), 0o600)
	for _, args := range [][]string{{"status"}, {"status", "--json"}, {"doctor"}, {"peer", "list"}, {"call", "status"}} {
		r := run(t, root, args...)
		all := r.stdout + r.stderr
		for i := 0; i+4 <= len(key); i++ {
			if strings.Contains(all, key[i:i+4]) {
				t.Fatalf("%v: output carries %q of the key: %s", args, key[i:i+4], all)
			}
		}
		if !strings.Contains(all, "private_key") {
			t.Errorf("%v: %q does not name the option", args, all)
		}
	}
}

// TestOutcomeJSON: a write command's --json says saved and applied; a
// change that is not applied because the tree is a sandbox is saved with a note,
// exit 0.
func TestOutcomeJSON(t *testing.T) {
	root := wghubtest.Sandbox(t)
	mustRun(t, root, "setup", "--endpoint", "vpn.example.org")
	var o map[string]any
	out := mustRun(t, root, "peer", "add", "my tablet", "--json")
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if o["saved"] != true || o["applied"] != false || !strings.Contains(o["note"].(string), "not this host") || o["warning"] != nil {
		t.Errorf("outcome %v", o)
	}
	out = mustRun(t, root, "--no-apply", "peer", "disable", "my tablet", "--json")
	o = nil
	json.Unmarshal([]byte(out), &o)
	if o["saved"] != true || o["applied"] != false || o["note"] != nil || o["warning"] != nil {
		t.Errorf("--no-apply outcome %v", o)
	}
	out = mustRun(t, root, "peer", "disable", "my tablet", "--json")
	o = nil
	json.Unmarshal([]byte(out), &o)
	if o["saved"] != false || o["applied"] != true {
		t.Errorf("no-change outcome %v", o)
	}
}

// TestRecoverCommand: a change left pending (its renames failed, and so
// did putting the files back) is finished by `wghub recover`, which says
// so; a second run finds nothing to do.
func TestRecoverCommand(t *testing.T) {
	root := wghubtest.Sandbox(t)
	tr := &uci.Tree{Dir: root}
	fail := errors.New("injected")
	tr.Hook = func(s uci.Step) error {
		if s.Op == uci.StepRename && !strings.Contains(s.To, uci.JournalName) || s.Op == uci.StepRemove {
			return fail
		}
		return nil
	}
	_, err := tr.Update([]string{"network", "firewall"}, func(m map[string]*uci.Config) error {
		if _, err := m["network"].Add("interface", "x1"); err != nil {
			return err
		}
		_, err := m["firewall"].Add("zone", "x1")
		return err
	})
	var ce *uci.CommitError
	if !errors.As(err, &ce) || !ce.Pending {
		t.Fatalf("want a pending change, got %v", err)
	}
	out := mustRun(t, root, "recover")
	if !strings.Contains(out, "finished an interrupted change of firewall, network") {
		t.Errorf("recover said %q", out)
	}
	for _, f := range []string{"network", "firewall"} {
		if b, _ := os.ReadFile(filepath.Join(root, f)); !strings.Contains(string(b), "'x1'") {
			t.Errorf("%s does not have the change", f)
		}
	}
	if out := mustRun(t, root, "recover"); !strings.Contains(out, "no interrupted change") {
		t.Errorf("second recover said %q", out)
	}
}

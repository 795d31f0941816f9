package ipk

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/userland"
)

// gitRepo is a throwaway repository with scripts/ipk.sh in it, so that
// `scripts/ipk.sh version` describes its history.
type gitRepo struct {
	t   *testing.T
	dir string
	n   int
}

func newRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	r := &gitRepo{t: t, dir: t.TempDir()}
	script, err := os.ReadFile(filepath.Join("..", "scripts", "ipk.sh"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(r.dir, "scripts"), 0o755)
	os.WriteFile(filepath.Join(r.dir, "scripts", "ipk.sh"), script, 0o755)
	r.git("init", "-q")
	r.git("add", ".")
	r.commit()
	return r
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *gitRepo) commit() {
	r.t.Helper()
	r.n++
	os.WriteFile(filepath.Join(r.dir, "f"), []byte{byte(r.n)}, 0o644)
	r.git("add", "f")
	r.git("commit", "-q", "-m", "c")
}

func (r *gitRepo) version() string {
	r.t.Helper()
	cmd := exec.Command("./scripts/ipk.sh", "version")
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "VERSION=")
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("scripts/ipk.sh version: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestVersion builds a history (untagged commits, a dirty tree, tags,
// commits after them) and checks the version scripts/ipk.sh gives each
// state, then that apk's and opkg's own comparisons both order them as
// they happened.
func TestVersion(t *testing.T) {
	r := newRepo(t)
	hash := func() string { return r.git("rev-parse", "--short=7", "HEAD") }
	type state struct{ version, want string }
	var states []state
	add := func(want string) {
		t.Helper()
		v := r.version()
		if v != want {
			t.Errorf("version %q, want %q", v, want)
		}
		states = append(states, state{v, want})
	}
	add("0.0.0.1~" + hash() + "-r1") // one commit, no tag
	r.commit()
	os.WriteFile(filepath.Join(r.dir, "f"), []byte("edit"), 0o644)
	add("0.0.0.2~" + hash() + "-r0") // dirty
	r.commit()
	add("0.0.0.3~" + hash() + "-r1")
	r.git("tag", "v0.1.0")
	add("0.1.0-r1")
	os.WriteFile(filepath.Join(r.dir, "f"), []byte("edit again"), 0o644)
	add("0.1.0.0~" + hash() + "-r0") // dirty at the tag
	for range 9 {
		r.commit()
	}
	add("0.1.0.9~" + hash() + "-r1")
	r.commit()
	add("0.1.0.10~" + hash() + "-r1") // numeric, not text, order
	r.git("tag", "v0.1.1")
	add("0.1.1-r1")
	r.commit()
	r.git("tag", "v1.10.0")
	add("1.10.0-r1")
	r.git("tag", "v1.9.0") // an older tag on a newer commit is not picked over the nearest
	if v := r.version(); v != "1.10.0-r1" && v != "1.9.0-r1" {
		t.Errorf("two tags on one commit: %q", v)
	}
	r.git("tag", "-d", "v1.9.0")
	r.commit()
	r.git("tag", "v2.0.0-rc1") // not vX.Y.Z: skipped
	add("1.10.0.1~" + hash() + "-r1")
	r.commit()
	r.git("tag", "v3.0.0.1") // four components would read as commits after 3.0.0: skipped
	add("1.10.0.2~" + hash() + "-r1")

	t.Run("apk", func(t *testing.T) {
		apk := userland.Bin(t, "apk")
		for i := 1; i < len(states); i++ {
			a, b := states[i-1].version, states[i].version
			if a == b {
				continue
			}
			out, err := exec.Command(apk, "version", "-t", a, b).Output()
			if got := strings.TrimSpace(string(out)); err != nil || got != "<" {
				t.Errorf("apk version -t %s %s: %q %v, want <", a, b, got, err)
			}
		}
		for _, s := range states {
			if err := exec.Command(apk, "version", "-c", s.version).Run(); err != nil {
				t.Errorf("apk version -c %s: %v", s.version, err)
			}
		}
	})
	t.Run("opkg", func(t *testing.T) {
		opkg := userland.Bin(t, "opkg-cl")
		conf := filepath.Join(t.TempDir(), "opkg.conf")
		os.WriteFile(conf, nil, 0o644)
		for i := 1; i < len(states); i++ {
			a, b := states[i-1].version, states[i].version
			if a == b {
				continue
			}
			if err := exec.Command(opkg, "-f", conf, "compare-versions", a, "<<", b).Run(); err != nil {
				t.Errorf("opkg compare-versions %s '<<' %s: %v", a, b, err)
			}
			if err := exec.Command(opkg, "-f", conf, "compare-versions", b, "<<", a).Run(); err == nil {
				t.Errorf("opkg compare-versions %s '<<' %s: true", b, a)
			}
		}
	})
	t.Run("ipk", func(t *testing.T) {
		for _, s := range states {
			if !versionRE.MatchString(s.version) {
				t.Errorf("%s: not a valid .ipk version", s.version)
			}
		}
	})
}

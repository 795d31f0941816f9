package apk_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wghub/wghub/apk"
	"github.com/wghub/wghub/internal/userland"
	"github.com/wghub/wghub/ipk"
)

// untgz lists a gzip-compressed tar: name -> "dir MODE", "file MODE" or
// "link TARGET", and the regular files' contents.
func untgz(t *testing.T, b []byte) (map[string]string, map[string][]byte) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	tree, data := map[string]string{}, map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return tree, data
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(h.Name, "."), "/")
		switch h.Typeflag {
		case tar.TypeDir:
			tree[name] = fmt.Sprintf("dir %o", h.Mode)
		case tar.TypeSymlink:
			tree[name] = "link " + h.Linkname
		default:
			tree[name] = fmt.Sprintf("file %o", h.Mode)
			data[name], _ = io.ReadAll(tr)
		}
	}
}

// TestSpecsAsIPK builds both manifests of openwrt/ipk (what `make ipk`
// and `make apk` pack) in both formats and checks, with the real `apk
// extract`, that the .apk holds what the .ipk holds (same files, modes,
// links and contents; ipk/feed_test.go checks the .ipk against the feed
// Makefile's install), plus the lib/apk/packages files: NAME.list naming
// every file and link, NAME.conffiles and NAME.conffiles_static.
func TestSpecsAsIPK(t *testing.T) {
	apkBin := userland.Bin(t, "apk")
	bin := filepath.Join(t.TempDir(), "wghub")
	os.WriteFile(bin, []byte("\x7fELF stand-in for the wghub binary\n"), 0o755)
	for _, spec := range []string{"wghub", "luci-app-wghub"} {
		t.Run(spec, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("..", "openwrt", "ipk", spec+".ipkspec"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ipk.ParseSpec(text, map[string]string{"VERSION": "1.0.0-r1", "ARCH": "x86_64", "BIN": bin}, "..")
			if err != nil {
				t.Fatal(err)
			}
			p.Epoch = epoch
			ib, err := p.Build()
			if err != nil {
				t.Fatal(err)
			}
			ab, err := apk.Build(p, apk.GoDeflate)
			if err != nil {
				t.Fatal(err)
			}
			outer, outerData := untgz(t, ib)
			if outer["/data.tar.gz"] == "" {
				t.Fatal("no data.tar.gz in the .ipk")
			}
			want, wantData := untgz(t, outerData["/data.tar.gz"])
			delete(want, "")
			var list []string
			for name, kind := range want {
				if !strings.HasPrefix(kind, "dir") {
					list = append(list, name)
				}
			}
			slices.Sort(list)
			pkgDir := "/lib/apk/packages/" + p.Name
			for _, d := range []string{"/lib", "/lib/apk", "/lib/apk/packages"} {
				want[d] = "dir 755"
			}
			wantData[pkgDir+".list"] = []byte(strings.Join(list, "\n") + "\n")
			if len(p.Conffiles) > 0 {
				wantData[pkgDir+".conffiles"] = []byte(strings.Join(p.Conffiles, "\n") + "\n")
				want[pkgDir+".conffiles"] = "file 644"
				want[pkgDir+".conffiles_static"] = "file 644"
			}
			want[pkgDir+".list"] = "file 644"

			apkFile := filepath.Join(t.TempDir(), apk.FileName(p))
			os.WriteFile(apkFile, ab, 0o644)
			dir := t.TempDir()
			if out, err := exec.Command(apkBin, "extract", "--allow-untrusted", "--destination", dir, apkFile).CombinedOutput(); err != nil {
				t.Fatalf("apk extract: %v\n%s", err, out)
			}
			got := map[string]string{}
			filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || path == dir {
					return err
				}
				name := strings.TrimPrefix(path, dir)
				info, _ := os.Lstat(path)
				switch {
				case d.Type()&fs.ModeSymlink != 0:
					l, _ := os.Readlink(path)
					got[name] = "link " + l
				case d.IsDir():
					got[name] = fmt.Sprintf("dir %o", info.Mode().Perm())
				default:
					got[name] = fmt.Sprintf("file %o", info.Mode().Perm())
					b, _ := os.ReadFile(path)
					if w, ok := wantData[name]; ok && !bytes.Equal(b, w) {
						t.Errorf("%s:\n%q\nwant:\n%q", name, b, w)
					}
				}
				return nil
			})
			var names []string
			for k := range want {
				names = append(names, k)
			}
			for k := range got {
				names = append(names, k)
			}
			slices.Sort(names)
			for _, k := range slices.Compact(names) {
				if got[k] != want[k] {
					t.Errorf("%s: %q in the .apk, want %q", k, got[k], want[k])
				}
			}
		})
	}
}

package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOnTmpfs(t *testing.T) {
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("no /dev/shm")
	}
	src := filepath.Join(t.TempDir(), "prog")
	if err := os.WriteFile(src, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, rm := OnTmpfs(src)
	if !strings.HasPrefix(got, "/dev/shm/") {
		t.Fatalf("OnTmpfs(%s) = %s, want a copy under /dev/shm", src, got)
	}
	b, err := os.ReadFile(got)
	if fi, _ := os.Stat(got); err != nil || !bytes.Equal(b, []byte("#!/bin/sh\necho hi\n")) || fi.Mode()&0o100 == 0 {
		t.Errorf("copy %s: %q, %v; want the same executable", got, b, err)
	}
	if again, _ := OnTmpfs(got); again != got {
		t.Errorf("a binary already on tmpfs was copied again: %s", again)
	}
	rm()
	if _, err := os.Stat(got); !os.IsNotExist(err) {
		t.Errorf("the copy is left behind: %v", err)
	}
}

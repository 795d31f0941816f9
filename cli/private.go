package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writePrivate writes a file that holds a key (a QR code of a client
// config): a new file made with O_EXCL in the target's directory, mode
// 0600, synced and renamed over path. So it never writes through a symlink
// someone placed at path, never into a file someone else created (an
// existing file is replaced, never opened), and never leaves a wider mode
// behind.
func writePrivate(path string, data []byte) error {
	if st, err := os.Lstat(path); err == nil {
		if st.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link: not writing a private key through it", path)
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".wghub-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

package uci

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
)

// privateMode is the mode of a config that holds keys.
const privateMode = 0o600

func (t *Tree) isPrivate(name string) bool { return slices.Contains(t.Private, name) }

// checkPrivate applies the rules of a private config (Tree.Private) to one
// being loaded for a write: it is never a symlink (whoever placed the link
// would choose where the keys go), its mode is 0600, fixed in place when
// it was wider, under the lock, and what is written is a new file of the
// writer's, whoever owned the old one.
func checkPrivate(path string, f *os.File, l *loaded) error {
	st, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("uci: %w", err)
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("uci: %s is a symbolic link; it holds private keys, so wghub writes it only as a regular file", path)
	}
	l.path = path
	if l.mode != privateMode && f != nil {
		if err := f.Chmod(privateMode); err != nil {
			return fmt.Errorf("uci: making %s private: %w", path, err)
		}
	}
	l.mode = privateMode
	// The new file is the writer's own, not a copy of whoever created the
	// old one: someone else's file would give them the keys.
	l.uid, l.gid = -1, -1
	return nil
}

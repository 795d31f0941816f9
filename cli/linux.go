package cli

import (
	"io"

	"github.com/wghub/wghub/backend/linux"
	"github.com/wghub/wghub/control"
)

// linuxBackend bundles the plain-Linux backend with its default root.
type linuxBackend struct {
	root    string
	backend control.Backend
	close   func() error
}

func newLinuxBackend(root string, log io.Writer) (*linuxBackend, error) {
	if root == "" {
		root = linux.DefaultRoot
	}
	b := linux.NewBackend(log)
	return &linuxBackend{root: root, backend: b, close: b.Close}, nil
}

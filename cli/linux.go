//go:build !openwrt

package cli

import (
	"io"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/backend/plainlinux"
)

// linuxBackend bundles the plain-Linux backend with its default root.
type linuxBackend struct {
	root    string
	backend backend.Backend
	close   func() error
}

func newLinuxBackend(root string, log io.Writer) (*linuxBackend, error) {
	if root == "" {
		root = plainlinux.DefaultRoot
	}
	b := plainlinux.New(root, log)
	return &linuxBackend{root: root, backend: b, close: b.Close}, nil
}

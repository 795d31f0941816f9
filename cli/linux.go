package cli

import (
	"fmt"
	"io"

	"github.com/wghub/wghub/control"
)

// linuxBackend bundles the plain-Linux backend with its default root.
type linuxBackend struct {
	root    string
	backend control.Backend
	close   func() error
}

func newLinuxBackend(root string, log io.Writer) (*linuxBackend, error) {
	return nil, fmt.Errorf("linux backend: not wired yet")
}

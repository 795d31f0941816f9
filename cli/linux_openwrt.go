//go:build openwrt

package cli

import (
	"io"

	"github.com/wghub/wghub/backend"
	"github.com/wghub/wghub/errkind"
)

// linuxBackend is absent from router builds (-tags openwrt): a router
// runs the OpenWrt backend, and go-iptables and the plain-Linux system
// layer would only cost flash.
type linuxBackend struct {
	root    string
	backend backend.Backend
	close   func() error
}

func newLinuxBackend(string, io.Writer) (*linuxBackend, error) {
	return nil, errkind.New(errkind.Unsupported, "this wghub is built for OpenWrt routers; the plain-Linux backend is not in it")
}

// Package rpcd implements wghub's rpcd exec plugin: "list" prints the
// methods, "call METHOD" reads JSON arguments on stdin and prints one JSON
// object, as rpcd expects of /usr/libexec/rpcd/ executables.
package rpcd

import (
	"context"
	"errors"
	"io"

	"github.com/wghub/wghub/control"
)

// Run serves one rpcd invocation. open builds the manager on demand.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, open func() (*control.Manager, error)) error {
	return errors.New("rpcd: not implemented yet")
}

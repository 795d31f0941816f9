package cli

import (
	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/rpcd"
)

// rpcd serves the rpcd exec plugin protocol. The manager is opened only for
// "call": rpcd runs "list" at every start, and it must stay cheap.
func (e *env) rpcd(cmd string, args []string) error {
	return rpcd.Run(e.ctx, append([]string{cmd}, args...), e.stdin, e.stdout, func() (*control.Manager, error) {
		if err := e.open(); err != nil {
			return nil, err
		}
		e.mgr.Log = nil // stderr is discarded by rpcd; messages would only cost time
		return e.mgr, nil
	})
}

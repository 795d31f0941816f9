// Command wghub turns an OpenWrt gateway (or a plain Linux host) into a
// WireGuard hub-and-spoke VPN server. All logic lives in package cli.
package main

import (
	"context"
	"os"

	"github.com/wghub/wghub/cli"
)

func main() {
	ctx := newInterrupt(context.Background())
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	ctx.Stop()
	os.Exit(code)
}

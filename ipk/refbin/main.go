//go:build refbin

// Command refbin is the size reference for `scripts/ipk.sh bench`: it links
// wghub's dependencies (wgctrl, wgtypes, netlink, go-iptables) and nothing
// of wghub, using one symbol of each so the linker keeps them, so the
// ratio wghub/refbin shows what wghub's own code adds. The build tag keeps
// it out of `go build ./...` and `go vet ./...`.
package main

import (
	"fmt"
	"os"

	"github.com/coreos/go-iptables/iptables"
	"github.com/vishvananda/netlink"
	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

func main() {
	if c, err := wgctrl.New(); err == nil {
		d, _ := c.Devices()
		fmt.Println(len(d))
	}
	k, _ := wgtypes.GeneratePrivateKey()
	fmt.Println(k.PublicKey())
	l, _ := netlink.LinkList()
	fmt.Println(len(l))
	if ipt, err := iptables.New(); err == nil {
		ok, _ := ipt.ChainExists("filter", "FORWARD")
		fmt.Println(ok)
	}
	fmt.Println(len(os.Args))
}

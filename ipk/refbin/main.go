//go:build refbin

// Command refbin is the size reference for `make bench`: a program that
// links wghub's three dependencies (wgctrl, netlink, go-iptables) and
// nothing of wghub, so the ratio shows what wghub itself adds.
package main

import (
	"fmt"
	"os"

	"github.com/coreos/go-iptables/iptables"
	"github.com/vishvananda/netlink"
	"golang.zx2c4.com/wireguard/wgctrl"
)

func main() {
	c, err := wgctrl.New()
	if err == nil {
		d, _ := c.Devices()
		fmt.Println(len(d))
	}
	l, _ := netlink.LinkList()
	ipt, _ := iptables.New()
	if ipt != nil {
		ok, _ := ipt.ChainExists("filter", "FORWARD")
		fmt.Println(ok)
	}
	fmt.Println(len(l), len(os.Args))
}

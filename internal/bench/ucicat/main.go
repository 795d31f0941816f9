// Command ucicat loads one UCI config with package uci (under its read
// lock, as libuci does) and writes it to stdout: make bench's Go side of
// "parse and serialize", against libuci's `uci export` of the same file.
package main

import (
	"fmt"
	"os"

	"github.com/wghub/wghub/uci"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: ucicat DIR CONFIG")
		os.Exit(2)
	}
	c, err := (&uci.Tree{Dir: os.Args[1]}).Load(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ucicat:", err)
		os.Exit(1)
	}
	if _, err := os.Stdout.Write(c.Bytes()); err != nil {
		os.Exit(1)
	}
}

//go:build hellobin

// Command hellobin is the cold-start reference for `scripts/ipk.sh bench`:
// a Go hello world, built with the router build's flags, so the ratio
// wghub/hellobin shows what wghub's start adds to the Go runtime's own.
// The build tag keeps it out of `go build ./...` and `go vet ./...`.
package main

import "fmt"

func main() { fmt.Println("hello, world") }

// Command hello is the floor of make bench's cold-start figure: the
// smallest Go program that prints, built with the router build's flags.
package main

import "fmt"

func main() { fmt.Println("hello, world") }

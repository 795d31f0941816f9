package main

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// inNetns runs fn on a thread moved into the named network namespace (ip
// netns), so that the processes fn starts run there without `ip netns
// exec`, whose own start-up would be timed with them. The thread is never
// handed back to the runtime: it ends with the goroutine.
func inNetns(name string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + name)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- fn()
	}()
	return <-errc
}

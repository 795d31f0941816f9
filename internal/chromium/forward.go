package chromium

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
)

// Forward listens on a loopback port of the test's network namespace and
// joins each connection to one made by dial, e.g. a connection made inside
// another network namespace. It lets a browser running here reach a
// server that is only reachable in there, with no traffic leaving
// loopback and the namespaces. It returns the listening address
// ("127.0.0.1:PORT"); the listener closes when the test ends.
func Forward(t testing.TB, dial func(ctx context.Context) (net.Conn, error)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("chromium: forward: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				up, err := dial(ctx)
				if err != nil {
					t.Logf("chromium: forward: %v", err)
					return
				}
				defer up.Close()
				// Closing both ends when either direction ends, or when the
				// test ends, releases the other copy.
				stop := context.AfterFunc(ctx, func() { c.Close(); up.Close() })
				defer stop()
				done := make(chan struct{}, 2)
				go func() { io.Copy(up, c); done <- struct{}{} }()
				go func() { io.Copy(c, up); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	return ln.Addr().String()
}

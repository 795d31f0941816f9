package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Once asked for Done, SIGINT cancels the context instead of ending the
// process.
func TestInterruptCancels(t *testing.T) {
	ctx := newInterrupt(context.Background())
	defer ctx.Stop()
	done := ctx.Done()
	if err := ctx.Err(); err != nil {
		t.Fatalf("Err before a signal: %v", err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(time.Minute): // a bound against hanging, not a timing check
		t.Fatal("SIGINT did not cancel the context")
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", ctx.Err())
	}
	// A context derived from it (as exec.CommandContext's watcher and
	// control use it) is cancelled too.
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	if child.Err() == nil {
		t.Error("a derived context is not cancelled")
	}
}

// Until asked, nothing listens: a signal ends the process as it ends one
// that never called signal.Notify. (Run in a child process of the test.)
func TestInterruptListensOnlyWhenAsked(t *testing.T) {
	if os.Getenv("WGHUB_INTERRUPT_CHILD") == "1" {
		ctx := newInterrupt(context.Background())
		_, _ = ctx.Deadline() // the parent's; does not listen
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		time.Sleep(time.Minute) // the signal ends the process before this does
		ctx.Stop()
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptListensOnlyWhenAsked$")
	cmd.Env = append(os.Environ(), "WGHUB_INTERRUPT_CHILD=1")
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child: %v, want it ended by SIGINT", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("child ended with %v, want killed by SIGINT", ee)
	}
}

package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interrupt is a context that SIGINT or SIGTERM cancels, as
// signal.NotifyContext's is, except that it starts listening only when
// first asked (Done, Err or Value): when an operation waits on it or hands
// it to a child process. Listening costs a goroutine and threads, which
// under emulation or on a slow router are a large part of a short
// command's start (`wghub version`, rpcd's `wghub list`); those never ask.
// Until then a signal ends the process, which is safe: a change a kill
// interrupts is finished by the next run.
type interrupt struct {
	context.Context // the parent, for Deadline

	once sync.Once
	ctx  context.Context
	stop context.CancelFunc
}

func newInterrupt(parent context.Context) *interrupt { return &interrupt{Context: parent} }

func (c *interrupt) listen() context.Context {
	c.once.Do(func() { c.ctx, c.stop = signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM) })
	return c.ctx
}

func (c *interrupt) Done() <-chan struct{} { return c.listen().Done() }
func (c *interrupt) Err() error            { return c.listen().Err() }
func (c *interrupt) Value(key any) any     { return c.listen().Value(key) }

// Stop stops listening, if it started.
func (c *interrupt) Stop() {
	// A context nobody listened on stays the parent's, for callers after
	// Stop.
	c.once.Do(func() { c.ctx = c.Context })
	if c.stop != nil {
		c.stop()
	}
}

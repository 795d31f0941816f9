// Package chromium drives a headless Chromium through the DevTools protocol
// (chromedp) for tests of wghub's LuCI page: one browser per test, started
// with flags that work on a build machine without a desktop, with every
// console message, page exception and failed resource load collected, and
// downloads saved to a directory of the test's.
//
// It knows nothing of LuCI or wghub; the tests in netns-tests do.
package chromium

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Message is one entry of the browser's console.
type Message struct {
	// Source is "console" (console.log and friends), "exception" (an
	// uncaught exception or rejection) or "log" (the browser's own entries,
	// e.g. a resource that failed to load).
	Source string
	// Level is "error", "warning", "info", "debug" or "log".
	Level string
	Text  string
	// URL is where it came from; empty if the browser did not say.
	URL string
}

func (m Message) String() string {
	s := fmt.Sprintf("%s %s: %s", m.Source, m.Level, m.Text)
	if m.URL != "" {
		s += " (" + m.URL + ")"
	}
	return s
}

// Browser is a running headless Chromium with one tab.
type Browser struct {
	// Ctx runs actions in the tab: chromedp.Run(b.Ctx, ...).
	Ctx context.Context
	// Downloads is the directory downloads are saved to, under their
	// suggested names.
	Downloads string

	mu       sync.Mutex
	messages []Message
	done     map[string]string // download GUID -> saved path
	names    map[string]string // download GUID -> suggested name
	pending  map[network.RequestID]string
}

// ErrNoChromium is returned by Path when no Chromium binary is found.
var ErrNoChromium = errors.New("chromium: no chromium binary (set CHROMIUM or install the chromium package)")

// Path returns the Chromium binary: $CHROMIUM, else chromium or
// chromium-browser on PATH.
func Path() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Start starts a browser for the test and stops it at the test's end. It
// skips the test when there is no Chromium, except in CI (CI=true), where
// it fails.
func Start(t testing.TB) *Browser {
	t.Helper()
	path, err := Path()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}

	b := &Browser{
		Downloads: t.TempDir(),
		done:      map[string]string{},
		names:     map[string]string{},
		pending:   map[network.RequestID]string{},
	}
	// The flags a headless Chromium needs as root in a container, without
	// network services of its own (no QUIC, sync, component updates).
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1200),
		// chromedp asks the kernel to kill Chromium when the thread that
		// started it exits (Pdeathsig). Go ends threads that a goroutine
		// left locked, as namespace-switching code does, so Chromium would
		// die at random; it is stopped by the test's cleanup instead.
		chromedp.ModifyCmdFunc(noDeathSignal),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		// Closes the browser and waits for it, so that its profile
		// directory can be removed.
		chromedp.Cancel(ctx)
		cancel()
		acancel()
	})

	// Download events come on the tab's session, where the download
	// behaviour is set.
	chromedp.ListenTarget(ctx, b.onEvent)

	err = chromedp.Run(ctx,
		runtime.Enable(),
		log.Enable(),
		network.Enable(),
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).
			WithDownloadPath(b.Downloads).WithEventsEnabled(true),
	)
	if err != nil {
		t.Fatalf("chromium: start %s: %v", path, err)
	}
	b.Ctx = ctx
	return b
}

func (b *Browser) add(m Message) {
	b.mu.Lock()
	b.messages = append(b.messages, m)
	b.mu.Unlock()
}

func (b *Browser) onEvent(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			switch {
			case a.Value != nil:
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			case a.Description != "":
				parts = append(parts, a.Description)
			default:
				parts = append(parts, string(a.Type))
			}
		}
		level := string(ev.Type)
		if level == "warning" || level == "warn" {
			level = "warning"
		}
		b.add(Message{Source: "console", Level: level, Text: strings.Join(parts, " ")})
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		b.add(Message{Source: "exception", Level: "error", Text: text, URL: d.URL})
	case *log.EventEntryAdded:
		e := ev.Entry
		b.add(Message{Source: "log", Level: string(e.Level), Text: e.Text, URL: e.URL})
	case *network.EventRequestWillBeSent:
		b.mu.Lock()
		b.pending[ev.RequestID] = ev.Request.Method + " " + ev.Request.URL
		b.mu.Unlock()
	case *network.EventLoadingFinished:
		b.mu.Lock()
		delete(b.pending, ev.RequestID)
		b.mu.Unlock()
	case *network.EventLoadingFailed:
		b.mu.Lock()
		delete(b.pending, ev.RequestID)
		b.mu.Unlock()
	case *browser.EventDownloadWillBegin:
		b.mu.Lock()
		b.names[ev.GUID] = ev.SuggestedFilename
		b.mu.Unlock()
	case *browser.EventDownloadProgress:
		if ev.State == browser.DownloadProgressStateCompleted {
			b.mu.Lock()
			b.done[ev.GUID] = ev.FilePath
			b.mu.Unlock()
		}
	}
}

// Messages returns the console entries so far.
func (b *Browser) Messages() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Message(nil), b.messages...)
}

// Pending returns the requests that have neither finished nor failed
// (method and URL), to tell what a page that hangs waits for.
func (b *Browser) Pending() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, r := range b.pending {
		out = append(out, r)
	}
	return out
}

// Clear forgets the console entries so far.
func (b *Browser) Clear() {
	b.mu.Lock()
	b.messages = nil
	b.mu.Unlock()
}

// Errors returns the console entries of level error, and every exception.
func (b *Browser) Errors() []Message {
	var out []Message
	for _, m := range b.Messages() {
		if m.Level == "error" || m.Source == "exception" {
			out = append(out, m)
		}
	}
	return out
}

// Download waits until a download suggested as name has completed and
// returns its content.
func (b *Browser) Download(name string, timeout time.Duration) ([]byte, error) {
	deadline := time.Now().Add(timeout)
	for {
		b.mu.Lock()
		path := ""
		for guid, p := range b.done {
			if b.names[guid] == name {
				path = p
				if path == "" {
					path = filepath.Join(b.Downloads, name)
				}
			}
		}
		b.mu.Unlock()
		if path != "" {
			return os.ReadFile(path)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("chromium: no completed download %q within %v", name, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

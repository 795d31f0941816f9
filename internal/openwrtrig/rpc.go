//go:build linux

package openwrtrig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// AnonymousSession is rpcd's session id before login.
const AnonymousSession = "00000000000000000000000000000000"

// URL is LuCI's and ubus's base URL inside the router's network
// namespace (uhttpd listens on all addresses, port 80). HTTPClient reaches
// it from the test process; a browser started with NetCommand (or inside
// LAN, at http://192.168.1.1/) reaches it too.
func (g *Gateway) URL() string { return "http://127.0.0.1/" }

// dial connects from inside the router's network namespace: the socket
// is created there and keeps working after the thread leaves.
func (g *Gateway) dial(network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, err}
			return
		}
		defer orig.Close()
		f, err := os.Open("/var/run/netns/" + g.GW)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("openwrtrig: entering %s: %w", g.GW, err)}
			return
		}
		c, err := net.DialTimeout(network, addr, 10*time.Second)
		// Back to the original namespace before the thread is reused;
		// if that fails the thread stays locked and the runtime
		// discards it when this goroutine ends.
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// HTTPClient is an HTTP client whose connections are made inside the
// router's network namespace (use it with URL).
func (g *Gateway) HTTPClient() *http.Client {
	return &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
				return g.dial(network, addr)
			},
			DisableKeepAlives: true,
		},
	}
}

// RPCError is a JSON-RPC error from uhttpd's /ubus: -32002 is "Access
// denied" (the session's ACL does not grant the call), -32000 "Object not
// found", -32601 "Method not found", -32602 "Invalid params".
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("ubus JSON-RPC error %d: %s", e.Code, e.Message)
}

// AccessDenied is the JSON-RPC error code of a call the session's ACL
// does not grant.
const AccessDenied = -32002

// UbusStatusError is a call that reached the ubus object and returned a
// non-zero ubus status (e.g. 2 INVALID_ARGUMENT, 4 NOT_FOUND, 6
// PERMISSION_DENIED, 7 TIMEOUT).
type UbusStatusError struct{ Status int }

func (e *UbusStatusError) Error() string { return fmt.Sprintf("ubus status %d", e.Status) }

// RPC calls object.method with args through uhttpd's /ubus, as LuCI does,
// in session sid. It returns the call's reply object (nil when the object
// replied nothing), an *RPCError for a JSON-RPC error, an
// *UbusStatusError for a non-zero status.
func (g *Gateway) RPC(sid, object, method string, args any) (json.RawMessage, error) {
	if args == nil {
		args = map[string]any{}
	}
	req, err := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": 1, "method": "call",
		"params": []any{sid, object, method, args},
	})
	if err != nil {
		return nil, err
	}
	resp, err := g.HTTPClient().Post(g.URL()+"ubus", "application/json", bytes.NewReader(req))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r struct {
		Result []json.RawMessage `json:"result"`
		Error  *RPCError         `json:"error"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("openwrtrig: /ubus answered %s: %q: %w", resp.Status, body, err)
	}
	if r.Error != nil {
		return nil, r.Error
	}
	if len(r.Result) == 0 {
		return nil, fmt.Errorf("openwrtrig: /ubus answered no result: %q", body)
	}
	var status int
	if err := json.Unmarshal(r.Result[0], &status); err != nil {
		return nil, fmt.Errorf("openwrtrig: /ubus status %q: %w", r.Result[0], err)
	}
	if status != 0 {
		return nil, &UbusStatusError{Status: status}
	}
	if len(r.Result) < 2 {
		return nil, nil
	}
	return r.Result[1], nil
}

// Login opens an rpcd session for user through /ubus (session.login, as
// LuCI's login does) and returns its id.
func (g *Gateway) Login(user, password string) (string, error) {
	res, err := g.RPC(AnonymousSession, "session", "login", map[string]any{"username": user, "password": password})
	if err != nil {
		return "", fmt.Errorf("openwrtrig: login %s: %w", user, err)
	}
	var s struct {
		Session string `json:"ubus_rpc_session"`
	}
	if err := json.Unmarshal(res, &s); err != nil || s.Session == "" {
		return "", fmt.Errorf("openwrtrig: login %s: no session in %s", user, res)
	}
	return s.Session, nil
}

// UbusCall calls path.method with args through the ubus CLI in the router
// (as root: no ACL) and decodes the reply into out, if not nil.
func (g *Gateway) UbusCall(path, method string, args, out any) error {
	argv := []string{"ubus", "call", path, method}
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			return err
		}
		argv = append(argv, string(b))
	}
	res, err := g.Exec(argv...)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal([]byte(res), out); err != nil {
		return fmt.Errorf("openwrtrig: ubus call %s %s: %q: %w", path, method, res, err)
	}
	return nil
}

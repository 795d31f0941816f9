package rpcd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"reflect"
	"sort"
	"strings"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/jsonval"
	"github.com/wghub/wghub/qr"
	"github.com/wghub/wghub/request"
)

// MaxInput bounds the arguments a call reads from stdin. ubus arguments are
// small, and rpcd writes them into a pipe once, so anything near this size
// did not come from rpcd.
const MaxInput = request.MaxJSON

// QRScale is the size in SVG units of one module of peer_config's QR code.
const QRScale = 4

// Status names for the "code" of an error reply: the ubus status a native
// ubus object would have answered with.
const (
	CodeInvalidArgument  = "INVALID_ARGUMENT"
	CodeNotFound         = "NOT_FOUND"
	CodeMethodNotFound   = "METHOD_NOT_FOUND"
	CodeUnknownError     = "UNKNOWN_ERROR"
	CodePermissionDenied = "PERMISSION_DENIED"
	CodeNotSupported     = "NOT_SUPPORTED"
)

// A method is one ubus method of the object "wghub".
type method struct {
	name  string
	write bool         // in the ACL's write group: changes the hub or reveals a key
	args  reflect.Type // the request struct; its json fields make list's example
	// run calls the handler, typed by def (each of def's instances is
	// code and a long name in the router binary: only run is one).
	run func(ctx context.Context, m *control.Manager, args any) (any, error)
}

// def builds a method whose handler takes a pointer (A) to its request
// struct, the same struct the command line fills from flags. Pointers all
// share one shape, so def is compiled once, not once per method.
func def[A any](run func(context.Context, *control.Manager, A) (any, error)) method {
	return method{args: reflect.TypeFor[A]().Elem(),
		run: func(ctx context.Context, m *control.Manager, a any) (any, error) { return run(ctx, m, a.(A)) }}
}

// An entry is one line of the method table: the method's name, its ACL
// group and how to build it. The table is data the linker lays out, so
// starting the program builds none of it; "call" builds the one method it
// runs, "list" all of them.
type entry struct {
	name  string
	write bool
	build func() method
}

func (e entry) method() method {
	m := e.build()
	m.name, m.write = e.name, e.write
	return m
}

// methods is the one table that "list" prints and "call" dispatches on.
var methods = []entry{
	{"status", false, func() method { return def(status) }},
	{"peers", false, func() method { return def(peers) }},
	{"settings", false, func() method { return def(settings) }},
	{"doctor", false, func() method { return def(doctor) }},
	{"peer_add", true, func() method { return def(peerAdd) }},
	{"peer_remove", true, func() method { return def(peerRemove) }},
	{"peer_set", true, func() method { return def(peerSet) }},
	{"peer_config", true, func() method { return def(peerConfig) }},
	{"setup", true, func() method { return def(setup) }},
	{"settings_set", true, func() method { return def(settingsSet) }},
}

func lookup(name string) (method, bool) {
	for _, e := range methods {
		if e.name == name {
			return e.method(), true
		}
	}
	return method{}, false
}

// Methods returns the method names of the read and the write group, sorted;
// the ACL file must grant exactly these.
func Methods() (read, write []string) {
	for _, e := range methods {
		if e.write {
			write = append(write, e.name)
		} else {
			read = append(read, e.name)
		}
	}
	sort.Strings(read)
	sort.Strings(write)
	return read, write
}

// List returns what "wghub list" prints: each method mapped to example
// arguments whose JSON types are the types rpcd registers.
func List() map[string]map[string]any {
	out := make(map[string]map[string]any, len(methods))
	for _, e := range methods {
		m := e.method()
		out[m.name] = request.Example(m.args)
	}
	return out
}

// codeOf is the reply code for an error kind: the ubus status a native
// object would answer with. ubus has no status for a conflict;
// UNKNOWN_ERROR stands for it, and the reply's "kind" tells it apart. (A
// switch, not a map: a map is built at every start of the program.)
func codeOf(k errkind.Kind) string {
	switch k {
	case errkind.Invalid:
		return CodeInvalidArgument
	case errkind.NotFound, errkind.NotSetUp:
		return CodeNotFound
	case errkind.Permission:
		return CodePermissionDenied
	case errkind.Unsupported:
		return CodeNotSupported
	}
	return CodeUnknownError // Internal, Conflict
}

// Code is the reply code for err.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return codeOf(errkind.Of(err))
}

// Error is a failure of the plugin protocol itself (an unknown method, a
// panic) with the status it stands for.
type Error struct {
	Code string
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Run serves one rpcd invocation: args is ["list"] or ["call", METHOD].
// open builds the manager; it runs only for a call whose arguments are
// valid, since rpcd runs "list" at every start and it must stay cheap. A
// failed call is an error reply on stdout and a nil return (rpcd ignores the
// exit status); Run returns an error only for a wrong command line or when
// stdout cannot be written.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, open func() (*control.Manager, error)) error {
	switch {
	case len(args) == 1 && args[0] == "list":
		return writeJSON(stdout, List())
	case len(args) == 2 && args[0] == "call":
		return writeJSON(stdout, call(ctx, args[1], stdin, open))
	}
	return errors.New("rpcd: usage: wghub list | wghub call METHOD")
}

// call runs one method and returns its reply or an error reply; it never
// panics.
func call(ctx context.Context, name string, stdin io.Reader, open func() (*control.Manager, error)) (reply any) {
	defer func() {
		if r := recover(); r != nil {
			reply = errorReply(&Error{CodeUnknownError, fmt.Errorf("internal error in %s: %v", name, r)})
		}
	}()
	m, ok := lookup(name)
	if !ok {
		return errorReply(&Error{CodeMethodNotFound, fmt.Errorf("unknown method %q", name)})
	}
	args, err := readArgs(stdin, m.args)
	if err != nil {
		return errorReply(err)
	}
	if err := args.(request.Checker).Check(); err != nil {
		return errorReply(err)
	}
	mgr, err := open()
	if err != nil {
		return errorReply(err)
	}
	out, err := m.run(ctx, mgr, args)
	if err != nil {
		return errorReply(err)
	}
	if m.write && m.name != "peer_config" {
		return withOutcome(out, &mgr.Outcome)
	}
	return out
}

// withOutcome adds to a write method's reply whether the change was saved
// and applied: "saved", "applied", and "warning" (saved, not applied: why)
// or "note" (not applied because the interface is down), so that LuCI can
// tell a warning from a failure.
func withOutcome(reply any, o *control.Outcome) any {
	return outcomeBy(reply, o, jsonval.Marshal, jsonval.Unmarshal)
}

// outcomeBy is withOutcome through a JSON package's functions (the tests
// hold jsonval's to encoding/json's).
func outcomeBy(reply any, o *control.Outcome, marshal func(any) ([]byte, error), unmarshal func([]byte, any) error) any {
	b, err := marshal(reply)
	var m map[string]any
	if err != nil || unmarshal(b, &m) != nil || m == nil {
		m = map[string]any{}
	}
	m["saved"], m["applied"] = o.Saved, o.Applied
	for k, v := range map[string]string{"warning": o.Warning, "note": o.Note, "recovered": o.Recovered} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// readArgs reads at most MaxInput bytes and decodes them into a new value
// of the request struct type t.
func readArgs(stdin io.Reader, t reflect.Type) (any, error) {
	data, err := io.ReadAll(io.LimitReader(stdin, MaxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading arguments: %w", err)
	}
	v := reflect.New(t).Interface()
	if err := request.DecodeJSON(data, v); err != nil {
		return nil, err
	}
	return v, nil
}

// SessionField is the argument uhttpd adds to every call; see request.
const SessionField = request.SessionField

// errorReply is the reply for a failed call: the message, the code, the
// error's kind and, for invalid input, the argument at fault.
func errorReply(err error) map[string]string {
	r := map[string]string{"error": err.Error(), "code": Code(err), "kind": errkind.Of(err).String()}
	if f := errkind.FieldOf(err); f != "" {
		r["field"] = f
	}
	return r
}

// streamer is a reply that writes itself, as encoding/json would write it
// (see control.StatusReply).
type streamer interface {
	WriteJSON(w io.Writer, indent bool) error
}

func writeJSON(w io.Writer, v any) error {
	if s, ok := v.(streamer); ok {
		return s.WriteJSON(w, false)
	}
	b, err := jsonval.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Handlers. Each takes the request struct the command line uses too, and
// only shapes the reply.

func status(ctx context.Context, m *control.Manager, _ *request.None) (any, error) {
	return m.ReadStatus()
}

func peers(ctx context.Context, m *control.Manager, _ *request.None) (any, error) {
	ps, err := m.Peers()
	if err != nil {
		return nil, err
	}
	return map[string]any{"peers": ps}, nil
}

func doctor(ctx context.Context, m *control.Manager, _ *request.None) (any, error) {
	checks, err := m.Doctor(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{"checks": checks}, nil
}

// settingsReply is the reply of settings and settings_set.
type settingsReply struct {
	Interface  string   `json:"interface"`
	ListenPort int      `json:"listen_port"`
	Endpoint   string   `json:"endpoint"`
	Subnets    []string `json:"subnets"`
	DNS        []string `json:"dns"`
	LAN        []string `json:"lan"`
	Keepalive  int      `json:"keepalive"`
	FullTunnel bool     `json:"full_tunnel"`
	Access     []string `json:"access"` // every device's default access; [] is none
}

// SettingsOf is the reply of settings for h.
func SettingsOf(h *hub.Hub) any { return settingsOf(h) }

func settingsOf(h *hub.Hub) settingsReply {
	s := h.Settings
	return settingsReply{
		Interface:  s.Interface,
		ListenPort: s.Port(),
		Endpoint:   s.Endpoint,
		Subnets:    strs(s.Subnets),
		DNS:        append([]string{}, s.DNS...),
		LAN:        strs(s.LAN),
		Keepalive:  s.Keepalive,
		FullTunnel: s.Access.Internet,
		Access:     append([]string{}, s.Access.Items()...),
	}
}

func strs(ps []netip.Prefix) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func settings(ctx context.Context, m *control.Manager, _ *request.None) (any, error) {
	h, _, err := m.Load()
	if err != nil {
		return nil, err
	}
	return settingsOf(h), nil
}

func settingsSet(ctx context.Context, m *control.Manager, a *request.SettingsSet) (any, error) {
	h, err := a.Do(ctx, m)
	if err != nil {
		return nil, err
	}
	return settingsOf(h), nil
}

func peerAdd(ctx context.Context, m *control.Manager, a *request.PeerAdd) (any, error) {
	p, err := a.Do(ctx, m)
	if err != nil {
		return nil, err
	}
	return map[string]any{"peer": p.Info}, nil
}

func peerRemove(ctx context.Context, m *control.Manager, a *request.PeerName) (any, error) {
	if err := a.Remove(ctx, m); err != nil {
		return nil, err
	}
	return map[string]string{"removed": a.Name}, nil
}

func peerSet(ctx context.Context, m *control.Manager, a *request.PeerSet) (any, error) {
	p, err := a.Do(ctx, m)
	if err != nil {
		return nil, err
	}
	return map[string]any{"peer": p.Info}, nil
}

// peerConfig returns the client config and its QR code. Without a stored
// private key the config has a placeholder for it, and "warning" says so.
func peerConfig(ctx context.Context, m *control.Manager, a *request.PeerName) (any, error) {
	conf, err := a.Config(m)
	var warnings []string
	if request.IsNoPrivateKey(err) && conf != nil {
		warnings, err = append(warnings, err.Error()), nil
	}
	if err != nil {
		return nil, err
	}
	reply := map[string]any{"name": a.Name, "config": string(conf), "qr_svg": ""}
	if code, err := qr.Encode(conf, qr.M); err != nil {
		warnings = append(warnings, fmt.Sprintf("no QR code: %v", err))
	} else {
		reply["qr_svg"] = string(code.SVG(QRScale))
	}
	if len(warnings) > 0 {
		reply["warning"] = strings.Join(warnings, "; ")
	}
	return reply, nil
}

func setup(ctx context.Context, m *control.Manager, a *request.Setup) (any, error) {
	res, err := a.Do(ctx, m)
	if err != nil {
		return nil, err
	}
	return map[string]any{"changed": res.Changed, "created": res.Created,
		"public_key": res.Hub.PrivateKey.PublicKey().String()}, nil
}

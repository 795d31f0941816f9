package rpcd

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/wghub/wghub/qr"
	"github.com/wghub/wghub/wgquick"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// MaxInput bounds the arguments a call reads from stdin. ubus arguments are
// small, and rpcd writes them into a pipe once, so anything near this size
// did not come from rpcd.
const MaxInput = 64 << 10

// QRScale is the size in SVG units of one module of peer_config's QR code.
const QRScale = 4

// Status names for the "code" of an error reply: the ubus status a native
// ubus object would have answered with.
const (
	CodeInvalidArgument = "INVALID_ARGUMENT"
	CodeNotFound        = "NOT_FOUND"
	CodeMethodNotFound  = "METHOD_NOT_FOUND"
	CodeUnknownError    = "UNKNOWN_ERROR"
)

// A method is one ubus method of the object "wghub".
type method struct {
	name  string
	write bool         // in the ACL's write group: changes the hub or reveals a key
	args  reflect.Type // the argument struct; its json fields make list's example
	run   func(ctx context.Context, m *control.Manager, args any) (any, error)
}

// def builds a method whose handler takes its decoded argument struct A.
func def[A any](name string, write bool, run func(context.Context, *control.Manager, *A) (any, error)) method {
	return method{name: name, write: write, args: reflect.TypeFor[A](),
		run: func(ctx context.Context, m *control.Manager, a any) (any, error) { return run(ctx, m, a.(*A)) }}
}

// methods is the one table that "list" prints and "call" dispatches on.
var methods = []method{
	def("status", false, status),
	def("peers", false, peers),
	def("settings", false, settings),
	def("doctor", false, doctor),
	def("peer_add", true, peerAdd),
	def("peer_remove", true, peerRemove),
	def("peer_set", true, peerSet),
	def("peer_config", true, peerConfig),
	def("setup", true, setup),
	def("settings_set", true, settingsSet),
}

func lookup(name string) (method, bool) {
	for _, m := range methods {
		if m.name == name {
			return m, true
		}
	}
	return method{}, false
}

// Methods returns the method names of the read and the write group, sorted;
// the ACL file must grant exactly these.
func Methods() (read, write []string) {
	for _, m := range methods {
		if m.write {
			write = append(write, m.name)
		} else {
			read = append(read, m.name)
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
	for _, m := range methods {
		out[m.name] = example(m.args)
	}
	return out
}

// example maps each json field of the struct type t to a value of the type
// rpcd should infer: "" (string), false (boolean), 32 (int32: 8, 16 and 64
// would select other widths) or [] (array).
func example(t reflect.Type) map[string]any {
	ex := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String:
			ex[name] = ""
		case reflect.Bool:
			ex[name] = false
		case reflect.Int:
			ex[name] = 32
		case reflect.Slice:
			ex[name] = []any{}
		default:
			panic(fmt.Sprintf("rpcd: argument %q has type %s, which has no rpcd example", name, ft))
		}
	}
	return ex
}

// Error is a failed call with the status it stands for: its reply is
// {"error": Err.Error(), "code": Code}. Errors of other types answer with
// NOT_FOUND (hub.ErrNotSetUp, no such peer) or UNKNOWN_ERROR.
type Error struct {
	Code string
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func invalid(format string, a ...any) error {
	return &Error{CodeInvalidArgument, fmt.Errorf("rpcd: "+format, a...)}
}

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
			reply = errorReply(&Error{CodeUnknownError, fmt.Errorf("rpcd: internal error in %s: %v", name, r)})
		}
	}()
	m, ok := lookup(name)
	if !ok {
		return errorReply(&Error{CodeMethodNotFound, fmt.Errorf("rpcd: unknown method %q", name)})
	}
	args, err := readArgs(stdin, m.args)
	if err != nil {
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
	b, err := json.Marshal(reply)
	var m map[string]any
	if err != nil || json.Unmarshal(b, &m) != nil || m == nil {
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

// readArgs reads at most MaxInput bytes and decodes one JSON object into a
// new value of the struct type t, rejecting unknown fields and wrong types.
// Empty input means no arguments (as from "wghub call status </dev/null").
func readArgs(stdin io.Reader, t reflect.Type) (any, error) {
	data, err := io.ReadAll(io.LimitReader(stdin, MaxInput+1))
	if err != nil {
		return nil, fmt.Errorf("rpcd: reading arguments: %w", err)
	}
	if len(data) > MaxInput {
		return nil, invalid("arguments are larger than %d bytes", MaxInput)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		data = []byte("{}")
	}
	if data[0] != '{' {
		return nil, invalid("arguments must be one JSON object")
	}
	data, err = dropSession(data)
	if err != nil {
		return nil, err
	}
	v := reflect.New(t).Interface()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, decodeError(err, t)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("arguments must be one JSON object, with nothing after it")
	}
	return v, nil
}

// SessionField is the argument uhttpd's /ubus handler adds to every call
// (rpcd passes it on to exec plugins): the caller's rpcd session id.
const SessionField = "ubus_rpc_session"

// dropSession removes SessionField from a top-level JSON object, so that
// calls from LuCI decode like calls from a shell. Only a string value is
// taken for a session; any other extra field stays an error.
func dropSession(data []byte) ([]byte, error) {
	if !bytes.Contains(data, []byte(SessionField)) {
		return data, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, decodeError(err, reflect.TypeOf(struct{}{}))
	}
	sid, ok := m[SessionField]
	if !ok {
		return data, nil
	}
	var s string
	if json.Unmarshal(sid, &s) != nil {
		return nil, invalid("argument %q must be a string", SessionField)
	}
	delete(m, SessionField)
	return json.Marshal(m)
}

// decodeError names the argument at fault; args is the argument struct type.
func decodeError(err error, args reflect.Type) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		want := te.Type
		if f, ok := fieldByJSON(args, te.Field); ok {
			want = f.Type // a list's element names the list, not the element
		}
		return invalid("argument %q must be %s, not %s", te.Field, typeName(want), te.Value)
	case errors.As(err, &se):
		return invalid("arguments are not valid JSON (offset %d)", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("arguments are not valid JSON (cut short)")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalid("unknown argument %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return invalid("arguments: %v", strings.TrimPrefix(err.Error(), "json: "))
}

func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// typeName says a Go argument type the way a JSON caller knows it.
func typeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int:
		return "an integer"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(typeName(t.Elem()), "a "), "an ") + "s"
	}
	return t.String()
}

func errorReply(err error) map[string]string {
	code := CodeUnknownError
	var e *Error
	switch {
	case errors.As(err, &e):
		code = e.Code
	case errors.Is(err, errkind.NotFound), errors.Is(err, errkind.NotSetUp):
		code = CodeNotFound
	case errors.Is(err, errkind.Invalid):
		code = CodeInvalidArgument
	}
	return map[string]string{"error": err.Error(), "code": code}
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Argument structs. Pointer fields are optional: nil leaves the setting as
// it is.

type noArgs struct{}

type nameArgs struct {
	Name string `json:"name"`
}

type peerAddArgs struct {
	Name       string   `json:"name"`
	PublicKey  string   `json:"public_key"` // "": the hub generates the key pair
	IP         string   `json:"ip"`         // "": the lowest free address
	PSK        bool     `json:"psk"`
	FullTunnel bool     `json:"full_tunnel"`
	LAN        []string `json:"lan"` // empty: the hub's LAN subnets
}

type peerSetArgs struct {
	Name       string    `json:"name"`
	Enabled    *bool     `json:"enabled"`
	FullTunnel *bool     `json:"full_tunnel"`
	LAN        *[]string `json:"lan"` // []: back to the hub's LAN subnets
}

type setupArgs struct {
	Endpoint   string   `json:"endpoint"` // "": keep
	Subnet     string   `json:"subnet"`   // "": keep, or the default for a new hub
	Subnet6    string   `json:"subnet6"`  // "": keep, or none
	Port       int      `json:"port"`     // 0: keep, or 51820
	LAN        []string `json:"lan"`      // empty: keep, or the router's LAN subnets
	DNS        []string `json:"dns"`      // empty: keep, or the router's LAN address
	FullTunnel *bool    `json:"full_tunnel"`
	Keepalive  *int     `json:"keepalive"`
}

type settingsSetArgs struct {
	Endpoint  *string   `json:"endpoint"`
	DNS       *[]string `json:"dns"`
	LAN       *[]string `json:"lan"`
	Keepalive *int      `json:"keepalive"`
}

// Handlers.

func status(ctx context.Context, m *control.Manager, _ *noArgs) (any, error) {
	return m.Status()
}

func peers(ctx context.Context, m *control.Manager, _ *noArgs) (any, error) {
	ps, err := m.Peers()
	if err != nil {
		return nil, err
	}
	return map[string]any{"peers": ps}, nil
}

func doctor(ctx context.Context, m *control.Manager, _ *noArgs) (any, error) {
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
}

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
		FullTunnel: s.FullTunnel,
	}
}

func strs(ps []netip.Prefix) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func settings(ctx context.Context, m *control.Manager, _ *noArgs) (any, error) {
	h, _, err := m.Load()
	if err != nil {
		return nil, err
	}
	return settingsOf(h), nil
}

func settingsSet(ctx context.Context, m *control.Manager, a *settingsSetArgs) (any, error) {
	var r control.SetupRequest
	if a.Endpoint != nil {
		if err := endpoint(*a.Endpoint); err != nil {
			return nil, err
		}
		r.Endpoint = *a.Endpoint
	}
	if a.DNS != nil {
		r.DNS = append([]string{}, *a.DNS...)
	}
	if a.LAN != nil {
		lan, err := prefixes("lan", *a.LAN)
		if err != nil {
			return nil, err
		}
		r.LAN = lan
	}
	if a.Keepalive != nil {
		if err := inRange("keepalive", *a.Keepalive, 0); err != nil {
			return nil, err
		}
		r.Keepalive = a.Keepalive
	}
	h, err := m.Settings(ctx, r)
	if err != nil {
		return nil, err
	}
	return settingsOf(h), nil
}

// endpoint checks a non-empty endpoint here, so a bad one is
// INVALID_ARGUMENT.
func endpoint(ep string) error {
	if ep == "" {
		return nil
	}
	if err := hub.ValidateEndpoint(ep); err != nil {
		return &Error{CodeInvalidArgument, err}
	}
	return nil
}

func inRange(what string, v, lo int) error {
	if v < lo || v > 65535 {
		return invalid("%s %d is out of range %d-65535", what, v, lo)
	}
	return nil
}

// prefixes parses CIDRs (host bits are cleared, as wg-quick does).
func prefixes(field string, vals []string) ([]netip.Prefix, error) {
	out := []netip.Prefix{}
	for _, v := range vals {
		p, err := wgquick.ParsePrefix(strings.TrimSpace(v))
		if err != nil {
			return nil, invalid("%s: %q is not a CIDR", field, v)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func peerAdd(ctx context.Context, m *control.Manager, a *peerAddArgs) (any, error) {
	if err := hub.ValidateName(a.Name); err != nil {
		return nil, &Error{CodeInvalidArgument, err}
	}
	r := hub.PeerRequest{Name: a.Name, PSK: a.PSK, FullTunnel: a.FullTunnel}
	if a.PublicKey != "" {
		k, err := wgtypes.ParseKey(a.PublicKey)
		if err != nil {
			// The value is not echoed: a pasted private key must not land in a log.
			return nil, invalid("public_key is not a base64 WireGuard key (%d characters)", len(a.PublicKey))
		}
		r.PublicKey = &k
	}
	if a.IP != "" {
		ip, err := netip.ParseAddr(a.IP)
		if err != nil {
			return nil, invalid("ip %q is not an IP address", a.IP)
		}
		r.IP = ip
	}
	if len(a.LAN) > 0 {
		lan, err := prefixes("lan", a.LAN)
		if err != nil {
			return nil, err
		}
		r.LAN = lan
	}
	p, err := m.PeerAdd(ctx, r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"peer": control.Info(p)}, nil
}

// Peer lookups take any non-empty name: a stored peer's name is its UCI
// description, which other tools may have edited; a name no peer has is
// NOT_FOUND.
func needName(name string) error {
	if name == "" {
		return invalid("missing argument \"name\"")
	}
	return nil
}

func peerRemove(ctx context.Context, m *control.Manager, a *nameArgs) (any, error) {
	if err := needName(a.Name); err != nil {
		return nil, err
	}
	if err := m.PeerRemove(ctx, a.Name); err != nil {
		return nil, err
	}
	return map[string]string{"removed": a.Name}, nil
}

func peerSet(ctx context.Context, m *control.Manager, a *peerSetArgs) (any, error) {
	if err := needName(a.Name); err != nil {
		return nil, err
	}
	u := hub.PeerUpdate{Enabled: a.Enabled, FullTunnel: a.FullTunnel}
	if a.LAN != nil {
		lan, err := prefixes("lan", *a.LAN)
		if err != nil {
			return nil, err
		}
		u.LAN = &lan
	}
	p, err := m.PeerUpdate(ctx, a.Name, u)
	if err != nil {
		return nil, err
	}
	return map[string]any{"peer": control.Info(p)}, nil
}

// peerConfig returns the client config and its QR code. Without a stored
// private key the config has a placeholder for it, and "warning" says so.
func peerConfig(ctx context.Context, m *control.Manager, a *nameArgs) (any, error) {
	if err := needName(a.Name); err != nil {
		return nil, err
	}
	conf, err := m.ClientConfig(a.Name)
	var warnings []string
	if errors.Is(err, hub.ErrNoPrivateKey) && conf != nil {
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

func setup(ctx context.Context, m *control.Manager, a *setupArgs) (any, error) {
	r := control.SetupRequest{Endpoint: a.Endpoint, FullTunnel: a.FullTunnel}
	if err := endpoint(a.Endpoint); err != nil {
		return nil, err
	}
	var err error
	if a.Port != 0 {
		if err := inRange("port", a.Port, 1); err != nil {
			return nil, err
		}
		r.Port = a.Port
	}
	if a.Keepalive != nil {
		if err := inRange("keepalive", *a.Keepalive, 0); err != nil {
			return nil, err
		}
		r.Keepalive = a.Keepalive
	}
	if a.Subnet != "" {
		if r.Subnet, err = netip.ParsePrefix(strings.TrimSpace(a.Subnet)); err != nil {
			return nil, invalid("subnet %q is not a CIDR", a.Subnet)
		}
	}
	if a.Subnet6 != "" {
		if r.Subnet6, err = netip.ParsePrefix(strings.TrimSpace(a.Subnet6)); err != nil {
			return nil, invalid("subnet6 %q is not a CIDR", a.Subnet6)
		}
	}
	// An empty list from a form means "keep or default", not "none".
	if len(a.LAN) > 0 {
		if r.LAN, err = prefixes("lan", a.LAN); err != nil {
			return nil, err
		}
	}
	if len(a.DNS) > 0 {
		r.DNS = a.DNS
	}
	res, err := m.Setup(ctx, r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"changed": res.Changed, "created": res.Created,
		"public_key": res.Hub.PrivateKey.PublicKey().String()}, nil
}

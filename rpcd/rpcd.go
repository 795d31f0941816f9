// Package rpcd implements wghub's rpcd exec plugin, the ubus object
// "wghub": rpcd runs "wghub list" at start to learn the methods, and
// "wghub call METHOD" with the arguments as JSON on stdin for each call.
//
// Replies are one JSON object. rpcd turns a plugin's output into the ubus
// reply and does not look at its exit code, so a failure is an object
// {"error": "...", "code": "INVALID_ARGUMENT"|"NOT_FOUND"|"UNKNOWN_ERROR"}
// that LuCI shows as a notification; callers test for "error".
//
// The read methods (status, peers, settings, doctor) never return a private
// or preshared key; peer_config does, and the ACL grants it only with write
// access.
package rpcd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/qr"
	"github.com/wghub/wghub/wgquick"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// MaxInput bounds what a call reads from stdin; ubus arguments are small.
const MaxInput = 64 << 10

type handler func(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error)

type method struct {
	example map[string]any // for "list": rpcd infers argument types from the values
	write   bool
	run     handler
}

// methods is the one table "list" and "call" both read.
var methods = map[string]method{
	"status":       {map[string]any{}, false, status},
	"peers":        {map[string]any{}, false, peers},
	"settings":     {map[string]any{}, false, settings},
	"doctor":       {map[string]any{}, false, doctor},
	"peer_add":     {map[string]any{"name": "str", "public_key": "str", "ip": "str", "psk": true, "full_tunnel": true, "lan": []string{}}, true, peerAdd},
	"peer_remove":  {map[string]any{"name": "str"}, true, peerRemove},
	"peer_set":     {map[string]any{"name": "str", "enabled": true, "full_tunnel": true, "lan": []string{}}, true, peerSet},
	"peer_config":  {map[string]any{"name": "str"}, true, peerConfig},
	"setup":        {map[string]any{"endpoint": "str", "subnet": "str", "subnet6": "str", "port": 32, "lan": []string{}, "dns": []string{}, "keepalive": 32, "full_tunnel": true}, true, setup},
	"settings_set": {map[string]any{"endpoint": "str", "dns": []string{}, "lan": []string{}, "keepalive": 32}, true, settingsSet},
}

// Methods lists the method names, sorted; the ACL test checks them.
func Methods() (read, write []string) {
	for n, m := range methods {
		if m.write {
			write = append(write, n)
		} else {
			read = append(read, n)
		}
	}
	sort.Strings(read)
	sort.Strings(write)
	return read, write
}

// callError carries a ubus-style status name with the message.
type callError struct {
	code string
	err  error
}

func (e callError) Error() string { return e.err.Error() }

func invalid(format string, a ...any) error {
	return callError{"INVALID_ARGUMENT", fmt.Errorf(format, a...)}
}

// Run serves one rpcd invocation. open builds the manager; it is called
// only for "call", since rpcd runs "list" at every start.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, open func() (*control.Manager, error)) error {
	if len(args) == 1 && args[0] == "list" {
		list := map[string]any{}
		for n, m := range methods {
			list[n] = m.example
		}
		return writeJSON(stdout, list)
	}
	if len(args) != 2 || args[0] != "call" {
		return fmt.Errorf("rpcd: usage: wghub list | wghub call METHOD")
	}
	reply := call(ctx, args[1], stdin, open)
	return writeJSON(stdout, reply)
}

func call(ctx context.Context, name string, stdin io.Reader, open func() (*control.Manager, error)) (reply any) {
	defer func() {
		if r := recover(); r != nil {
			reply = errorReply(callError{"UNKNOWN_ERROR", fmt.Errorf("internal error: %v", r)})
		}
	}()
	m, ok := methods[name]
	if !ok {
		return errorReply(callError{"METHOD_NOT_FOUND", fmt.Errorf("unknown method %q", name)})
	}
	data, err := io.ReadAll(io.LimitReader(stdin, MaxInput+1))
	if err != nil {
		return errorReply(err)
	}
	if len(data) > MaxInput {
		return errorReply(invalid("arguments larger than %d bytes", MaxInput))
	}
	if strings.TrimSpace(string(data)) == "" {
		data = []byte("{}")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return errorReply(invalid("arguments are not a JSON object: %v", err))
	}
	mgr, err := open()
	if err != nil {
		return errorReply(err)
	}
	out, err := m.run(ctx, mgr, data)
	if err != nil {
		return errorReply(err)
	}
	return out
}

func errorReply(err error) map[string]string {
	code := "UNKNOWN_ERROR"
	var ce callError
	switch {
	case errors.As(err, &ce):
		code = ce.code
	case errors.Is(err, hub.ErrNotSetUp):
		code = "NOT_FOUND"
	case strings.Contains(err.Error(), "no peer named"):
		code = "NOT_FOUND"
	}
	return map[string]string{"error": strings.TrimPrefix(err.Error(), "hub: "), "code": code}
}

// decode reads args into v, rejecting unknown fields and wrong types with
// a message that names the field.
func decode(args json.RawMessage, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(args)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid("argument %q must be a %s, not %s", te.Field, te.Type, te.Value)
		}
		return invalid("arguments: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func status(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	if err := decode(args, &struct{}{}); err != nil {
		return nil, err
	}
	return m.Status()
}

func peers(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	if err := decode(args, &struct{}{}); err != nil {
		return nil, err
	}
	ps, err := m.Peers()
	if err != nil {
		return nil, err
	}
	return map[string]any{"peers": ps}, nil
}

func doctor(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	if err := decode(args, &struct{}{}); err != nil {
		return nil, err
	}
	checks, err := m.Doctor(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{"checks": checks}, nil
}

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
	r := settingsReply{Interface: s.Interface, ListenPort: s.Port(), Endpoint: s.Endpoint, DNS: s.DNS,
		Keepalive: s.Keepalive, FullTunnel: s.FullTunnel, Subnets: []string{}, LAN: []string{}}
	for _, p := range s.Subnets {
		r.Subnets = append(r.Subnets, p.String())
	}
	for _, p := range s.LAN {
		r.LAN = append(r.LAN, p.String())
	}
	if r.DNS == nil {
		r.DNS = []string{}
	}
	return r
}

func settings(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	if err := decode(args, &struct{}{}); err != nil {
		return nil, err
	}
	h, _, err := m.Load()
	if err != nil {
		return nil, err
	}
	return settingsOf(h), nil
}

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

func settingsSet(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	var a struct {
		Endpoint  *string   `json:"endpoint"`
		DNS       *[]string `json:"dns"`
		LAN       *[]string `json:"lan"`
		Keepalive *int      `json:"keepalive"`
	}
	if err := decode(args, &a); err != nil {
		return nil, err
	}
	var r control.SetupRequest
	if a.Endpoint != nil {
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
	r.Keepalive = a.Keepalive
	h, err := m.Settings(ctx, r)
	if err != nil {
		return nil, err
	}
	return settingsOf(h), nil
}

func peerAdd(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	var a struct {
		Name       string   `json:"name"`
		PublicKey  string   `json:"public_key"`
		IP         string   `json:"ip"`
		PSK        bool     `json:"psk"`
		FullTunnel bool     `json:"full_tunnel"`
		LAN        []string `json:"lan"`
	}
	if err := decode(args, &a); err != nil {
		return nil, err
	}
	r := hub.PeerRequest{Name: a.Name, PSK: a.PSK, FullTunnel: a.FullTunnel}
	if err := hub.ValidateName(a.Name); err != nil {
		return nil, invalid("%v", strings.TrimPrefix(err.Error(), "hub: "))
	}
	if a.PublicKey != "" {
		k, err := wgtypes.ParseKey(a.PublicKey)
		if err != nil {
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

type nameArg struct {
	Name string `json:"name"`
}

func name(args json.RawMessage) (string, error) {
	var a nameArg
	if err := decode(args, &a); err != nil {
		return "", err
	}
	if a.Name == "" {
		return "", invalid("missing argument \"name\"")
	}
	return a.Name, nil
}

func peerRemove(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	n, err := name(args)
	if err != nil {
		return nil, err
	}
	if err := m.PeerRemove(ctx, n); err != nil {
		return nil, err
	}
	return map[string]string{"removed": n}, nil
}

func peerSet(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	var a struct {
		Name       string    `json:"name"`
		Enabled    *bool     `json:"enabled"`
		FullTunnel *bool     `json:"full_tunnel"`
		LAN        *[]string `json:"lan"`
	}
	if err := decode(args, &a); err != nil {
		return nil, err
	}
	if a.Name == "" {
		return nil, invalid("missing argument \"name\"")
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

func peerConfig(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	n, err := name(args)
	if err != nil {
		return nil, err
	}
	conf, err := m.ClientConfig(n)
	warning := ""
	if errors.Is(err, hub.ErrNoPrivateKey) {
		warning, err = strings.TrimPrefix(err.Error(), "hub: "), nil
	}
	if err != nil {
		return nil, err
	}
	reply := map[string]any{"name": n, "config": string(conf)}
	if warning != "" {
		reply["warning"] = warning
	}
	if code, err := qr.Encode(conf, qr.M); err == nil {
		reply["qr_svg"] = string(code.SVG(4))
	}
	return reply, nil
}

func setup(ctx context.Context, m *control.Manager, args json.RawMessage) (any, error) {
	var a struct {
		Endpoint   string   `json:"endpoint"`
		Subnet     string   `json:"subnet"`
		Subnet6    string   `json:"subnet6"`
		Port       int      `json:"port"`
		LAN        []string `json:"lan"`
		DNS        []string `json:"dns"`
		Keepalive  *int     `json:"keepalive"`
		FullTunnel *bool    `json:"full_tunnel"`
	}
	if err := decode(args, &a); err != nil {
		return nil, err
	}
	r := control.SetupRequest{Endpoint: a.Endpoint, Port: a.Port, Keepalive: a.Keepalive, FullTunnel: a.FullTunnel}
	var err error
	if a.Subnet != "" {
		if r.Subnet, err = netip.ParsePrefix(a.Subnet); err != nil {
			return nil, invalid("subnet %q is not a CIDR", a.Subnet)
		}
	}
	if a.Subnet6 != "" {
		if r.Subnet6, err = netip.ParsePrefix(a.Subnet6); err != nil {
			return nil, invalid("subnet6 %q is not a CIDR", a.Subnet6)
		}
	}
	// An empty list from a form means "the default", not "none".
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
	return map[string]any{"changed": res.Changed, "created": res.Created, "public_key": res.Hub.PrivateKey.PublicKey().String()}, nil
}

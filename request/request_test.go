package request

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wghub/wghub/errkind"
)

func ptr[T any](v T) *T { return &v }

// TestDecodeFlagsAndJSONAgree: the same arguments written as flags and as
// JSON fill the same struct.
func TestDecodeFlagsAndJSONAgree(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		json string
		new  func() any
	}{
		{"peer add", []string{"laptop", "--ip", "10.0.0.5", "--no-psk", "--full-tunnel", "--lan", "10.1.0.0/24", "--lan=10.2.0.0/24", "--route", "10.9.0.0/24"},
			`{"name":"laptop","ip":"10.0.0.5","psk":false,"full_tunnel":true,"lan":["10.1.0.0/24","10.2.0.0/24"],"routes":["10.9.0.0/24"]}`,
			func() any { return &PeerAdd{} }},
		{"flags before the name", []string{"--psk", "x"}, `{"name":"x","psk":true}`, func() any { return &PeerAdd{} }},
		{"peer set", []string{"a", "--enabled=false", "--lan", ""}, `{"name":"a","enabled":false,"lan":[]}`, func() any { return &PeerSet{} }},
		{"setup", []string{"--port", "51000", "--keepalive", "0", "--full-tunnel=false", "--dns", "1.1.1.1"},
			`{"port":51000,"keepalive":0,"full_tunnel":false,"dns":["1.1.1.1"]}`, func() any { return &Setup{} }},
		{"settings set", []string{"--endpoint", "", "--dns", ""}, `{"endpoint":"","dns":[]}`, func() any { return &SettingsSet{} }},
		{"session ignored", nil, `{"ubus_rpc_session":"0123abcd"}`, func() any { return &None{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.new(), tt.new()
			if err := DecodeFlags(tt.argv, a); err != nil {
				t.Fatalf("flags: %v", err)
			}
			if err := DecodeJSON([]byte(tt.json), b); err != nil {
				t.Fatalf("json: %v", err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("flags give %+v, JSON %+v", a, b)
			}
		})
	}
}

// TestDecodeRefusals: every refusal is errkind.Invalid naming the argument.
func TestDecodeRefusals(t *testing.T) {
	flags := []struct {
		argv  []string
		field string
	}{
		{[]string{"x", "--nope"}, "nope"},
		{[]string{"x", "--ip"}, "ip"},
		{[]string{}, "name"},
		{[]string{"x", "y"}, ""},
		{[]string{"x", "--psk=maybe"}, "psk"},
	}
	for _, tt := range flags {
		err := DecodeFlags(tt.argv, &PeerAdd{})
		if !errors.Is(err, errkind.Invalid) || errkind.FieldOf(err) != tt.field {
			t.Errorf("DecodeFlags(%q) = %v (field %q), want invalid %q", tt.argv, err, errkind.FieldOf(err), tt.field)
		}
	}
	if err := DecodeFlags([]string{"--port", "x"}, &Setup{}); errkind.FieldOf(err) != "port" {
		t.Errorf("--port x: %v", err)
	}
	if err := DecodeFlags([]string{"-h"}, &Setup{}); err != ErrHelp {
		t.Errorf("-h: %v", err)
	}
	docs := []struct {
		in    string
		field string
	}{
		{`{"name":"x","force":true}`, "force"},
		{`{"NAME":"x"}`, "NAME"}, // encoding/json alone would take it for "name"
		{`{"name":1}`, "name"},
		{`{"lan":"10.0.0.0/24"}`, "lan"},
		{`{"lan":[1]}`, "lan"},
		{`{"ubus_rpc_session":1}`, SessionField},
		{`[]`, ""},
		{`{"name":"x"} {}`, ""},
		{`{"name":`, ""},
		{`{"name":"x"` + strings.Repeat(" ", MaxJSON) + `}`, ""},
	}
	for _, tt := range docs {
		err := DecodeJSON([]byte(tt.in), &PeerAdd{})
		if !errors.Is(err, errkind.Invalid) || errkind.FieldOf(err) != tt.field {
			t.Errorf("DecodeJSON(%.40q) = %v (field %q), want invalid %q", tt.in, err, errkind.FieldOf(err), tt.field)
		}
	}
}

// TestChecks: one check per argument, the same for both interfaces; the
// PSK default is on.
func TestChecks(t *testing.T) {
	for _, tt := range []struct {
		c     Checker
		field string // "" accepted
	}{
		{&PeerAdd{Name: "ok"}, ""},
		{&PeerAdd{Name: "bad\nname"}, "name"},
		{&PeerAdd{Name: "k", PublicKey: "AAAA"}, "public_key"},
		{&PeerAdd{Name: "k", IP: "1.2.3"}, "ip"},
		{&PeerAdd{Name: "k", LAN: []string{"10.0.0.0/24,x"}}, "lan"},
		{&PeerAdd{Name: "k", Routes: []string{"10.0.0.0/33"}}, "routes"},
		{&PeerName{}, "name"},
		{&PeerSet{Name: "a", LAN: ptr([]string{"x"})}, "lan"},
		{&Setup{Port: 70000}, "port"},
		{&Setup{Port: -1}, "port"},
		{&Setup{Keepalive: ptr(-1)}, "keepalive"},
		{&Setup{Endpoint: "a b"}, "endpoint"},
		{&Setup{Subnet: "10.0.0.0"}, "subnet"},
		{&Setup{Subnet6: "fd00::/129"}, "subnet6"},
		{&SettingsSet{Endpoint: ptr("x:0")}, "endpoint"},
		{&SettingsSet{Keepalive: ptr(65536)}, "keepalive"},
	} {
		err := tt.c.Check()
		if tt.field == "" && err != nil || tt.field != "" && (!errors.Is(err, errkind.Invalid) || errkind.FieldOf(err) != tt.field) {
			t.Errorf("%+v: %v (field %q), want field %q", tt.c, err, errkind.FieldOf(err), tt.field)
		}
	}
	r, _ := (&PeerAdd{Name: "a"}).Request()
	if !r.PSK {
		t.Error("no preshared key by default")
	}
	r, _ = (&PeerAdd{Name: "a", PSK: ptr(false)}).Request()
	if r.PSK {
		t.Error("psk false ignored")
	}
	own := "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
	if r, _ = (&PeerAdd{Name: "a", PublicKey: own}).Request(); r.PSK {
		t.Error("a preshared key by default for a device with its own key")
	}
	if r, _ = (&PeerAdd{Name: "a", PublicKey: own, PSK: ptr(true)}).Request(); !r.PSK {
		t.Error("psk true ignored for a device with its own key")
	}
	r, _ = (&PeerAdd{Name: "a", LAN: []string{"10.1.0.0/24, 10.2.0.1/24"}}).Request()
	if len(r.LAN) != 2 || r.LAN[1].String() != "10.2.0.0/24" {
		t.Errorf("comma list: %v", r.LAN)
	}
}

// TestExample: list's example values have the JSON types rpcd registers,
// and CLI-only fields are left out.
func TestExample(t *testing.T) {
	got := Example(reflect.TypeFor[Import]())
	if _, ok := got["file"]; ok || len(got) != len(Example(reflect.TypeFor[Setup]())) {
		t.Errorf("import example %v", got)
	}
	ex := Example(reflect.TypeFor[PeerSet]())
	want := map[string]any{"name": "", "enabled": false, "full_tunnel": false, "lan": []any{}, "access": []any{}}
	if !reflect.DeepEqual(ex, want) {
		t.Errorf("peer_set example %v, want %v", ex, want)
	}
	if Example(reflect.TypeFor[Setup]())["port"] != 32 {
		t.Error("an int must be 32 (INT32)")
	}
}

// TestSettingsAccess: the hub's default access in settings_set: items, an
// empty value or "default" (lan), "none", and bad items refused with the
// field named.
func TestSettingsAccess(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string // the access, or the error's start
		err  bool
	}{
		{[]string{"lan", "spoke"}, "lan, spoke", false},
		{[]string{"lan, internet", "192.168.1.10 tcp/22"}, "lan, internet, 192.168.1.10 tcp/22", false},
		{[]string{}, "lan", false},
		{[]string{""}, "lan", false},
		{[]string{"Default"}, "lan", false},
		{[]string{"none"}, "none", false},
		{[]string{"default", "router"}, `access "default": not an access kind`, true},
		{[]string{"192.168.1.10 tcp/22/1"}, `access "192.168.1.10 tcp/22/1": port`, true},
	} {
		a := SettingsSet{Access: &tt.in}
		r, err := a.Request()
		if tt.err {
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || errkind.FieldOf(err) != "access" {
				t.Errorf("access %q: error %v (field %q), want one starting %q about access", tt.in, err, errkind.FieldOf(err), tt.want)
			}
			continue
		}
		if err != nil || r.Access == nil || r.Access.String() != tt.want {
			t.Errorf("access %q: %v, %v; want %s", tt.in, r.Access, err, tt.want)
		}
	}
	if r, _ := (&SettingsSet{}).Request(); r.Access != nil {
		t.Errorf("no access argument changes the access to %v", r.Access)
	}
}

package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wghub/wghub/errkind"
)

// decodeWithEncodingJSON is DecodeJSON as it was with encoding/json: the
// oracle the tests below hold DecodeJSON to, message for message.
func decodeWithEncodingJSON(data []byte, v any) error {
	if len(data) > MaxJSON {
		return errkind.Invalidf("", "arguments are larger than %d bytes", MaxJSON)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		data = []byte("{}")
	}
	if data[0] != '{' {
		return errkind.Invalidf("", "arguments must be one JSON object")
	}
	t := reflect.TypeOf(v).Elem()
	// The keys first: encoding/json reports an unknown field only as text,
	// and matches names case-insensitively.
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return decodeErrorRef(err, t)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errkind.Invalidf("", "arguments must be one JSON object, with nothing after it")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == SessionField {
			var s string
			if json.Unmarshal(m[k], &s) != nil {
				return errkind.Invalidf(SessionField, "argument %q must be a string", SessionField)
			}
			continue
		}
		if _, ok := fieldByJSON(t, k); !ok {
			return errkind.Invalidf(k, "unknown argument %q", k)
		}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return decodeErrorRef(err, t)
	}
	return nil
}

// decodeError names the argument at fault; t is the argument struct type.
func decodeErrorRef(err error, t reflect.Type) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		name, _, _ := strings.Cut(te.Field, ".") // a list's element names the list
		want := te.Type
		if f, ok := fieldByJSON(t, name); ok {
			want = f.typ
		}
		return errkind.Invalidf(name, "argument %q must be %s, not %s", name, typeName(want), te.Value)
	case errors.As(err, &te):
		return errkind.Invalidf("", "arguments must be one JSON object")
	case errors.As(err, &se):
		return errkind.Invalidf("", "arguments are not valid JSON (offset %d)", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errkind.Invalidf("", "arguments are not valid JSON (cut short)")
	}
	return errkind.New(errkind.Invalid, "arguments: %w", err)
}

// decodeInputs: accepted arguments and every kind of refusal.
var decodeInputs = []string{
	``, `  `, `{}`, `{"name":"laptop","ip":"10.0.0.5","psk":false,"full_tunnel":true,"lan":["10.1.0.0/24"],"routes":[]}`,
	`{"name":"x","public_key":null,"lan":null}`, `{"ubus_rpc_session":"0123abcd","name":"x"}`, `{"ubus_rpc_session":1}`,
	`{"ubus_rpc_session":null}`, `{"name":"x","force":true}`, `{"NAME":"x"}`, `{"name":1}`, `{"name":true}`, `{"name":[]}`,
	`{"name":{}}`, `{"lan":"10.0.0.0/24"}`, `{"lan":[1]}`, `{"lan":[{}]}`, `{"psk":"yes"}`, `{"psk":1}`, `[]`, `"x"`, `1`,
	`{"name":"x"} {}`, `{"name":"x"}}`, `{"name":"x"} x`, `{"name":`, `{"name":"x"`, `{"name":"x",`, `{"name":"x",}`, `{name:1}`,
	`{"name" "x"}`, `{"name":"x" "ip":1}`, `{"name":tru}`, `{"name":"\q"}`, "{\"name\":\"\x01\"}", `{"lan":[1,]}`, `{"lan":["a" "b"]}`,
	`{"name":"x","name":"y"}`, `{"port":1.5}`, `{"port":1e2}`, `{"port":99999999999999999999}`, `{"keepalive":"1"}`, `{"port":-1}`, `{"name":"a\u00e9\ud83d\ude00"}`, ` {"name":"x"}` + "\n",
}

func checkDecode(t *testing.T, in string, newArgs func() any) {
	t.Helper()
	got, want := newArgs(), newArgs()
	gerr := DecodeJSON([]byte(in), got)
	werr := decodeWithEncodingJSON([]byte(in), want)
	if (gerr == nil) != (werr == nil) || gerr != nil && (gerr.Error() != werr.Error() || errkind.FieldOf(gerr) != errkind.FieldOf(werr)) {
		t.Errorf("DecodeJSON(%q):\ngot  %v (field %q)\nwant %v (field %q)", in, gerr, errkind.FieldOf(gerr), werr, errkind.FieldOf(werr))
	}
	if gerr == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeJSON(%q): got %+v, want %+v", in, got, want)
	}
}

var argTypes = []func() any{
	func() any { return &PeerAdd{} }, func() any { return &PeerSet{} }, func() any { return &Setup{} },
	func() any { return &SettingsSet{} }, func() any { return &None{} },
}

// TestDecodeLikeEncodingJSON: every input is accepted or refused as it was
// with encoding/json, with the same message and field.
func TestDecodeLikeEncodingJSON(t *testing.T) {
	for _, in := range decodeInputs {
		for _, newArgs := range argTypes {
			checkDecode(t, in, newArgs)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, in := range decodeInputs {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, newArgs := range argTypes {
			checkDecode(t, in, newArgs)
		}
	})
}

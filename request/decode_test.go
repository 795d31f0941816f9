package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/wghub/wghub/errkind"
)

// decodeWithEncodingJSON is DecodeJSON through encoding/json: the oracle
// the tests below hold DecodeJSON to, message for message.
func decodeWithEncodingJSON(data []byte, v any) error {
	return decodeJSON(data, v, unmarshalOne, explainEncodingJSON)
}

var errTrailing = errors.New("data after the value")

// unmarshalOne decodes one value and refuses anything after it.
func unmarshalOne(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailing
	}
	return nil
}

func explainEncodingJSON(err error) (jsonError, bool) {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.Is(err, errTrailing):
		return jsonError{trailing: true}, true
	case errors.As(err, &te):
		return jsonError{mistyped: true, field: te.Field, value: te.Value, typ: te.Type}, true
	case errors.As(err, &se):
		return jsonError{offset: se.Offset}, true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return jsonError{cutShort: true}, true
	}
	return jsonError{}, false
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

// TestDecodeMessages: the sentences a person reads for each kind of bad
// arguments (the differential tests above share decodeError's wording).
func TestDecodeMessages(t *testing.T) {
	for _, c := range []struct{ in, field, want string }{
		{`{"name":1}`, "name", `argument "name" must be a string, not number`},
		{`{"lan":[1]}`, "lan", `argument "lan" must be a list of strings, not number`},
		{`{"name":"x"} {}`, "", "arguments must be one JSON object, with nothing after it"},
		{`{"name":`, "", "arguments are not valid JSON (cut short)"},
		{`{name:1}`, "", "arguments are not valid JSON (offset 2)"},
		{`{"nope":1}`, "nope", `unknown argument "nope"`},
		{`{"ubus_rpc_session":1}`, SessionField, `argument "ubus_rpc_session" must be a string`},
		{`[]`, "", "arguments must be one JSON object"},
	} {
		err := DecodeJSON([]byte(c.in), &PeerAdd{})
		if err == nil || err.Error() != c.want || errkind.FieldOf(err) != c.field {
			t.Errorf("DecodeJSON(%s) = %v (field %q), want %q (field %q)", c.in, err, errkind.FieldOf(err), c.want, c.field)
		}
	}
}

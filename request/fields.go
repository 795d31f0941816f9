package request

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/jsonval"
)

// Field describes one argument of an operation.
type Field struct {
	JSON  string // name over ubus; "" for CLI-only fields
	Flag  string // command-line flag name without dashes; "" for positional ones
	Pos   string // positional placeholder ("NAME"); "" for flags
	Help  string
	Meta  string // value placeholder for help; "" for booleans
	index []int
	typ   reflect.Type
}

// Fields lists the arguments of the struct type t (embedded structs
// flattened), in declaration order.
func Fields(t reflect.Type) []Field {
	var out []Field
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for _, sub := range Fields(f.Type) {
				sub.index = append([]int{i}, sub.index...)
				out = append(out, sub)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			name = ""
		}
		fl := Field{JSON: name, Pos: f.Tag.Get("pos"), Help: f.Tag.Get("help"), Meta: f.Tag.Get("meta"),
			index: []int{i}, typ: f.Type}
		if fl.Pos == "" {
			fl.Flag = f.Tag.Get("flag")
			if fl.Flag == "" {
				fl.Flag = strings.ReplaceAll(name, "_", "-")
			}
		}
		if fl.Meta == "" && base(f.Type).Kind() != reflect.Bool {
			fl.Meta = "VALUE"
		}
		switch k := base(f.Type).Kind(); k {
		case reflect.String, reflect.Bool, reflect.Int:
		case reflect.Slice:
			if base(f.Type).Elem().Kind() != reflect.String {
				panic(fmt.Sprintf("request: field %s: lists must be of strings", f.Name))
			}
		default:
			panic(fmt.Sprintf("request: field %s has unsupported type %s", f.Name, f.Type))
		}
		out = append(out, fl)
	}
	return out
}

func base(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// IsList reports whether the field takes several values.
func (f Field) IsList() bool { return base(f.typ).Kind() == reflect.Slice }

// IsBool reports whether the field is a switch.
func (f Field) IsBool() bool { return base(f.typ).Kind() == reflect.Bool }

// Name is how people know the argument on the command line: "--flag" or
// the positional placeholder.
func (f Field) Name() string {
	if f.Pos != "" {
		return f.Pos
	}
	return "--" + f.Flag
}

// errName is the field name errors carry: the json name, else the flag.
func (f Field) errName() string {
	if f.JSON != "" {
		return f.JSON
	}
	if f.Flag != "" {
		return f.Flag
	}
	return strings.ToLower(f.Pos)
}

// set stores one command-line value into v's field.
func (f Field) set(v reflect.Value, val string, explicit bool) error {
	fv := v.FieldByIndex(f.index)
	t := f.typ
	if t.Kind() == reflect.Pointer {
		if fv.IsNil() {
			fv.Set(reflect.New(t.Elem()))
		}
		fv, t = fv.Elem(), t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		fv.SetString(val)
	case reflect.Bool:
		b := true
		if explicit {
			var err error
			if b, err = strconv.ParseBool(val); err != nil {
				return errkind.Invalidf(f.errName(), "%s takes true or false, not %q", f.Name(), val)
			}
		}
		fv.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil {
			return errkind.Invalidf(f.errName(), "%s %q is not a whole number", f.Name(), val)
		}
		fv.SetInt(int64(n))
	case reflect.Slice:
		// An empty value gives an empty list: "--lan ''" means none/default.
		if val != "" {
			fv.Set(reflect.Append(fv, reflect.ValueOf(val)))
		} else if fv.IsNil() {
			fv.Set(reflect.MakeSlice(t, 0, 0))
		}
	}
	return nil
}

// Flags are the targets of one command line: the operation's struct and any
// interface-only structs (output options, global options).
//
// DecodeFlags parses args into the structs pointed to by targets. Flags may
// come before, between or after positional arguments; "--" ends flags.
// "--flag=value" and "--flag value" both work, a boolean takes "--flag",
// "--flag=false" or "--no-flag". -h or --help returns ErrHelp. Positional
// arguments fill the targets' pos fields in order; a missing or extra one
// is errkind.Invalid.
func DecodeFlags(args []string, targets ...any) error {
	type bound struct {
		f Field
		v reflect.Value
	}
	byFlag := map[string]bound{}
	var pos []bound
	for _, t := range targets {
		v := reflect.ValueOf(t).Elem()
		for _, f := range Fields(v.Type()) {
			if f.Pos != "" {
				pos = append(pos, bound{f, v})
			} else {
				byFlag[f.Flag] = bound{f, v}
			}
		}
	}
	var words []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			words = append(words, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			words = append(words, a)
			continue
		}
		name, val, explicit := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			return ErrHelp
		}
		b, ok := byFlag[name]
		if !ok {
			if n, found := strings.CutPrefix(name, "no-"); found && !explicit {
				if nb, ok := byFlag[n]; ok && nb.f.IsBool() {
					if err := nb.f.set(nb.v, "false", true); err != nil {
						return err
					}
					continue
				}
			}
			return errkind.Invalidf(name, "unknown flag --%s", name)
		}
		if !b.f.IsBool() && !explicit {
			if i+1 >= len(args) {
				return errkind.Invalidf(b.f.errName(), "%s needs a value", b.f.Name())
			}
			i++
			val = args[i]
		}
		if err := b.f.set(b.v, val, explicit); err != nil {
			return err
		}
	}
	if len(words) > len(pos) {
		return errkind.Invalidf("", "unexpected argument %q", words[len(pos)])
	}
	for i, b := range pos {
		if i >= len(words) {
			return errkind.Invalidf(b.f.errName(), "missing %s", b.f.Pos)
		}
		if err := b.f.set(b.v, words[i], true); err != nil {
			return err
		}
	}
	return nil
}

// ErrHelp is returned by DecodeFlags for -h and --help.
var ErrHelp = errors.New("help requested")

// MaxJSON bounds a JSON argument object. ubus arguments are small.
const MaxJSON = 64 << 10

// SessionField is the argument uhttpd's /ubus handler adds to every call
// (rpcd passes it on to exec plugins): the caller's rpcd session id. It is
// the one argument accepted beyond an operation's own.
const SessionField = "ubus_rpc_session"

// DecodeJSON fills the struct v points to from one JSON object, rejecting
// unknown arguments (except SessionField with a string value), mistyped
// ones and trailing data. Empty input means no arguments.
func DecodeJSON(data []byte, v any) error {
	return decodeJSON(data, v, jsonval.Unmarshal, explainJSONVal)
}

// jsonError is what DecodeJSON needs to know of a decoding error to name
// the argument at fault, whichever JSON package made it (the tests decode
// with encoding/json too and compare).
type jsonError struct {
	mistyped bool
	field    string       // the mistyped value's field path ("lan.0"); "" for the top level
	value    string       // what it was: "number 1.5"
	typ      reflect.Type // what it was decoded into
	trailing bool         // something after the object
	cutShort bool
	offset   int64 // of a syntax error
}

// explainJSONVal reads jsonval's errors.
func explainJSONVal(err error) (jsonError, bool) {
	var te *jsonval.TypeError
	var se *jsonval.SyntaxError
	switch {
	case errors.As(err, &te):
		return jsonError{mistyped: true, field: te.Field, value: te.Value, typ: te.Type}, true
	case errors.As(err, &se):
		return jsonError{trailing: se.Trailing(), cutShort: se.CutShort(), offset: se.Offset}, true
	}
	return jsonError{}, false
}

// decodeJSON is DecodeJSON with a JSON package's unmarshal (one value,
// nothing after it) and the reading of its errors.
func decodeJSON(data []byte, v any, unmarshal func([]byte, any) error, explain func(error) (jsonError, bool)) error {
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
	// The keys first: decoding reports no unknown field, and matches
	// names case-insensitively.
	var m map[string]any
	if err := unmarshal(data, &m); err != nil {
		return decodeError(err, t, explain)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == SessionField {
			if _, ok := m[k].(string); !ok && m[k] != nil { // null sets nothing, as for any argument
				return errkind.Invalidf(SessionField, "argument %q must be a string", SessionField)
			}
			continue
		}
		if _, ok := fieldByJSON(t, k); !ok {
			return errkind.Invalidf(k, "unknown argument %q", k)
		}
	}
	if err := unmarshal(data, v); err != nil {
		return decodeError(err, t, explain)
	}
	return nil
}

// decodeError names the argument at fault; t is the argument struct type.
func decodeError(err error, t reflect.Type, explain func(error) (jsonError, bool)) error {
	e, ok := explain(err)
	switch {
	case !ok:
		return errkind.New(errkind.Invalid, "arguments: %w", err)
	case e.mistyped && e.field != "":
		name, _, _ := strings.Cut(e.field, ".") // a list's element names the list
		want := e.typ
		if f, ok := fieldByJSON(t, name); ok {
			want = f.typ
		}
		return errkind.Invalidf(name, "argument %q must be %s, not %s", name, typeName(want), e.value)
	case e.mistyped:
		return errkind.Invalidf("", "arguments must be one JSON object")
	case e.trailing:
		return errkind.Invalidf("", "arguments must be one JSON object, with nothing after it")
	case e.cutShort:
		return errkind.Invalidf("", "arguments are not valid JSON (cut short)")
	}
	return errkind.Invalidf("", "arguments are not valid JSON (offset %d)", e.offset)
}

func fieldByJSON(t reflect.Type, name string) (Field, bool) {
	for _, f := range Fields(t) {
		if f.JSON == name {
			return f, true
		}
	}
	return Field{}, false
}

// typeName says a Go argument type the way a JSON caller knows it.
func typeName(t reflect.Type) string {
	t = base(t)
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int:
		return "an integer"
	case reflect.Slice:
		return "a list of strings"
	}
	return t.String()
}

// Example maps each json argument of the struct type t to a value of the
// type rpcd should register: "" (string), false (boolean), 32 (int32: 8,
// 16 and 64 would select other widths) or [] (array).
func Example(t reflect.Type) map[string]any {
	ex := map[string]any{}
	for _, f := range Fields(t) {
		if f.JSON == "" {
			continue
		}
		switch base(f.typ).Kind() {
		case reflect.String:
			ex[f.JSON] = ""
		case reflect.Bool:
			ex[f.JSON] = false
		case reflect.Int:
			ex[f.JSON] = 32
		case reflect.Slice:
			ex[f.JSON] = []any{}
		}
	}
	return ex
}

// Help writes the flag list of the struct types ts: one line per flag with
// its help, for a command's --help.
func Help(w io.Writer, ts ...reflect.Type) {
	var rows [][2]string
	for _, t := range ts {
		for _, f := range Fields(t) {
			if f.Pos != "" {
				continue
			}
			left := "--" + f.Flag
			if !f.IsBool() {
				left += " " + f.Meta
			}
			help := f.Help
			if f.IsList() {
				help += " (repeat, or separate with commas)"
			}
			rows = append(rows, [2]string{left, help})
		}
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %s\n", width, r[0], r[1])
	}
}

// Positional lists the positional placeholders of t, for a usage line.
func Positional(t reflect.Type) []string {
	var out []string
	for _, f := range Fields(t) {
		if f.Pos != "" {
			out = append(out, f.Pos)
		}
	}
	return slices.Clip(out)
}

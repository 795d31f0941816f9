package jsonval

import (
	"encoding"
	"encoding/base64"
	"math"
	"reflect"
	"sort"
	"strconv"
	"sync"

	"github.com/wghub/wghub/jsonw"
)

// Raw is a JSON value kept as its text, as json.RawMessage: decoding into
// it copies the value's bytes; encoding writes them (compacted).
type Raw []byte

// MarshalJSON returns m, or null for a nil m, so that encoding/json (in
// tests) writes a Raw as this package does.
func (m Raw) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	return m, nil
}

// UnmarshalJSON stores a copy of data, for encoding/json in tests.
func (m *Raw) UnmarshalJSON(data []byte) error {
	*m = append((*m)[0:0], data...)
	return nil
}

// UnsupportedError is returned for values JSON cannot hold: channels,
// functions, complex numbers, NaN and infinities.
type UnsupportedError struct{ What string }

func (e *UnsupportedError) Error() string { return "jsonval: unsupported " + e.What }

// Marshal returns v as JSON, as json.Marshal would.
func Marshal(v any) ([]byte, error) {
	return appendValue(nil, reflect.ValueOf(v))
}

// MarshalIndent is Marshal with each element on its own line, starting
// with prefix and indent once per level, as json.MarshalIndent.
func MarshalIndent(v any, prefix, indent string) ([]byte, error) {
	b, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	return appendIndent(make([]byte, 0, len(b)*2), b, prefix, indent), nil
}

var rawType = reflect.TypeFor[Raw]()

// How a type implements encoding.TextMarshaler.
const (
	textNone    = 1 + iota
	textValue   // T has MarshalText
	textPointer // only *T has it
)

var (
	textMu    sync.Mutex
	textKinds map[reflect.Type]uint8 // made at first use
)

// textKind finds out once per type, by type assertion, whether it is a
// TextMarshaler (as netip.Prefix is).
func textKind(t reflect.Type) uint8 {
	textMu.Lock()
	k := textKinds[t]
	textMu.Unlock()
	if k != 0 {
		return k
	}
	k = textNone
	if t.Kind() != reflect.Interface {
		if _, ok := reflect.Zero(t).Interface().(encoding.TextMarshaler); ok {
			k = textValue
		} else if _, ok := reflect.New(t).Interface().(encoding.TextMarshaler); ok && t.Kind() != reflect.Pointer {
			k = textPointer
		}
	}
	textMu.Lock()
	if textKinds == nil {
		textKinds = map[reflect.Type]uint8{}
	}
	textKinds[t] = k
	textMu.Unlock()
	return k
}

func appendValue(b []byte, v reflect.Value) ([]byte, error) {
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	t := v.Type()
	if t == rawType {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendCompact(b, v.Bytes())
	}
	switch textKind(t) {
	case textValue:
		return appendText(b, v)
	case textPointer:
		if v.CanAddr() {
			return appendText(b, v.Addr())
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case reflect.Float32:
		return appendFloat(b, v.Float(), 32)
	case reflect.Float64:
		return appendFloat(b, v.Float(), 64)
	case reflect.String:
		return jsonw.AppendString(b, v.String()), nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendValue(b, v.Elem())
	case reflect.Struct:
		return appendStruct(b, v)
	case reflect.Map:
		return appendMap(b, v)
	case reflect.Slice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if t.Elem().Kind() == reflect.Uint8 && textKind(t.Elem()) == textNone {
			return appendBase64(b, v.Bytes()), nil
		}
		return appendArray(b, v)
	case reflect.Array:
		return appendArray(b, v)
	}
	return nil, &UnsupportedError{"type " + t.String()}
}

// appendText writes a TextMarshaler's text as a string; a nil pointer is
// null.
func appendText(b []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(b, "null"...), nil
	}
	text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return nil, err
	}
	return jsonw.AppendString(b, string(text)), nil
}

// appendFloat formats as encoding/json: plain decimals between 1e-6 and
// 1e21, otherwise an exponent without a leading zero (1e-07 is 1e-7).
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &UnsupportedError{"value " + strconv.FormatFloat(f, 'g', -1, bits)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

func appendBase64(b []byte, p []byte) []byte {
	b = append(b, '"')
	n := len(b)
	b = append(b, make([]byte, base64.StdEncoding.EncodedLen(len(p)))...)
	base64.StdEncoding.Encode(b[n:], p)
	return append(b, '"')
}

func appendStruct(b []byte, v reflect.Value) ([]byte, error) {
	b = append(b, '{')
	first := true
	var err error
	for _, f := range fieldsOf(v.Type()) {
		fv, ok := fieldValue(v, f.index)
		if !ok || f.omitEmpty && isEmpty(fv) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = jsonw.AppendString(b, f.name)
		b = append(b, ':')
		if b, err = appendValue(b, fv); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// fieldValue follows index through embedded structs; ok is false when a
// nil embedded pointer leaves the field out.
func fieldValue(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

func appendMap(b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	type kv struct {
		key string
		val reflect.Value
	}
	kvs := make([]kv, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := mapKey(it.Key())
		if err != nil {
			return nil, err
		}
		kvs = append(kvs, kv{k, it.Value()})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].key < kvs[j].key })
	b = append(b, '{')
	var err error
	for i, e := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonw.AppendString(b, e.key)
		b = append(b, ':')
		if b, err = appendValue(b, e.val); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// mapKey is a key as encoding/json writes it: strings as they are, then
// TextMarshalers, then integers in decimal.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		text, err := tm.MarshalText()
		return string(text), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", &UnsupportedError{"map key type " + k.Type().String()}
}

func appendArray(b []byte, v reflect.Value) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range v.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendValue(b, v.Index(i)); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

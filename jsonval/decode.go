package jsonval

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// TypeError is a JSON value that does not fit the Go value it was to go
// into. The rest of the input is decoded as far as it fits; Unmarshal
// returns the first such error.
type TypeError struct {
	Value string       // the JSON kind: "string", "number", "number 1.5" (out of range or not whole), "bool", "array", "object"
	Type  reflect.Type // the Go type it did not fit
	Field string       // the struct fields leading to it, dotted ("lan"); "" at the top
}

func (e *TypeError) Error() string {
	s := "jsonval: cannot put " + e.Value + " into Go value of type " + e.Type.String()
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	return s
}

// Unmarshal decodes the one JSON value in data into the value v points
// to, as json.Unmarshal does: malformed data changes nothing; object keys
// match struct fields by json name, exactly or else ignoring case; unknown
// keys are skipped; into an interface{} go map[string]any, []any,
// float64, string, bool and nil.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("jsonval: Unmarshal needs a non-nil pointer")
	}
	if err := valid(data); err != nil {
		return err
	}
	d := decoder{data: data}
	d.value(rv.Elem())
	if d.err != nil {
		return d.err
	}
	return nil
}

// decoder fills Go values from input the scanner accepted.
type decoder struct {
	data []byte
	pos  int
	err  *TypeError
	path []string
}

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// skip passes over one value.
func (d *decoder) skip() {
	s := scanner{data: d.data, pos: d.pos}
	s.value()
	d.pos = s.pos
}

func (d *decoder) mismatch(what string, t reflect.Type) {
	if d.err == nil {
		d.err = &TypeError{Value: what, Type: t, Field: strings.Join(d.path, ".")}
	}
}

// value decodes the value at pos into v; an invalid v skips it.
func (d *decoder) value(v reflect.Value) {
	d.space()
	if !v.IsValid() {
		d.skip()
		return
	}
	c := d.data[d.pos]
	if c == 'n' && v.Type() != rawType {
		d.pos += 4
		switch v.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice:
			v.SetZero()
		}
		return
	}
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if v.Type() == rawType {
		start := d.pos
		d.skip()
		v.SetBytes(append([]byte(nil), d.data[start:d.pos]...))
		return
	}
	if v.Kind() == reflect.Interface {
		if v.NumMethod() != 0 {
			d.mismatch(kindOf(c), v.Type())
			d.skip()
			return
		}
		if x := d.any(); x != nil {
			v.Set(reflect.ValueOf(x))
		} else {
			v.SetZero()
		}
		return
	}
	switch c {
	case '{':
		d.object(v)
	case '[':
		d.array(v)
	case '"':
		d.str(v)
	case 't', 'f':
		d.pos += 4
		if c == 'f' {
			d.pos++
		}
		if v.Kind() != reflect.Bool {
			d.mismatch("bool", v.Type())
			return
		}
		v.SetBool(c == 't')
	default:
		d.number(v)
	}
}

func kindOf(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

func (d *decoder) object(v reflect.Value) {
	t := v.Type()
	var fields []field
	switch {
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
	case t.Kind() == reflect.Struct:
		fields = fieldsOf(t)
	default:
		d.mismatch("object", t)
		d.skip()
		return
	}
	d.members(func(key string) {
		depth := len(d.path)
		if t.Kind() == reflect.Map {
			elem := reflect.New(t.Elem()).Elem()
			d.value(elem)
			v.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), elem)
		} else {
			d.value(d.fieldFor(v, fields, key))
		}
		d.path = d.path[:depth]
	})
}

// members calls each with every key of the object at pos, pos then at
// the key's value (the input is valid: checked before decoding).
func (d *decoder) members(each func(key string)) {
	d.pos++ // {
	for {
		d.space()
		if d.data[d.pos] == '}' {
			d.pos++
			return
		}
		if d.data[d.pos] == ',' {
			d.pos++
			d.space()
		}
		key := d.unquote()
		d.space()
		d.pos++ // :
		d.space()
		each(key)
	}
}

// fieldFor finds the struct field for key (exactly, else ignoring case),
// allocating embedded pointers on the way, and pushes its path; invalid if
// none.
func (d *decoder) fieldFor(v reflect.Value, fields []field, key string) reflect.Value {
	var f *field
	for i := range fields {
		if fields[i].name == key {
			f = &fields[i]
			break
		}
	}
	if f == nil {
		for i := range fields {
			if strings.EqualFold(fields[i].name, key) {
				f = &fields[i]
				break
			}
		}
	}
	if f == nil {
		return reflect.Value{}
	}
	for i, x := range f.index {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		if i < len(f.index)-1 {
			d.path = append(d.path, v.Type().Field(x).Name)
		}
		v = v.Field(x)
	}
	d.path = append(d.path, f.name)
	return v
}

func (d *decoder) array(v reflect.Value) {
	if v.Kind() != reflect.Slice {
		d.mismatch("array", v.Type())
		d.skip()
		return
	}
	// Count first, so the slice is allocated once at its size.
	start := d.pos
	n := 0
	d.elems(func() { d.skip(); n++ })
	d.pos = start
	s := reflect.MakeSlice(v.Type(), n, n)
	i := 0
	d.elems(func() { d.value(s.Index(i)); i++ })
	v.Set(s)
}

// elems calls each at the start of every element of the array at pos.
func (d *decoder) elems(each func()) {
	d.pos++ // [
	for {
		d.space()
		switch d.data[d.pos] {
		case ']':
			d.pos++
			return
		case ',':
			d.pos++
			d.space()
		}
		each()
	}
}

func (d *decoder) str(v reflect.Value) {
	s := d.unquote()
	switch {
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, []byte(s))
		if err != nil {
			d.mismatch("string (not base64)", v.Type())
			return
		}
		v.SetBytes(b[:n])
	default:
		d.mismatch("string", v.Type())
	}
}

// literal returns the number at pos and passes it.
func (d *decoder) literal() string {
	start := d.pos
	d.skip()
	return string(d.data[start:d.pos])
}

func (d *decoder) number(v reflect.Value) {
	s := d.literal()
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(n) {
			d.mismatch("number "+s, v.Type())
			return
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v.OverflowUint(n) {
			d.mismatch("number "+s, v.Type())
			return
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil || v.OverflowFloat(f) {
			d.mismatch("number "+s, v.Type())
			return
		}
		v.SetFloat(f)
	default:
		d.mismatch("number", v.Type())
	}
}

var float64Type = reflect.TypeFor[float64]()

// any decodes the value at pos as interface{} holds it.
func (d *decoder) any() any {
	switch d.data[d.pos] {
	case '{':
		m := map[string]any{}
		d.members(func(key string) { m[key] = d.any() })
		return m
	case '[':
		l := []any{}
		d.elems(func() { l = append(l, d.any()) })
		return l
	case '"':
		return d.unquote()
	case 't':
		d.pos += 4
		return true
	case 'f':
		d.pos += 5
		return false
	case 'n':
		d.pos += 4
		return nil
	}
	s := d.literal()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		d.mismatch("number "+s, float64Type)
		return nil
	}
	return f
}

// unquote returns the string at pos and passes it: escapes resolved,
// invalid UTF-8 and lone surrogates as U+FFFD, as encoding/json does.
func (d *decoder) unquote() string {
	start := d.pos + 1
	d.skip()
	raw := d.data[start : d.pos-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw)
	}
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			i++
			switch raw[i] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(raw[i+1:])
				i += 4
				if utf16.IsSurrogate(r) {
					if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
						if r2 := utf16.DecodeRune(r, hex4(raw[i+3:])); r2 != utf8.RuneError {
							b = utf8.AppendRune(b, r2)
							i += 7
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default: // " \ /
				b = append(b, raw[i])
			}
			i++
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, r)
			} else {
				b = append(b, raw[i:i+size]...)
			}
			i += size
		}
	}
	return string(b)
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

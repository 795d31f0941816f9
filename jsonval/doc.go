// Package jsonval turns Go values into JSON and JSON into Go values, byte
// for byte as encoding/json does for the values wghub has: structs with
// json tags (omitempty, "-", embedded structs), maps with string or
// integer keys, slices, []byte as base64, strings, numbers, booleans,
// pointers, interfaces, encoding.TextMarshaler and the Raw type.
//
// It exists so that the router build does not link encoding/json, which
// with what only it uses cost 130 KB of the mipsel binary (two 64 KiB
// segment steps) for much that wghub never needs.
// Decoding reports the first mistyped value with the path of the field
// (TypeError) and malformed input with encoding/json's offset
// (SyntaxError), which is what request needs to name a bad argument.
//
// Not covered: json.Marshaler and json.Unmarshaler on other types than Raw,
// TextUnmarshaler, the ",string" and ",omitzero" options, decoding into
// Go arrays or maps with non-string keys, and streaming; tests compare
// every case covered with encoding/json.
package jsonval

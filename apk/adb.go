package apk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// ADB value types: the top 4 bits of a 32-bit value (adb.h); the low 28
// bits are the value itself or an offset into the ADB block.
const (
	typeSpecial = 0x00000000
	typeInt     = 0x10000000
	typeInt32   = 0x20000000
	typeInt64   = 0x30000000
	typeBlob8   = 0x80000000
	typeBlob16  = 0x90000000
	typeBlob32  = 0xa0000000
	typeArray   = 0xd0000000
	typeObject  = 0xe0000000
	typeMask    = 0xf0000000
	valueMask   = 0x0fffffff

	null = 0 // ADB_NULL: an absent value
)

// Block types and file constants.
const (
	blockADB  = 0
	blockSig  = 1
	blockData = 2

	formatMagic = 0x2e424441 // "ADB."

	schemaPackage = 0x676b6370 // "pckg"
	schemaIndex   = 0x78646e69 // "indx"
)

// writer builds an ADB block as apk-tools' adb_w_* functions do: values
// are appended in the order they are written, each aligned to its size
// field, and a value identical to one already written (and aligned) is
// not written again but referred to.
type writer struct {
	buf  []byte
	seen map[string]uint32
}

func newWriter() *writer {
	// The block starts with struct adb_hdr: compat version 0, version 0,
	// reserved, and the root value (filled in by root).
	return &writer{buf: make([]byte, 8), seen: map[string]uint32{}}
}

// raw appends data at the given alignment without de-duplication.
func (w *writer) raw(data []byte, align int) uint32 {
	for len(w.buf)%align != 0 {
		w.buf = append(w.buf, 0)
	}
	off := uint32(len(w.buf))
	w.buf = append(w.buf, data...)
	return off
}

// data appends data, or returns the offset of an aligned identical copy.
func (w *writer) data(data []byte, align int) uint32 {
	if off, ok := w.seen[string(data)]; ok && int(off)%align == 0 {
		return off
	}
	off := w.raw(data, align)
	w.seen[string(data)] = off
	return off
}

func (w *writer) blob(b []byte) uint32 { return w.blobAt(b, false) }

// blobAt writes a blob with a length prefix of 1, 2 or 4 bytes; an empty
// blob is null. raw skips de-duplication (adb_w_blob_raw), for a value
// patched later.
func (w *writer) blobAt(b []byte, raw bool) uint32 {
	var hdr []byte
	var typ uint32
	switch n := len(b); {
	case n == 0:
		return null
	case n <= 0xff:
		hdr, typ = []byte{byte(n)}, typeBlob8
	case n <= 0xffff:
		hdr, typ = binary.LittleEndian.AppendUint16(nil, uint16(n)), typeBlob16
	default:
		hdr, typ = binary.LittleEndian.AppendUint32(nil, uint32(n)), typeBlob32
	}
	v := append(hdr, b...)
	if raw {
		return typ | w.raw(v, len(hdr))
	}
	return typ | w.data(v, len(hdr))
}

func (w *writer) str(s string) uint32 { return w.blob([]byte(s)) }

// int writes an integer: inline below 2^28, else as 4 or 8 bytes.
func (w *writer) int(n uint64) uint32 {
	switch {
	case n >= 1<<32:
		return typeInt64 | w.data(binary.LittleEndian.AppendUint64(nil, n), 4)
	case n >= 1<<28:
		return typeInt32 | w.data(binary.LittleEndian.AppendUint32(nil, uint32(n)), 4)
	}
	return typeInt | uint32(n)
}

// obj writes an object whose fields are vals[1:] (vals[0] is ignored):
// trailing nulls are dropped, slot 0 holds the count, and an object with
// no field set is null.
func (w *writer) obj(vals []uint32) uint32 { return w.compound(typeObject, vals) }

// arr writes an array of items (not counting slot 0).
func (w *writer) arr(items []uint32) uint32 {
	return w.compound(typeArray, append([]uint32{0}, items...))
}

func (w *writer) compound(typ uint32, vals []uint32) uint32 {
	n := len(vals)
	for n > 1 && vals[n-1] == null {
		n--
	}
	if n <= 1 {
		return null
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(n))
	for _, v := range vals[1:n] {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return typ | w.data(b, 4)
}

// root sets the root value and returns the finished ADB block payload.
func (w *writer) root(v uint32) []byte {
	binary.LittleEndian.PutUint32(w.buf[4:], v)
	return w.buf
}

// block appends a block of the given type: a 4-byte header (type in the
// top 2 bits, length including the header below), the payload, and zero
// padding to 8 bytes.
func block(out *bytes.Buffer, typ uint32, payload ...[]byte) error {
	n := 4
	for _, p := range payload {
		n += len(p)
	}
	if n > 0x3fffffff {
		return fmt.Errorf("apk: block of %d bytes: too large", n)
	}
	binary.Write(out, binary.LittleEndian, typ<<30|uint32(n))
	for _, p := range payload {
		out.Write(p)
	}
	for n%8 != 0 {
		out.WriteByte(0)
		n++
	}
	return nil
}

// header is the file header: magic and schema.
func header(out *bytes.Buffer, schema uint32) {
	binary.Write(out, binary.LittleEndian, [2]uint32{formatMagic, schema})
}

// reader reads values of an ADB block written by any ADB writer.
type reader struct{ adb []byte }

var errFormat = errors.New("apk: malformed ADB")

func (r reader) rootVal() uint32 {
	if len(r.adb) < 8 {
		return null
	}
	return binary.LittleEndian.Uint32(r.adb[4:])
}

// fields returns an object's or array's values, slot 0 included.
func (r reader) fields(v uint32) ([]uint32, error) {
	if t := v & typeMask; t != typeObject && t != typeArray {
		return nil, nil
	}
	off := int(v & valueMask)
	if off+4 > len(r.adb) {
		return nil, errFormat
	}
	n := int(binary.LittleEndian.Uint32(r.adb[off:]))
	if n == 0 || off+4*n > len(r.adb) {
		return nil, errFormat
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(r.adb[off+4*i:])
	}
	return out, nil
}

// field returns field i of an object (null when absent).
func (r reader) field(v uint32, i int) (uint32, error) {
	f, err := r.fields(v)
	if err != nil || i >= len(f) {
		return null, err
	}
	return f[i], nil
}

func (r reader) blob(v uint32) ([]byte, error) {
	off := int(v & valueMask)
	var hl, n int
	switch v & typeMask {
	case typeBlob8:
		hl = 1
	case typeBlob16:
		hl = 2
	case typeBlob32:
		hl = 4
	default:
		return nil, nil
	}
	if off+hl > len(r.adb) {
		return nil, errFormat
	}
	switch hl {
	case 1:
		n = int(r.adb[off])
	case 2:
		n = int(binary.LittleEndian.Uint16(r.adb[off:]))
	case 4:
		n = int(binary.LittleEndian.Uint32(r.adb[off:]))
	}
	if off+hl+n > len(r.adb) {
		return nil, errFormat
	}
	return r.adb[off+hl : off+hl+n], nil
}

func (r reader) int(v uint32) (uint64, error) {
	off := int(v & valueMask)
	switch v & typeMask {
	case typeInt:
		return uint64(v & valueMask), nil
	case typeInt32:
		if off+4 > len(r.adb) {
			return 0, errFormat
		}
		return uint64(binary.LittleEndian.Uint32(r.adb[off:])), nil
	case typeInt64:
		if off+8 > len(r.adb) {
			return 0, errFormat
		}
		return binary.LittleEndian.Uint64(r.adb[off:]), nil
	}
	return 0, nil
}

// copyTo writes value v (and everything it refers to) into w, as
// adb_w_copy does: children first, then the object itself.
func (r reader) copyTo(w *writer, v uint32) (uint32, error) {
	switch v & typeMask {
	case typeSpecial, typeInt:
		return v, nil
	case typeInt32, typeInt64:
		n, err := r.int(v)
		return w.int(n), err
	case typeBlob8, typeBlob16, typeBlob32:
		b, err := r.blob(v)
		if err != nil {
			return null, err
		}
		return w.blob(b), nil
	case typeObject, typeArray:
		f, err := r.fields(v)
		if err != nil {
			return null, err
		}
		out := make([]uint32, len(f))
		for i := 1; i < len(f); i++ {
			if out[i], err = r.copyTo(w, f[i]); err != nil {
				return null, err
			}
		}
		return w.compound(v&typeMask, out), nil
	}
	return null, errFormat
}

package hub

import "golang.zx2c4.com/wireguard/wgctrl/wgtypes"

// Keys in base64 as wg and UCI write them: 32 bytes, 43 characters and
// one '='. Load decodes three for each peer and Store encodes them again
// to compare, thousands of times a command: this one form, with no line
// breaks to skip or lengths to work out, decodes in about two thirds of
// encoding/base64's time (perf samples of peer add and remove at 5000
// peers) and encodes in a little less.

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// keyValue is the six bits of each character of keyAlphabet, 0xff for
// any other byte.
var keyValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := range len(keyAlphabet) {
		t[keyAlphabet[i]] = byte(i)
	}
	return t
}()

// decodeKey decodes a key's 44 characters; ok is false for anything
// base64.StdEncoding would not decode to 32 bytes. As it does (not
// being Strict), the two bits the last character has beyond the key are
// ignored.
func decodeKey(s string) (k wgtypes.Key, ok bool) {
	if len(s) != 44 || s[43] != '=' {
		return k, false
	}
	bad := byte(0) // any 0xff from keyValue leaves its high bits set
	for i := range 10 {
		a, b, c, d := keyValue[s[4*i]], keyValue[s[4*i+1]], keyValue[s[4*i+2]], keyValue[s[4*i+3]]
		bad |= a | b | c | d
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		k[3*i], k[3*i+1], k[3*i+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	a, b, c := keyValue[s[40]], keyValue[s[41]], keyValue[s[42]]
	bad |= a | b | c
	v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6
	k[30], k[31] = byte(v>>16), byte(v>>8)
	return k, bad < 64
}

// encodeKey writes k's 44 characters into buf.
func encodeKey(buf *[44]byte, k *wgtypes.Key) {
	for i := range 10 {
		v := uint32(k[3*i])<<16 | uint32(k[3*i+1])<<8 | uint32(k[3*i+2])
		buf[4*i], buf[4*i+1] = keyAlphabet[v>>18], keyAlphabet[v>>12&63]
		buf[4*i+2], buf[4*i+3] = keyAlphabet[v>>6&63], keyAlphabet[v&63]
	}
	v := uint32(k[30])<<16 | uint32(k[31])<<8
	buf[40], buf[41], buf[42], buf[43] = keyAlphabet[v>>18], keyAlphabet[v>>12&63], keyAlphabet[v>>6&63], '='
}

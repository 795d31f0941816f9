// Package usign signs files as OpenWrt's usign does (`usign -S`), for an
// opkg feed's Packages.sig, and writes the matching public key file that
// `opkg-key add` installs under /etc/opkg/keys.
//
// usign keys and signatures are Ed25519, stored base64-encoded on the
// second line of a file whose first line is "untrusted comment: ...".
// A secret key (`usign -G`) is "Ed", "BK", KDF rounds (big-endian), a
// 16-byte salt, an 8-byte checksum, an 8-byte fingerprint and the 64-byte
// Ed25519 key (seed and public key, as Go's ed25519.PrivateKey); a
// signature is "Ed", the fingerprint and the 64-byte signature; a public
// key "Ed", the fingerprint and the 32-byte key.
//
// Non-goals: password-protected secret keys (usign -S refuses them too),
// verifying.
package usign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
)

// ErrKey is returned for a file that is not an unprotected usign secret key.
var ErrKey = errors.New("usign: want an unprotected secret key as `usign -G -s FILE` writes it")

// SecretKey is a usign secret key.
type SecretKey struct {
	fingerprint [8]byte
	key         ed25519.PrivateKey
}

// ParseSecretKey reads a secret key file.
func ParseSecretKey(b []byte) (*SecretKey, error) {
	raw, err := payload(b)
	if err != nil || len(raw) != 2+2+4+16+8+8+64 || string(raw[:2]) != "Ed" {
		return nil, ErrKey
	}
	if binary.BigEndian.Uint32(raw[4:]) != 0 {
		return nil, ErrKey // password-protected
	}
	k := &SecretKey{key: ed25519.NewKeyFromSeed(raw[40:72])}
	copy(k.fingerprint[:], raw[32:40])
	sum := sha512.Sum512(raw[40:104])
	if !bytes.Equal(sum[:8], raw[24:32]) || !bytes.Equal(k.key, raw[40:104]) {
		return nil, ErrKey
	}
	return k, nil
}

// payload decodes the base64 second line of a usign file.
func payload(b []byte) ([]byte, error) {
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) < 2 || !bytes.HasPrefix(lines[0], []byte("untrusted comment:")) {
		return nil, ErrKey
	}
	return base64.StdEncoding.DecodeString(string(bytes.TrimSpace(lines[1])))
}

// Fingerprint is the key's fingerprint in hex, the name `opkg-key add`
// gives the public key file under /etc/opkg/keys.
func (k *SecretKey) Fingerprint() string { return hex.EncodeToString(k.fingerprint[:]) }

// Sign returns the signature file for msg, as `usign -S -m FILE` writes it.
func (k *SecretKey) Sign(msg []byte) []byte {
	raw := append([]byte("Ed"), k.fingerprint[:]...)
	raw = append(raw, ed25519.Sign(k.key, msg)...)
	return file("signed by key "+k.Fingerprint(), raw)
}

// PublicKey returns the public key file, as `usign -G -p FILE` writes it.
func (k *SecretKey) PublicKey() []byte {
	raw := append([]byte("Ed"), k.fingerprint[:]...)
	raw = append(raw, k.key.Public().(ed25519.PublicKey)...)
	return file("public key "+k.Fingerprint(), raw)
}

func file(comment string, raw []byte) []byte {
	return []byte("untrusted comment: " + comment + "\n" + base64.StdEncoding.EncodeToString(raw) + "\n")
}

package apk

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Field numbers of the index schema (apk_adb.h).
const (
	ndxDescription = 1
	ndxPackages    = 2

	digestSHA512 = 4 // APK_DIGEST_SHA512 (apk_crypto.h)
)

// Key is an apk signing key: ECDSA P-256, as `openssl ecparam -name
// prime256v1 -genkey` writes it. apk names a key by the first 16 bytes
// of the SHA-512 of its public point (crypto_openssl.c).
type Key struct {
	priv *ecdsa.PrivateKey
	id   [16]byte
}

// ErrKey is returned for a key file that is not an unencrypted ECDSA
// P-256 private key in PEM.
var ErrKey = errors.New("apk: want an unencrypted ECDSA P-256 private key in PEM (openssl ecparam -name prime256v1 -genkey -noout)")

// ParseKey reads a PEM private key (SEC 1 "EC PRIVATE KEY" or PKCS #8),
// skipping an "EC PARAMETERS" block before it.
func ParseKey(b []byte) (*Key, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, ErrKey
		}
		var k any
		var err error
		switch blk.Type {
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(blk.Bytes)
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		default:
			continue
		}
		priv, ok := k.(*ecdsa.PrivateKey)
		if err != nil || !ok || priv.Curve != elliptic.P256() {
			return nil, ErrKey
		}
		ec, err := priv.PublicKey.ECDH()
		if err != nil {
			return nil, ErrKey
		}
		key := &Key{priv: priv}
		sum := sha512.Sum512(ec.Bytes()) // the uncompressed point, as i2d_PublicKey gives it
		copy(key.id[:], sum[:])
		return key, nil
	}
}

// PublicPEM is the public key as apk reads it from /etc/apk/keys.
func (k *Key) PublicPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	if err != nil {
		panic(err) // a P-256 key always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// sign returns the signature block payload for an ADB block of the given
// schema (adb.c adb_trust_write_signatures): a version 0 header naming
// SHA-512 and the key, then the DER ECDSA signature over the schema, that
// header and the SHA-512 of the block. The signature is deterministic
// (RFC 6979), so the same index and key give the same bytes.
func (k *Key) sign(schema uint32, adb []byte) ([]byte, error) {
	hdr := append([]byte{0, digestSHA512}, k.id[:]...)
	md := sha512.Sum512(adb)
	msg := binary.LittleEndian.AppendUint32(nil, schema)
	msg = append(msg, hdr...)
	msg = append(msg, md[:]...)
	digest := sha512.Sum512(msg)
	sig, err := k.priv.Sign(nil, digest[:], crypto.SHA512)
	if err != nil {
		return nil, err
	}
	return append(hdr, sig...), nil
}

// ErrNotPackage is returned by Index for a file that is not an apk v3
// package.
var ErrNotPackage = errors.New("apk: not an apk v3 package")

// PackageFile is one package for Index: its file name in the feed and
// its bytes.
type PackageFile struct {
	Name string
	Data []byte
}

// Index returns a signed packages.adb listing pkgs, as `apk mkndx
// --sign-key` writes it: each package's info, its file size, and the
// SHA-256 of its ADB block, which apk compares with the package it
// downloads. Each file must be named NAME-VERSION.apk (apk's default
// name spec, relative to the index), and each name appear once.
func Index(pkgs []PackageFile, description string, key *Key, z Compressor) ([]byte, error) {
	w := newWriter()
	type entry struct {
		name string
		val  uint32
	}
	var entries []entry
	for _, f := range pkgs {
		adb, err := readPackage(f.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		r := reader{adb}
		infoVal, err := r.field(r.rootVal(), pkgInfo)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		fields, err := r.fields(infoVal)
		if err != nil || len(fields) <= piVersion {
			return nil, fmt.Errorf("%s: %w", f.Name, ErrNotPackage)
		}
		name, _ := r.blob(fields[piName])
		version, _ := r.blob(fields[piVersion])
		if want := string(name) + "-" + string(version) + ".apk"; f.Name != want {
			return nil, fmt.Errorf("apk: %s: package %s %s must be named %s", f.Name, name, version, want)
		}
		info := make([]uint32, max(len(fields), piFileSize+1))
		for i := 1; i < len(fields); i++ { // adb_wo_copyobj: field by field
			if info[i], err = r.copyTo(w, fields[i]); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Name, err)
			}
		}
		info[piFileSize] = w.int(uint64(len(f.Data)))
		sum := sha256.Sum256(adb)
		info[piHashes] = w.blob(sum[:])
		entries = append(entries, entry{string(name), w.obj(info)})
	}
	// apk finds packages in the index by binary search on the name.
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	var vals []uint32
	for i, e := range entries {
		if i > 0 && entries[i-1].name == e.name {
			return nil, fmt.Errorf("apk: package %s given twice: a feed directory holds one version of each", e.name)
		}
		vals = append(vals, e.val)
	}
	ndx := make([]uint32, ndxPackages+1)
	ndx[ndxDescription] = w.str(description)
	ndx[ndxPackages] = w.compound(typeObject, append([]uint32{0}, vals...))
	adb := w.root(w.obj(ndx))

	var out bytes.Buffer
	header(&out, schemaIndex)
	if err := block(&out, blockADB, adb); err != nil {
		return nil, err
	}
	if key != nil {
		sig, err := key.sign(schemaIndex, adb)
		if err != nil {
			return nil, err
		}
		if err := block(&out, blockSig, sig); err != nil {
			return nil, err
		}
	}
	return z(out.Bytes())
}

// readPackage returns the ADB block of a package file.
func readPackage(b []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(b, []byte("ADBd")):
		raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(b[4:])))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotPackage, err)
		}
		b = raw
	case bytes.HasPrefix(b, []byte("ADB.")):
	default:
		return nil, ErrNotPackage
	}
	if len(b) < 12 || binary.LittleEndian.Uint32(b[4:]) != schemaPackage {
		return nil, ErrNotPackage
	}
	hdr := binary.LittleEndian.Uint32(b[8:])
	n := int(hdr & 0x3fffffff)
	if hdr>>30 != blockADB || n < 4+8 || 8+n > len(b) {
		return nil, ErrNotPackage
	}
	return b[12 : 8+n], nil
}

// Package apk writes the packages and the signed repository index of
// apk-tools v3, the package manager of OpenWrt 25.12 and later, in Go, so
// that `make apk` and `make feed` need no apk-tools build.
//
// Both are ADB files (apk-tools' adb.h, apk_adb.h): a file header naming
// the schema ("pckg" or "indx"), then blocks. The ADB block holds a tree
// of values (integers, blobs, objects and arrays, addressed by offset);
// a package follows it with one data block per non-empty regular file,
// an index with signature blocks. The whole file is raw deflate after the
// 4-byte "ADBd" marker. Values are laid out as `apk mkpkg` lays them out
// (same order, alignment and de-duplication), so that the uncompressed
// package is byte-identical to what apk mkpkg writes for the same tree,
// which a test checks; the compressed bytes differ only because Go's
// deflate is not zlib's.
//
// A package is built from an ipk.Package (the same spec `make ipk`
// packs), with what OpenWrt's include/package-pack.mk adds for apk:
// lib/apk/packages/NAME.list, .conffiles and .conffiles_static, and the
// post-install, post-upgrade and pre-deinstall scripts wrapping
// default_postinst and default_prerm. Packages are not signed (as in
// OpenWrt): the index is, with an ECDSA P-256 key, and it lists the
// SHA-256 of each package's ADB block, which apk checks.
//
// Non-goals: reading arbitrary ADB files, xattrs, hard links, device
// nodes, compression other than deflate, RSA keys.
package apk

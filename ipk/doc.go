// Package ipk writes OpenWrt .ipk packages the way OpenWrt's own
// scripts/ipkg-build and include/package-pack.mk do, reproducibly.
//
// An .ipk is a gzip-compressed tar (not an ar archive as a .deb is) holding
// ./debian-binary, ./data.tar.gz and ./control.tar.gz, in that order. The
// inner tars are GNU tars as `tar --format=gnu --numeric-owner --sort=name
// --mtime=@SOURCE_DATE_EPOCH` writes them under fakeroot: every entry owned
// by 0/0 without user or group names, one modification time, directories
// before their contents in name order, and the archive padded to 10240-byte
// records. The uncompressed data tar is therefore byte-identical to
// ipkg-build's, and Installed-Size is its length, as ipkg-build counts it
// (`zcat data.tar.gz | wc -c`). gzip headers carry no name and no time.
//
// The control part is what package-pack.mk generates: control, conffiles,
// the generated postinst and prerm that call default_postinst and
// default_prerm from /lib/functions.sh, and the package's own scripts as
// postinst-pkg and prerm-pkg, which those functions source.
//
// IndexEntry gives a package's stanza of an opkg feed's Packages file.
//
// Non-goals: the apk format of OpenWrt 25.12 and later (package apk packs
// the same Package as .apk), signing (internal/usign signs Packages),
// preinst and postrm.
package ipk

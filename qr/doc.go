// Package qr encodes bytes as a QR code, written from ISO/IEC 18004, and
// draws it for a terminal, as SVG or as PNG, so a phone can scan a
// WireGuard client config.
//
// Scope: an encoder only, byte mode only. Encode picks the smallest
// version (1 to 40) that holds the data at the asked error correction
// level (L, M, Q, H), builds the Reed-Solomon blocks, scores all eight
// masks with the standard's penalty rules and writes the BCH-protected
// format and version information. Code.Terminal, Code.SVG and Code.PNG
// draw the result with the 4-module quiet zone. A 400-byte client config
// makes a version 13 to 22 symbol depending on the level; wghub uses M.
//
// Non-goals: decoding; the numeric, alphanumeric and kanji modes and
// mixed-mode segmenting (a config is mostly base64 and punctuation, which
// only byte mode covers, so they would save little); ECI headers (the
// bytes go out as they are, and ASCII, all a wg-quick config holds, reads
// the same under every charset a scanner might assume); Structured Append;
// Micro QR; compressed PNG output. It imports only the standard library,
// and not image/png or compress/flate, to stay small on a router.
package qr

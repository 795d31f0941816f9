// Package qr encodes bytes as a QR code (ISO/IEC 18004) and draws it for a
// terminal, as SVG or as PNG, so a phone can scan a WireGuard client
// config.
//
// Scope: byte mode only, versions 1–40, levels L/M/Q/H, the mask chosen by
// the standard's penalty rules. Non-goals: other modes (a client config is
// mixed text; byte mode is within a few percent of optimal for it),
// Structured Append, decoding. It has no dependencies beyond the standard
// library's hash packages, to stay small on a router.
package qr

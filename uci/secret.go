package uci

import (
	"errors"
	"fmt"
	"regexp"
)

// secretOption matches the start of an option or list line whose name says
// it holds a secret (private_key, preshared_key, peer_psk, wifi's key,
// passwords). Parse errors on such lines never quote the text: a broken
// quote would otherwise carry most of a private key into a status reply.
var secretOption = regexp.MustCompile(`(?m)^[ \t]*(?:option|list|o|l)[ \t]+['"]?([A-Za-z0-9_]*(?:key|psk|passw|secret)[A-Za-z0-9_]*)`)

// redactSecret drops the quoted token from err when unit (the lines the
// failing command spans) sets a secret option, and names the option
// instead.
func redactSecret(err error, unit []byte) error {
	var pe *ParseError
	if !errors.As(err, &pe) {
		return err
	}
	m := secretOption.FindSubmatch(unit)
	if m == nil {
		return err
	}
	return &ParseError{File: pe.File, Line: pe.Line,
		Msg: fmt.Sprintf("%s (in option %s, whose value is not shown)", pe.Msg, m[1])}
}

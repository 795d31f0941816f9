package uci

import (
	"errors"
	"fmt"
	"strings"
)

// secretName returns the name set by the first option or list line of unit
// whose name says it holds a secret (private_key, preshared_key, peer_psk,
// wifi's key, passwords): a line of optional blanks, the keyword (option,
// list, o or l), blanks, an optional quote, then the name, a run of
// [A-Za-z0-9_]. Parse errors on such lines never quote the text: a broken
// quote would otherwise carry most of a private key into a status reply.
// (Hand-written rather than a regexp: package regexp would cost the router
// build about 200 KB.)
func secretName(unit []byte) (string, bool) {
	for line := range strings.Lines(string(unit)) {
		s := strings.TrimLeft(line, " \t")
		kw := strings.IndexAny(s, " \t")
		if kw < 0 {
			continue
		}
		switch s[:kw] {
		case "option", "list", "o", "l":
		default:
			continue
		}
		s = strings.TrimLeft(s[kw:], " \t")
		if s != "" && (s[0] == '\'' || s[0] == '"') {
			s = s[1:]
		}
		n := 0
		for n < len(s) && isNameByte(s[n]) {
			n++
		}
		name := s[:n]
		for _, w := range []string{"key", "psk", "passw", "secret"} {
			if strings.Contains(name, w) {
				return name, true
			}
		}
	}
	return "", false
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// redactSecret drops the quoted token from err when unit (the lines the
// failing command spans) sets a secret option, and names the option
// instead.
func redactSecret(err error, unit []byte) error {
	var pe *ParseError
	if !errors.As(err, &pe) {
		return err
	}
	name, ok := secretName(unit)
	if !ok {
		return err
	}
	return &ParseError{File: pe.File, Line: pe.Line,
		Msg: fmt.Sprintf("%s (in option %s, whose value is not shown)", pe.Msg, name)}
}

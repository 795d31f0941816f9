package hub

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wghub/wghub/errkind"
)

// MaxNameLen bounds peer names, in characters: long enough for "Anna's
// phone (work, 2024)", short enough for a LuCI table.
const MaxNameLen = 64

// ValidateName checks a peer name: free text as people write it (any
// letters, spaces, apostrophes), 1 to MaxNameLen characters, valid UTF-8,
// no control characters (UCI values cannot hold line breaks) and no spaces
// at either end (they would be invisible in every listing).
func ValidateName(name string) error {
	if printableASCII(name) {
		return nil // the usual name, in one pass (Store checks thousands)
	}
	return validateNameFull(name)
}

// validateNameFull is ValidateName's check of any name.
func validateNameFull(name string) error {
	n := utf8.RuneCountInString(name)
	switch {
	case name == "" || strings.TrimSpace(name) == "":
		return errkind.Invalidf("name", "the peer name is empty")
	case !utf8.ValidString(name):
		return errkind.Invalidf("name", "the peer name is not valid UTF-8 text")
	case n > MaxNameLen:
		return errkind.Invalidf("name", "the peer name is %d characters long, at most %d are allowed", n, MaxNameLen)
	case strings.TrimSpace(name) != name:
		return errkind.Invalidf("name", "the peer name %q starts or ends with a space", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return errkind.Invalidf("name", "the peer name %q contains a control character (U+%04X)", name, r)
		}
	}
	return nil
}

// printableASCII reports whether name is 1 to MaxNameLen bytes of
// printable ASCII with no space at either end: a name ValidateName takes
// and cleanName gives back unchanged.
func printableASCII(name string) bool {
	n := len(name)
	if n == 0 || n > MaxNameLen || name[0] == ' ' || name[n-1] == ' ' {
		return false
	}
	for i := 0; i < n; i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// SameName reports whether two names would be taken for one: names differ
// in more than case.
func SameName(a, b string) bool { return strings.EqualFold(a, b) }

// cleanName makes a name read from a file (a hand or LuCI edit) one that
// ValidateName accepts: control characters (a UCI value may span lines)
// become spaces, so that no name can add lines to an exported config, and
// it is cut to MaxNameLen characters.
func cleanName(s string) string {
	if printableASCII(s) {
		return s // the usual name, already clean (Load cleans thousands)
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= MaxNameLen {
		return s
	}
	if r := []rune(s); len(r) > MaxNameLen {
		s = strings.TrimSpace(string(r[:MaxNameLen]))
	}
	return s
}

// PeerID turns a peer's name into a token of letters, digits and '_', for
// identifiers such as doctor check names ("peer_Anna_s_phone"). It is not
// the peer's UCI id (Peer.ID): names are free text and may change.
func PeerID(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

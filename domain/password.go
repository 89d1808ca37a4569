package domain

import (
	"strings"
	"unicode/utf8"
)

// Limits on a new password (SetPassword, ChangePassword, a password given
// at creation). The upper bound keeps a pasted file from being hashed; the
// lower one is NIST SP 800-63B's minimum for a chosen password.
const (
	MinPasswordLen = 8   // characters
	MaxPasswordLen = 256 // bytes
)

// ValidatePassword checks a new password before it is hashed, so a form or
// the CLI can refuse it before creating the user it belongs to.
func ValidatePassword(password string) error {
	if !utf8.ValidString(password) {
		return Errorf(EInvalid, "password: not valid UTF-8")
	}
	if n := utf8.RuneCountInString(password); n < MinPasswordLen {
		return Errorf(EInvalid, "password: at least %d characters (got %d)", MinPasswordLen, n)
	}
	if len(password) > MaxPasswordLen {
		return Errorf(EInvalid, "password: at most %d bytes", MaxPasswordLen)
	}
	if strings.ContainsFunc(password, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return Errorf(EInvalid, "password: control characters (such as a newline) are not allowed")
	}
	return nil
}

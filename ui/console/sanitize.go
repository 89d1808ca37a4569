package console

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"gatehouse/domain"
)

// safeFrame is the last step of every frame the console draws (locally or
// over SSH): the only escape sequences our own styling writes are SGR
// (ESC [ … m, colours and bold), so those and newlines pass, and any other
// control character — ESC starting CSI or OSC sequences, CR, BEL, DEL, the
// C1 range, the bidirectional controls (domain.BidiControl: an RLO would
// reverse the rest of a row), bytes that are not UTF-8 — is shown as text
// (\x1b, \r, \u009b, \u202e).
// Stored text that slipped past the store's checks (an older file, a
// restored export) can then never clear the screen, move the cursor or
// retitle the window; tables and the status line escape their text before
// this (domain.Printable), so even colours from stored text show as text.
func safeFrame(s string) string {
	if frameClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 64)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\n' || c == '\t':
			b.WriteByte(c)
			i++
		case c == 0x1b:
			if n := sgrLen(s[i:]); n > 0 {
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
			b.WriteString(`\x1b`)
			i++
		case c < 0x20 || c == 0x7f:
			if c == '\r' {
				b.WriteString(`\r`)
			} else {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
			i++
		case c < 0x80:
			b.WriteByte(c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && n <= 1:
				fmt.Fprintf(&b, `\x%02x`, c)
			case r >= 0x80 && r <= 0x9f, domain.BidiControl(r):
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				b.WriteString(s[i : i+n])
			}
			i += n
		}
	}
	return b.String()
}

// frameClean is safeFrame's fast path: true when s holds nothing to escape.
func frameClean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f):
			i++
		case c == 0x1b:
			n := sgrLen(s[i:])
			if n == 0 {
				return false
			}
			i += n
		case c < 0x80:
			return false
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && n <= 1) || (r >= 0x80 && r <= 0x9f) || domain.BidiControl(r) {
				return false
			}
			i += n
		}
	}
	return true
}

// sgrLen is the length of the SGR sequence (ESC [ params m) at the start
// of s, or 0 when s does not start with one.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for j := 2; j < len(s); j++ {
		switch c := s[j]; {
		case c == 'm':
			return j + 1
		case (c >= '0' && c <= '9') || c == ';' || c == ':':
		default:
			return 0
		}
	}
	return 0
}

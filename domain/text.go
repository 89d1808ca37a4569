package domain

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Stored text reaches terminals (the CLI's output, the console over a local
// tty or SSH) and spreadsheets (CSV exports and reports). A control
// character there is an instruction, not text: ESC starts a CSI or OSC
// sequence that can erase rows or retitle the window, CR overwrites a line,
// and the C1 range (U+0080–U+009F) holds single-character forms of the
// same introducers. So single-line fields refuse every control character at
// the store (CheckLine), multi-line fields allow only \n and \t (CheckText),
// and whatever is already stored is shown through Printable or
// PrintableText, never raw.
//
// Unicode's bidirectional controls count as control characters too: the
// embeddings and overrides U+202A–U+202E (an RLO shows
// "photo\u202egnp.exe" as "photoexe.png"), the isolates U+2066–U+2069 and
// the marks U+200E, U+200F and U+061C (the Bidi_Control property). A
// terminal that lays out right-to-left text obeys them, so a username, a
// group name or a title could read as something it is not (Trojan Source,
// CVE-2021-42574).

// controlRune reports whether r is a C0 control, DEL, a C1 control or a
// bidirectional control.
func controlRune(r rune) bool { return unicode.IsControl(r) || BidiControl(r) }

// BidiControl reports whether r is one of Unicode's bidirectional
// controls (Bidi_Control: U+061C, U+200E, U+200F, U+202A–U+202E,
// U+2066–U+2069), which reorder the text around them where shown.
func BidiControl(r rune) bool { return r >= 0x61c && unicode.Is(unicode.Bidi_Control, r) }

// CheckLine refuses a single-line field value holding a control character
// (C0 including tab, CR and LF; DEL; C1; a bidirectional control) or bytes
// that are not UTF-8. The error names the field and shows the character
// escaped.
func CheckLine(field, value string) error {
	return checkChars(field, value, func(r rune) bool { return controlRune(r) })
}

// CheckText refuses a multi-line field value (a description, a message, a
// work report) holding a control character other than newline and tab (a
// bidirectional control included: one reorders the rest of its line), or
// bytes that are not UTF-8.
func CheckText(field, value string) error {
	return checkChars(field, value, func(r rune) bool { return controlRune(r) && r != '\n' && r != '\t' })
}

func checkChars(field, value string, bad func(rune) bool) error {
	if !utf8.ValidString(value) {
		return Errorf(EInvalid, "%s is not valid UTF-8", field)
	}
	for _, r := range value {
		if bad(r) {
			return Errorf(EInvalid, "%s %s contains the control character %s: control characters are not allowed", field, quoteShort(value), escapeRune(r))
		}
	}
	return nil
}

// quoteShort quotes v for an error message, escaped and cut to 40 runes.
func quoteShort(v string) string {
	p := Printable(v)
	if utf8.RuneCountInString(p) > 40 {
		p = string([]rune(p)[:40]) + "…"
	}
	return `"` + p + `"`
}

// escapeRune is the visible form of one control character: \t, \n, \r by
// name, other C0 and DEL as \xNN, C1 and bidirectional controls as \uNNNN.
func escapeRune(r rune) string {
	switch r {
	case '\t':
		return `\t`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	}
	if r < 0x80 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// Printable renders s for one line of a terminal: every control character
// (newline and tab included, bidirectional controls too) and every byte
// that is not UTF-8 is written as visible text (\x1b, \r, \u009b, \u202e,
// \xff), so stored text never sends a terminal an instruction. A backslash is left alone: the result is for
// reading, not for parsing back.
func Printable(s string) string { return printable(s, false) }

// PrintableText is Printable for multi-line text: newlines and tabs stay.
func PrintableText(s string) string { return printable(s, true) }

func printable(s string, multiline bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (controlRune(r) && !(multiline && (r == '\n' || r == '\t'))) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case controlRune(r) && !(multiline && (r == '\n' || r == '\t')):
			b.WriteString(escapeRune(r))
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// csvFormulaStart holds the first characters that make a spreadsheet read a
// cell as a formula (OWASP's CSV injection list).
const csvFormulaStart = "=+-@\t\r"

// CSVCell makes a value safe as a CSV cell for a spreadsheet: a value that
// begins with = + - @ tab or CR is prefixed with a single quote, so it is
// shown as text and never evaluated (OWASP's rule). A value that already
// begins with a quote gets one more, so UnCSVCell can tell the two apart
// (a spreadsheet hides the first quote, showing the value as it is).
// CSVWriter calls it on every cell; imports call UnCSVCell.
func CSVCell(s string) string {
	if s != "" && (s[0] == '\'' || strings.IndexByte(csvFormulaStart, s[0]) >= 0) {
		return "'" + s
	}
	return s
}

// UnCSVCell reverses CSVCell: a leading single quote followed by a formula
// character or another quote is dropped, so export → import gives back the
// value. A quote before anything else is part of the value ('quoted).
func UnCSVCell(s string) string {
	if len(s) >= 2 && s[0] == '\'' && (s[1] == '\'' || strings.IndexByte(csvFormulaStart, s[1]) >= 0) {
		return s[1:]
	}
	return s
}

package domain

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckLineAndCheckText(t *testing.T) {
	bad := map[string]string{"ESC": "\x1b", "CSI": "\x1b[2J", "OSC": "\x1b]0;t\x07", "CR": "\r", "BEL": "\x07",
		"DEL": "\x7f", "C1": "\u009b", "NUL": "\x00", "LF": "\n", "TAB": "\t"}
	for kind, seq := range bad {
		err := CheckLine("team name", "a"+seq+"b")
		if ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), "team name") {
			t.Errorf("CheckLine %s = %v", kind, err)
		}
		err = CheckText("description", "a"+seq+"b")
		if kind == "LF" || kind == "TAB" {
			if err != nil {
				t.Errorf("CheckText %s = %v, want allowed", kind, err)
			}
		} else if ErrorCode(err) != EInvalid {
			t.Errorf("CheckText %s = %v", kind, err)
		}
	}
	if err := CheckLine("f", "Zoë – 東京 🙂"); err != nil {
		t.Errorf("ordinary text refused: %v", err)
	}
	if err := CheckLine("f", "a\xffb"); err == nil {
		t.Error("bytes that are not UTF-8 were accepted")
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain 東京":         "plain 東京",
		"a\x1b[2Jb":        `a\x1b[2Jb`,
		"\x1b]0;pwned\x07": `\x1b]0;pwned\x07`,
		"over\rwrite":      `over\rwrite`,
		"del\x7f":          `del\x7f`,
		"c1\u009b31m":      `c1\u009b31m`,
		"two\nlines\tx":    `two\nlines\tx`,
		"bad\xffbyte":      `bad\xffbyte`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	if got := PrintableText("two\nlines\tx\x1b"); got != "two\nlines\tx\\x1b" {
		t.Errorf("PrintableText kept or escaped the wrong things: %q", got)
	}
}

func TestCSVCellRoundTrip(t *testing.T) {
	for _, v := range []string{"=HYPERLINK(\"http://x\",\"y\")", "+1 555 0100", "-2+3", "@SUM(A1)", "\tx", "\rx",
		"plain", "", "'quoted'", "O'Brien", "'=already"} {
		c := CSVCell(v)
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			t.Errorf("CSVCell(%q) = %q still starts a formula", v, c)
		}
		if back := UnCSVCell(c); back != v {
			t.Errorf("UnCSVCell(CSVCell(%q)) = %q", v, back)
		}
	}
	if UnCSVCell("'quoted") != "'quoted" || UnCSVCell("O'Brien") != "O'Brien" {
		t.Error("a quote that does not guard a formula character was removed")
	}
}

// bidiControls are Unicode's Bidi_Control characters: embeddings and
// overrides, isolates, and the marks.
var bidiControls = []rune{0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c}

// A right-to-left override makes "Admins\u202enimdA" read otherwise on a
// terminal that lays out bidirectional text: single-line and multi-line
// fields refuse every bidirectional control as a control character, naming
// the field and showing it escaped; stored ones are shown escaped; text in
// right-to-left scripts without them passes.
func TestBidiControlsAreControlCharacters(t *testing.T) {
	for _, r := range bidiControls {
		v := "gnp" + string(r) + ".exe"
		esc := fmt.Sprintf(`\u%04x`, r)
		err := CheckLine("group name", v)
		if ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), "group name") || !strings.Contains(err.Error(), "control character "+esc) {
			t.Errorf("CheckLine %U = %v", r, err)
		}
		if err := CheckText("description", "line\n"+v); ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), esc) {
			t.Errorf("CheckText %U = %v", r, err)
		}
		if got, want := Printable(v), `gnp`+esc+`.exe`; got != want {
			t.Errorf("Printable(%q) = %q, want %q", v, got, want)
		}
		if got, want := PrintableText("a\n"+v), "a\ngnp"+esc+".exe"; got != want {
			t.Errorf("PrintableText = %q, want %q", got, want)
		}
		// mail: a subject becomes a title, a body a description
		if got := PrintableLine("Re: "+v, 100); got != "Re: gnp .exe" {
			t.Errorf("PrintableLine kept %U: %q", r, got)
		}
		if got := CleanText("x" + string(r) + "y\n"); got != "xy" {
			t.Errorf("CleanText kept %U: %q", r, got)
		}
	}
	for _, ok := range []string{"שלום עולם", "مرحبا بالعالم", "Zoë – 東京", "a\u200db"} { // ZWJ is no bidi control
		if err := CheckLine("name", ok); err != nil {
			t.Errorf("CheckLine(%q) = %v", ok, err)
		}
		if Printable(ok) != ok {
			t.Errorf("Printable(%q) = %q", ok, Printable(ok))
		}
	}
}

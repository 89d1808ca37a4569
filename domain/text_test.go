package domain

import (
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

package console

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"

	tea "charm.land/bubbletea/v2"
	bolt "go.etcd.io/bbolt"

	"gatehouse/domain"
)

// sgr matches the styling sequences the console itself writes.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// rawControl reports a control character other than newline and tab left
// after our own styling is taken out: what a terminal would act on.
func rawControl(s string) bool {
	return strings.IndexFunc(sgr.ReplaceAllString(s, ""), func(r rune) bool {
		return (unicode.IsControl(r) || domain.BidiControl(r)) && r != '\n' && r != '\t'
	}) >= 0
}

// TestLegacyControlCharactersShowEscapedInConsole: a building name stored
// with control characters before the store refused them (an older file)
// reaches the frame escaped, in the list, the detail view and the status
// line, with colours on (the frame still holds our own SGR styling, but
// not the stored text's: its conceal sequence ESC[8m is shown as text).
func TestLegacyControlCharactersShowEscapedInConsole(t *testing.T) {
	db := openStore(t)
	hostile := `East\x1b[2J\x1b]0;pwned\x07\r\u009bX\x1b[8mhidden`
	err := db.Bolt().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("buildings"))
		return b.ForEach(func(k, v []byte) error {
			if !bytes.Contains(v, []byte(`"East Elementary"`)) {
				return nil
			}
			return b.Put(k, bytes.Replace(v, []byte(`"East Elementary"`), []byte(`"East\u001b[2J\u001b]0;pwned\u0007\r\u009bX\u001b[8mhidden"`), 1))
		})
	})
	must(t, err)
	m := New(Config{Service: session(t, db, "admin"), Now: fixedNow, ViewAs: viewAsFor(db, "admin")}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	settle(m, tea.BatchMsg{m.switchTo("buildings", "")})
	for _, step := range []string{"list", "detail", "status"} {
		switch step {
		case "detail":
			settle(m, tea.BatchMsg{m.key(tea.KeyPressMsg{Code: tea.KeyEnter})})
		case "status":
			m.c.Fail(errors.New("building \x1b]0;pwned\x07 is busy"))
		}
		v := m.View().Content
		if rawControl(v) || strings.Contains(v, "\x1b[8m") {
			t.Errorf("%s: raw control characters reach the terminal:\n%q", step, v)
		}
		want := map[string]string{"list": `East\x1b[2J\x1b]0;pwn`, "detail": hostile, "status": `building \x1b]0;pwned\x07 is busy`}[step]
		if !strings.Contains(v, want) {
			t.Errorf("%s: the text is not shown escaped:\n%s", step, v)
		}
	}
}

// TestLegacyBidiControlsShowEscapedInConsole: a building name stored with
// a right-to-left override (an older file) is shown escaped in the list
// and the detail view, never reordering the row.
func TestLegacyBidiControlsShowEscapedInConsole(t *testing.T) {
	db := openStore(t)
	must(t, db.Bolt().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("buildings"))
		return b.ForEach(func(k, v []byte) error {
			if !bytes.Contains(v, []byte(`"East Elementary"`)) {
				return nil
			}
			return b.Put(k, bytes.Replace(v, []byte(`"East Elementary"`), []byte(`"East\u202egnp.exe"`), 1))
		})
	}))
	m := New(Config{Service: session(t, db, "admin"), Now: fixedNow, ViewAs: viewAsFor(db, "admin")}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	settle(m, tea.BatchMsg{m.switchTo("buildings", "")})
	for _, step := range []string{"list", "detail"} {
		if step == "detail" {
			settle(m, tea.BatchMsg{m.key(tea.KeyPressMsg{Code: tea.KeyEnter})})
		}
		v := m.View().Content
		if rawControl(v) {
			t.Errorf("%s: a raw bidirectional control reaches the terminal:\n%q", step, v)
		}
		if !strings.Contains(v, `East\u202egnp.exe`) {
			t.Errorf("%s: the name is not shown escaped:\n%s", step, v)
		}
	}
}

// TestLegacyTicketTitleShowsEscapedInConsole: the case — a ticket
// title holding a window-title sequence and a CR, in an administrator's
// ticket list and the ticket's detail.
func TestLegacyTicketTitleShowsEscapedInConsole(t *testing.T) {
	db := openStore(t)
	_, err := session(t, db, "bob").CreateTicket(t.Context(), domain.NewTicket{Title: "okTITLE", Building: "EAST"})
	must(t, err)
	must(t, db.Bolt().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("tickets"))
		return b.ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte("okTITLE")) { // same length: titles are length-prefixed
				return b.Put(k, bytes.Replace(v, []byte("okTITLE"), []byte("\x1b]0;p\x07\r"), 1))
			}
			return nil
		})
	}))
	m := New(Config{Service: session(t, db, "admin"), Now: fixedNow, ViewAs: viewAsFor(db, "admin")}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	settle(m, tea.BatchMsg{m.switchTo("tickets", "")})
	for _, step := range []string{"list", "detail"} {
		if step == "detail" {
			settle(m, tea.BatchMsg{m.key(tea.KeyPressMsg{Code: tea.KeyEnter})})
		}
		v := m.View().Content
		if rawControl(v) {
			t.Errorf("%s: raw control characters reach the terminal:\n%q", step, v)
		}
		if !strings.Contains(v, `\x1b]0;p\x07\r`) {
			t.Errorf("%s: the title is not shown escaped:\n%s", step, v)
		}
	}
}

// TestConsoleSavesNeverReplaceTheDataFile: the console's attachment and
// report saves (both writeNew) refuse the data file the console has open,
// naming it, and leave it as it was.
func TestConsoleSavesNeverReplaceTheDataFile(t *testing.T) {
	db := openStore(t)
	svc := session(t, db, "admin")
	tk, err := svc.CreateTicket(t.Context(), domain.NewTicket{Title: "t", Building: "EAST"})
	must(t, err)
	a, err := svc.Attach(t.Context(), tk.Number, "note.txt", []byte("hello"))
	must(t, err)
	before, err := os.Stat(db.Path())
	must(t, err)
	_, err = saveAttachment(t.Context(), svc, tk.Number, a.ID, db.Path())
	for name, err := range map[string]error{"attachment": err, "report": writeNew(db.Path(), []byte("csv"))} {
		if err == nil || !strings.Contains(err.Error(), "it is the data file this gatehouse has open") {
			t.Errorf("%s saved over the data file: %v", name, err)
		}
	}
	if after, err := os.Stat(db.Path()); err != nil || !os.SameFile(before, after) || after.Size() != before.Size() {
		t.Fatal("the data file was replaced")
	}
}

func TestSafeFrameKeepsStylingAndEscapesTheRest(t *testing.T) {
	for in, want := range map[string]string{
		"plain\nlines":                 "plain\nlines",
		"\x1b[1;38;2;1;2;3mbold\x1b[m": "\x1b[1;38;2;1;2;3mbold\x1b[m",
		"a\x1b[2Jb":                    `a\x1b[2Jb`,
		"\x1b]0;t\x07":                 `\x1b]0;t\x07`,
		"cr\rx\x7f\u009bq\xff":         `cr\rx\x7f\u009bq\xff`,
		"\x1b[31m\x1b[H\x1b[0m":        "\x1b[31m\\x1b[H\x1b[0m",
		"gnp\u202e.exe \u2066\u200f":   `gnp\u202e.exe \u2066\u200f`,
		"שלום \x1b[1mok\x1b[m":         "שלום \x1b[1mok\x1b[m",
	} {
		if got := safeFrame(in); got != want {
			t.Errorf("safeFrame(%q) = %q, want %q", in, got, want)
		}
	}
}

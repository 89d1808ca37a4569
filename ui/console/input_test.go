package console

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// TestInputGolden renders the form behaviours of "input that behaves": a
// pick field narrowed by typing, a choice narrowed by typing, a pasted
// multi-line description and the question esc asks on a changed form.
func TestInputGolden(t *testing.T) {
	cases := []struct {
		name    string
		tickets bool
		keys    []string
		wait    string
		more    []string
		paste   string
		then    string // shown once the keys' work arrived (a pick's items)
	}{
		{name: "pick_group", keys: []string{"4", "J"}, wait: "Join a group", more: []string{"t"}, then: "▸ Technical Coordinator"},
		{name: "choice_narrow", tickets: true, keys: []string{"2", "n"}, wait: "Report a problem", more: []string{"tab", "tab", "w"}},
		{name: "report_multiline", tickets: true, keys: []string{"2", "n"}, wait: "Report a problem",
			more: []string{"Printer offline", "tab"}, paste: "Second floor printer.\nShows error 41.\nRestarted twice."},
		{name: "settings_labels_whole", keys: []string{"9", "e"}, wait: "Organization settings"},
		{name: "discard_ask", keys: []string{"4", "e"}, wait: "Edit user", more: []string{"tab", "Bart", "esc"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachSize(t, func(t *testing.T, w, h int) {
				db := openStore(t)
				if c.tickets {
					db = openTicketStore(t)
				}
				d := start(t, db, "admin", w, h)
				d.keys(c.keys...)
				d.waitFor(c.wait)
				d.keys(c.more...)
				if c.paste != "" {
					d.tm.Send(tea.PasteMsg{Content: c.paste})
				}
				if c.then != "" {
					d.waitFor(c.then)
				}
				d.golden()
			})
		})
	}
}

// Typing narrows a pick field's groups; enter takes the highlighted one
// and a second enter saves.
func TestFormPickTakesTheHighlightedGroup(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("4", "J")
	d.waitFor("Join a group")
	d.keys("princ")
	d.waitFor("▸ Principals")
	d.keys("enter")
	d.waitUntil("the group taken", func(s string) bool {
		return strings.Contains(s, "[Principals") && !strings.Contains(s, "▸ Principals")
	})
	d.keys("enter")
	d.waitFor("joined Principals")
}

// A pasted description keeps its lines all the way to the store.
func TestReportDescriptionKeepsPastedLines(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("2", "n")
	d.waitFor("Report a problem")
	d.keys("Printer offline", "tab")
	d.tm.Send(tea.PasteMsg{Content: "Second floor.\r\nError 41."})
	d.keys("enter", "Restarted.", "ctrl+s")
	s := d.waitFor("✓ reported")
	label := strings.Fields(s[strings.Index(s, "✓ reported")+len("✓ reported"):])[0]
	n, err := strconv.ParseUint(strings.TrimLeft(strings.TrimPrefix(label, "T-"), "0"), 10, 64)
	must(t, err)
	if tk := ticket(t, db, n); tk.Title != "Printer offline" || tk.Description != "Second floor.\nError 41.\nRestarted." {
		t.Fatalf("%s stored %q: %q", label, tk.Title, tk.Description)
	}
}

// esc on a changed form asks; n keeps editing with the text, y discards.
func TestEscOnChangedFormAsks(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("4", "e")
	d.waitFor("Edit user")
	d.keys("tab", "Bart", "esc")
	d.waitFor("Discard what you typed?")
	d.keys("n")
	s := d.waitUntil("the form kept", func(s string) bool { return !strings.Contains(s, "Discard what you typed?") })
	if !strings.Contains(s, "[Bart") {
		t.Fatalf("n lost the typed text:\n%s", s)
	}
	d.keys("esc", "y")
	d.waitUntil("the form closed", func(s string) bool { return !strings.Contains(s, "Edit user") })
	// an unchanged form closes at once
	d.keys("e")
	d.waitFor("Edit user")
	d.keys("esc")
	d.waitUntil("the form closed", func(s string) bool { return !strings.Contains(s, "Edit user") })
}

// A burst of down keys that crosses page boundaries moves exactly as many
// rows as keys: the keys that come while a page loads move on the new page.
func TestTicketsKeyBurstAcrossPagesMovesAsManyRows(t *testing.T) {
	db := openTicketStore(t)
	admin := session(t, db, "admin")
	for i := 1; i <= 40; i++ {
		_, err := admin.CreateTicket(t.Context(), domain.NewTicket{Title: fmt.Sprintf("Burst %02d", i), Building: "WEST"})
		must(t, err)
	}
	eachSize(t, func(t *testing.T, w, h int) {
		d := start(t, db, "admin", w, h)
		d.keys("2", "/", " Burst", "enter")
		d.waitFor("of 40")
		d.keys(repeat("down", 37)...) // newest first: Burst 40 … Burst 03
		d.waitUntil("the cursor on Burst 03", func(s string) bool {
			for _, l := range strings.Split(s, "\n") {
				if strings.HasPrefix(l, "▸") {
					return strings.Contains(l, "Burst 03") && !strings.Contains(s, "loading…")
				}
			}
			return false
		})
	})
}

// An empty result says "Tickets 0 of 0", not a range from 0 to 0.
func TestTicketsEmptyHeader(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("2", "/", " nothing-matches-this", "enter")
	s := d.waitFor("Tickets 0 of 0")
	if strings.Contains(s, "0–0") {
		t.Fatalf("empty range shown:\n%s", s)
	}
}

// A thread with one message says "1 message".
func TestDiscussionSingularMessage(t *testing.T) {
	db := openTicketStore(t)
	seedDiscussion(t, db)
	d := start(t, db, "carol", 120, 40)
	d.openTab("T-000001", "Discussion")
	d.keys("G", "r")
	d.waitFor("Post in thread “Loaner printer”")
	d.keys("Second floor has one", "ctrl+s")
	s := d.waitFor("# Loaner printer — carol, 2026-03-02 09:00 · 1 message")
	if strings.Contains(s, "1 messages") {
		t.Fatalf("plural for one:\n%s", s)
	}
}

// The demo opens on Home, whatever the owner's start screen, with a
// one-line hint of where everything is.
func TestDemoOpensOnHomeWithHint(t *testing.T) {
	db := openStore(t)
	eachSize(t, func(t *testing.T, w, h int) {
		d := startWith(t, Config{Service: session(t, db, "admin"), Feed: db, Now: fixedNow, NoColor: true, StartOnHome: true}, w, h)
		d.waitFor(": commands · ? help")
		d.golden()
	})
}

// cursorLine is the table row under the cursor (▸) on screen s.
func cursorLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "▸") {
			return l
		}
	}
	return ""
}

// After a create or duplicate the cursor sits on the new row; after a
// delete, on the row that came after the deleted one.
func TestCursorFollowsCreateDuplicateDelete(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("5")
	d.waitFor("Global")
	d.keys("n", "Zebras", "ctrl+s")
	d.waitUntil("the cursor on the new team", func(s string) bool { return strings.Contains(cursorLine(s), "Zebras") })
	d.keys("D", "ctrl+s")
	d.waitUntil("the cursor on the copy", func(s string) bool { return strings.Contains(cursorLine(s), "Copy of Zebras") })
	// delete the copy: the cursor moves to the row that followed it
	s := d.screen()
	lines := strings.Split(s, "\n")
	var next string
	for i, l := range lines {
		if strings.HasPrefix(l, "▸") && i+1 < len(lines) {
			next = strings.Fields(lines[i+1])[0]
		}
	}
	if next == "" {
		t.Fatalf("no row after the copy:\n%s", s)
	}
	d.keys("d")
	d.waitFor("Delete team Copy of Zebras?")
	d.keys("y")
	d.waitFor("deleted team Copy of Zebras")
	d.waitUntil("the cursor on "+next, func(s string) bool { return strings.Contains(cursorLine(s), next) })
}

// esc cancels a filter edit: the query or search goes back to the one in
// force before /; on the users list, esc then drops the filter.
func TestEscCancelsAFilter(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("2")
	before := d.waitFor("Tickets 1–")
	d.keys("/", " nothing-matches-this")
	d.waitFor("Tickets 0 of 0")
	d.keys("esc")
	s := d.waitUntil("the query from before", func(s string) bool {
		return !strings.Contains(s, "nothing-matches-this") && strings.Contains(s, "Tickets 1–")
	})
	if cursorLine(s) != cursorLine(before) {
		t.Fatalf("the queue did not come back:\n%s", s)
	}
	d.keys("4", "/", "ali", "enter")
	d.waitUntil("alice alone", func(s string) bool { return strings.Contains(s, "alice") && !strings.Contains(s, "carol") })
	d.keys("/", "zzz", "esc")
	d.waitUntil("the search from before", func(s string) bool {
		return strings.Contains(s, "alice") && !strings.Contains(s, "alizzz") && !strings.Contains(s, "carol")
	})
	d.keys("esc")
	d.waitFor("carol")
	// the audit trail: esc leaves the line showing the filter in force
	d.keys("8", "/", "user:nobody")
	d.waitFor("user:nobody")
	d.keys("esc")
	d.waitUntil("no filter shown", func(s string) bool { return strings.Contains(s, "Audit trail · ") && !strings.Contains(s, "nobody") })
}

// The pick fields of the ticket screens (visible-to groups, alert users)
// get their items: the items' message reaches forms nested in the queue
// and the detail's panes.
func TestTicketPickFieldsLoad(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("2")
	d.waitFor("Printer jammed")
	d.keys("v")
	d.waitFor("Visible to: ")
	d.keys("end", ", techn")
	d.waitFor("▸ Technical Coordinator")
	d.keys("down")
	d.waitFor("▸ Technicians")
	d.keys("enter")
	d.waitUntil("Technicians appended", func(s string) bool {
		return strings.Contains(s, "Technicians") && !strings.Contains(s, "▸ Technicians")
	})
	d.keys("esc", "y")
	d.openTab("T-000001", "Alerts")
	d.keys("e", "tab")
	d.keys("end", ", ca")
	d.waitFor("▸ carol")
}

// Typing on a choice narrows its options; enter takes the highlighted one.
func TestChoiceNarrowTakesOption(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("2", "n")
	d.waitFor("Report a problem")
	d.keys("tab", "tab", "we")
	d.waitFor("▸ WEST")
	d.keys("enter")
	s := d.waitFor("< WEST >")
	if strings.Contains(s, "▸ WEST") {
		t.Fatalf("the list stayed open:\n%s", s)
	}
	// nothing matching: enter closes the list and keeps the choice
	d.keys("zz")
	d.waitFor("nothing matches")
	d.keys("enter")
	d.waitUntil("the list closed", func(s string) bool { return !strings.Contains(s, "nothing matches") && strings.Contains(s, "< WEST >") })
}

package console

import (
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
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

package console

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
	"gatehouse/keymap"
	"gatehouse/store"
)

// twoAdmins is openStore's district with a Helpdesk group that may report
// problems and notifies nobody, and a second superuser, su2, who changes it
// through the service while admin has it open in the console.
func twoAdmins(t *testing.T) (*store.DB, domain.Service) {
	t.Helper()
	db := openStore(t)
	admin := session(t, db, "admin")
	_, err := admin.CreateGroup(t.Context(), domain.Group{Name: "Helpdesk", Description: "First line",
		Flags: domain.FlagSetOf(domain.TicketReport)}, false)
	must(t, err)
	_, err = admin.CreateUser(t.Context(), domain.User{Username: "su2", First: "Sam", Last: "Second", Superuser: true})
	must(t, err)
	must(t, admin.Join(t.Context(), "su2", "Technical Coordinator", time.Time{}, ""))
	return db, session(t, db, "su2")
}

// openGroup opens a group's detail from the Groups list.
func openGroup(d *driver, name string) {
	d.t.Helper()
	d.keys("3", "g")
	for range 20 {
		if rowSelected(d.screen(), name) {
			break
		}
		d.keys("j")
	}
	d.keys("enter")
	d.waitFor("Group " + name)
}

// rowSelected: the highlighted row (▸) names name.
func rowSelected(s, name string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "▸") && strings.Contains(l, name) {
			return true
		}
	}
	return false
}

// revokeReport is su2 unticking Report a Problem on Helpdesk and saving.
func revokeReport(t *testing.T, su2 domain.Service) {
	t.Helper()
	g := group(t, su2, "Helpdesk")
	var p domain.GroupPatch
	p.SetFlag(domain.TicketReport, false)
	_, err := su2.UpdateGroup(t.Context(), g.ID, p, false)
	must(t, err)
}

// tickReport moves the Privileges matrix's cursor to Report a Problem and
// ticks it.
func tickReport(d *driver) {
	d.t.Helper()
	d.keys(repeat("right", flagCell(d.t, "ticket.report"))...)
	d.keys("space")
	d.waitFor("[x] Report a Problem")
}

// The headline case of two administrators: admin opens Helpdesk, su2
// revokes Report a Problem, admin ticks it again and ticks a notification
// box, and saves. The save is refused whole and the conflict screen shows
// Report a Problem with su2's value (who, when) and admin's; nothing is
// written. Taking theirs saves the rest: the revocation stays and the
// notification tick lands.
func TestConflictGroupMatrixGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db, su2 := twoAdmins(t)
		d := start(t, db, "admin", w, h)
		openGroup(d, "Helpdesk")
		d.waitFor("[x] Report a Problem")
		revokeReport(t, su2)
		d.waitFor("[ ] Report a Problem") // the change shows at once
		tickReport(d)
		d.keys("tab", "tab") // Notifications
		d.waitFor("[ ] Notify: New ticket")
		d.keys("space", "ctrl+s")
		s := d.waitFor("Conflict · group Helpdesk")
		for _, want := range []string{"Report a Problem", "theirs  no", "su2 · 2026-03-02 09:00", "yours   yes"} {
			if !strings.Contains(s, want) {
				t.Errorf("the conflict screen lacks %q:\n%s", want, s)
			}
		}
		g := group(t, su2, "Helpdesk")
		if g.Flags.Has(domain.TicketReport) || len(g.Notify.Events) != 0 {
			t.Fatalf("a refused save wrote: flags %v, events %v", g.Flags.IDs(), g.Notify.Events)
		}
		goldenIn(t, d, "conflict")
		d.keys("t", "ctrl+s")
		d.waitFor("saved group Helpdesk; kept theirs for Report a Problem")
		g = group(t, su2, "Helpdesk")
		if g.Flags.Has(domain.TicketReport) {
			t.Fatal("taking theirs brought Report a Problem back")
		}
		if !slices.Equal(g.Notify.Events, []domain.Event{domain.EventNew}) {
			t.Fatalf("the notification tick did not land: %v", g.Notify.Events)
		}
		// the saved group is the base now: another change saves at once
		d.keys("space", "ctrl+s")
		d.waitFor("saved group Helpdesk")
		if s := d.screen(); strings.Contains(s, "Conflict") || strings.Contains(s, "✗") {
			t.Fatalf("a second save conflicted with the first:\n%s", s)
		}
	})
}

// Keep mine on the matrix's conflict (M: yours for every field): the
// patch goes again on the version now stored, and both of admin's changes
// land. ctrl+s before a choice is refused, naming the field; ? lists the
// screen's keys.
func TestConflictGroupMatrixKeepMine(t *testing.T) {
	db, su2 := twoAdmins(t)
	d := start(t, db, "admin", 120, 40)
	openGroup(d, "Helpdesk")
	revokeReport(t, su2)
	d.waitFor("[ ] Report a Problem")
	tickReport(d)
	d.keys("tab", "tab", "space", "ctrl+s")
	d.waitFor("Conflict · group Helpdesk")
	d.keys("ctrl+s") // nothing chosen yet: refused, naming the field
	d.waitFor("Report a Problem: keep yours (m) or take theirs (t) first")
	d.keys("?") // the help lists the conflict screen's keys
	if s := d.waitFor("any key closes help"); !strings.Contains(s, "yours for all") || !strings.Contains(s, "back to draft") {
		t.Fatalf("the help lacks the conflict keys:\n%s", s)
	}
	d.keys("esc")
	d.waitFor("Conflict · group Helpdesk")
	d.keys("M", "ctrl+s")
	d.waitFor("saved group Helpdesk")
	g := group(t, su2, "Helpdesk")
	if !g.Flags.Has(domain.TicketReport) || !slices.Contains(g.Notify.Events, domain.EventNew) {
		t.Fatalf("keep mine: flags %v, events %v", g.Flags.IDs(), g.Notify.Events)
	}
}

// esc on the conflict screen goes back to the draft as it was; d drops it
// after asking, and the group shows as stored.
func TestConflictBackToDraftAndDiscard(t *testing.T) {
	db, su2 := twoAdmins(t)
	d := start(t, db, "admin", 120, 40)
	openGroup(d, "Helpdesk")
	revokeReport(t, su2)
	d.waitFor("[ ] Report a Problem")
	tickReport(d)
	d.keys("ctrl+s")
	d.waitFor("Conflict · group Helpdesk")
	d.keys("esc")
	s := d.waitFor("back to your draft: nothing was saved")
	if !strings.Contains(s, "[x] Report a Problem") || !strings.Contains(s, "unsaved (ctrl+s)") {
		t.Fatalf("esc lost the draft:\n%s", s)
	}
	d.keys("ctrl+s") // the same conflict again: the draft still starts from the version opened
	d.waitFor("Conflict · group Helpdesk")
	d.keys("d")
	d.waitFor("Discard your changes to group Helpdesk?")
	d.keys("y")
	d.waitFor("discarded your changes to group Helpdesk")
	s = d.waitUntil("the group as stored", func(s string) bool { return strings.Contains(s, "[ ] Report a Problem") })
	if strings.Contains(s, "unsaved") {
		t.Fatalf("the draft survived discard:\n%s", s)
	}
	if group(t, su2, "Helpdesk").Flags.Has(domain.TicketReport) {
		t.Fatal("discard wrote the draft")
	}
	// after a discard the detail starts from what is stored: a save lands
	tickReport(d)
	d.keys("ctrl+s")
	d.waitFor("saved group Helpdesk")
}

// No conflict: admin ticks a notification box only (here before su2's
// revocation, so the draft is unsaved when it arrives), su2 revokes Report
// a Problem, admin saves. The revocation shows in admin's matrix at once,
// is not undone by the save, and the status line says admin's change went
// on top of su2's.
func TestAppliedOnTopKeepsTheRevocation(t *testing.T) {
	db, su2 := twoAdmins(t)
	d := start(t, db, "admin", 120, 40)
	openGroup(d, "Helpdesk")
	d.keys("tab", "tab", "space")
	d.waitFor("[x] Notify: New ticket")
	revokeReport(t, su2)
	d.keys("shift+tab", "shift+tab")
	s := d.waitFor("[ ] Report a Problem") // the unsaved draft takes su2's change
	if !strings.Contains(s, "unsaved (ctrl+s)") {
		t.Fatalf("the draft was dropped:\n%s", s)
	}
	d.keys("ctrl+s")
	d.waitFor("Helpdesk was changed by su2 at 2026-03-02 09:00; your changes were applied on top")
	g := group(t, su2, "Helpdesk")
	if g.Flags.Has(domain.TicketReport) {
		t.Fatal("the save brought back the revoked Report a Problem")
	}
	if !slices.Equal(g.Notify.Events, []domain.Event{domain.EventNew}) {
		t.Fatalf("the notification tick did not land: %v", g.Notify.Events)
	}
}

// A field taken from theirs stays out of the edit when the save meets a
// second conflict: su2 changes the description, admin takes theirs, su2
// renames the group before admin saves, admin keeps the name. The
// description su2 wrote stays; admin's name lands.
func TestConflictSecondRoundKeepsEarlierChoices(t *testing.T) {
	db, su2 := twoAdmins(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("3", "g", "j", "j", "e")
	d.waitFor("Edit group Helpdesk")
	change := func(name, desc string) {
		g := group(t, su2, "Helpdesk")
		after := g
		after.Name, after.Description = name, desc
		_, err := su2.UpdateGroup(t.Context(), g.ID, domain.DiffGroup(g, after), false)
		must(t, err)
	}
	change("Helpdesk", "Second line (su2)")
	d.keys("Service desk", "tab", "Front desk", "enter")
	d.waitFor("Conflict · group Helpdesk")
	d.keys("t")
	change("Helpdesk (su2)", "Second line (su2)")
	d.keys("ctrl+s")
	s := d.waitFor("theirs  Helpdesk (su2)")
	if strings.Contains(s, "Description") {
		t.Fatalf("the second round asks about the description again:\n%s", s)
	}
	d.keys("m", "ctrl+s")
	d.waitFor("saved group Service desk; kept theirs for Description")
	g := group(t, su2, "Service desk")
	if g.Description != "Second line (su2)" {
		t.Fatalf("description %q: the field taken from theirs came back", g.Description)
	}
}

// Taking theirs for every field of an edit that changed nothing else
// leaves nothing to save: nothing is written, and the detail shows the
// group as stored, with no unsaved draft.
func TestConflictTheirsForEverythingSavesNothing(t *testing.T) {
	db, su2 := twoAdmins(t)
	d := start(t, db, "admin", 120, 40)
	openGroup(d, "Helpdesk")
	revokeReport(t, su2)
	d.waitFor("[ ] Report a Problem")
	tickReport(d)
	d.keys("ctrl+s")
	d.waitFor("Conflict · group Helpdesk")
	before := group(t, su2, "Helpdesk").Version
	d.keys("T", "ctrl+s")
	d.waitFor("nothing left to save: group Helpdesk keeps what is stored")
	s := d.waitUntil("the group as stored", func(s string) bool { return strings.Contains(s, "[ ] Report a Problem") })
	if strings.Contains(s, "unsaved") {
		t.Fatalf("the draft survived:\n%s", s)
	}
	if v := group(t, su2, "Helpdesk").Version; v != before {
		t.Fatalf("nothing was left to save, yet the group moved from version %d to %d", before, v)
	}
}

// A record not written since versions began names no one: the conflict
// screen and the status line say "someone" and no time, never "—".
func TestConflictNamingNoOne(t *testing.T) {
	c := &Common{Keys: keymap.Default(), Styles: newStyles(true, true), Now: fixedNow}
	var view *conflictView
	cf := &domain.Conflict{Entity: "team", Name: "Ops", Base: 1, Version: 1,
		Fields: []domain.FieldConflict{{Key: "description", Label: "Description", Theirs: "old", Mine: "new"}}}
	if !catchConflict(c, cf, edit{what: "team Ops", view: &view, w: 80, h: 20}) {
		t.Fatal("a conflict of fields opened no view")
	}
	s := ansi.Strip(view.View())
	if !strings.Contains(s, "someone saved it (version 1;") || !strings.Contains(s, "theirs  old  someone\n") || strings.Contains(s, "—") {
		t.Fatalf("the view names no one badly:\n%s", s)
	}
	if msg, _ := c.Status(); !strings.HasPrefix(msg, "not saved: someone changed Description too") {
		t.Fatalf("status %q", msg)
	}
	if catchConflict(c, domain.Errorf(domain.EInvalid, "nope"), edit{view: &view}) {
		t.Fatal("another error opened the conflict view")
	}
}

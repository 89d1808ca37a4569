package console

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// flagCell is the position of a flag in the Privileges matrix (catalog
// order without the modules), i.e. how many "right" presses reach it.
func flagCell(t *testing.T, id string) int {
	t.Helper()
	n := 0
	for _, p := range domain.Catalog {
		if p.IsModule {
			continue
		}
		if p.ID == id {
			return n
		}
		n++
	}
	t.Fatalf("no flag %s", id)
	return 0
}

func repeat(k string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = k
	}
	return out
}

func group(t *testing.T, svc domain.Service, name string) domain.Group {
	t.Helper()
	g, err := svc.Group(t.Context(), name)
	must(t, err)
	return g.Group
}

// openPrincipals opens the Principals group (third row of the list).
func openPrincipals(d *driver) {
	d.keys("3", "g", "j", "j", "enter")
	d.waitFor("Group Principals")
}

func TestMatrixToggleAndSaveChangesStore(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	openPrincipals(d)
	d.keys(repeat("right", flagCell(t, "ticket.close"))...)
	d.keys("space")
	if s := d.screen(); !strings.Contains(s, "[x] Close Problem Report") || !strings.Contains(s, "unsaved (ctrl+s)") {
		t.Fatalf("close not ticked in the draft:\n%s", s)
	}
	if group(t, session(t, db, "admin"), "Principals").Flags.Has(domain.TicketClose) {
		t.Fatal("the store changed before ctrl+s")
	}
	d.keys("ctrl+s")
	d.waitFor("saved group Principals")
	if !group(t, session(t, db, "admin"), "Principals").Flags.Has(domain.TicketClose) {
		t.Fatal("ctrl+s did not save ticket.close")
	}
}

func TestR6_ImpliedBoxCannotBeUntickedAlone(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	openPrincipals(d)
	d.keys(repeat("right", flagCell(t, "discussion.view"))...)
	d.keys("space")
	s := d.screen()
	if !strings.Contains(s, "View Messages is implied by Post Messages (discussion.post): untick Post Messages first (R6)") {
		t.Fatalf("no reason for the implied box:\n%s", s)
	}
	if !strings.Contains(s, "[+] View Messages") || strings.Contains(s, "unsaved") {
		t.Fatalf("the implied box changed:\n%s", s)
	}
	// the reason of the highlighted implied cell stays in the status line
	d.keys("left", "right")
	d.waitFor("discussion.view: implied by Post Messages (discussion.post): untick that first (R6)")
	// unticking the implying flag releases it
	d.keys("right", "space", "ctrl+s")
	d.waitFor("saved group Principals")
	g := group(t, session(t, db, "admin"), "Principals")
	if g.Flags.Has(domain.DiscussionPost) || g.Flags.Closure().Has(domain.DiscussionView) {
		t.Fatalf("post and view should be gone: %v", g.Flags.IDs())
	}
}

func TestR6_DisabledBoxSaysWhy(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	openPrincipals(d)
	d.keys(repeat("right", flagCell(t, "metrics.save-charts"))...)
	d.waitFor("metrics.save-charts: requires Metrics (R6)")
	d.keys("space")
	d.waitFor("Save Group Charts cannot be ticked: requires Metrics (R6)")
	d.keys("left", "space", "right", "space") // Metrics, then Save Group Charts
	s := d.screen()
	if !strings.Contains(s, "[x] Metrics") || !strings.Contains(s, "[x] Save Group Charts") {
		t.Fatalf("metrics then charts should tick:\n%s", s)
	}
}

func TestR4_ElevationWarnsBeforeSaving(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	openPrincipals(d)
	d.keys("tab", "right", "right", "right") // Module levels, Manage Buildings
	d.waitFor("buildings: Edit makes members full administrators (R4)")
	d.keys("space", "space", "ctrl+s") // None → View → Edit
	s := d.waitFor("would make its members full administrators")
	if !strings.Contains(s, "restriction would no longer apply") {
		t.Fatalf("the warning should name the Building Administrator restriction:\n%s", s)
	}
	if group(t, session(t, db, "admin"), "Principals").Levels[domain.ModBuildings] != domain.LevelNone {
		t.Fatal("saved before the confirmation")
	}
	d.keys("y")
	d.waitFor("saved group Principals")
	if group(t, session(t, db, "admin"), "Principals").Levels[domain.ModBuildings] != domain.LevelEdit {
		t.Fatal("confirmed save did not store buildings:edit")
	}
}

func TestMatrixPresetsAndEnableAll(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	openPrincipals(d)
	d.keys("tab", "p")
	d.waitFor("Preset: View Only")
	d.keys("p")
	s := d.waitFor("Preset: Edit & View")
	if !strings.Contains(s, "Manage Users                  [Edit]") || !strings.Contains(s, "Manage Groups                 [View]") {
		t.Fatalf("Edit & View keeps elevating modules at View:\n%s", s)
	}
	d.keys("p", "p") // Admin, then back to the levels before ("Customize" → none here)
	d.waitFor("Preset: No Access")
	d.keys("a")
	d.waitFor("Preset: Admin")
}

// A refused save keeps the draft, shows the store's reason, and leaves the
// store unchanged (R12: only a superuser edits a built-in group).
func TestRefusedSaveKeepsUnsavedChanges(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	_, err := admin.CreateUser(t.Context(), domain.User{Username: "erin", First: "Erin", Last: "Evans"})
	must(t, err)
	must(t, admin.Join(t.Context(), "erin", "District Administrator", fixed.AddDate(1, 0, 0), ""))
	d := start(t, db, "erin", 120, 40)
	d.keys("3", "g", "j", "j", "j", "j", "j", "enter") // Technicians
	d.waitFor("Group Technicians")
	d.keys(repeat("right", flagCell(t, "ticket.delete"))...)
	d.keys("space", "ctrl+s")
	s := d.waitFor("only a superuser edits the built-in group Technicians (R12)")
	if !strings.Contains(s, "[x] Delete Problem Report") || !strings.Contains(s, "unsaved (ctrl+s)") {
		t.Fatalf("the draft was lost after the refused save:\n%s", s)
	}
	if group(t, admin, "Technicians").Flags.Has(domain.TicketDelete) {
		t.Fatal("a refused save changed the store")
	}
	// switching screens and back keeps the draft too
	d.keys("4", "3")
	if s := d.screen(); !strings.Contains(s, "[x] Delete Problem Report") {
		t.Fatalf("draft lost after switching screens:\n%s", s)
	}
	// q asks before losing it
	d.keys("q")
	d.waitFor("Quit and lose unsaved changes on Groups?")
	d.keys("n")
	d.waitFor("cancelled")
}

// A delete the store would refuse is refused before the question, with
// the reason (issue 13: never after "y").
func TestRefusedDeleteShowsReason(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("3", "G", "d") // Users, the last row: a built-in group
	s := d.waitFor("✗ Users is a built-in group and cannot be deleted")
	if strings.Contains(s, "Delete group Users?") {
		t.Fatalf("asked before refusing:\n%s", s)
	}
	if _, err := session(t, db, "admin").Group(t.Context(), "Users"); err != nil {
		t.Fatal("built-in group deleted")
	}
}

func TestGroupEditAndDuplicateKeepPrivileges(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("3", "g", "j", "j", "e", "tab", "end", " and deputies", "enter") // end keeps the selected text
	d.waitFor("saved group Principals")
	d.keys("D", "enter")
	d.waitFor("saved group Copy of Principals")
	admin := session(t, db, "admin")
	for _, name := range []string{"Principals", "Copy of Principals"} {
		g := group(t, admin, name)
		if g.Description != "School principals and deputies" || !g.Flags.Has(domain.DiscussionPost) || !g.BuildingAdmin {
			t.Fatalf("%s lost fields: %+v %v", name, g, g.Flags.IDs())
		}
	}
}

func TestNewGroupOpensItsMatrix(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("3", "n", "Deans", "tab", "tab", "tab", "space", "enter")
	d.waitFor("Group Deans")
	d.keys("space", "ctrl+s") // Report a Problem
	d.waitFor("saved group Deans")
	g := group(t, session(t, db, "admin"), "Deans")
	if !g.BuildingAdmin || !g.Flags.Has(domain.TicketReport) {
		t.Fatalf("stored %+v %v", g, g.Flags.IDs())
	}
}

// R17 in the console: the what-if panel names the guard a draft would
// break, and ctrl+s is refused by the store with nothing saved.
func TestR17_WhatIfShowsTheGuardAndTheSaveIsRefused(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	must(t, admin.Join(t.Context(), "bob", "Principals", time.Time{}, ""))
	_, err := admin.AddGuard(t.Context(), domain.Guard{Name: "sod", Kind: domain.GuardNeverTogether, Privs: []string{"ticket.close", "ticket.report"}})
	must(t, err)
	d := start(t, db, "admin", 120, 40)
	openPrincipals(d)
	d.keys(repeat("right", flagCell(t, "ticket.close"))...)
	d.keys("space", "w")
	d.waitFor(`refused by guard "sod"`)
	d.keys("esc", "ctrl+s")
	d.waitFor("refused (R17)")
	if group(t, session(t, db, "admin"), "Principals").Flags.Has(domain.TicketClose) {
		t.Fatal("a save the guard refuses was stored")
	}
}

// The R4 question lists every member who gains, however many: it scrolls
// instead of keeping the first six (issue 13).
func TestR4_ConfirmationListsEveryoneWhoGains(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	for i := range 30 {
		u := fmt.Sprintf("p%02d", i)
		_, err := admin.CreateUser(t.Context(), domain.User{Username: u})
		must(t, err)
		must(t, admin.Join(t.Context(), u, "Principals", time.Time{}, ""))
	}
	d := start(t, db, "admin", 80, 24)
	openPrincipals(d)
	d.keys("tab", "right", "right", "right", "space", "space", "ctrl+s")
	s := d.waitFor("would make its members full administrators")
	if !strings.Contains(s, "↑↓ pgup/pgdn scroll") {
		t.Fatalf("a long question does not say it scrolls:\n%s", s)
	}
	d.keys(repeat("pgdown", 10)...)
	s = d.waitFor("p29: gains")
	if !strings.Contains(s, "y yes · n/esc no") {
		t.Fatalf("the answer line scrolled away:\n%s", s)
	}
	d.keys("y")
	d.waitFor("saved group Principals")
}

// The R4 question at both sizes, scrolled to its end: the last member who
// gains, the scroll hint and the answer line all show.
func TestR4ConfirmationGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openStore(t)
		admin := session(t, db, "admin")
		for i := range 40 {
			u := fmt.Sprintf("p%02d", i)
			_, err := admin.CreateUser(t.Context(), domain.User{Username: u})
			must(t, err)
			must(t, admin.Join(t.Context(), u, "Principals", time.Time{}, ""))
		}
		d := start(t, db, "admin", w, h)
		openPrincipals(d)
		d.keys("tab", "right", "right", "right", "space", "space", "ctrl+s")
		d.waitFor("would make its members full administrators")
		d.keys(repeat("pgdown", 10)...)
		d.waitFor("p39: gains")
		d.golden()
	})
}

// p on the Privileges tab applies a preset to the module levels, as the
// help bar says, and ctrl+s saves straight from the what-if list.
func TestPrivilegesTabPresetAndSaveFromWhatIf(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	openPrincipals(d)
	s := d.waitFor("p preset")
	if !strings.Contains(s, "[Privileges]") {
		t.Fatalf("not on the Privileges tab:\n%s", s)
	}
	d.keys("p")
	d.waitFor("preset View Only applied to module levels")
	d.keys("w")
	d.waitFor("What-if: saving this draft would change")
	d.keys("ctrl+s")
	d.waitFor("saved group Principals")
	g := group(t, session(t, db, "admin"), "Principals")
	for m := domain.Module(0); m < domain.NumModules; m++ {
		if g.Levels[m] != domain.LevelView {
			t.Fatalf("module %d at %v after View Only", m, g.Levels[m])
		}
	}
	// No Access follows Admin in the cycle
	d.keys("tab", "p", "p", "p")
	d.waitFor("Preset: No Access")
}

// A viewer is refused a form before it opens, naming the privilege.
func TestRefusedBeforeTheForm(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	_, err := admin.CreateGroup(t.Context(), domain.Group{Name: "Viewers", Levels: domain.ModuleLevels{domain.ModGroups: domain.LevelView, domain.ModTeams: domain.LevelView}}, false)
	must(t, err)
	must(t, admin.Join(t.Context(), "bob", "Viewers", time.Time{}, ""))
	d := start(t, db, "bob", 80, 24)
	d.keys("3", "n")
	s := d.waitFor("groups:edit")
	if strings.Contains(s, "New group") {
		t.Fatalf("the form opened for a viewer:\n%s", s)
	}
	d.keys("5", "d")
	s = d.waitFor("teams:edit")
	if strings.Contains(s, "Delete team") {
		t.Fatalf("asked a viewer to delete a team:\n%s", s)
	}
}

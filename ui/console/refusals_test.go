package console

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// viewer gives bob view access to groups, users, teams and buildings and
// nothing to change them.
func viewer(t *testing.T, db *store.DB) {
	t.Helper()
	admin := session(t, db, "admin")
	_, err := admin.CreateGroup(t.Context(), domain.Group{Name: "Viewers", Levels: domain.ModuleLevels{
		domain.ModGroups: domain.LevelView, domain.ModUsers: domain.LevelView,
		domain.ModTeams: domain.LevelView, domain.ModBuildings: domain.LevelView,
		domain.ModOrganization: domain.LevelView, domain.ModSchedules: domain.LevelView}}, false)
	must(t, err)
	must(t, admin.Join(t.Context(), "bob", "Viewers", time.Time{}, ""))
}

// A user who may only view is refused at the key, naming the privilege,
// before any question or form opens, and the footers do not offer the
// changes at all (issue 13).
func TestRefusedBeforeAskingAndFootersOfferOnlyWhatTheUserCanDo(t *testing.T) {
	db := openStore(t)
	viewer(t, db)
	d := start(t, db, "bob", 120, 40)
	for _, c := range []struct{ screen, key, refusal, footerNot string }{
		{"3", "d", "bob lacks Manage Groups edit (groups:edit)", "n new"},
		{"5", "n", "bob lacks Team Management edit (teams:edit)", "n new"},
		{"6", "d", "bob lacks Manage Buildings edit (buildings:edit)", "d delete"},
	} {
		d.keys(c.screen)
		s := d.waitUntil("screen "+c.screen, func(s string) bool { return strings.Contains(s, "enter open") })
		if strings.Contains(s, c.footerNot) {
			t.Errorf("screen %s offers %q to a viewer:\n%s", c.screen, c.footerNot, s)
		}
		d.keys(c.key)
		s = d.waitFor(c.refusal)
		if strings.Contains(s, "y yes") || strings.Contains(s, "?") && strings.Contains(s, "Delete") {
			t.Errorf("screen %s asked before refusing:\n%s", c.screen, s)
		}
	}
	// settings: no edit key; e names the three modules that edit them
	d.keys("9")
	s := d.waitFor("tab next pane")
	if strings.Contains(s, "e edit") {
		t.Errorf("Settings offers e edit to a viewer:\n%s", s)
	}
	d.keys("e")
	d.waitFor("bob lacks Manage Organization, Advanced Reporting Options or Customize Application edit")
	// scheduled tasks: no new, edit or delete in the footer
	d.keys(":", "go sched", "enter")
	s = d.waitFor("Scheduled tasks: 0 · times in")
	if strings.Contains(s, "n new") || strings.Contains(s, "d delete") {
		t.Errorf("Scheduled tasks offers changes to a viewer:\n%s", s)
	}
	// one's own record: joining a group is refused before the form
	d.keys("4", "/", "bob", "enter", "enter")
	s = d.waitFor("User bob")
	if strings.Contains(s, "n new") {
		t.Errorf("bob's own detail offers joining a group:\n%s", s)
	}
	d.keys("n")
	d.waitFor("bob lacks Manage Groups or Manage Users (groups:edit or users:edit) to change memberships")
	if strings.Contains(d.screen(), "Join a group") {
		t.Error("the join form opened before the refusal")
	}
	d.keys("esc")
	// in a group, the matrix keys and save are refused before anything changes
	d.keys("3", "enter")
	d.waitFor("Privileges")
	d.keys("space")
	d.waitFor("bob lacks Manage Groups edit (groups:edit)")
}

// The Users screen of a viewer: no change keys in the footer, and d on a
// user names what changing them needs instead of asking.
func TestUsersViewerGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openStore(t)
		viewer(t, db)
		d := start(t, db, "bob", w, h)
		d.keys("4")
		d.waitFor("Users 1–")
		d.keys("down", "down", "down", "down", "d") // dave, not a technician
		d.waitFor("bob lacks Manage Users edit (users:edit)")
		d.golden()
	})
}

// A group opened by a viewer: the footer offers moving and what-if only,
// and space names groups:edit instead of ticking.
func TestGroupViewerGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openStore(t)
		viewer(t, db)
		d := start(t, db, "bob", w, h)
		d.keys("3")
		d.waitFor("Principals")
		d.keys("enter")
		d.waitFor("Privileges")
		d.keys("space")
		d.waitFor("bob lacks Manage Groups edit (groups:edit)")
		d.golden()
	})
}

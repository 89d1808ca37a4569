package console

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

func TestUsersCreateValidatesFields(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("4", "n", "erin!")
	d.waitFor(`✗ username "erin!": only letters, digits and . _ - @ are allowed`)
	d.keys("backspace", "tab", "Erin", "tab", "Evans", "tab", "not-an-email")
	d.waitFor(`✗ email "not-an-email" is not a valid address`)
	d.keys("enter") // refused: the form stays with every value typed
	s := d.screen()
	if !strings.Contains(s, "[Erin ") || !strings.Contains(s, "[Evans ") || !strings.Contains(s, "▸ Email") {
		t.Fatalf("form lost its values or focus:\n%s", s)
	}
	d.keys(repeat("backspace", len("not-an-email"))...)
	d.keys("erin@example.org", "enter")
	d.waitFor("saved user erin")
	u, err := session(t, db, "admin").User(t.Context(), "erin")
	must(t, err)
	if u.First != "Erin" || u.Email != "erin@example.org" {
		t.Fatalf("stored %+v", u.User)
	}
}

func TestUsersFilterAndJoinWithExpiry(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("4", "/", "bo")
	s := d.waitFor("Users 1–1 of 1")
	if !strings.Contains(s, "bob") || strings.Contains(s, "alice") {
		t.Fatalf("live filter should leave only bob:\n%s", s)
	}
	d.keys("enter", "enter", "n", "Principals", "tab", "tab", "2026-03-20", "tab", "trial", "enter")
	d.waitFor("bob joined Principals")
	ms, err := session(t, db, "admin").Memberships(t.Context(), "bob")
	must(t, err)
	found := false
	for _, m := range ms {
		if m.GroupName == "Principals" {
			found = true
			if domain.Through(m.Until, time.UTC) != "through 2026-03-20" || m.Reason != "trial" {
				t.Fatalf("membership %+v", m)
			}
		}
	}
	if !found {
		t.Fatalf("no Principals membership: %+v", ms)
	}
}

func TestUsersBulkJoin(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("4", "j", "space", "space")
	d.waitFor("2 selected")
	d.keys("J", "Principals", "enter")
	d.waitFor("alice, bob joined Principals")
	members, err := session(t, db, "admin").GroupMembers(t.Context(), "Principals")
	must(t, err)
	if len(members) != 2 {
		t.Fatalf("want 2 members, got %+v", members)
	}
}

func TestR8_DeleteReferencedUserOffersDeactivation(t *testing.T) {
	db := openStore(t)
	_, err := session(t, db, "bob").CreateTicket(t.Context(), domain.NewTicket{Title: "Projector broken", Building: "EAST"})
	must(t, err)
	d := start(t, db, "admin", 80, 24)
	d.keys("4", "/", "bob", "enter", "d")
	d.waitFor("Delete user bob?")
	d.keys("y")
	s := d.waitFor("Deactivate bob instead?")
	if !strings.Contains(s, "✗ bob is referenced by") {
		t.Fatalf("the refusal should be in the status line:\n%s", s)
	}
	d.keys("y")
	d.waitFor("deactivated bob")
	u, err := session(t, db, "admin").User(t.Context(), "bob")
	must(t, err)
	if u.Status != domain.StatusDeactivated {
		t.Fatal("bob not deactivated")
	}
}

func TestUsersDeactivateNamesAutoAssignRules(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("4", "j", "x") // alice: named by the EAST/Hardware rule
	d.waitFor("Auto-assign rules naming them are removed too: EAST/Hardware (R8)")
	d.keys("y")
	d.waitFor("deactivated alice")
	b, err := session(t, db, "admin").Building(t.Context(), "EAST")
	must(t, err)
	if len(b.Rules) != 0 {
		t.Fatalf("rule should be removed with the deactivation: %+v", b.Rules)
	}
}

// TestR12_BulkJoinRefusesAHigherUser: a clerk holding Manage Users selects
// a Building Administrator and a plain user for a bulk join: the plain
// user joins, the administrator is refused with the reason (R12).
func TestR12_BulkJoinRefusesAHigherUser(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	_, err := admin.CreateGroup(t.Context(), domain.Group{Name: "Clerks", Levels: domain.ModuleLevels{domain.ModUsers: domain.LevelEdit}}, false)
	must(t, err)
	for _, u := range []string{"clerk", "erin"} {
		_, err = admin.CreateUser(t.Context(), domain.User{Username: u})
		must(t, err)
	}
	must(t, admin.Join(t.Context(), "clerk", "Clerks", time.Time{}, ""))
	must(t, admin.Join(t.Context(), "bob", "Principals", time.Time{}, ""))
	d := start(t, db, "clerk", 160, 40)
	d.keys("4", "j", "j")
	d.waitFor("▸ bob")
	d.keys("space", "j", "j", "j") // carol, clerk, dave, erin
	d.waitFor("▸ erin")
	d.keys("space")
	d.waitFor("2 selected")
	d.keys("J", "Users", "enter")
	d.waitFor("erin joined Users; refused: clerk cannot add bob to Users: bob holds")
	ms, err := admin.Memberships(t.Context(), "bob")
	must(t, err)
	for _, m := range ms {
		if m.GroupName == "Users" && m.Reason != "pilot" {
			t.Fatalf("bob's membership of Users changed through a refused bulk join: %+v", m)
		}
	}
}

// A refusal's reason comes at the end of its message; the status line wraps
// instead of cutting it off (issue 13, "never hide the important text").
func TestLongRefusalShowsItsReasonAt80Columns(t *testing.T) {
	db := openStore(t)
	m := New(Config{Service: session(t, db, "admin"), Now: fixedNow, NoColor: true}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.c.Fail(domain.Errorf(domain.EInvalid, "first name %q has leading or trailing spaces: remove them", " "+strings.Repeat("Bartholomew", 8)))
	v := m.View().Content
	if !strings.Contains(v, "remove them") || !strings.Contains(v, "trailing spaces") {
		t.Fatalf("the reason was cut off:\n%s", v)
	}
	if lines := strings.Count(v, "\n") + 1; lines != 24 {
		t.Fatalf("the frame has %d lines, want 24:\n%s", lines, v)
	}
}

// A new user can get a first password in the form (both entries must
// agree), and anyone changes their own password on My account after
// proving the current one.
func TestPasswordsInTheConsole(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("4", "n", "erin")
	d.keys(repeat("tab", 9)...)
	d.keys("first-secret-1", "tab", "first-secret-2", "enter")
	s := d.waitFor("the two entries differ")
	if !strings.Contains(s, "New user") {
		t.Fatalf("the form closed on a mismatch:\n%s", s)
	}
	d.keys(repeat("backspace", 1)...)
	d.keys("1", "enter")
	d.waitFor("saved user erin")
	must(t, session(t, db, "admin").Join(t.Context(), "erin", "Users", time.Time{}, ""))
	if _, err := db.AuthenticatePassword("erin", "first-secret-1"); !errors.Is(err, domain.ErrMustChangePassword) {
		t.Fatalf("erin's first password: %v", err)
	}
	must(t, session(t, db, "erin").SetPassword(t.Context(), "erin", "erins-own-secret"))

	e := start(t, db, "erin", 120, 40)
	e.keys(":", "my account", "enter")
	e.waitFor("My account · erin")
	e.keys("p", "wrong-one-here", "tab", "erins-next-secret", "tab", "erins-next-secret", "enter")
	s = e.waitFor("wrong password")
	if !strings.Contains(s, "Change my password") {
		t.Fatalf("the form closed on a wrong password:\n%s", s)
	}
	e.keys("esc", "y", "p", "erins-own-secret", "tab", "erins-next-secret", "tab", "erins-next-secret", "enter")
	e.waitFor("changed your password")
	if _, err := db.AuthenticatePassword("erin", "erins-next-secret"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

// T with several users selected terminates them all (R14), after one form.
func TestBulkTerminate(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("4")
	d.waitFor("carol")
	d.keys("down", "down", "space", "space", "T") // bob and carol (space moves on)
	d.waitFor("Terminate bob, carol (R14)")
	d.keys("left the district", "enter")
	d.waitFor("terminated")
	for _, u := range []string{"bob", "carol"} {
		info, err := session(t, db, "admin").User(t.Context(), u)
		must(t, err)
		if info.Status != domain.StatusDeactivated || info.Terminated == "" {
			t.Fatalf("%s not terminated: %+v", u, info.User)
		}
	}
}

// d with several users selected deletes them after one question.
func TestMultiSelectDelete(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	for _, u := range []string{"zed1", "zed2"} {
		_, err := admin.CreateUser(t.Context(), domain.User{Username: u})
		must(t, err)
	}
	d := start(t, db, "admin", 120, 40)
	d.keys("4", "G")
	d.waitFor("zed2")
	d.keys("space", "up", "space", "d")
	d.waitFor("Delete zed1, zed2? This cannot be undone.")
	d.keys("y")
	d.waitFor("deleted")
	for _, u := range []string{"zed1", "zed2"} {
		if _, err := admin.User(t.Context(), u); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("%s still there: %v", u, err)
		}
	}
}

// Deactivating, terminating or deleting one's own account is refused
// before any question or form, with the reason; with others selected too,
// the selection is refused as a whole, naming the own account.
func TestOwnAccountRefusedBeforeAsking(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("4")
	d.waitFor("Alice Adams")
	for _, c := range []struct{ key, verb string }{{"x", "deactivate"}, {"d", "delete"}, {"T", "terminate"}} {
		d.keys(c.key)
		s := d.waitFor("you cannot " + c.verb + " your own account (admin)")
		if strings.Contains(s, "y yes") || strings.Contains(s, "Terminate admin") {
			t.Fatalf("%s asked before refusing:\n%s", c.verb, s)
		}
	}
	d.keys("space", "space", "x") // admin and alice selected
	s := d.waitFor("you cannot deactivate your own account (admin)")
	if strings.Contains(s, "Deactivate admin, alice?") {
		t.Fatalf("asked before refusing:\n%s", s)
	}
	u, err := session(t, db, "admin").User(t.Context(), "alice")
	must(t, err)
	if u.Status == domain.StatusDeactivated {
		t.Fatal("alice was deactivated through a refused selection")
	}
}

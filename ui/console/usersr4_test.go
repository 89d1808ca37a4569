package console

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// TestR4_JoinAskBeforeElevatingABuildingAdministrator: joining bob, a
// Building Administrator (Principals), to a group that elevates asks first,
// naming who gains what; nothing is saved until yes.
func TestR4_JoinAskBeforeElevatingABuildingAdministrator(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	must(t, admin.Join(t.Context(), "bob", "Principals", time.Time{}, ""))
	_, err := admin.CreateGroup(t.Context(), domain.Group{Name: "Help Desk",
		Levels: domain.ModuleLevels{domain.ModTechnicians: domain.LevelEdit}}, true)
	must(t, err)
	d := start(t, db, "admin", 120, 40)
	d.keys("4", "/", "bo")
	d.waitFor("Users 1–1 of 1")
	d.keys("enter", "enter", "n", "Help Desk", "enter")
	s := d.waitFor("Building Administrator bob would become a full administrator")
	if !strings.Contains(s, "bob gains technicians:edit via group") {
		t.Fatalf("the question should say what bob gains:\n%s", s)
	}
	if u, _ := admin.User(t.Context(), "bob"); strings.Contains(strings.Join(u.Groups, ","), "Help Desk") {
		t.Fatal("joined before the confirmation")
	}
	d.keys("y")
	d.waitFor("bob joined Help Desk")
	if u, _ := admin.User(t.Context(), "bob"); !strings.Contains(strings.Join(u.Groups, ","), "Help Desk") {
		t.Fatalf("confirmed join not stored: %v", u.Groups)
	}
}

// TestR13_ReviewListsMembershipsStarting: a membership that starts in
// three days is on the Access review, with its start and end.
func TestR13_ReviewListsMembershipsStarting(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	must(t, admin.JoinGroup(t.Context(), domain.JoinRequest{Username: "bob", Group: "Principals",
		From: fixed.AddDate(0, 0, 3), Until: fixed.AddDate(0, 0, 9), Reason: "cover"}))
	d := start(t, db, "admin", 120, 40)
	d.keys("7")
	s := d.waitFor("Memberships starting in the next 14 days (1)")
	want := "bob            Principals         from " + domain.Day(fixed.AddDate(0, 0, 3), time.UTC)
	if !strings.Contains(s, want) || !strings.Contains(s, "cover") {
		t.Fatalf("the review should list bob's membership starting, want %q:\n%s", want, s)
	}
}

// TestR13_UserDetailMarksAMembershipNotStarted: the user's memberships say
// when one that grants nothing yet starts.
func TestR13_UserDetailMarksAMembershipNotStarted(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	must(t, admin.JoinGroup(t.Context(), domain.JoinRequest{Username: "bob", Group: "Principals",
		From: fixed.AddDate(0, 0, 3), Until: fixed.AddDate(0, 0, 9)}))
	d := start(t, db, "admin", 120, 40)
	d.keys("4", "/", "bo")
	d.waitFor("Users 1–1 of 1")
	d.keys("enter", "enter")
	d.waitFor("starts " + domain.Day(fixed.AddDate(0, 0, 3), time.UTC))
}

// TestR13_JoinFormTakesAStart: the join form's From field stores a start;
// the membership grants nothing before it.
func TestR13_JoinFormTakesAStart(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	from := domain.Day(fixed.AddDate(0, 0, 4), time.UTC)
	d.keys("4", "/", "bo")
	d.waitFor("Users 1–1 of 1")
	d.keys("enter", "enter", "n", "Principals", "tab", "tab", "tab", "cover", "shift+tab", "shift+tab", "someday")
	d.waitFor(`From "someday": expected a date as YYYY-MM-DD`)
	d.keys(repeat("backspace", len("someday"))...)
	d.keys(from, "enter")
	d.waitFor("bob joined Principals")
	ms, err := session(t, db, "admin").Memberships(t.Context(), "bob")
	must(t, err)
	found := false
	for _, m := range ms {
		if m.GroupName == "Principals" {
			found = true
			if !m.Pending || domain.Day(m.From, time.UTC) != from || m.Reason != "cover" {
				t.Fatalf("membership %+v: want pending from %s", m, from)
			}
		}
	}
	if !found {
		t.Fatalf("no Principals membership: %+v", ms)
	}
}

// TestJoinFormGolden: the join form with its From field, at 80 columns.
func TestJoinFormGolden(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("4", "/", "bo")
	d.waitFor("Users 1–1 of 1")
	d.keys("enter", "enter", "n")
	d.waitFor("Join a group: bob")
	d.golden()
}

package console

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// R17 on screen 7: the Guards tab lists guards and marks the broken ones;
// a guard is added with a form and removed after a confirmation.
func TestR17_GuardsTabAddsShowsAndRemoves(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	d := start(t, db, "admin", 120, 40)
	d.keys("7", "tab")
	d.waitFor("no guards: n adds one")
	d.keys("n", "few admins", "tab", "right", "right", "tab", "groups:edit", "tab", "5", "enter")
	s := d.waitFor("added guard few admins")
	if !strings.Contains(s, "at least 5 holding groups:edit") || !strings.Contains(s, "BROKEN: only admin (1) hold groups:edit") {
		t.Fatalf("the new guard and its state:\n%s", s)
	}
	gs, err := admin.Guards(t.Context())
	must(t, err)
	if len(gs) != 1 || gs[0].Kind != domain.GuardMinHolders || gs[0].Limit != 5 {
		t.Fatalf("stored guards %+v", gs)
	}
	d.keys("d")
	d.waitFor("Remove guard few admins?")
	d.keys("y")
	d.waitFor("removed guard few admins")
}

// A refused guard keeps the form and what was typed.
func TestR17_ARefusedGuardKeepsTheForm(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("7", "tab", "n", "sod", "tab", "tab", "ticket.close", "enter")
	s := d.waitFor("name at least two different privileges")
	if !strings.Contains(s, "New guard") || !strings.Contains(s, "ticket.close") {
		t.Fatalf("the form closed or lost its text:\n%s", s)
	}
}

// R18 in the console: a user asks on the Access requests screen (the
// palette's "access requests"), an administrator approves on screen 7.
func TestR18_RequestAndApproveInTheConsole(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	info, err := admin.Group(t.Context(), "Technicians")
	must(t, err)
	var p domain.GroupPatch
	_, err = admin.UpdateGroup(t.Context(), info.ID, *p.SetRequestHours(8), true)
	must(t, err)
	carol := start(t, db, "carol", 120, 40)
	carol.keys(":", "access requests", "enter")
	carol.waitFor("no access requests")
	carol.keys("n")
	carol.waitFor("Technicians ≤ 8h")
	carol.keys("tab", "tab", "covering the lab", "enter")
	s := carol.waitFor("asked for Technicians")
	if !strings.Contains(s, "pending") || !strings.Contains(s, "covering the lab") {
		t.Fatalf("carol's request:\n%s", s)
	}
	carol.keys("a")
	carol.waitFor("nobody decides their own request (R18)")

	d := start(t, db, "admin", 120, 40)
	d.keys("1")
	d.waitFor("1 access request waits for a decision")
	d.keys("7", "tab", "tab")
	d.waitFor("1 pending")
	d.keys("a")
	d.waitFor("Approve #1 carol → Technicians for 8h?")
	d.keys("y")
	d.waitFor("approved request #1")
	u, err := admin.User(t.Context(), "carol")
	must(t, err)
	if !strings.Contains(strings.Join(u.Groups, ","), "Technicians") {
		t.Fatalf("approved, but carol is in %v", u.Groups)
	}
}

// R19 in the console: the reviewer's Home names the campaign; the
// checklist keeps with space and revokes with x after a confirmation.
func TestR19_ReviewChecklistKeepsAndRevokes(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	ctx := t.Context()
	for _, u := range []string{"alice", "carol"} {
		must(t, admin.Join(ctx, u, "Principals", time.Time{}, ""))
	}
	_, err := admin.StartReview(ctx, "Principals", "admin", fixed.AddDate(0, 0, 7), domain.OnMissRevoke)
	must(t, err)
	d := start(t, db, "admin", 120, 40)
	d.keys("1")
	d.waitFor("Review #1 of Principals: 2 of 2 memberships undecided")
	d.keys("7", "shift+tab")
	d.waitFor("1 open")
	d.keys("enter")
	d.waitFor("2 of 2 undecided")
	d.keys("space")
	d.waitFor("review #1: keep alice")
	d.keys("down", "x")
	d.waitFor("Revoke carol's membership of Principals now?")
	d.keys("y")
	s := d.waitFor("review #1: revoke carol")
	if !strings.Contains(s, "0 of 2 undecided") {
		t.Fatalf("checklist after two decisions:\n%s", s)
	}
	u, err := admin.User(ctx, "carol")
	must(t, err)
	if strings.Contains(strings.Join(u.Groups, ","), "Principals") {
		t.Fatal("revoked in the checklist, but carol is still in Principals")
	}
	d.keys("esc")
	d.waitFor("Review campaigns · 1 open")
}

// Only the reviewer decides: others are refused before any question.
func TestR19_OnlyTheReviewerDecides(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	ctx := t.Context()
	must(t, admin.Join(ctx, "alice", "Principals", time.Time{}, ""))
	_, err := admin.CreateUser(ctx, domain.User{Username: "erin"})
	must(t, err)
	must(t, admin.Join(ctx, "erin", "District Administrator", time.Time{}, ""))
	_, err = admin.StartReview(ctx, "Principals", "erin", fixed.AddDate(0, 0, 7), domain.OnMissFlag)
	must(t, err)
	d := start(t, db, "admin", 120, 40)
	d.keys("7", "shift+tab", "enter", "x")
	d.waitFor("only the reviewer, erin, decides review #1 (R19)")
}

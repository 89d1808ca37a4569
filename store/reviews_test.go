package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// coaches adds the group Coaches (ticket.history) with members c1, c2, c3,
// and a reviewer "rev" who manages groups and holds what Coaches hold.
func coaches(t *testing.T, d *district) domain.Service {
	t.Helper()
	ctx := t.Context()
	_, err := d.admin.CreateGroup(ctx, domain.Group{Name: "Coaches", Flags: domain.FlagSetOf(domain.TicketHistory)}, true)
	must(t, err)
	for _, u := range []string{"c1", "c2", "c3"} {
		_, err := d.admin.CreateUser(ctx, domain.User{Username: u})
		must(t, err)
		must(t, d.admin.Join(ctx, u, "Coaches", time.Time{}, ""))
	}
	return userWith(t, d, "rev", domain.Group{Levels: domain.ModuleLevels{domain.ModGroups: domain.LevelEdit, domain.ModUsers: domain.LevelEdit}, Flags: domain.FlagSetOf(domain.TicketHistory)})
}

func groupsOf(t *testing.T, d *district, user string) string {
	t.Helper()
	u, err := d.admin.User(t.Context(), user)
	must(t, err)
	return strings.Join(u.Groups, ",")
}

func reviewNotices(t *testing.T, d *district, user string) []domain.Message {
	t.Helper()
	return noticesOf(t, d, user, domain.EventReview)
}

func TestR19_AMissedReviewWithOnMissRevokeRevokesAtItsDueDate(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	rev := coaches(t, d)
	due := d.clk.t.AddDate(0, 0, 7)
	rv, err := d.admin.StartReview(ctx, "coaches", "rev", due, domain.OnMissRevoke)
	must(t, err)
	if len(rv.Items) != 3 || rv.Items[0].Username != "c1" || !rv.Open() {
		t.Fatalf("review %+v", rv)
	}
	if ms := reviewNotices(t, d, "rev"); len(ms) != 1 || !strings.Contains(ms[0].Text, "review the 3 members of Coaches") {
		t.Fatalf("reviewer's notices %+v", ms)
	}
	_, err = d.admin.StartReview(ctx, "Coaches", "rev", due, domain.OnMissKeep)
	mustCode(t, err, domain.EConflict) // one open campaign per group
	_, err = as(t, d.db, "staff").DecideReview(ctx, rv.ID, "c1", domain.DecisionKeep, "")
	mustCode(t, err, domain.ENotFound) // staff does not see it
	_, err = d.admin.DecideReview(ctx, rv.ID, "c1", domain.DecisionKeep, "")
	mustCode(t, err, domain.EForbidden) // only the reviewer decides
	_, err = rev.DecideReview(ctx, rv.ID, "c1", domain.DecisionKeep, "coaches this year")
	must(t, err)
	_, err = rev.DecideReview(ctx, rv.ID, "c2", domain.DecisionRevoke, "left the team")
	must(t, err)
	if groupsOf(t, d, "c2") != "" {
		t.Fatalf("revoked at once, but c2 is in %s", groupsOf(t, d, "c2"))
	}
	_, err = rev.DecideReview(ctx, rv.ID, "c2", domain.DecisionKeep, "")
	mustCode(t, err, domain.EConflict)

	// nobody acts on c3; a day after the due date the jobs do
	d.clk.t = due.Add(24 * time.Hour)
	rep := d.db.RunJobs(ctx)
	if rep.Reviews != 1 || len(rep.Failures) > 0 {
		t.Fatalf("jobs %+v", rep)
	}
	if groupsOf(t, d, "c3") != "" || groupsOf(t, d, "c1") != "Coaches" {
		t.Fatalf("after the due date: c1 in %q, c3 in %q", groupsOf(t, d, "c1"), groupsOf(t, d, "c3"))
	}
	rv, err = rev.Review(ctx, rv.ID)
	must(t, err)
	if rv.Open() || rv.Items[2].Outcome != "revoked (missed)" || rv.Items[0].Decision != domain.DecisionKeep {
		t.Fatalf("closed review %+v", rv)
	}
	if ms := reviewNotices(t, d, "rev"); len(ms) != 2 || !strings.Contains(ms[0].Text, "c3: revoked (missed)") {
		t.Fatalf("reviewer's notices %+v", ms)
	}
	if ms := reviewNotices(t, d, "admin"); len(ms) != 1 || !strings.Contains(ms[0].Subject, "closed") {
		t.Fatalf("managers' notices %+v", ms)
	}
	if rep := d.db.RunJobs(ctx); rep.Reviews != 0 {
		t.Fatalf("a second run acted again: %+v", rep)
	}
	_, err = rev.DecideReview(ctx, rv.ID, "c3", domain.DecisionKeep, "")
	mustCode(t, err, domain.EConflict)
}

func TestR19_OnMissFlagKeepsAndFlags(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	coaches(t, d)
	rv, err := d.admin.StartReview(ctx, "Coaches", "rev", d.clk.t.AddDate(0, 0, 1), domain.OnMissFlag)
	must(t, err)
	d.clk.t = rv.Due.Add(time.Minute)
	d.db.RunJobs(ctx)
	rv, err = d.admin.Review(ctx, rv.ID)
	must(t, err)
	for _, it := range rv.Items {
		if it.Outcome != "flagged (missed)" || groupsOf(t, d, it.Username) != "Coaches" {
			t.Fatalf("item %+v in %q", it, groupsOf(t, d, it.Username))
		}
	}
}

func TestR19_AReviewerWhoCouldNotRevokeIsRefused(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	coaches(t, d)
	_, err := d.admin.StartReview(ctx, "Coaches", "staff", d.clk.t.AddDate(0, 0, 1), domain.OnMissRevoke)
	mustCode(t, err, domain.EInvalid)
	_, err = d.admin.StartReview(ctx, "Coaches", "rev", d.clk.t.Add(-time.Hour), domain.OnMissRevoke)
	mustCode(t, err, domain.EInvalid)
	_, err = as(t, d.db, "staff").StartReview(ctx, "Coaches", "rev", d.clk.t.AddDate(0, 0, 1), domain.OnMissRevoke)
	mustCode(t, err, domain.EForbidden)
	_, err = d.admin.CreateGroup(ctx, domain.Group{Name: "Empty"}, true)
	must(t, err)
	_, err = d.admin.StartReview(ctx, "Empty", "rev", d.clk.t.AddDate(0, 0, 1), domain.OnMissRevoke)
	mustCode(t, err, domain.EInvalid)
}

func TestR19_AReviewIntervalStartsCampaignsAndSkipsEmptyGroups(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	coaches(t, d)
	revInfo, err := d.admin.User(ctx, "rev")
	must(t, err)
	for _, name := range []string{"Coaches", "Empty"} {
		g := domain.Group{Name: name}
		if name == "Coaches" {
			info, err := d.admin.Group(ctx, name)
			must(t, err)
			g = info.Group
		} else {
			g, err = d.admin.CreateGroup(ctx, g, true)
			must(t, err)
		}
		var p domain.GroupPatch
		_, err = d.admin.UpdateGroup(ctx, g.ID, *p.SetReview(30, revInfo.User.ID, domain.OnMissKeep), true)
		must(t, err)
	}
	if rep := d.db.RunJobs(ctx); rep.Reviews != 1 {
		t.Fatalf("first run started %d campaigns: %+v", rep.Reviews, rep)
	}
	rs, err := d.admin.Reviews(ctx, true)
	must(t, err)
	if len(rs) != 1 || rs[0].GroupName != "Coaches" || !rs[0].Due.Equal(d.clk.t.AddDate(0, 0, 30)) || rs[0].OnMiss != domain.OnMissKeep {
		t.Fatalf("open reviews %+v", rs)
	}
	if rep := d.db.RunJobs(ctx); rep.Reviews != 0 {
		t.Fatalf("second run: %+v", rep)
	}
	d.clk.t = d.clk.t.AddDate(0, 0, 30) // closes the first, starts the next
	if rep := d.db.RunJobs(ctx); rep.Reviews != 2 {
		t.Fatalf("a period later: %+v", rep)
	}
	rs, err = d.admin.Reviews(ctx, false)
	must(t, err)
	if len(rs) != 2 || rs[0].Open() || !rs[1].Open() {
		t.Fatalf("reviews %+v", rs)
	}
}

func TestR19_ARevokeAGuardRefusesIsFlaggedWithTheReason(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	coaches(t, d)
	rows, err := d.admin.Who(ctx, grant(t, "ticket.history")[0], "", 0)
	must(t, err)
	_, err = d.admin.AddGuard(ctx, domain.Guard{Name: "historians", Kind: domain.GuardMinHolders, Privs: []string{"ticket.history"}, Limit: len(rows)})
	must(t, err)
	vs, err := d.admin.CheckGuards(ctx)
	must(t, err)
	if len(vs) != 0 {
		t.Fatalf("guard broken at the start (Who and the guard disagree): %+v", vs)
	}
	rv, err := d.admin.StartReview(ctx, "Coaches", "rev", d.clk.t.AddDate(0, 0, 1), domain.OnMissRevoke)
	must(t, err)
	d.clk.t = rv.Due.Add(time.Minute)
	rep := d.db.RunJobs(ctx)
	if len(rep.Failures) > 0 {
		t.Fatalf("jobs %+v", rep)
	}
	rv, err = d.admin.Review(ctx, rv.ID)
	must(t, err)
	for _, it := range rv.Items {
		if !strings.HasPrefix(it.Outcome, "flagged: revoke refused:") || !strings.Contains(it.Outcome, `guard "historians"`) {
			t.Fatalf("item %+v", it)
		}
		if groupsOf(t, d, it.Username) != "Coaches" {
			t.Fatalf("%s was revoked past the guard", it.Username)
		}
	}
	if rv.Open() {
		t.Fatal("the review stayed open")
	}
}

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

// bossInCoaches adds the superuser boss to Coaches beside c1, c2 and c3:
// rev, who manages groups and users, could not remove boss by hand (only
// a superuser changes a superuser, R12).
func bossInCoaches(t *testing.T, d *district) {
	t.Helper()
	ctx := t.Context()
	_, err := d.admin.CreateUser(ctx, domain.User{Username: "boss", Superuser: true})
	must(t, err)
	must(t, d.admin.Join(ctx, "boss", "Coaches", time.Time{}, ""))
	_, err = as(t, d.db, "rev").Leave(ctx, "boss", "Coaches", false)
	mustCode(t, err, domain.EForbidden)
}

// outcomes is each item's outcome, "user: outcome", in the campaign's order.
func outcomes(t *testing.T, d *district, id domain.ID) string {
	t.Helper()
	rv, err := d.admin.Review(t.Context(), id)
	must(t, err)
	if rv.Open() {
		t.Fatalf("review #%d is still open", id)
	}
	var out []string
	for _, it := range rv.Items {
		out = append(out, it.Username+": "+it.Outcome)
	}
	return strings.Join(out, "; ")
}

// R19: a missed review acts with the authority of whoever started the
// campaign, not the periodic jobs' (the owner's, a superuser's): rev
// names the superuser admin as reviewer, admin misses the date, and the
// on-miss revoke removes the coaches rev could remove by hand and flags
// the superuser rev could not.
func TestR19_AMissedReviewRevokesOnlyWhatItsStarterCould(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	rev := coaches(t, d)
	bossInCoaches(t, d)
	rv, err := rev.StartReview(ctx, "Coaches", "admin", d.clk.t.AddDate(0, 0, 7), domain.OnMissRevoke)
	must(t, err)
	if rv.StartedBy != "rev" || rv.StartedByID == 0 || rv.Interval {
		t.Fatalf("review %+v", rv)
	}
	d.clk.t = rv.Due.Add(time.Hour)
	if rep := d.db.RunJobs(ctx); len(rep.Failures) > 0 {
		t.Fatalf("jobs %+v", rep)
	}
	if groupsOf(t, d, "boss") != "Coaches" {
		t.Fatal("a missed review started by rev revoked the superuser boss, whom rev could not remove by hand")
	}
	got := outcomes(t, d, rv.ID)
	if !strings.HasPrefix(got, "boss: flagged: revoke refused: only a superuser changes the superuser boss (R12)") ||
		!strings.Contains(got, "c1: revoked (missed); c2: revoked (missed); c3: revoked (missed)") {
		t.Fatalf("outcomes: %s", got)
	}
	for _, c := range []string{"c1", "c2", "c3"} {
		if groupsOf(t, d, c) != "" {
			t.Fatalf("%s was kept", c)
		}
	}
	// the revocation is rev's, in the audit
	evs, err := d.admin.Audit(ctx, domain.AuditQuery{Entity: "membership"})
	must(t, err)
	if ev := evs[0]; ev.Action != "leave" || ev.ActorName != "rev" {
		t.Fatalf("latest membership event %+v", ev)
	}
}

// For a campaign a review interval starts, the authority is whoever set
// the interval, recorded when they set it; a later edit of the group by
// someone else (here the superuser owner) lends it nothing.
func TestR19_AnIntervalCampaignActsWithTheAuthorityOfWhoSetTheInterval(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	rev := coaches(t, d)
	bossInCoaches(t, d)
	admin, err := d.admin.User(ctx, "admin")
	must(t, err)
	info, err := rev.Group(ctx, "Coaches")
	must(t, err)
	var p domain.GroupPatch
	_, err = rev.UpdateGroup(ctx, info.ID, *p.SetReview(30, admin.User.ID, domain.OnMissRevoke), true)
	must(t, err)
	var desc domain.GroupPatch
	_, err = d.admin.UpdateGroup(ctx, info.ID, *desc.SetDescription("school sports"), true)
	must(t, err)
	if rep := d.db.RunJobs(ctx); rep.Reviews != 1 {
		t.Fatalf("jobs %+v", rep)
	}
	rs, err := d.admin.Reviews(ctx, true)
	must(t, err)
	if len(rs) != 1 || rs[0].StartedBy != "rev" || !rs[0].Interval {
		t.Fatalf("open reviews %+v", rs)
	}
	d.clk.t = rs[0].Due.Add(time.Hour)
	d.db.RunJobs(ctx)
	if groupsOf(t, d, "boss") != "Coaches" {
		t.Fatal("an interval rev set revoked the superuser boss")
	}
	if got := outcomes(t, d, rs[0].ID); !strings.HasPrefix(got, "boss: flagged: revoke refused:") || !strings.Contains(got, "c3: revoked (missed)") {
		t.Fatalf("outcomes: %s", got)
	}
}

// The authority is checked when the campaign acts, not when it starts:
// a starter who has lost the right to change memberships by the due date
// revokes nothing, and every undecided membership is flagged.
func TestR19_TheStartersAuthorityIsCheckedWhenTheCampaignActs(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	rev := coaches(t, d)
	rv, err := rev.StartReview(ctx, "Coaches", "admin", d.clk.t.AddDate(0, 0, 7), domain.OnMissRevoke)
	must(t, err)
	_, err = d.admin.Deactivate(ctx, "rev", false)
	must(t, err)
	d.clk.t = rv.Due.Add(time.Hour)
	d.db.RunJobs(ctx)
	got := outcomes(t, d, rv.ID)
	for _, c := range []string{"c1", "c2", "c3"} {
		if groupsOf(t, d, c) != "Coaches" {
			t.Fatalf("%s was revoked with the authority of a deactivated starter: %s", c, got)
		}
		if !strings.Contains(got, c+": flagged: revoke refused: rev lacks Manage Groups or Manage Users") {
			t.Fatalf("outcomes: %s", got)
		}
	}
}

package store_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/domain"
)

// Issue 21: every change is a versioned patch. These run on both stores.

func groupNamed(t testing.TB, s domain.Service, name string) domain.Group {
	t.Helper()
	g, err := s.Group(t.Context(), name)
	must(t, err)
	return g.Group
}

// Admin A opens a group (a draft at its version); admin B revokes Report a
// Problem; A saves a notification tick. The revocation stays, and the
// audit credits A with the tick alone.
func TestChanges_DraftSavedAfterAConcurrentRevocationDoesNotBringItBack(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.CreateUser(t.Context(), domain.User{Username: "su2", Superuser: true})
	must(t, err)
	must(t, d.admin.Join(t.Context(), "su2", "District Administrator", time.Time{}, ""))
	a, b := d.admin, as(t, d.db, "su2")

	opened := groupNamed(t, a, "Technicians")
	if !opened.Flags.Has(domain.TicketReport) {
		t.Fatal("Technicians should start with Report a Problem")
	}
	draft := opened
	draft.Notify.Events = append(draft.Notify.Events, domain.EventClosed)

	_, err = b.RevokeGroup(t.Context(), "Technicians", grant(t, "ticket.report"))
	must(t, err)

	saved, err := a.UpdateGroup(t.Context(), opened.ID, domain.DiffGroup(opened, draft), true)
	must(t, err)
	if saved.Flags.Has(domain.TicketReport) {
		t.Fatal("A's save brought back the revoked Report a Problem")
	}
	if saved.OnTopOf == nil || saved.OnTopOf.ChangedBy != "su2" {
		t.Fatalf("the save should say it landed on top of su2's change: %+v", saved.OnTopOf)
	}
	now := groupNamed(t, a, "Technicians")
	if now.Flags.Has(domain.TicketReport) || !contains(now.Notify.Events, domain.EventClosed) {
		t.Fatalf("stored: report=%v events=%v", now.Flags.Has(domain.TicketReport), now.Notify.Events)
	}
	if now.Version != opened.Version+2 {
		t.Fatalf("version %d after two writes from %d", now.Version, opened.Version)
	}
	evs, err := a.Audit(t.Context(), domain.AuditQuery{Entity: "group", Limit: 2})
	must(t, err)
	if got := evs[0].ChangeText(); evs[0].ActorName != "admin" || got != "events: +closed" {
		t.Fatalf("A's event: %s %q", evs[0].ActorName, got)
	}
	if got := evs[1].ChangeText(); evs[1].ActorName != "su2" || got != "flags: −ticket.report" {
		t.Fatalf("B's event: %s %q", evs[1].ActorName, got)
	}
}

func contains[E comparable](xs []E, x E) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// When both changed the same field, nothing is written and the conflict
// names the field, both values, who and when.
func TestChanges_SameFieldIsAConflictNamingWhoAndWhen(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.CreateUser(t.Context(), domain.User{Username: "su2", Superuser: true})
	must(t, err)
	must(t, d.admin.Join(t.Context(), "su2", "District Administrator", time.Time{}, ""))
	a, b := d.admin, as(t, d.db, "su2")
	opened := groupNamed(t, a, "Technicians")
	draft := opened
	draft.Flags.Remove(domain.TicketReport)
	draft.Flags.Add(domain.TicketReport) // untouched: not in the patch
	draft.Description = "Mine"
	draft.Notify.Events = append(draft.Notify.Events, domain.EventClosed)

	d.clk.t = epoch.Add(5 * time.Hour)
	var p domain.GroupPatch
	_, err = b.UpdateGroup(t.Context(), opened.ID, *p.SetDescription("Theirs"), true)
	must(t, err)

	_, err = a.UpdateGroup(t.Context(), opened.ID, domain.DiffGroup(opened, draft), true)
	c, ok := domain.AsConflict(err)
	if !ok {
		t.Fatalf("want a conflict, got %v", err)
	}
	if domain.ErrorCode(err) != domain.EConflict || len(c.Fields) != 1 {
		t.Fatalf("conflict %+v", c)
	}
	f := c.Fields[0]
	if f.Key != "description" || f.Theirs != "Theirs" || f.Mine != "Mine" || f.By != "su2" || !f.At.Equal(d.clk.t) {
		t.Fatalf("field %+v", f)
	}
	if c.Base != opened.Version || c.Version != opened.Version+1 || c.By != "su2" {
		t.Fatalf("conflict %+v", c)
	}
	for _, want := range []string{"Technicians", "su2", "Description", `"Theirs"`, `"Mine"`, "nothing was saved"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	now := groupNamed(t, a, "Technicians")
	if now.Description != "Theirs" || contains(now.Notify.Events, domain.EventClosed) {
		t.Fatalf("a conflict wrote something: %+v", now)
	}
	// keep mine: the same patch on the version the conflict names
	p2 := domain.DiffGroup(opened, draft)
	p2.Base = c.Version
	saved, err := a.UpdateGroup(t.Context(), opened.ID, p2, true)
	must(t, err)
	if saved.Description != "Mine" || !contains(saved.Notify.Events, domain.EventClosed) {
		t.Fatalf("keep mine: %+v", saved)
	}
	// take theirs: the conflicting field dropped
	p3 := domain.DiffGroup(saved, func() domain.Group { g := saved; g.Description = "Third"; g.RequestHours = 4; return g }())
	_, err = b.UpdateGroup(t.Context(), opened.ID, *new(domain.GroupPatch).SetDescription("Fourth"), true)
	must(t, err)
	_, err = a.UpdateGroup(t.Context(), opened.ID, p3, true)
	c, ok = domain.AsConflict(err)
	if !ok {
		t.Fatalf("want a conflict, got %v", err)
	}
	p3.Drop(c.Fields[0].Key)
	p3.Base = c.Version
	saved, err = a.UpdateGroup(t.Context(), opened.ID, p3, true)
	must(t, err)
	if saved.Description != "Fourth" || saved.RequestHours != 4 {
		t.Fatalf("take theirs: %+v", saved)
	}
}

// Sessions patching disjoint fields of one group from stale bases all
// land: each flag, level and setting counts as its own field.
func TestChanges_ConcurrentPatchesOfDisjointFieldsAllLand(t *testing.T) {
	d := newDistrict(t)
	a := d.admin
	g := groupNamed(t, a, "Users")
	flags := []domain.Flag{domain.TicketClose, domain.TicketReopen, domain.TicketClone, domain.TicketCloneInfo,
		domain.QueryRun, domain.MetricsRun, domain.Help, domain.TicketHistory}
	const rounds = 6
	final := make([]bool, len(flags))
	var wg sync.WaitGroup
	errs := make(chan error, len(flags)*rounds)
	for i, f := range flags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			base := g // every session started from the same, soon stale, version
			for range rounds {
				on := rng.IntN(2) == 0
				draft := base
				if on {
					draft.Flags.Add(f)
				} else {
					draft.Flags.Remove(f)
				}
				p := domain.DiffGroup(base, draft)
				if p.Empty() {
					continue
				}
				saved, err := a.UpdateGroup(t.Context(), g.ID, p, true)
				if err != nil {
					errs <- fmt.Errorf("%s: %w", f, err)
					return
				}
				final[i] = on
				base = saved
			}
			final[i] = base.Flags.Has(f)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	now := groupNamed(t, a, "Users")
	for i, f := range flags {
		if now.Flags.Has(f) != final[i] {
			t.Errorf("%s: stored %v, the session's last write %v", f, now.Flags.Has(f), final[i])
		}
	}
}

// --if-version: refused naming the change when the record moved on,
// accepted at its version, refused when the write names no one record.
func TestChanges_IfVersion(t *testing.T) {
	d := newDistrict(t)
	a := d.admin
	g := groupNamed(t, a, "Technicians")
	_, err := a.GrantGroup(domain.WithIfVersion(t.Context(), g.Version+1), "Technicians", grant(t, "ticket.delete"), true)
	c, ok := domain.AsConflict(err)
	if !ok || c.Version != g.Version || len(c.Fields) != 0 || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("stale --if-version: %v", err)
	}
	if groupNamed(t, a, "Technicians").Flags.Has(domain.TicketDelete) {
		t.Fatal("a refused write changed the group")
	}
	saved, err := a.GrantGroup(domain.WithIfVersion(t.Context(), g.Version), "Technicians", grant(t, "ticket.delete"), true)
	must(t, err)
	if saved.Version != g.Version+1 || !saved.Flags.Has(domain.TicketDelete) {
		t.Fatalf("at its version: %+v", saved.Rev)
	}
	u, err := a.User(t.Context(), "staff")
	must(t, err)
	ctx := domain.WithIfVersion(t.Context(), u.Version)
	if _, err := a.Deactivate(ctx, "staff", false); err != nil {
		t.Fatalf("deactivate at the version: %v", err)
	}
	if _, err := a.Deactivate(ctx, "staff", false); err == nil {
		t.Fatal("a second write at the same version was accepted")
	}
	_, err = a.CreateTeam(domain.WithIfVersion(t.Context(), 1), domain.Team{Name: "Night"})
	mustCode(t, err, domain.EInvalid)
	tk, err := a.Ticket(t.Context(), d.east)
	must(t, err)
	mustCode(t, a.Close(domain.WithIfVersion(t.Context(), tk.Version+3), d.east, ""), domain.EConflict)
	must(t, a.Close(domain.WithIfVersion(t.Context(), tk.Version), d.east, ""))
}

// Audit events record each changed field with its before and after.
func TestChanges_AuditSaysWhatChanged(t *testing.T) {
	d := newDistrict(t)
	a := d.admin
	u, err := a.User(t.Context(), "principal")
	must(t, err)
	var p domain.UserPatch
	_, err = a.UpdateUser(t.Context(), u.ID, *p.SetBuildings([]domain.ID{d.eastB.ID, d.west2.ID}))
	must(t, err)
	evs, err := a.Audit(t.Context(), domain.AuditQuery{Entity: "user", Limit: 1})
	must(t, err)
	if got := evs[0].ChangeText(); got != "Buildings: EAST → EAST, WEST" {
		t.Fatalf("user event %q", got)
	}
	res, err := a.BulkAtomic(t.Context(), []domain.TicketNumber{d.east, d.west}, domain.BulkAction{Kind: domain.BulkPriority, Value: "High"})
	must(t, err)
	for _, r := range res {
		must(t, r.Err)
	}
	evs, err = a.Audit(t.Context(), domain.AuditQuery{Entity: "ticket", Limit: 2})
	must(t, err)
	for _, e := range evs {
		if len(e.Changes) != 1 || e.Changes[0] != (domain.FieldChange{Field: "Priority", Before: "Normal", After: "High"}) {
			t.Fatalf("bulk priority event %+v", e)
		}
	}
	_, err = a.GrantGroup(t.Context(), "Technicians", grant(t, "ticket.delete", "users:view"), true)
	must(t, err)
	_, err = a.RevokeGroup(t.Context(), "Technicians", grant(t, "ticket.delete"))
	must(t, err)
	evs, err = a.Audit(t.Context(), domain.AuditQuery{Entity: "group", Limit: 2})
	must(t, err)
	if got := evs[0].ChangeText(); got != "flags: −ticket.delete" {
		t.Fatalf("revoke %q", got)
	}
	if got := evs[1].ChangeText(); got != "flags: +ticket.delete; Manage Users level: none → view" {
		t.Fatalf("grant %q", got)
	}
}

// Renaming a login rewrites the saved queries that name it.
func TestChanges_RenamingALoginRewritesSavedQueries(t *testing.T) {
	d := newDistrict(t)
	a := d.admin
	q, err := a.SaveQuery(t.Context(), "Terry's open", "status:open assignee:tech printer", "")
	must(t, err)
	u, err := a.User(t.Context(), "tech")
	must(t, err)
	var p domain.UserPatch
	_, err = a.UpdateUser(t.Context(), u.ID, *p.SetUsername("terry"))
	must(t, err)
	qs, err := a.SavedQueries(t.Context())
	must(t, err)
	for _, x := range qs {
		if x.ID == q.ID && (x.Query != "status:open assignee:terry printer" || x.Version != q.Version+1) {
			t.Fatalf("saved query after the rename: %+v", x)
		}
	}
}

// A building is deleted only when nothing refers to it; the refusal names
// what does.
func TestChanges_BuildingDeleteNamesWhatRefersToIt(t *testing.T) {
	d := newDistrict(t)
	a := d.admin
	_, err := a.CreateBuilding(t.Context(), domain.Building{Code: "NORTH", Name: "North High"})
	must(t, err)
	_, err = a.CreateSchedule(t.Context(), domain.ScheduledTask{Title: "Filters", Building: mustBuilding(t, a, "NORTH").ID,
		Every: domain.Weekly, Interval: 1, NextRun: epoch.AddDate(0, 0, 7), Enabled: true})
	must(t, err)
	must(t, a.AddRule(t.Context(), "NORTH", "Hardware", "tech"))
	err = a.DeleteBuilding(t.Context(), "NORTH")
	mustCode(t, err, domain.EConflict)
	for _, want := range []string{`scheduled tasks "Filters"`, "auto-assign rules for Hardware"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("refusal lacks %q: %v", want, err)
		}
	}
	err = a.DeleteBuilding(t.Context(), "EAST")
	if err == nil || !strings.Contains(err.Error(), "ticket") || !strings.Contains(err.Error(), "principal") {
		t.Fatalf("EAST: %v", err)
	}
	must(t, a.RemoveRule(t.Context(), "NORTH", "Hardware"))
	ss, err := a.Schedules(t.Context())
	must(t, err)
	must(t, a.DeleteSchedule(t.Context(), ss[0].ID))
	must(t, a.DeleteBuilding(t.Context(), "NORTH"))
}

func mustBuilding(t testing.TB, s domain.Service, code string) domain.Building {
	t.Helper()
	b, err := s.Building(t.Context(), code)
	must(t, err)
	return b
}

// A scheduled run moves only its own field: a form that had the task open
// saves its change on top, with no conflict.
func TestChanges_AJobNeverConflictsWithAForm(t *testing.T) {
	d := newDistrict(t)
	a := d.admin
	st, err := a.CreateSchedule(t.Context(), domain.ScheduledTask{Title: "Filters", Building: d.eastB.ID,
		Every: domain.Daily, Interval: 1, NextRun: epoch.Add(time.Hour), Enabled: true})
	must(t, err)
	d.clk.t = epoch.Add(2 * time.Hour)
	if r := d.db.RunJobs(t.Context()); len(r.Failures) > 0 {
		t.Fatal(r.Failures)
	}
	draft := st
	draft.Title = "Air filters"
	saved, err := a.UpdateSchedule(t.Context(), st.ID, domain.DiffSchedule(st, draft))
	must(t, err)
	if saved.Title != "Air filters" || !saved.NextRun.After(st.NextRun) || saved.OnTopOf == nil {
		t.Fatalf("after the run: %+v", saved)
	}
}

// Email is identity (R12): a holder of Manage Users cannot change the
// email of someone holding more than they do, from any path; their own
// peers' they can.
func TestR12_EmailOfAStrongerUserIsRefusedOnEveryPath(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	p, err := d.admin.User(t.Context(), "principal")
	must(t, err)
	var patch domain.UserPatch
	_, err = c.UpdateUser(t.Context(), p.ID, *patch.SetEmail("clerk@example.org"))
	refusedR12(t, err)
	in := "Username,Email Address\nprincipal,clerk@example.org\n"
	_, err = c.ImportUsers(t.Context(), parseUpdateCSV(t, in), domain.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "R12") {
		t.Fatalf("import: %v", err)
	}
	if u, _ := d.admin.User(t.Context(), "principal"); u.Email != "pat@example.org" {
		t.Fatalf("principal's email is now %q", u.Email)
	}
	// a peer (Users only) is within the clerk's own privileges
	s, err := d.admin.User(t.Context(), "staff")
	must(t, err)
	var ok domain.UserPatch
	_, err = c.UpdateUser(t.Context(), s.ID, *ok.SetEmail("sam@example.org"))
	must(t, err)
	// phone is not identity: a clerk may change a stronger user's
	var phone domain.UserPatch
	_, err = c.UpdateUser(t.Context(), p.ID, *phone.SetPhone("555-0101"))
	must(t, err)
}

// Versions travel with records: every write moves them, reads return them.
func TestChanges_EveryWriteMovesTheVersion(t *testing.T) {
	d := newDistrict(t)
	a := d.admin
	tm, err := a.CreateTeam(t.Context(), domain.Team{Name: "Night"})
	must(t, err)
	if tm.Version != 1 || tm.ChangedBy != "admin" {
		t.Fatalf("a new team: %+v", tm.Rev)
	}
	var p domain.TeamPatch
	tm, err = a.UpdateTeam(t.Context(), tm.ID, *p.SetDescription("after hours"))
	must(t, err)
	must(t, a.SuppressTeam(t.Context(), "Night"))
	info, _, err := a.Team(t.Context(), "Night")
	must(t, err)
	if info.Version != 3 {
		t.Fatalf("team version %d after create, edit, suppress", info.Version)
	}
	tk, err := a.Ticket(t.Context(), d.east)
	must(t, err)
	must(t, a.Assign(t.Context(), d.east, "tech", ""))
	_, err = a.AddWork(t.Context(), d.east, 5, "looked")
	if err != nil && domain.ErrorCode(err) != domain.EForbidden {
		t.Fatal(err)
	}
	after, err := a.Ticket(t.Context(), d.east)
	must(t, err)
	if after.Version <= tk.Version || after.ChangedBy != "admin" {
		t.Fatalf("ticket %+v → %+v", tk.Rev, after.Rev)
	}
	// a no-op patch writes nothing and keeps the version
	same, err := a.UpdateTeam(t.Context(), tm.ID, *new(domain.TeamPatch).SetDescription("after hours"))
	must(t, err)
	if same.Version != 3 {
		t.Fatalf("a no-op moved the version to %d", same.Version)
	}
}

package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// R17: guards are checked in the transaction of every save that changes
// effective access; a save that breaks one more than before is refused with
// the guard's name, the users and why, and nothing is saved.

// sodDistrict adds groups Closers (ticket.close) and Assigners
// (ticket.assign), a user "closer" in Closers and the guard "sod" that no
// user holds both.
func sodDistrict(t *testing.T) *district {
	t.Helper()
	d := newDistrict(t)
	ctx := t.Context()
	_, err := d.admin.CreateGroup(ctx, domain.Group{Name: "Closers", Flags: domain.FlagSetOf(domain.TicketClose)}, true)
	must(t, err)
	_, err = d.admin.CreateGroup(ctx, domain.Group{Name: "Assigners", Flags: domain.FlagSetOf(domain.TicketAssign)}, true)
	must(t, err)
	_, err = d.admin.CreateUser(ctx, domain.User{Username: "closer"})
	must(t, err)
	must(t, d.admin.Join(ctx, "closer", "Closers", time.Time{}, ""))
	_, err = d.admin.AddGuard(ctx, domain.Guard{Name: "sod", Kind: domain.GuardNeverTogether, Privs: []string{"ticket.assign", "ticket.close"}})
	must(t, err)
	return d
}

// refusedR17 asserts a refusal that names the guard, cites R17 and names
// each of users.
func refusedR17(t *testing.T, err error, guard string, users ...string) {
	t.Helper()
	mustCode(t, err, domain.EForbidden)
	msg := err.Error()
	if !strings.Contains(msg, `guard "`+guard+`"`) || !strings.Contains(msg, "(R17)") {
		t.Fatalf("refusal does not name guard %q and R17: %v", guard, msg)
	}
	for _, u := range users {
		if !strings.Contains(msg, u) {
			t.Fatalf("refusal does not name %s: %v", u, msg)
		}
	}
}

func TestR17_NeverTogetherRefusesAJoinAndSavesNothing(t *testing.T) {
	d := sodDistrict(t)
	ctx := t.Context()
	err := d.admin.Join(ctx, "closer", "Assigners", time.Time{}, "")
	refusedR17(t, err, "sod", "closer", "through group Closers", "through group Assigners")
	u, err := d.admin.User(ctx, "closer")
	must(t, err)
	if strings.Join(u.Groups, ",") != "Closers" {
		t.Fatalf("the refused join was saved: %v", u.Groups)
	}
	// someone holding only one of them may join
	_, err = d.admin.CreateUser(ctx, domain.User{Username: "assigner"})
	must(t, err)
	must(t, d.admin.Join(ctx, "assigner", "Assigners", time.Time{}, ""))
}

func TestR17_NeverTogetherRefusesAGroupGrantAndWhatIfShowsIt(t *testing.T) {
	d := sodDistrict(t)
	ctx := t.Context()
	info, err := d.admin.Group(ctx, "Closers")
	must(t, err)
	after := info.Group
	after.Flags = domain.FlagSetOf(domain.TicketClose, domain.TicketAssign)
	vs, err := d.admin.GuardsWhatIf(ctx, after)
	must(t, err)
	if len(vs) != 1 || vs[0].Guard != "sod" || strings.Join(vs[0].Users, ",") != "closer" {
		t.Fatalf("what-if guards %+v", vs)
	}
	_, err = d.admin.GrantGroup(ctx, "Closers", grant(t, "ticket.assign"), true)
	refusedR17(t, err, "sod", "closer")
	_, err = d.admin.UpdateGroup(ctx, after.ID, domain.DiffGroup(info.Group, after), true)
	refusedR17(t, err, "sod", "closer")
	info, err = d.admin.Group(ctx, "Closers")
	must(t, err)
	if info.Group.Flags.Has(domain.TicketAssign) {
		t.Fatal("the refused grant was saved")
	}
}

func TestR17_SuperusersAreOutsideSeparationOfDuties(t *testing.T) {
	d := sodDistrict(t)
	vs, err := d.admin.CheckGuards(t.Context())
	must(t, err)
	if len(vs) != 0 {
		t.Fatalf("the superuser owner breaks a never-together guard: %+v", vs)
	}
}

func TestR17_MinHoldersPreventsTheLastAdminLockout(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	userWith(t, d, "ga", domain.Group{Levels: domain.ModuleLevels{domain.ModGroups: domain.LevelEdit}})
	// holders of groups:edit: the owner (superuser) and ga
	_, err := d.admin.AddGuard(ctx, domain.Guard{Name: "two admins", Kind: domain.GuardMinHolders, Privs: []string{"groups:edit"}, Limit: 2})
	must(t, err)
	vs, err := d.admin.CheckGuards(ctx)
	must(t, err)
	if len(vs) != 0 {
		t.Fatalf("two holders break min 2: %+v", vs)
	}
	_, err = d.admin.Leave(ctx, "ga", "G-ga", false)
	refusedR17(t, err, "two admins", "only admin (")
	_, err = d.admin.Deactivate(ctx, "ga", false)
	refusedR17(t, err, "two admins")
	_, err = d.admin.Terminate(ctx, "ga", "left", "")
	refusedR17(t, err, "two admins")
	mustCode(t, d.admin.DeleteUser(ctx, "ga"), domain.EForbidden)
	_, err = d.admin.RevokeGroup(ctx, "G-ga", grant(t, "groups:edit"))
	refusedR17(t, err, "two admins")
	// a third holder makes one of them free to go
	userWith(t, d, "gb", domain.Group{Levels: domain.ModuleLevels{domain.ModGroups: domain.LevelEdit}})
	_, err = d.admin.Leave(ctx, "ga", "G-ga", false)
	must(t, err)
}

func TestR17_MaxHoldersInABuilding(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	_, err := d.admin.CreateGroup(ctx, domain.Group{Name: "Closers", Flags: domain.FlagSetOf(domain.TicketClose)}, true)
	must(t, err)
	for _, u := range []string{"c1", "c2", "c3"} {
		_, err := d.admin.CreateUser(ctx, domain.User{Username: u})
		must(t, err)
	}
	setBuildings := func(u string, b ...domain.ID) error {
		info, err := d.admin.User(ctx, u)
		must(t, err)
		info.User.Buildings = b
		_, err = d.admin.UpdateUser(ctx, info.User.ID, wholeUser(info.User))
		return err
	}
	must(t, setBuildings("c1", d.eastB.ID))
	must(t, setBuildings("c2", d.west2.ID))
	must(t, d.admin.Join(ctx, "c1", "Closers", time.Time{}, ""))
	must(t, d.admin.Join(ctx, "c2", "Closers", time.Time{}, ""))
	// the owner is a full administrator everywhere: one in EAST already
	_, err = d.admin.AddGuard(ctx, domain.Guard{Name: "east closers", Kind: domain.GuardMaxHolders, Privs: []string{"ticket.close"}, Limit: 2, Building: "east"})
	must(t, err)
	must(t, d.admin.Join(ctx, "c3", "Closers", time.Time{}, "")) // c3 has no building
	refusedR17(t, setBuildings("c3", d.eastB.ID), "east closers", "c1", "c3")
	refusedR17(t, setBuildings("c2", d.eastB.ID), "east closers")
	gs, err := d.admin.Guards(ctx)
	must(t, err)
	if len(gs) != 1 || gs[0].Building != "EAST" || gs[0].CreatedBy != "admin" {
		t.Fatalf("guards %+v", gs)
	}
}

func TestR17_ABrokenStateCanBeRepairedStepByStep(t *testing.T) {
	d := sodDistrict(t)
	ctx := t.Context()
	must(t, d.admin.RemoveGuard(ctx, "SOD"))
	for _, u := range []string{"both1", "both2"} {
		_, err := d.admin.CreateUser(ctx, domain.User{Username: u})
		must(t, err)
		must(t, d.admin.Join(ctx, u, "Closers", time.Time{}, ""))
		must(t, d.admin.Join(ctx, u, "Assigners", time.Time{}, ""))
	}
	_, err := d.admin.AddGuard(ctx, domain.Guard{Name: "sod", Kind: domain.GuardNeverTogether, Privs: []string{"ticket.close", "ticket.assign"}})
	must(t, err)
	vs, err := d.admin.CheckGuards(ctx)
	must(t, err)
	if len(vs) != 1 || strings.Join(vs[0].Users, ",") != "both1,both2" {
		t.Fatalf("check %+v", vs)
	}
	// unrelated access saves go on; repairing one user is allowed
	_, err = d.admin.Leave(ctx, "both1", "Assigners", false)
	must(t, err)
	must(t, d.admin.Join(ctx, "staff", "Closers", time.Time{}, ""))
	// but breaking it for one more user is not
	refusedR17(t, d.admin.Join(ctx, "staff", "Assigners", time.Time{}, ""), "sod", "staff")
}

func TestR17_AnImportThatBreaksAGuardImportsNothing(t *testing.T) {
	d := sodDistrict(t)
	in := importHeader + "\r\n" +
		"Ann,Lee,ann@example.org,ann,,Closers\r\n" +
		"Bo,Both,bo@example.org,bo,,\"Closers; Assigners\"\r\n"
	_, err := d.admin.ImportUsers(t.Context(), parseCSV(t, in), domain.ImportOptions{Source: "staff.csv"})
	refusedR17(t, err, "sod", "bo")
	if _, err := d.admin.User(t.Context(), "ann"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("ann was imported: %v", err)
	}
}

func TestR17_GuardsNeedManageGroupsAndAreAudited(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	staff := as(t, d.db, "staff")
	g := domain.Guard{Name: "x", Kind: domain.GuardMinHolders, Privs: []string{"groups:edit"}, Limit: 1}
	_, err := staff.AddGuard(ctx, g)
	mustCode(t, err, domain.EForbidden)
	_, err = d.admin.AddGuard(ctx, g)
	must(t, err)
	_, err = d.admin.AddGuard(ctx, g)
	mustCode(t, err, domain.EConflict)
	mustCode(t, staff.RemoveGuard(ctx, "x"), domain.EForbidden)
	must(t, d.admin.RemoveGuard(ctx, "x"))
	mustCode(t, d.admin.RemoveGuard(ctx, "x"), domain.ENotFound)
	evs, err := d.admin.Audit(ctx, domain.AuditQuery{Entity: "guard"})
	must(t, err)
	if len(evs) != 2 {
		t.Fatalf("audit %+v", evs)
	}
	for _, bad := range []domain.Guard{
		{Name: "", Kind: domain.GuardMinHolders, Privs: []string{"groups:edit"}, Limit: 1},
		{Name: "a", Kind: domain.GuardNeverTogether, Privs: []string{"ticket.close"}},
		{Name: "a", Kind: domain.GuardNeverTogether, Privs: []string{"ticket.close", "ticket.close"}},
		{Name: "a", Kind: domain.GuardMaxHolders, Privs: []string{"no.such"}, Limit: 1},
		{Name: "a", Kind: domain.GuardMinHolders, Privs: []string{"groups:edit"}, Limit: 0},
		{Name: "a", Kind: "sometimes", Privs: []string{"groups:edit"}},
	} {
		_, err := d.admin.AddGuard(ctx, bad)
		mustCode(t, err, domain.EInvalid)
	}
}

// membershipsOf lists user's memberships, pending and ended ones included,
// as "Group" or "Group from DAY" / "until DAY".
func membershipsOf(t *testing.T, d *district, user string) string {
	t.Helper()
	ms, err := d.admin.Memberships(t.Context(), user)
	must(t, err)
	var out []string
	for _, m := range ms {
		s := m.GroupName
		if !m.From.IsZero() {
			s += " from " + m.From.Format(domain.DateLayout)
		}
		if !m.Until.IsZero() {
			s += " until " + m.Until.Format(domain.DateLayout)
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// R17 on the date ranges of memberships: a membership that starts later
// breaks a never-together guard on the days it overlaps another one, so a
// join with --from is refused when the ranges overlap and allowed when
// they do not.
func TestR17_AJoinThatStartsLaterIsCheckedOnTheDaysItIsActive(t *testing.T) {
	d := sodDistrict(t)
	ctx := t.Context()
	later := d.clk.t.AddDate(0, 0, 10)
	err := d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "closer", Group: "Assigners", From: later})
	refusedR17(t, err, "sod", "closer", "from 2026-03-12, closer holds", "through group Assigners", "through group Closers")
	if got := membershipsOf(t, d, "closer"); got != "Closers" {
		t.Fatalf("the refused join was saved: %s", got)
	}
	// a membership that ends before the other starts never overlaps it
	_, err = d.admin.CreateUser(ctx, domain.User{Username: "shift"})
	must(t, err)
	must(t, d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "shift", Group: "Closers", Until: later}))
	must(t, d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "shift", Group: "Assigners", From: later}))
	// but one that starts a day before the other ends does
	_, err = d.admin.CreateUser(ctx, domain.User{Username: "overlap"})
	must(t, err)
	must(t, d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "overlap", Group: "Closers", Until: later}))
	err = d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "overlap", Group: "Assigners", From: later.AddDate(0, 0, -1)})
	refusedR17(t, err, "sod", "from 2026-03-11, overlap holds")
	vs, err := d.admin.CheckGuards(ctx)
	must(t, err)
	if len(vs) != 0 {
		t.Fatalf("guard check after the refusals: %+v", vs)
	}
}

// R17's holder counts hold on every day: a max-holders guard counts a
// membership from the day it starts and stops counting one on the day it
// ends.
func TestR17_MaxHoldersCountsEachDayOfAMembership(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	_, err := d.admin.CreateGroup(ctx, domain.Group{Name: "Deleters", Flags: domain.FlagSetOf(domain.TicketDelete)}, true)
	must(t, err)
	for _, u := range []string{"c1", "c2"} {
		_, err := d.admin.CreateUser(ctx, domain.User{Username: u})
		must(t, err)
	}
	end := d.clk.t.AddDate(0, 0, 10)
	must(t, d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "c1", Group: "Deleters", Until: end}))
	// the owner (superuser) and c1 until the 12th hold ticket.delete
	_, err = d.admin.AddGuard(ctx, domain.Guard{Name: "two deleters", Kind: domain.GuardMaxHolders, Privs: []string{"ticket.delete"}, Limit: 2})
	must(t, err)
	err = d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "c2", Group: "Deleters", From: end.AddDate(0, 0, -3)})
	refusedR17(t, err, "two deleters", "from 2026-03-09, 3 users hold ticket.delete (at most 2): admin, c1, c2")
	must(t, d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "c2", Group: "Deleters", From: end}))
}

// A min-holders guard refuses an expiry that leaves too few holders on a
// later day: ga manages groups beside the owner, and an import that ends
// ga's membership leaves one holder from then on.
func TestR17_MinHoldersRefusesAnEndThatLeavesTooFewLater(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	userWith(t, d, "ga", domain.Group{Levels: domain.ModuleLevels{domain.ModGroups: domain.LevelEdit}})
	_, err := d.admin.AddGuard(ctx, domain.Guard{Name: "two admins", Kind: domain.GuardMinHolders, Privs: []string{"groups:edit"}, Limit: 2})
	must(t, err)
	_, err = d.admin.ImportUsers(ctx, parseUpdateCSV(t, "Username,Until\nga,2026-04-30\n"), domain.ImportOptions{Source: "year.csv"})
	refusedR17(t, err, "two admins", "from 2026-05-01, only admin (1) hold groups:edit (at least 2)")
	if got := membershipsOf(t, d, "ga"); got != "G-ga" {
		t.Fatalf("the refused import was saved: %s", got)
	}
}

// Every path that adds a membership or gives one back sees memberships
// that start later: an update import, a move (which keeps the start), the
// approval of an access request (R18) and activation.
func TestR17_EveryPathSeesMembershipsThatStartLater(t *testing.T) {
	d := sodDistrict(t)
	ctx := t.Context()
	later := d.clk.t.Add(24 * time.Hour)
	_, err := d.admin.CreateGroup(ctx, domain.Group{Name: "Readers", Flags: domain.FlagSetOf(domain.TicketHistory)}, true)
	must(t, err)
	requestable(t, d, "Assigners", 48)
	// each closes tickets from tomorrow on
	for _, u := range []string{"imported", "mover", "requester", "asleep"} {
		_, err := d.admin.CreateUser(ctx, domain.User{Username: u})
		must(t, err)
		must(t, d.admin.JoinGroup(ctx, domain.JoinRequest{Username: u, Group: "Closers", From: later}))
	}

	t.Run("import", func(t *testing.T) {
		_, err := d.admin.ImportUsers(ctx, parseUpdateCSV(t, "Username,Group Name,Group Mode\nimported,Assigners,add\n"), domain.ImportOptions{Source: "year.csv"})
		refusedR17(t, err, "sod", "from 2026-03-03, imported holds")
		if got := membershipsOf(t, d, "imported"); got != "Closers from 2026-03-03" {
			t.Fatalf("the refused import was saved: %s", got)
		}
	})
	t.Run("move", func(t *testing.T) {
		must(t, d.admin.Join(ctx, "mover", "Readers", time.Time{}, ""))
		_, err := d.admin.MoveUser(ctx, domain.MoveRequest{Username: "mover", From: "Readers", To: "Assigners"})
		refusedR17(t, err, "sod", "from 2026-03-03, mover holds")
		if got := membershipsOf(t, d, "mover"); got != "Closers from 2026-03-03, Readers" {
			t.Fatalf("the refused move was saved: %s", got)
		}
	})
	t.Run("request approval", func(t *testing.T) {
		must(t, d.admin.Join(ctx, "requester", "Users", time.Time{}, "")) // active, so they may ask
		req, err := as(t, d.db, "requester").RequestAccess(ctx, "Assigners", 36, "cover the weekend")
		must(t, err)
		_, err = d.admin.DecideRequest(ctx, req.ID, true, "")
		refusedR17(t, err, "sod", "from 2026-03-03, requester holds")
		// one that ends before Closers starts may be approved
		_, err = d.admin.DecideRequest(ctx, req.ID, false, "too long")
		must(t, err)
		req, err = as(t, d.db, "requester").RequestAccess(ctx, "Assigners", 12, "cover tonight")
		must(t, err)
		_, err = d.admin.DecideRequest(ctx, req.ID, true, "")
		must(t, err)
	})
	t.Run("activate", func(t *testing.T) {
		must(t, d.admin.Join(ctx, "asleep", "Readers", time.Time{}, ""))
		_, err := d.admin.Deactivate(ctx, "asleep", false)
		must(t, err)
		// deactivated, asleep holds nothing: the join breaks nothing today
		must(t, d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "asleep", Group: "Assigners"}))
		err = d.admin.Activate(ctx, "asleep")
		refusedR17(t, err, "sod", "from 2026-03-03, asleep holds")
		u, err := d.admin.User(ctx, "asleep")
		must(t, err)
		if u.User.Status != domain.StatusDeactivated {
			t.Fatal("the refused activation was saved")
		}
	})
}

// guard check names what a state breaks on a later day, and from when.
func TestR17_GuardCheckNamesTheDayAGuardBreaks(t *testing.T) {
	d := sodDistrict(t)
	ctx := t.Context()
	must(t, d.admin.RemoveGuard(ctx, "sod"))
	must(t, d.admin.JoinGroup(ctx, domain.JoinRequest{Username: "closer", Group: "Assigners", From: d.clk.t.AddDate(0, 0, 5)}))
	_, err := d.admin.AddGuard(ctx, domain.Guard{Name: "sod", Kind: domain.GuardNeverTogether, Privs: []string{"ticket.assign", "ticket.close"}})
	must(t, err)
	vs, err := d.admin.CheckGuards(ctx)
	must(t, err)
	if len(vs) != 1 || strings.Join(vs[0].Users, ",") != "closer" || !strings.HasPrefix(vs[0].Why, "from 2026-03-07, closer holds") ||
		vs[0].From.IsZero() {
		t.Fatalf("guard check %+v", vs)
	}
	// the day it begins, it is broken now
	d.clk.t = d.clk.t.AddDate(0, 0, 5)
	vs, err = d.admin.CheckGuards(ctx)
	must(t, err)
	if len(vs) != 1 || !strings.HasPrefix(vs[0].Why, "closer holds") || !vs[0].From.IsZero() {
		t.Fatalf("guard check on the day %+v", vs)
	}
}

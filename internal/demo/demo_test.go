package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// open makes a fresh store on a temp file, with clock as its clock when set.
func open(t *testing.T, clock *Clock) *store.DB {
	t.Helper()
	opts := store.Options{Owner: "owner"}
	if clock != nil {
		opts.Now = clock.Now
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "demo.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func as(t *testing.T, db *store.DB, username string) domain.Service {
	t.Helper()
	svc, err := db.Session(username)
	if err != nil {
		t.Fatalf("session %s: %v", username, err)
	}
	return svc
}

// shared is the one dated district most tests read; seeding it once keeps
// the package fast under -race.
var shared struct {
	dir   string
	db    *store.DB
	stats stats
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-demo-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared.dir = dir
	code := m.Run()
	if shared.db != nil {
		shared.db.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// district returns the shared district, seeding it with a Clock on first use.
func district(t *testing.T) *store.DB {
	t.Helper()
	if shared.db != nil {
		return shared.db
	}
	clock := &Clock{}
	db, err := store.Open(filepath.Join(shared.dir, "demo.db"), store.Options{Owner: "owner", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	st, err := seed(db, Options{Clock: clock})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Logf("seeded in %v", time.Since(start))
	shared.db, shared.stats = db, st
	return db
}

func allTickets(t *testing.T, svc domain.Service) []domain.TicketRow {
	t.Helper()
	page, err := svc.Tickets(t.Context(), domain.TicketQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return page.Tickets
}

func TestSeedCounts(t *testing.T) {
	db := district(t)
	if shared.stats != (stats{}) {
		t.Errorf("default groups no longer fit the district's roles: %+v (owner stood in or work reports were skipped)", shared.stats)
	}
	owner := as(t, db, db.Owner())

	org, err := owner.Organization(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if org.Name != OrgName || len(org.ProblemTypes) != 5 || !slices.Equal(org.Priorities, []string{"Low", "Normal", "High", "Urgent"}) {
		t.Errorf("organization = %q, %d problem types, priorities %v", org.Name, len(org.ProblemTypes), org.Priorities)
	}

	bs, err := owner.Buildings(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	regions := map[string]bool{}
	rules := 0
	for _, b := range bs {
		codes = append(codes, b.Code)
		regions[b.Region] = true
		rules += len(b.Rules)
		if len(b.Rooms) < 4 || len(b.Rooms) > 8 {
			t.Errorf("%s has %d rooms, want 4–8", b.Code, len(b.Rooms))
		}
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []string{"ADMIN", "EAST", "HIGH", "NORTH", "SOUTH", "WEST"}) || len(regions) != 2 || rules == 0 {
		t.Errorf("buildings %v, regions %v, %d auto-assign rules", codes, regions, rules)
	}

	users, err := owner.Users(t.Context(), domain.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if users.Total != NumUsers+1 {
		t.Errorf("%d users, want %d and the owner", users.Total, NumUsers)
	}
	groups := map[string]int{}
	for _, u := range users.Users {
		for _, g := range u.Groups {
			groups[g]++
		}
	}
	want := map[string]int{"District Administrator": 2, "Technical Coordinator": 2, "Technicians": 9,
		"Building Administrator": 6, "Users": 20, "RestrictedUsers": 2}
	for g, n := range want {
		if groups[g] != n {
			t.Errorf("group %s has %d active members, want %d", g, groups[g], n)
		}
	}

	tickets := allTickets(t, owner)
	if len(tickets) != NumTickets {
		t.Fatalf("%d tickets, want %d", len(tickets), NumTickets)
	}
	byStatus := map[domain.Status]int{}
	inBuilding := map[string]int{}
	reporters := map[string]bool{}
	oldest, newest := time.Now(), time.Time{}
	for _, tk := range tickets {
		byStatus[tk.Status]++
		inBuilding[tk.Building]++
		reporters[tk.Reporter] = true
		if tk.Created.Before(oldest) {
			oldest = tk.Created
		}
		if tk.Created.After(newest) {
			newest = tk.Created
		}
		if (tk.Status == domain.StatusNew) != (tk.Assignee == "") {
			t.Errorf("%s is %s with assignee %q", tk.Label, tk.Status, tk.Assignee)
		}
	}
	for _, st := range domain.AllStatuses {
		if byStatus[st] == 0 {
			t.Errorf("no %s ticket: %v", st, byStatus)
		}
	}
	for _, c := range codes {
		if inBuilding[c] == 0 {
			t.Errorf("no ticket in %s", c)
		}
	}
	if len(reporters) < 20 {
		t.Errorf("only %d distinct reporters", len(reporters))
	}
	if age := time.Since(oldest); age < 60*24*time.Hour || age > (HistoryDays+5)*24*time.Hour {
		t.Errorf("oldest ticket is %v old, want about %d days", age.Round(time.Hour), HistoryDays)
	}
	if age := time.Since(newest); age > 7*24*time.Hour || age < 0 {
		t.Errorf("newest ticket is %v old", age.Round(time.Minute))
	}
}

func TestSeedWorkflowActors(t *testing.T) {
	db := district(t)
	owner := as(t, db, db.Owner())
	work, closedByTech := 0, 0
	for _, tk := range allTickets(t, owner) {
		d, err := owner.Ticket(t.Context(), tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		work += len(d.Work)
		for _, h := range d.History {
			name := d.ActorNames[h.Actor]
			if name == db.Owner() {
				t.Errorf("%s: the owner did %q; the district's people should", tk.Label, h.Action)
			}
			if h.Action == "close" && name == tk.Assignee {
				closedByTech++
			}
		}
	}
	if work < NumTickets/2 || closedByTech == 0 {
		t.Errorf("%d work reports, %d tickets closed by their technician", work, closedByTech)
	}
}

func TestR5_PrincipalSeesOnlyTheirBuilding(t *testing.T) {
	db := district(t)
	owner := as(t, db, db.Owner())
	principal := as(t, db, PrincipalEast)
	seen := allTickets(t, principal)
	east := 0
	for _, tk := range seen {
		if tk.Building != BuildingEast && tk.Reporter != PrincipalEast {
			t.Errorf("%s sees %s in %s, reported by %s", PrincipalEast, tk.Label, tk.Building, tk.Reporter)
		}
		if tk.Building == BuildingEast {
			east++
		}
	}
	all, err := owner.Tickets(t.Context(), domain.TicketQuery{Building: BuildingEast})
	if err != nil {
		t.Fatal(err)
	}
	if east == 0 || east != all.Total {
		t.Errorf("%s sees %d EAST tickets of %d", PrincipalEast, east, all.Total)
	}
	for _, tk := range allTickets(t, owner) {
		if tk.Building != BuildingEast && tk.Reporter != PrincipalEast {
			if _, err := principal.Ticket(t.Context(), tk.Number); domain.ErrorCode(err) != domain.ENotFound {
				t.Errorf("%s opening %s in %s: %v, want not found", PrincipalEast, tk.Label, tk.Building, err)
			}
			break
		}
	}
}

func TestR2_NoGroupUserIsInactive(t *testing.T) {
	db := district(t)
	owner := as(t, db, db.Owner())
	u, err := owner.User(t.Context(), NoGroupUser)
	if err != nil {
		t.Fatal(err)
	}
	if u.GroupColumn() != "—" || u.Inactive == "" {
		t.Errorf("%s: group column %q, inactive %q", NoGroupUser, u.GroupColumn(), u.Inactive)
	}
	acc := as(t, db, NoGroupUser).Access(t.Context())
	if acc.LoginError() == nil {
		t.Errorf("%s can log in", NoGroupUser)
	}
	d, err := owner.User(t.Context(), DeactivatedUser)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != domain.StatusDeactivated {
		t.Errorf("%s is %s", DeactivatedUser, d.Status)
	}
	reported := 0
	for _, tk := range allTickets(t, owner) {
		if tk.Reporter == DeactivatedUser {
			reported++
		}
	}
	if reported == 0 {
		t.Errorf("%s reported no tickets, so R8 has nothing to show", DeactivatedUser)
	}
}

func TestR13_TemporaryMembershipIsUnderReview(t *testing.T) {
	db := district(t)
	owner := as(t, db, db.Owner())
	rev, err := owner.AccessReview(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range rev.Expiring {
		if m.Username == TemporaryUser && m.GroupName == "Technicians" {
			found = true
			if left := time.Until(m.Until); left < 9*24*time.Hour || left > 12*24*time.Hour {
				t.Errorf("%s expires in %v, want about 10 days", TemporaryUser, left.Round(time.Hour))
			}
		}
	}
	if !found {
		t.Errorf("access review lists no expiring membership of %s: %+v", TemporaryUser, rev.Expiring)
	}
}

func TestR10_ReportsToChainAndTeams(t *testing.T) {
	db := district(t)
	owner := as(t, db, db.Owner())
	for u, boss := range map[string]string{Technician: Coordinator, Coordinator: DistrictAdmin, Staff: PrincipalEast} {
		info, err := owner.User(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		if info.ReportsTo != boss {
			t.Errorf("%s reports to %q, want %s", u, info.ReportsTo, boss)
		}
	}
	p, err := owner.User(t.Context(), PrincipalEast)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Buildings, []string{BuildingEast}) {
		t.Errorf("%s buildings %v", PrincipalEast, p.Buildings)
	}
	_, members, err := owner.Team(t.Context(), "Network Team")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, m := range members {
		kinds[m.User.Username] = m.Label()
	}
	if kinds[Technician] != "Member" || kinds[Coordinator] != "Member (reports-to)" || kinds[DistrictAdmin] != "Member (reports-to)" {
		t.Errorf("Network Team members: %v", kinds)
	}
	notices, err := as(t, db, Technician).MyNotices(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) == 0 {
		t.Errorf("%s sees no team notice", Technician)
	}
}

// TestSeedIsDeterministic seeds two files at very different moments (a
// Sunday before dawn, a Wednesday afternoon): the same usernames and the
// same tickets, numbered in the same order.
func TestSeedIsDeterministic(t *testing.T) {
	moments := []time.Time{
		time.Date(2026, time.March, 8, 6, 10, 0, 0, time.UTC),
		time.Date(2026, time.July, 15, 15, 0, 0, 0, time.UTC),
	}
	var runs [2][]string
	for i := range runs {
		clock := &Clock{}
		clock.Set(moments[i])
		db := open(t, clock)
		if err := SeedWith(db, Options{Clock: clock}); err != nil {
			t.Fatal(err)
		}
		owner := as(t, db, db.Owner())
		users, err := owner.Users(t.Context(), domain.UserQuery{})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users.Users {
			runs[i] = append(runs[i], u.Username)
		}
		for _, tk := range allTickets(t, owner) {
			runs[i] = append(runs[i], tk.Label+" "+tk.Title+" "+tk.Status.String()+" "+tk.Reporter+" "+tk.Assignee)
		}
	}
	if !slices.Equal(runs[0], runs[1]) {
		for i := range min(len(runs[0]), len(runs[1])) {
			if runs[0][i] != runs[1][i] {
				t.Fatalf("runs differ at %d: %q vs %q", i, runs[0][i], runs[1][i])
			}
		}
		t.Fatalf("runs differ in length: %d vs %d", len(runs[0]), len(runs[1]))
	}
}

// TestSeedWithMoreUsers grows the district for `gatehouse demo --users N`.
func TestSeedWithMoreUsers(t *testing.T) {
	db := open(t, nil)
	if err := SeedWith(db, Options{Users: NumUsers + 60, Tickets: 20}); err != nil {
		t.Fatal(err)
	}
	owner := as(t, db, db.Owner())
	users, err := owner.Users(t.Context(), domain.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := owner.Tickets(t.Context(), domain.TicketQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if users.Total != NumUsers+61 || page.Total != 20 {
		t.Errorf("%d users, %d tickets", users.Total, page.Total)
	}
}

func BenchmarkSeed(b *testing.B) {
	for b.Loop() {
		db, err := store.Open(filepath.Join(b.TempDir(), "demo.db"), store.Options{Owner: "owner"})
		if err != nil {
			b.Fatal(err)
		}
		if err := Seed(db); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

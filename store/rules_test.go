package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"

	bolt "go.etcd.io/bbolt"
)

func TestR1_BaseGroupPrivilegesComeWithAnyMembership(t *testing.T) {
	d := newDistrict(t)
	// tech joined only Technicians; ticket.attach comes from the base group Users.
	e, err := d.admin.Explain(t.Context(), "tech", grant(t, "ticket.attach")[0], 0)
	must(t, err)
	if !e.Granted || !strings.Contains(e.String(), "base group") {
		t.Fatalf("explain = %s", e)
	}
}

func TestR2_UserWithoutGroupCannotActAndShowsDash(t *testing.T) {
	d := newDistrict(t)
	ui, err := d.admin.User(t.Context(), "nogroup")
	must(t, err)
	if ui.GroupColumn() != "—" || !strings.Contains(ui.Inactive, "no group") {
		t.Fatalf("nogroup: column %q inactive %q", ui.GroupColumn(), ui.Inactive)
	}
	_, err = as(t, d.db, "nogroup").Tickets(t.Context(), domain.TicketQuery{})
	mustCode(t, err, domain.EForbidden)
	// joining the base group explicitly counts
	must(t, d.admin.Join(t.Context(), "nogroup", "Users", time.Time{}, "import"))
	_, err = as(t, d.db, "nogroup").Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
}

func TestR2_DeactivatedCannotAct(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.Deactivate(t.Context(), "staff", false)
	must(t, err)
	_, err = as(t, d.db, "staff").CreateTicket(t.Context(), domain.NewTicket{Title: "x", Building: "EAST"})
	mustCode(t, err, domain.EForbidden)
}

func TestR3_RestrictedUserJoinsOnlyRestrictedGroups(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.CreateUser(t.Context(), domain.User{Username: "guest", Kind: domain.KindRestricted})
	must(t, err)
	mustCode(t, d.admin.Join(t.Context(), "guest", "Technicians", time.Time{}, ""), domain.EInvalid)
	must(t, d.admin.Join(t.Context(), "guest", "RestrictedUsers", time.Time{}, ""))
	_, err = d.admin.GrantGroup(t.Context(), "RestrictedUsers", grant(t, "ticket.close"), false)
	mustCode(t, err, domain.EInvalid)
}

func TestR4_ElevationBypassesBuildingRestriction(t *testing.T) {
	d := newDistrict(t)
	p := as(t, d.db, "principal")
	page, _ := p.Tickets(t.Context(), domain.TicketQuery{})
	if page.Total != 1 {
		t.Fatalf("before: principal sees %d tickets", page.Total)
	}
	_, err := d.admin.GrantGroup(t.Context(), "Building Administrator", grant(t, "technicians:edit"), false)
	mustCode(t, err, domain.EWarning)
	if !strings.Contains(err.Error(), "Building Administrator restriction") {
		t.Fatalf("warning does not name the restriction: %v", err)
	}
	if page, _ = p.Tickets(t.Context(), domain.TicketQuery{}); page.Total != 1 {
		t.Fatal("a refused warning changed the group")
	}
	_, err = d.admin.GrantGroup(t.Context(), "Building Administrator", grant(t, "technicians:edit"), true)
	must(t, err)
	if page, _ = p.Tickets(t.Context(), domain.TicketQuery{}); page.Total != 2 {
		t.Fatalf("after elevation principal sees %d tickets", page.Total)
	}
	e, err := d.admin.Explain(t.Context(), "principal", grant(t, "ticket.close")[0], d.west)
	must(t, err)
	if !e.Granted || !strings.Contains(e.String(), "R4 elevation") {
		t.Fatalf("explain = %s", e)
	}
}

func TestR5_RegionAssignmentCoversItsBuildings(t *testing.T) {
	d := newDistrict(t)
	p, _ := d.admin.User(t.Context(), "principal")
	p.User.Buildings, p.User.Regions = nil, []string{"South"}
	_, err := d.admin.UpdateUser(t.Context(), p.User.ID, wholeUser(p.User))
	must(t, err)
	page, _ := as(t, d.db, "principal").Tickets(t.Context(), domain.TicketQuery{})
	if page.Total != 1 || page.Tickets[0].Building != "WEST" {
		t.Fatalf("region South should give WEST only: %+v", page.Tickets)
	}
}

func TestR6_ImpliedFlagCannotBeRevokedAlone(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.GrantGroup(t.Context(), "Technicians", grant(t, "discussion.post"), false)
	must(t, err)
	e, _ := d.admin.Explain(t.Context(), "tech", grant(t, "discussion.view")[0], 0)
	if !e.Granted || !strings.Contains(e.String(), "implied by") {
		t.Fatalf("explain = %s", e)
	}
	_, err = d.admin.RevokeGroup(t.Context(), "Technicians", grant(t, "discussion.view"))
	mustCode(t, err, domain.EInvalid)
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Charts", Flags: domain.FlagSetOf(domain.MetricsSaveCharts)}, false)
	mustCode(t, err, domain.EInvalid)
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Home", Flags: domain.FlagSetOf(domain.MetricsHomeOnly, domain.MetricsRun)}, false)
	mustCode(t, err, domain.EInvalid)
}

func TestR7_DeleteClosedTicketsOnly(t *testing.T) {
	d := newDistrict(t)
	err := d.admin.DeleteTicket(t.Context(), d.east)
	mustCode(t, err, domain.EConflict)
	must(t, d.admin.Close(t.Context(), d.east, "done"))
	must(t, d.admin.DeleteTicket(t.Context(), d.east))
	_, err = d.admin.Ticket(t.Context(), d.east)
	mustCode(t, err, domain.ENotFound)
}

func TestR8_ReferencedUserIsDeactivatedNotDeleted(t *testing.T) {
	d := newDistrict(t)
	err := d.admin.DeleteUser(t.Context(), "staff")
	mustCode(t, err, domain.EConflict)
	if !strings.Contains(err.Error(), "deactivate") {
		t.Fatalf("refusal does not offer deactivation: %v", err)
	}
	must(t, d.admin.AddRule(t.Context(), "EAST", "Hardware", "tech"))
	refs, err := d.admin.Deactivate(t.Context(), "tech", false)
	must(t, err)
	if len(refs) != 1 || refs[0].Building != "EAST" {
		t.Fatalf("rules naming tech: %+v", refs)
	}
	b, _ := d.admin.Building(t.Context(), "EAST")
	if len(b.Rules) != 1 {
		t.Fatal("rules removed without being asked")
	}
	must(t, d.admin.Activate(t.Context(), "tech"))
	_, err = d.admin.Deactivate(t.Context(), "tech", true)
	must(t, err)
	if b, _ = d.admin.Building(t.Context(), "EAST"); len(b.Rules) != 0 {
		t.Fatal("rules not removed with removeRules")
	}
	// leaving the last group that makes a technician lists the rules too
	must(t, d.admin.Activate(t.Context(), "tech"))
	must(t, d.admin.AddRule(t.Context(), "EAST", "Hardware", "tech"))
	refs, err = d.admin.Leave(t.Context(), "tech", "Technicians", false)
	must(t, err)
	if len(refs) != 1 {
		t.Fatalf("leave should list the rule: %+v", refs)
	}
	// an unreferenced user can be deleted, with their private team
	must(t, d.admin.DeleteUser(t.Context(), "nogroup"))
	_, _, err = d.admin.Team(t.Context(), "~nogroup")
	mustCode(t, err, domain.ENotFound)
}

func TestR9_GlobalAndPrivateTeams(t *testing.T) {
	d := newDistrict(t)
	mustCode(t, d.admin.DeleteTeam(t.Context(), "Global"), domain.EForbidden)
	mustCode(t, d.admin.SuppressTeam(t.Context(), "Global"), domain.EForbidden)
	mustCode(t, d.admin.DeleteTeam(t.Context(), "~staff"), domain.EForbidden)
	_, members, err := d.admin.Team(t.Context(), "Global")
	must(t, err)
	if len(members) != 5 { // admin + 4 users
		t.Fatalf("Global has %d members", len(members))
	}
	// damage the file: drop staff from Global, then repair
	gid := members[0].User.ID
	_ = gid
	err = d.db.Bolt().Update(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte("team_members")).Cursor()
		k, _ := c.First() // Global is team 1; its first member row
		return tx.Bucket([]byte("team_members")).Delete(k)
	})
	must(t, err)
	report, err := d.admin.RepairTeams(t.Context())
	must(t, err)
	if len(report) != 1 || !strings.Contains(report[0], "to Global") {
		t.Fatalf("repair report: %q", report)
	}
	if report, _ = d.admin.RepairTeams(t.Context()); len(report) != 0 {
		t.Fatalf("second repair changed %q", report)
	}
}

func TestR10_ImplicitMembershipThroughReportsTo(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.CreateTeam(t.Context(), domain.Team{Name: "Help Desk"})
	must(t, err)
	must(t, d.admin.AddTeamMember(t.Context(), "Help Desk", "tech"))
	tech, _ := d.admin.User(t.Context(), "tech")
	boss, _ := d.admin.User(t.Context(), "principal")
	tech.User.ReportsTo = boss.ID
	_, err = d.admin.UpdateUser(t.Context(), tech.User.ID, wholeUser(tech.User))
	must(t, err)
	_, members, _ := d.admin.Team(t.Context(), "Help Desk")
	var labels []string
	for _, m := range members {
		labels = append(labels, m.User.Username+":"+m.Label())
	}
	if strings.Join(labels, ",") != "principal:Member (reports-to),tech:Member" {
		t.Fatalf("members %v", labels)
	}
	mustCode(t, d.admin.RemoveTeamMember(t.Context(), "Help Desk", "principal"), domain.EInvalid)
	// a loop is refused
	boss.User.ReportsTo = tech.ID
	_, err = d.admin.UpdateUser(t.Context(), boss.User.ID, wholeUser(boss.User))
	mustCode(t, err, domain.EInvalid)
	if !strings.Contains(err.Error(), "loop") {
		t.Fatalf("loop refusal: %v", err)
	}
}

func TestR11_InvisibleTicketIsNotFoundEverywhere(t *testing.T) {
	d := newDistrict(t)
	p := as(t, d.db, "principal")
	_, err := p.Ticket(t.Context(), d.west)
	mustCode(t, err, domain.ENotFound)
	mustCode(t, p.Close(t.Context(), d.west, ""), domain.ENotFound)
	_, err = p.Explain(t.Context(), "principal", grant(t, "ticket.view")[0], d.west)
	mustCode(t, err, domain.ENotFound)
	if _, err = p.Ticket(t.Context(), d.east); err != nil {
		t.Fatal(err)
	}
}

func TestR12_NoSelfEscalation(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.CreateGroup(t.Context(), domain.Group{Name: "Group Admins", Levels: domain.ModuleLevels{domain.ModGroups: domain.LevelEdit, domain.ModUsers: domain.LevelEdit}}, true)
	must(t, err)
	_, err = d.admin.CreateUser(t.Context(), domain.User{Username: "ga"})
	must(t, err)
	must(t, d.admin.Join(t.Context(), "ga", "Group Admins", time.Time{}, ""))
	ga := as(t, d.db, "ga")
	_, err = ga.GrantGroup(t.Context(), "Technicians", grant(t, "ticket.close"), true)
	mustCode(t, err, domain.EForbidden) // built-in
	_, err = ga.CreateGroup(t.Context(), domain.Group{Name: "Closers", Flags: domain.FlagSetOf(domain.TicketDelete)}, true)
	mustCode(t, err, domain.EForbidden) // ga lacks ticket.delete
	mustCode(t, ga.Join(t.Context(), "ga", "District Administrator", time.Time{}, ""), domain.EForbidden)
	u, _ := ga.User(t.Context(), "staff")
	u.User.Superuser = true
	_, err = ga.UpdateUser(t.Context(), u.User.ID, wholeUser(u.User))
	mustCode(t, err, domain.EForbidden)
}

func TestR13_TemporaryMembershipExpiresWithAuditEvent(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.Join(t.Context(), "staff", "Technicians", epoch.AddDate(0, 0, 10), "cover"))
	rv, err := d.admin.AccessReview(t.Context(), epoch)
	must(t, err)
	if len(rv.Expiring) != 1 || rv.Expiring[0].Username != "staff" {
		t.Fatalf("expiring: %+v", rv.Expiring)
	}
	if a := as(t, d.db, "staff").Access(t.Context()); !a.Has(domain.TicketAssignee) {
		t.Fatal("temporary membership grants nothing before expiry")
	}
	d.clk.t = epoch.AddDate(0, 0, 11)
	if a := as(t, d.db, "staff").Access(t.Context()); a.Has(domain.TicketAssignee) {
		t.Fatal("expired membership still grants")
	}
	n, err := d.db.Sweep(t.Context())
	must(t, err)
	if n != 1 {
		t.Fatalf("sweep recorded %d expiries", n)
	}
	evs, _ := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "membership", Limit: 1})
	if len(evs) != 1 || evs[0].Action != "expired" {
		t.Fatalf("audit: %+v", evs)
	}
	if n, _ = d.db.Sweep(t.Context()); n != 0 {
		t.Fatal("an expiry was recorded twice")
	}
	ms, _ := d.admin.Memberships(t.Context(), "staff")
	if len(ms) != 2 || !ms[0].Expired {
		t.Fatalf("memberships %+v", ms)
	}
}

func TestR14_TerminateInOneStep(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.AddRule(t.Context(), "WEST", "Network", "tech"))
	must(t, d.admin.Assign(t.Context(), d.east, "tech", ""))
	_, err := d.admin.CreateUser(t.Context(), domain.User{Username: "tech2"})
	must(t, err)
	must(t, d.admin.Join(t.Context(), "tech2", "Technicians", time.Time{}, ""))
	_, err = d.admin.Terminate(t.Context(), "tech", "", "")
	mustCode(t, err, domain.EInvalid)
	rep, err := d.admin.Terminate(t.Context(), "tech", "left the district", "tech2")
	must(t, err)
	if rep.Memberships != 1 || len(rep.Rules) != 1 || len(rep.Reassigned) != 1 {
		t.Fatalf("report %+v", rep)
	}
	ui, _ := d.admin.User(t.Context(), "tech")
	if ui.Status != domain.StatusDeactivated || ui.Terminated != "left the district" || len(ui.Groups) != 0 {
		t.Fatalf("user after terminate: %+v", ui)
	}
	tk, _ := d.admin.Ticket(t.Context(), d.east)
	if tk.Assignee != "tech2" || len(tk.History) < 3 {
		t.Fatalf("ticket after terminate: %+v", tk)
	}
}

// Terminating several users is one transaction: a refusal for one (here an
// unknown name) leaves everyone as they were; otherwise all go together.
func TestR14_TerminateUsersAllOrNone(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.TerminateUsers(t.Context(), []string{"tech", "ghost"}, "left", "")
	mustCode(t, err, domain.ENotFound)
	if !strings.Contains(err.Error(), "ghost") || !strings.Contains(err.Error(), "nobody was terminated") {
		t.Fatalf("refusal does not name the user: %v", err)
	}
	if ui, _ := d.admin.User(t.Context(), "tech"); ui.Status == domain.StatusDeactivated {
		t.Fatal("tech was terminated although the batch was refused")
	}
	_, err = as(t, d.db, "staff").TerminateUsers(t.Context(), []string{"tech"}, "left", "")
	mustCode(t, err, domain.EForbidden)
	reps, err := d.admin.TerminateUsers(t.Context(), []string{"tech", "staff"}, "left the district", "")
	must(t, err)
	if len(reps) != 2 || reps[0].Memberships != 1 || reps[1].Memberships != 1 {
		t.Fatalf("reports %+v", reps)
	}
	for _, u := range []string{"tech", "staff"} {
		if ui, _ := d.admin.User(t.Context(), u); ui.Status != domain.StatusDeactivated || ui.Terminated != "left the district" {
			t.Fatalf("%s after terminate: %+v", u, ui)
		}
	}
}

func TestR15_SearchPrefixAndWildcard(t *testing.T) {
	d := newDistrict(t)
	for q, want := range map[string]int{"te": 1, "%ech": 1, "ech": 0, "%a%": 3} {
		page, err := d.admin.Users(t.Context(), domain.UserQuery{Search: q})
		must(t, err)
		if page.Total != want {
			t.Errorf("search %q: %d users, want %d", q, page.Total, want)
		}
	}
}

func TestR16_NoticesShowToTeamMembersBetweenDates(t *testing.T) {
	d := newDistrict(t)
	team, err := d.admin.CreateTeam(t.Context(), domain.Team{Name: "Field"})
	must(t, err)
	must(t, d.admin.AddTeamMember(t.Context(), "Field", "tech"))
	_, err = d.admin.CreateNotice(t.Context(), domain.Notice{Title: "Outage", URL: "ftp://x", Start: epoch, End: epoch, Teams: []domain.ID{team.ID}, Visible: true})
	mustCode(t, err, domain.EInvalid)
	_, err = d.admin.CreateNotice(t.Context(), domain.Notice{Title: "Outage", URL: "https://status.example.org", Start: epoch, End: epoch.AddDate(0, 0, 2), Teams: []domain.ID{team.ID}, Visible: true})
	must(t, err)
	count := func(user string, at time.Time) int {
		ns, err := as(t, d.db, user).MyNotices(t.Context(), at)
		must(t, err)
		return len(ns)
	}
	if count("tech", epoch.AddDate(0, 0, 1)) != 1 || count("staff", epoch.AddDate(0, 0, 1)) != 0 {
		t.Fatal("notice shown to the wrong people")
	}
	if count("tech", epoch.AddDate(0, 0, -1)) != 0 || count("tech", epoch.AddDate(0, 0, 4)) != 0 {
		t.Fatal("notice shown outside its dates")
	}
}

func TestAudit_EveryWriteRecordsOneEvent(t *testing.T) {
	d := newDistrict(t)
	before, _ := d.admin.Audit(t.Context(), domain.AuditQuery{})
	must(t, d.admin.Assign(t.Context(), d.east, "tech", "go"))
	_, err := d.admin.GrantGroup(t.Context(), "Technicians", grant(t, "ticket.assign"), false)
	must(t, err)
	must(t, d.admin.Close(t.Context(), d.west, ""))
	mustCode(t, d.admin.Close(t.Context(), d.west, ""), domain.EConflict) // refused: no event
	after, _ := d.admin.Audit(t.Context(), domain.AuditQuery{})
	if len(after)-len(before) != 3 {
		t.Fatalf("%d events for 3 writes", len(after)-len(before))
	}
	if after[0].Entity != "ticket" || after[0].ActorName != "admin" {
		t.Fatalf("newest event %+v", after[0])
	}
	_, err = as(t, d.db, "staff").Audit(t.Context(), domain.AuditQuery{})
	mustCode(t, err, domain.EForbidden)
}

func TestChanges_PublishedAfterCommitOnly(t *testing.T) {
	d := newDistrict(t)
	ch, cancel := d.db.Subscribe()
	defer cancel()
	must(t, d.admin.Close(t.Context(), d.west, ""))
	select {
	case c := <-ch:
		if c.Entity != "ticket" || c.ID != domain.ID(d.west) {
			t.Fatalf("change %+v", c)
		}
	case <-time.After(time.Second):
		t.Fatal("no change event")
	}
	for len(ch) > 0 { // the close's outbox change
		<-ch
	}
	mustCode(t, d.admin.Close(t.Context(), d.west, ""), domain.EConflict)
	select {
	case c := <-ch:
		t.Fatalf("refused write published %+v", c)
	default:
	}
}

func TestOpen_SecondProcessGetsClearError(t *testing.T) {
	bboltOnly(t)
	db, _ := openTest(t)
	_, err := store.Open(db.Path(), store.Options{Timeout: 50 * time.Millisecond})
	if err == nil || !errors.Is(err, store.ErrInUse) {
		t.Fatalf("second open: %v", err)
	}
}

func TestOpen_ForeignDamagedOrNewerFilesAreRefusedUnchanged(t *testing.T) {
	bboltOnly(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	b, err := bolt.Open(foreign, 0o600, nil)
	must(t, err)
	must(t, b.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err }))
	must(t, b.Close())
	db, _ := openTest(t)
	newer := db.Path()
	must(t, db.Bolt().Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte{0, 0, 0, 0, 0, 0, 0, 99})
	}))
	must(t, db.Close())
	for name, path := range map[string]string{"junk": junk, "foreign": foreign, "newer": newer} {
		st0, _ := os.ReadFile(path)
		_, err := store.Open(path, store.Options{Owner: "x"})
		if err == nil || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("%s: %v", name, err)
		}
		st1, _ := os.ReadFile(path)
		if string(st0) != string(st1) {
			t.Errorf("%s: file changed", name)
		}
	}
}

func TestWho_ClosersOfABuilding(t *testing.T) {
	d := newDistrict(t)
	rows, err := d.admin.Who(t.Context(), grant(t, "ticket.close")[0], "EAST", 0)
	must(t, err)
	var got []string
	for _, r := range rows {
		got = append(got, r.Username)
	}
	// admin (superuser) and the EAST principal; tech closes only own tickets
	if strings.Join(got, ",") != "admin,principal" {
		t.Fatalf("who ticket.close EAST = %v", got)
	}
	rows, _ = d.admin.Who(t.Context(), grant(t, "ticket.close")[0], "WEST", 0)
	if len(rows) != 1 {
		t.Fatalf("who ticket.close WEST = %+v", rows)
	}
}

func TestGate_QueryRunForFreeText(t *testing.T) {
	d := newDistrict(t)
	_, err := as(t, d.db, "staff").Tickets(t.Context(), domain.TicketQuery{Text: "projector"})
	mustCode(t, err, domain.EForbidden)
	page, err := as(t, d.db, "tech").Tickets(t.Context(), domain.TicketQuery{Text: "projector"})
	must(t, err)
	if page.Total != 0 { // tech holds query.run but sees neither ticket
		t.Fatalf("tech sees %d", page.Total)
	}
	page, _ = d.admin.Tickets(t.Context(), domain.TicketQuery{Text: "PROJECTOR"})
	if page.Total != 1 {
		t.Fatalf("admin free text: %d", page.Total)
	}
}

func TestUser_StartScreenMustBeAScreen(t *testing.T) {
	d := newDistrict(t)
	u, _ := d.admin.User(t.Context(), "staff")
	u.User.StartScreen = "bogus"
	_, err := d.admin.UpdateUser(t.Context(), u.User.ID, wholeUser(u.User))
	mustCode(t, err, domain.EInvalid)
	u.User.StartScreen = "tickets"
	_, err = d.admin.UpdateUser(t.Context(), u.User.ID, wholeUser(u.User))
	must(t, err)
}

// a user with one group of the given levels and flags
func userWith(t *testing.T, d *district, name string, g domain.Group) domain.Service {
	t.Helper()
	g.Name = "G-" + name
	_, err := d.admin.CreateGroup(t.Context(), g, true)
	must(t, err)
	_, err = d.admin.CreateUser(t.Context(), domain.User{Username: name})
	must(t, err)
	must(t, d.admin.Join(t.Context(), name, g.Name, time.Time{}, ""))
	return as(t, d.db, name)
}

func TestR12_MembershipChangesRespectTheTargetUser(t *testing.T) {
	d := newDistrict(t)
	ua := userWith(t, d, "ua", domain.Group{Levels: domain.ModuleLevels{domain.ModUsers: domain.LevelEdit}})
	_, err := ua.Leave(t.Context(), "admin", "District Administrator", false)
	mustCode(t, err, domain.EForbidden)                                                    // a superuser's groups are a superuser's to change
	mustCode(t, ua.Join(t.Context(), "tech", "Users", time.Time{}, ""), domain.EForbidden) // tech is a technician
	must(t, ua.Join(t.Context(), "staff", "Users", time.Time{}, "already"))                // a plain user is fine
}

func TestR12_NoWideningOfOnesOwnRecord(t *testing.T) {
	d := newDistrict(t)
	ua := userWith(t, d, "ua", domain.Group{Levels: domain.ModuleLevels{domain.ModUsers: domain.LevelEdit}})
	me, _ := ua.User(t.Context(), "ua")
	me.User.Buildings = []domain.ID{d.eastB.ID}
	_, err := ua.UpdateUser(t.Context(), me.User.ID, wholeUser(me.User))
	mustCode(t, err, domain.EForbidden)
	me.User.Buildings, me.User.First = nil, "Una"
	_, err = ua.UpdateUser(t.Context(), me.User.ID, wholeUser(me.User))
	must(t, err) // own name is fine
}

func TestR12_TaskStatesBeyondOnesOwnAreRefused(t *testing.T) {
	d := newDistrict(t)
	gs := userWith(t, d, "gs", domain.Group{Levels: domain.ModuleLevels{domain.ModGroups: domain.LevelEdit},
		Flags: domain.FlagSetOf(domain.TaskStates), TaskStates: []domain.Status{domain.StatusNew}})
	mk := func(sts ...domain.Status) domain.Group {
		return domain.Group{Name: "Triage", Flags: domain.FlagSetOf(domain.TaskStates), TaskStates: sts}
	}
	_, err := gs.CreateGroup(t.Context(), mk(domain.StatusClosed), true)
	mustCode(t, err, domain.EForbidden)
	g, err := gs.CreateGroup(t.Context(), mk(domain.StatusNew), true)
	must(t, err)
	var p domain.GroupPatch
	_, err = gs.UpdateGroup(t.Context(), g.ID, *p.SetTaskStates(append(g.TaskStates, domain.StatusClosed)), true)
	mustCode(t, err, domain.EForbidden)
}

func TestGate_OrganizationExtraNeedsOrganizationEdit(t *testing.T) {
	d := newDistrict(t)
	rep := userWith(t, d, "rep", domain.Group{Levels: domain.ModuleLevels{domain.ModReporting: domain.LevelEdit}})
	var p domain.OrgPatch
	_, err := rep.UpdateOrganization(t.Context(), *p.SetExtra(map[string]string{"logo": "x"}))
	mustCode(t, err, domain.EForbidden)
}

// Opening a file and reading it writes nothing: no empty migration or
// sweep transaction (each would rewrite bbolt's meta page and fsync).
func TestOpen_ReadingWritesNothing(t *testing.T) {
	bboltOnly(t)
	d := newDistrict(t)
	path := d.db.Path()
	d.db.Close()
	before, err := os.ReadFile(path)
	must(t, err)
	db, err := store.Open(path, store.Options{Now: d.clk.now})
	must(t, err)
	_, err = as(t, db, "admin").Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	db.Close()
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("opening and reading the file changed it")
	}
}

// A bulk delete needs Edit Query Result Set, deletes only closed tickets
// (R7) and reports the open one on its row; the closed one goes in the same
// transaction, audited.
func TestR7_BulkDeleteDeletesClosedRowsAndReportsTheRest(t *testing.T) {
	d := newDistrict(t)
	_, err := as(t, d.db, "tech").DeleteTickets(t.Context(), []domain.TicketNumber{d.east})
	mustCode(t, err, domain.EForbidden)
	must(t, d.admin.Close(t.Context(), d.west, "done"))
	res, err := d.admin.DeleteTickets(t.Context(), []domain.TicketNumber{d.east, d.west, 9999})
	must(t, err)
	if len(res) != 3 || domain.ErrorCode(res[0].Err) != domain.EConflict || res[1].Err != nil || domain.ErrorCode(res[2].Err) != domain.ENotFound {
		t.Fatalf("results: %+v", res)
	}
	_, err = d.admin.Ticket(t.Context(), d.west)
	mustCode(t, err, domain.ENotFound)
	if _, err := d.admin.Ticket(t.Context(), d.east); err != nil {
		t.Fatalf("the open ticket went too: %v", err)
	}
	if !slices.ContainsFunc(mentions(auditOf(t, d.admin), "No Wi-Fi"), func(e domain.AuditEvent) bool { return e.Action == "delete" }) {
		t.Fatal("the delete is not audited")
	}
	// nothing deletable: nothing is written and every row says why
	res, err = d.admin.DeleteTickets(t.Context(), []domain.TicketNumber{d.east})
	must(t, err)
	if len(res) != 1 || res[0].Err == nil {
		t.Fatalf("results: %+v", res)
	}
}

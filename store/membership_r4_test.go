package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// helpDesk makes "Help Desk": Manage Technicians at Edit, so its members
// are full administrators (R4).
func helpDesk(t *testing.T, d *district) {
	t.Helper()
	_, err := d.admin.CreateGroup(t.Context(), domain.Group{Name: "Help Desk",
		Levels: domain.ModuleLevels{domain.ModTechnicians: domain.LevelEdit}}, true)
	must(t, err)
}

func isAdmin(t *testing.T, d *district, user string) bool {
	t.Helper()
	sub, err := d.admin.Subject(t.Context(), user)
	must(t, err)
	return domain.Resolve(sub, d.clk.t).Admin
}

func groupColumn(t *testing.T, d *district, user string) string {
	t.Helper()
	u, err := d.admin.User(t.Context(), user)
	must(t, err)
	return strings.Join(u.Groups, ",")
}

// Joining a Building Administrator to an elevating group makes them a full
// administrator: refused with a warning naming who gains what unless
// confirmed; a user who is not a Building Administrator joins without one.
func TestR4_JoinElevatingGroupWarnsForBuildingAdministrator(t *testing.T) {
	d := newDistrict(t)
	helpDesk(t, d)
	err := d.admin.JoinGroup(t.Context(), domain.JoinRequest{Username: "principal", Group: "Help Desk"})
	if !domain.IsWarning(err) {
		t.Fatalf("join without confirm = %v, want an R4 warning", err)
	}
	if !strings.Contains(err.Error(), "principal gains technicians:edit via group Help Desk") || !strings.Contains(err.Error(), "(R4)") {
		t.Fatalf("warning does not say who gains what: %v", err)
	}
	if isAdmin(t, d, "principal") || groupColumn(t, d, "principal") != "Building Administrator" {
		t.Fatalf("refused join changed principal: %s", groupColumn(t, d, "principal"))
	}
	// the old entry point has no confirmation: it refuses too
	if err := d.admin.Join(t.Context(), "principal", "Help Desk", time.Time{}, ""); !domain.IsWarning(err) {
		t.Fatalf("Join = %v, want the R4 warning", err)
	}
	must(t, d.admin.JoinGroup(t.Context(), domain.JoinRequest{Username: "principal", Group: "Help Desk", Confirm: true}))
	if !isAdmin(t, d, "principal") {
		t.Fatal("confirmed join did not elevate principal")
	}
	must(t, d.admin.Join(t.Context(), "staff", "Help Desk", time.Time{}, "")) // not a Building Administrator
}

// A move that takes a Building Administrator into an elevating group warns
// the same way; confirmed, it is one audited move.
func TestR4_MoveIntoElevatingGroupWarnsForBuildingAdministrator(t *testing.T) {
	d := newDistrict(t)
	helpDesk(t, d)
	mv := domain.MoveRequest{Username: "principal", From: "Building Administrator", To: "Help Desk", Reason: "promoted"}
	if _, err := d.admin.MoveUser(t.Context(), mv); !domain.IsWarning(err) {
		t.Fatalf("move without confirm = %v, want an R4 warning", err)
	}
	if g := groupColumn(t, d, "principal"); g != "Building Administrator" {
		t.Fatalf("refused move left principal in %q", g)
	}
	mv.Confirm = true
	_, err := d.admin.MoveUser(t.Context(), mv)
	must(t, err)
	if g := groupColumn(t, d, "principal"); g != "Help Desk" {
		t.Fatalf("after the move principal is in %q", g)
	}
	evs, err := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "membership"})
	must(t, err)
	moves := 0
	for _, ev := range evs {
		if ev.Action == "move" && strings.Contains(ev.Name, "principal from Building Administrator to Help Desk") {
			moves++
			if !strings.Contains(ev.After, "Help Desk: member (promoted)") {
				t.Errorf("move event after = %q", ev.After)
			}
		}
		if strings.Contains(ev.Name, "principal") && (ev.Action == "join" || ev.Action == "leave") && ev.At.Equal(d.clk.t) && ev.Name != "principal in Building Administrator" {
			t.Errorf("the move was audited as a separate %s: %+v", ev.Action, ev)
		}
	}
	if moves != 1 {
		t.Fatalf("%d move events, want 1", moves)
	}
}

// An import row whose groups make a new user a Building Administrator and
// elevate them is refused as a whole unless confirmed; a dry run reports
// nothing against it.
func TestR4_ImportRowElevatingABuildingAdministratorWarns(t *testing.T) {
	d := newDistrict(t)
	helpDesk(t, d)
	in := importHeader + "\r\n" +
		"Ann,Lee,ann@example.org,ann,,\"Building Administrator; Help Desk\"\r\n" +
		"Bo,Boss,bo@example.org,bo,,Users\r\n"
	before := userCount(t, d.admin)
	_, err := d.admin.ImportUsers(t.Context(), parseCSV(t, in), domain.ImportOptions{})
	if !domain.IsWarning(err) || !strings.Contains(err.Error(), "ann gains technicians:edit via group Help Desk") {
		t.Fatalf("import = %v, want an R4 warning naming ann", err)
	}
	if n := userCount(t, d.admin); n != before {
		t.Fatalf("refused import created %d users", n-before)
	}
	if _, err := d.admin.ImportUsers(t.Context(), parseCSV(t, in), domain.ImportOptions{DryRun: true}); err != nil {
		t.Fatalf("dry run = %v", err)
	}
	_, err = d.admin.ImportUsers(t.Context(), parseCSV(t, in), domain.ImportOptions{Confirm: true})
	must(t, err)
	if !isAdmin(t, d, "ann") {
		t.Fatal("confirmed import: ann is not a full administrator")
	}
}

// A move is one transaction: when the join half is refused (here R12: the
// clerk lacks what Technicians holds) the user keeps the group they were
// in, and nothing is audited.
func TestR12_MoveRefusedKeepsTheOldMembership(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	move := func(s domain.Service, mv domain.MoveRequest) error {
		_, err := s.MoveUser(t.Context(), mv)
		return err
	}
	mustCode(t, move(c, domain.MoveRequest{Username: "staff", From: "Users", To: "Technicians"}), domain.EForbidden)
	if g := groupColumn(t, d, "staff"); g != "Users" {
		t.Fatalf("refused move left staff in %q", g)
	}
	mustCode(t, move(d.admin, domain.MoveRequest{Username: "staff", From: "Technicians", To: "Users"}), domain.ENotFound)
	mustCode(t, move(d.admin, domain.MoveRequest{Username: "staff", From: "Users", To: "users"}), domain.EInvalid)
	must(t, move(d.admin, domain.MoveRequest{Username: "staff", From: "Users", To: "Technicians"}))
	if g := groupColumn(t, d, "staff"); g != "Technicians" {
		t.Fatalf("after the move staff is in %q", g)
	}
}

// Temporary access with a start (R13): before its From the membership
// grants nothing, the access review lists it as starting within 14 days,
// and from that instant it grants the group's privileges.
func TestR13_MembershipGrantsNothingBeforeItsStart(t *testing.T) {
	d := newDistrict(t)
	from := epoch.AddDate(0, 0, 3)
	until := epoch.AddDate(0, 0, 10)
	must(t, d.admin.JoinGroup(t.Context(), domain.JoinRequest{Username: "staff", Group: "Technicians", From: from, Until: until, Reason: "cover"}))
	has := func() bool {
		sub, err := d.admin.Subject(t.Context(), "staff")
		must(t, err)
		a := domain.Resolve(sub, d.clk.t)
		return a.Has(domain.TicketAssignee)
	}
	if has() {
		t.Fatal("the membership grants before its start")
	}
	ms, err := d.admin.Memberships(t.Context(), "staff")
	must(t, err)
	pending := 0
	for _, m := range ms {
		if m.GroupName == "Technicians" && m.Pending && !m.Expired {
			pending++
		}
	}
	if pending != 1 {
		t.Fatalf("memberships %+v: want Technicians pending", ms)
	}
	rv, err := d.admin.AccessReview(t.Context(), d.clk.t)
	must(t, err)
	if len(rv.Starting) != 1 || rv.Starting[0].Username != "staff" || !rv.Starting[0].From.Equal(from) {
		t.Fatalf("review starting = %+v", rv.Starting)
	}
	evs, err := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "membership"})
	must(t, err)
	audited := false
	for _, ev := range evs {
		audited = audited || ev.Action == "join" && ev.Name == "staff in Technicians" && strings.Contains(ev.After, "from 2026-03-05")
	}
	if !audited {
		t.Fatal("the start date is not in the audit trail")
	}
	d.clk.t = from
	if !has() {
		t.Fatal("the membership does not grant from its start")
	}
	if rv, _ := d.admin.AccessReview(t.Context(), d.clk.t); len(rv.Starting) != 0 {
		t.Fatalf("a started membership is still listed as starting: %+v", rv.Starting)
	}
	// a start on or after the end is refused
	err = d.admin.JoinGroup(t.Context(), domain.JoinRequest{Username: "tech", Group: "Users", From: until, Until: until})
	mustCode(t, err, domain.EInvalid)
}

// R8 on a move: a technician moved to a group that is not one lists the
// auto-assign rules still naming them, or removes them in the same
// transaction when asked.
func TestR8_MoveOfATechnicianNamesOrRemovesTheirRules(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.AddRule(t.Context(), "EAST", "Hardware", "tech"))
	refs, err := d.admin.MoveUser(t.Context(), domain.MoveRequest{Username: "tech", From: "Technicians", To: "Users"})
	must(t, err)
	if len(refs) != 1 || refs[0].Building != "EAST" || refs[0].ProblemType != "Hardware" {
		t.Fatalf("rules named = %+v, want EAST/Hardware", refs)
	}
	if b, _ := d.admin.Building(t.Context(), "EAST"); len(b.Rules) != 1 {
		t.Fatal("the rule was removed without being asked to")
	}
	_, err = d.admin.MoveUser(t.Context(), domain.MoveRequest{Username: "tech", From: "Users", To: "Technicians"})
	must(t, err)
	refs, err = d.admin.MoveUser(t.Context(), domain.MoveRequest{Username: "tech", From: "Technicians", To: "Users", RemoveRules: true})
	must(t, err)
	if b, _ := d.admin.Building(t.Context(), "EAST"); len(refs) != 1 || len(b.Rules) != 0 {
		t.Fatalf("rules %+v left %+v, want EAST/Hardware removed", refs, b.Rules)
	}
}

package domain_test

import (
	"strings"
	"testing"
	"time"

	. "gatehouse/domain"
)

func TestExplain_Reasons(t *testing.T) {
	techs := withLevel(grp(techID, "Technicians", TicketClose, DiscussionPost), ModBuildings, LevelEdit)
	temp := grp(extraID, "Night shift", TicketReopen)
	s := subj(base(usersGroup(Help)), member(techs), memberUntil(temp, now.Add(-24*time.Hour)))

	cases := []struct {
		grant   string
		granted bool
		reasons []string
	}{
		{"ticket.close", true, []string{"yes: holds ticket.close through group Technicians"}},
		{"help", true, []string{"group Users (base group of every standard user)"}},
		{"discussion.view", true, []string{"implied by discussion.post (Post Messages) via group Technicians (R6)"}},
		{"buildings:edit", true, []string{"buildings:edit via group Technicians", "this makes alice a full administrator (R4 elevation)"}},
		{"buildings:view", true, []string{"holds buildings:view"}},
		{"ticket.reopen", false, []string{"no: no active group grants ticket.reopen", "expired: group Night shift until 2026-03-01 (expired 2026-03-01)"}},
		{"metrics.save-charts", false, []string{"no active group grants metrics.save-charts", "it also requires metrics.run"}},
		{"groups:edit", false, []string{"no active group grants groups:edit"}},
	}
	for _, c := range cases {
		t.Run(c.grant, func(t *testing.T) {
			e := Explain(s, mustGrant(t, c.grant), now)
			if e.Granted != c.granted {
				t.Errorf("Granted = %v, want %v (%s)", e.Granted, c.granted, e)
			}
			wantContains(t, e.String(), c.reasons...)
		})
	}
	if strings.Contains(Explain(s, mustGrant(t, "buildings:view"), now).String(), "R4") {
		t.Errorf("buildings:view is explained as an elevation")
	}

	su := subj(member(grp(techID, "Staff")))
	su.User.Superuser = true
	wantContains(t, Explain(su, mustGrant(t, "ticket.delete"), now).String(), "yes: holds ticket.delete through superuser")
	wantContains(t, Explain(su, mustGrant(t, "technicians:edit"), now).String(), "through superuser", "(R4 elevation)")
	if e := Explain(su, mustGrant(t, "metrics.home-only"), now); e.Granted || strings.Contains(e.String(), "superuser") {
		t.Errorf("superuser is said to hold Home Page Only, which only restricts: %s", e)
	}

	off := subj(base(usersGroup()), member(techs))
	off.User.Status = StatusDeactivated
	e := Explain(off, mustGrant(t, "ticket.close"), now)
	if e.Granted {
		t.Errorf("deactivated user holds ticket.close")
	}
	wantContains(t, e.String(), "cannot log in: alice is deactivated", "would hold it through group Technicians")
}

// R13 with R2: when a user's only group was temporary, its expiry is both
// why they cannot log in and why they lack the privilege; "why not" has to
// say so, as Sources promises.
func TestExplain_ExpiredOnlyMembershipIsNamed(t *testing.T) {
	temp := grp(techID, "Contractors", TicketClose)
	s := subj(base(usersGroup()), memberUntil(temp, now.Add(-time.Hour)))
	e := Explain(s, mustGrant(t, "ticket.close"), now)
	if e.Granted {
		t.Fatalf("expired membership grants ticket.close")
	}
	wantContains(t, e.String(), "cannot log in", "expired", "group Contractors")
}

func TestExplainTicket(t *testing.T) {
	closer := grp(techID, "Technicians", TicketClose, TaskAll, TicketHistory)
	s := subj(base(usersGroup()), member(closer))
	mine := ticket(StatusInProgress, otherID)

	e := ExplainTicket(s, mustGrant(t, "ticket.close"), mine, org, now)
	if !e.Granted {
		t.Fatalf("close on a visible in-progress ticket: %s", e)
	}
	wantContains(t, e.String(), "sees T-000042: reported it", "may act on it: Task All Records")

	closed := ticket(StatusClosed, otherID)
	e = ExplainTicket(s, mustGrant(t, "ticket.close"), closed, org, now)
	if e.Granted {
		t.Errorf("close on a closed ticket is granted")
	}
	wantContains(t, e.String(), "but cannot close T-000042: it is closed")

	noTask := subj(base(usersGroup()), member(grp(techID, "Technicians", TicketClose)))
	e = ExplainTicket(noTask, mustGrant(t, "ticket.close"), mine, org, now)
	if e.Granted {
		t.Errorf("close without a task privilege is granted")
	}
	wantContains(t, e.String(), "but alice may not act on this ticket")

	e = ExplainTicket(s, mustGrant(t, "ticket.reopen"), closed, org, now)
	if e.Granted || strings.Contains(e.String(), "but ") {
		t.Errorf("a missing privilege is explained by the ticket: %s", e)
	}

	hidden := foreign(StatusNew, 10)
	e = ExplainTicket(s, mustGrant(t, "ticket.close"), hidden, org, now)
	if e.Granted || e.String() != "no: ticket T-000043 not found for alice" {
		t.Errorf("invisible ticket: %s", e)
	}

	// Privileges that are not ticket actions keep Explain's answer.
	e = ExplainTicket(s, mustGrant(t, "ticket.history"), mine, org, now)
	if !e.Granted {
		t.Errorf("ticket.history: %s", e)
	}
	e = ExplainTicket(s, mustGrant(t, "groups:edit"), mine, org, now)
	if e.Granted {
		t.Errorf("groups:edit on a ticket: %s", e)
	}
	wantContains(t, e.String(), "sees T-000042")

	admin := subj(base(usersGroup()), member(withLevel(grp(extraID, "District Administrator", TicketView), ModTechnicians, LevelEdit)))
	e = ExplainTicket(admin, mustGrant(t, "ticket.view"), hidden, org, now)
	if !e.Granted {
		t.Errorf("elevated administrator on a foreign ticket: %s", e)
	}
	wantContains(t, e.String(), "full administrator: technicians:edit via group District Administrator (R4 elevation)")
}

func TestHoldsInBuilding(t *testing.T) {
	ba := grp(baID, "Building Administrator", TicketClose, TicketEdit, History)
	ba.BuildingAdmin = true
	s := subj(base(usersGroup()), member(ba))
	s.Buildings = []ID{10}
	a := Resolve(s, now)

	if got := HoldsInBuilding(&a, mustGrant(t, "ticket.edit"), 10); got != "Building Administrator of the building" {
		t.Errorf("ticket.edit in own building: %q", got)
	}
	if got := HoldsInBuilding(&a, mustGrant(t, "ticket.edit"), 20); got != "" {
		t.Errorf("ticket.edit in another building: %q", got)
	}
	// Close is task-gated: seeing every ticket is not enough.
	if got := HoldsInBuilding(&a, mustGrant(t, "ticket.close"), 10); got != "" {
		t.Errorf("ticket.close without Task All Records: %q", got)
	}
	ba.Flags.Add(TaskAll)
	a = Resolve(s, now)
	if got := HoldsInBuilding(&a, mustGrant(t, "ticket.close"), 10); got != "Building Administrator of the building; Task All Records" {
		t.Errorf("ticket.close with Task All Records: %q", got)
	}
	if got := HoldsInBuilding(&a, mustGrant(t, "ticket.delete"), 10); got != "" {
		t.Errorf("privilege not held: %q", got)
	}
	if got := HoldsInBuilding(&a, mustGrant(t, "history"), 99); got != "holds history" {
		t.Errorf("a privilege that is not a ticket action ignores the building: %q", got)
	}

	admin := Resolve(subj(member(withLevel(grp(extraID, "Facilities", TicketEdit), ModBuildings, LevelEdit))), now)
	if got := HoldsInBuilding(&admin, mustGrant(t, "buildings:edit"), 99); got != "holds buildings:edit" {
		t.Errorf("module: %q", got)
	}
	wantContains(t, HoldsInBuilding(&admin, mustGrant(t, "ticket.edit"), 99), "full administrator", "(R4 elevation)")

	su := subj(member(grp(techID, "Staff")))
	su.User.Superuser = true
	sa := Resolve(su, now)
	if got := HoldsInBuilding(&sa, mustGrant(t, "ticket.close"), 99); got != "full administrator: superuser" {
		t.Errorf("superuser: %q", got)
	}
}

// An explicit membership of the base group (R2: joining "Users" counts) is
// the same group the user holds implicitly (R1): `can` names it once.
func TestExplain_TheBaseGroupJoinedExplicitlyIsNamedOnce(t *testing.T) {
	users := usersGroup(Help)
	for _, c := range []struct {
		joined GroupGrant
		want   string
	}{
		{member(users), "yes: holds help through group Users (base group of every standard user; joined explicitly)"},
		{memberUntil(users, now.AddDate(0, 1, 0)), "yes: holds help through group Users (base group of every standard user; joined explicitly until 2026-04-02)"},
	} {
		e := Explain(subj(c.joined, base(users)), mustGrant(t, "help"), now)
		if e.String() != c.want {
			t.Errorf("got  %s\nwant %s", e, c.want)
		}
	}
	// an ended explicit membership is still named apart, as the reason the
	// user cannot log in
	e := Explain(subj(memberUntil(users, now.Add(-time.Hour)), base(users)), mustGrant(t, "help"), now)
	wantContains(t, e.String(), "would hold it through group Users (base group of every standard user)", "expired: group Users until")
}

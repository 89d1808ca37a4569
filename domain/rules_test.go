package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	. "gatehouse/domain"
)

func TestR1_UnionOfMembershipsPlusBaseGroup(t *testing.T) {
	users := usersGroup(Help, AccountEditOwn)
	a := withLevel(withLevel(grp(techID, "Technicians", TicketReport, TicketClose), ModUsers, LevelView), ModTeams, LevelView)
	b := withLevel(grp(extraID, "Coordinators", TicketReopen, DiscussionPost), ModUsers, LevelEdit)
	acc := Resolve(subj(base(users), member(a), member(b)), now)

	for _, f := range []Flag{Help, AccountEditOwn, TicketReport, TicketClose, TicketReopen, DiscussionPost, DiscussionView} {
		if !acc.Has(f) {
			t.Errorf("union lacks %s", f)
		}
	}
	for _, f := range []Flag{TicketDelete, History, DiscussionInitiate} {
		if acc.Has(f) {
			t.Errorf("union holds %s, which no group grants", f)
		}
	}
	if acc.Level(ModUsers) != LevelEdit || acc.Level(ModTeams) != LevelView || acc.Level(ModGroups) != LevelNone {
		t.Errorf("levels are not the maximum over groups: users=%s teams=%s groups=%s",
			acc.Level(ModUsers), acc.Level(ModTeams), acc.Level(ModGroups))
	}
	if want := []ID{usersID, techID, extraID}; !slices.Equal(acc.Groups, want) {
		t.Errorf("Groups = %v, want %v (base group included, sorted)", acc.Groups, want)
	}

	// Restricted users take their privileges from RestrictedUsers, not Users.
	r := Subject{User: User{ID: actorID, Username: "kiosk", Kind: KindRestricted},
		Grants: []GroupGrant{base(restrictedUsersGroup(TicketReport)), member(&Group{ID: extraID, Name: "Students", Kind: KindRestricted, Flags: FlagSetOf(TicketView)})}}
	ra := Resolve(r, now)
	if !ra.Has(TicketReport) || !ra.Has(TicketView) || ra.Has(Help) {
		t.Errorf("restricted union = %v, want ticket.report and ticket.view only", ra.Flags.IDs())
	}
}

func TestR1_NewUserInheritsBaseGroup(t *testing.T) {
	users := usersGroup(Help)
	staff := grp(techID, "Staff") // no privileges of its own
	s := subj(base(users), member(staff))
	if a := Resolve(s, now); !a.Has(Help) {
		t.Fatalf("new user in Staff does not hold the base group's help")
	}
	// The base group is shared, not copied: a privilege granted to Users
	// reaches every standard user at once.
	users.Flags.Add(History)
	if a := Resolve(s, now); !a.Has(History) {
		t.Errorf("privilege granted to %s after the user was made is not inherited", GroupUsers)
	}

	// A brand-new user with no explicit group is inactive (R2); the
	// explanation still says what the base group would give them.
	lone := subj(base(users))
	e := Explain(lone, mustGrant(t, "help"), now)
	if e.Granted {
		t.Errorf("inactive new user holds help: %v", e)
	}
	wantContains(t, e.String(), "cannot log in", "would hold it through group Users (base group of every standard user)")

	rs := Subject{User: User{ID: actorID, Username: "kiosk", Kind: KindRestricted}, Grants: []GroupGrant{base(restrictedUsersGroup(Help))}}
	wantContains(t, Explain(rs, mustGrant(t, "help"), now).String(), "group RestrictedUsers (base group of every restricted user)")
}

func TestR2_NoExplicitMembershipIsInactive(t *testing.T) {
	users := usersGroup(Help, TicketReport)
	staff := grp(techID, "Staff", TicketClose)
	cases := []struct {
		name   string
		grants []GroupGrant
		active bool
	}{
		{"no group at all", nil, false},
		{"base group only", []GroupGrant{base(users)}, false},
		{"expired membership only", []GroupGrant{base(users), memberUntil(staff, now.Add(-time.Hour))}, false},
		{"membership expiring exactly now", []GroupGrant{base(users), memberUntil(staff, now)}, false},
		{"membership expiring later", []GroupGrant{base(users), memberUntil(staff, now.Add(time.Hour))}, true},
		{"permanent membership", []GroupGrant{base(users), member(staff)}, true},
		{"explicit join of the base group Users", []GroupGrant{base(users), member(users)}, true},
		{"explicit Users without the implicit grant", []GroupGrant{member(users)}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Resolve(subj(c.grants...), now)
			if a.HasGroup != c.active {
				t.Fatalf("HasGroup = %v, want %v", a.HasGroup, c.active)
			}
			err := a.LoginError()
			if c.active {
				wantOK(t, err)
				if !a.Has(Help) {
					t.Errorf("active user lacks the base group's help")
				}
				return
			}
			wantErrContains(t, err, EForbidden, "alice is inactive", "(R2)")
			wantCode(t, a.SSHLoginError(), EForbidden)
			if a.Flags.Len() != 0 || a.Levels != (ModuleLevels{}) || a.Admin {
				t.Errorf("inactive user holds %v, levels %v, admin %v", a.Flags.IDs(), a.Levels, a.Admin)
			}
		})
	}
	// The implicit and the explicit Users grant are one group, listed once.
	a := Resolve(subj(base(users), member(users)), now)
	if !slices.Equal(a.Groups, []ID{usersID}) {
		t.Errorf("Groups = %v, want [%d]", a.Groups, usersID)
	}
}

func TestR2_DeactivatedCannotLogIn(t *testing.T) {
	admin := withLevel(grp(techID, "District Administrator", Help, RemoteSSH), ModGroups, LevelEdit)
	for _, super := range []bool{false, true} {
		s := subj(base(usersGroup()), member(admin))
		s.User.Status = StatusDeactivated
		s.User.Superuser = super
		a := Resolve(s, now)
		wantErrContains(t, a.LoginError(), EForbidden, "alice is deactivated")
		wantErrContains(t, a.SSHLoginError(), EForbidden, "deactivated")
		if a.Admin || a.Flags.Len() != 0 || a.Level(ModGroups) != LevelNone {
			t.Errorf("superuser=%v: deactivated user keeps admin=%v flags=%v", super, a.Admin, a.Flags.IDs())
		}
		if a.CanSeeTicket(foreign(StatusNew, 10)) {
			t.Errorf("superuser=%v: deactivated user sees a foreign ticket", super)
		}
	}
}

func TestR3_RestrictedGroupsOfferOnlyRestrictedOK(t *testing.T) {
	for _, p := range Catalog {
		if p.IsModule {
			g := &Group{Name: "Students", Kind: KindRestricted}
			g.Levels[p.Module] = LevelView
			wantErrContains(t, ValidateGroup(g), EInvalid, "restricted group Students cannot hold module")
			continue
		}
		g := &Group{Name: "Students", Kind: KindRestricted, Flags: FlagSetOf(p.Flag)}
		for _, req := range p.Requires {
			g.Flags.Add(req)
		}
		err := ValidateGroup(g)
		reason := DisabledReason(&Group{Name: "Students", Kind: KindRestricted}, p.Flag)
		if p.RestrictedOK {
			if err != nil {
				t.Errorf("%s is restricted-ok but refused: %v", p.ID, err)
			}
			if reason != "" {
				t.Errorf("%s is restricted-ok but disabled: %s", p.ID, reason)
			}
			continue
		}
		if ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), "not offered to restricted groups") {
			t.Errorf("%s in a restricted group: %v, want EInvalid naming the restriction", p.ID, err)
		}
		if reason != "not offered to restricted groups" {
			t.Errorf("DisabledReason(%s) = %q", p.ID, reason)
		}
	}
	ba := &Group{Name: "Kiosk admins", Kind: KindRestricted, BuildingAdmin: true}
	wantErrContains(t, ValidateGroup(ba), EInvalid, "cannot be a Building Administrator group")

	_, err := ApplyGrants(Group{Name: "Students", Kind: KindRestricted}, []Grant{mustGrant(t, "ticket.close")}, false)
	wantErrContains(t, err, EInvalid, "Close Problem Report (ticket.close) is not offered to restricted groups")

	// Membership: each kind joins only its own kind of group.
	super := Resolve(Subject{User: User{ID: 1, Username: "root", Superuser: true}, Grants: []GroupGrant{member(grp(techID, "Admins"))}}, now)
	std := &User{ID: actorID, Username: "alice", Kind: KindStandard}
	res := &User{ID: otherID, Username: "kiosk", Kind: KindRestricted}
	stdGroup := grp(techID, "Technicians")
	resGroup := &Group{ID: extraID, Name: "Students", Kind: KindRestricted}
	wantErrContains(t, CheckMembership(&super, res, stdGroup, true), EInvalid, "kiosk is a restricted user", "(R3)")
	wantErrContains(t, CheckMembership(&super, std, resGroup, true), EInvalid, "alice is a standard user", "(R3)")
	wantOK(t, CheckMembership(&super, std, stdGroup, true))
	wantOK(t, CheckMembership(&super, res, resGroup, true))
	// Leaving a mismatched group (bad imported data) is always possible.
	wantOK(t, CheckMembership(&super, res, stdGroup, false))
}

func TestR4_ElevationBypassesBuildingRestriction(t *testing.T) {
	baGroup := grp(baID, "Building Administrator", TicketView, TicketClose)
	baGroup.BuildingAdmin = true
	s := subj(base(usersGroup()), member(baGroup))
	s.Buildings = []ID{10}
	far := foreign(StatusNew, 20)

	a := Resolve(s, now)
	if a.Admin || a.CanSeeTicket(far) {
		t.Fatalf("building administrator sees a ticket of another building before elevation")
	}
	wantCode(t, a.Can(ActView, far, org), ENotFound)

	withLevel(baGroup, ModTechnicians, LevelEdit)
	a = Resolve(s, now)
	if !a.Admin {
		t.Fatalf("technicians:edit did not elevate")
	}
	wantContains(t, a.AdminVia, "technicians:edit via group Building Administrator (R4 elevation)")
	wantContains(t, a.SeesTicket(far), "full administrator")
	wantOK(t, a.Can(ActView, far, org))
	if a.SeesAllOf(20) == "" || a.SeesAllOf(999) == "" {
		t.Errorf("elevated administrator does not see every building")
	}
	// Team restrictions no longer apply either: a ticket of no shared team.
	if !a.CanSeeTicket(&Ticket{Number: 7, Teams: []ID{77}, Building: 30, Reporter: thirdID}) {
		t.Errorf("elevated administrator is held back by teams")
	}

	// Exactly groups, buildings and technicians elevate, and only at edit.
	for m := Module(0); m < NumModules; m++ {
		for _, l := range []Level{LevelView, LevelEdit} {
			g := withLevel(grp(techID, "G"), m, l)
			a := Resolve(subj(member(g)), now)
			want := l == LevelEdit && (m == ModGroups || m == ModBuildings || m == ModTechnicians)
			if a.Admin != want || g.Elevates() != want || m.Info().Elevates != (m == ModGroups || m == ModBuildings || m == ModTechnicians) {
				t.Errorf("%s:%s: Admin=%v Elevates=%v, want %v", m, l, a.Admin, g.Elevates(), want)
			}
		}
	}
	// A superuser is a full administrator without any elevating group.
	su := subj(member(grp(techID, "Staff")))
	su.User.Superuser = true
	if a := Resolve(su, now); !a.Admin || a.AdminVia != "superuser" {
		t.Errorf("superuser: Admin=%v via %q", a.Admin, a.AdminVia)
	}
}

func TestR4_ElevationWarning(t *testing.T) {
	before := grp(baID, "Building Administrator", TicketView)
	before.BuildingAdmin = true
	after := *before
	after.Levels[ModTechnicians] = LevelEdit

	err := ElevationWarning(before, &after)
	if !IsWarning(err) {
		t.Fatalf("granting technicians:edit to a Building Administrator group: %v, want a warning", err)
	}
	wantContains(t, err.Error(), "group Building Administrator would make its members full administrators (technicians:edit)",
		"Building Administrator restriction would no longer apply", "(R4)", "confirm")

	if err := ElevationWarning(nil, &after); !IsWarning(err) {
		t.Errorf("creating an elevating group: %v, want a warning", err)
	}
	if err := ElevationWarning(&after, &after); err != nil {
		t.Errorf("group that already elevates: %v, want no warning", err)
	}
	if err := ElevationWarning(before, before); err != nil {
		t.Errorf("non-elevating change: %v", err)
	}
	// Granting through the CLI path: ParseGrant, ApplyGrants, then the warning.
	plain := grp(techID, "Helpdesk")
	changed, err := ApplyGrants(*plain, []Grant{mustGrant(t, "buildings")}, false)
	wantOK(t, err)
	w := ElevationWarning(plain, &changed)
	if !IsWarning(w) || strings.Contains(w.Error(), "Building Administrator restriction") {
		t.Errorf("plain group granted buildings:edit: %v", w)
	}
	wantContains(t, w.Error(), "(buildings:edit)")
	view, err := ApplyGrants(*plain, []Grant{mustGrant(t, "buildings:view")}, false)
	wantOK(t, err)
	if w := ElevationWarning(plain, &view); w != nil {
		t.Errorf("buildings:view warned: %v", w)
	}
}

func TestR5_BuildingAdminSeesOnlyAssignedBuildings(t *testing.T) {
	baGroup := grp(baID, "Building Administrator", TicketView)
	baGroup.BuildingAdmin = true
	s := subj(base(usersGroup()), member(baGroup))
	s.Buildings = []ID{11, 10, 11} // unsorted, with a duplicate, as a store might gather them
	a := Resolve(s, now)
	if !a.BuildingAdmin || a.Admin {
		t.Fatalf("BuildingAdmin=%v Admin=%v", a.BuildingAdmin, a.Admin)
	}
	for _, b := range []ID{10, 11} {
		if got := a.SeesTicket(foreign(StatusNew, b)); got != "Building Administrator of the ticket's building" {
			t.Errorf("building %d: SeesTicket = %q", b, got)
		}
		if a.SeesAllOf(b) == "" {
			t.Errorf("SeesAllOf(%d) is empty", b)
		}
	}
	far := foreign(StatusNew, 20)
	if a.CanSeeTicket(far) || a.SeesAllOf(20) != "" {
		t.Errorf("building administrator sees building 20")
	}
	wantErrContains(t, a.Can(ActView, far, org), ENotFound, "ticket T-000043 not found")
	// Their own tickets elsewhere stay visible.
	own := foreign(StatusNew, 20)
	own.Reporter = actorID
	if a.SeesTicket(own) != "reported it" {
		t.Errorf("own ticket in another building: %q", a.SeesTicket(own))
	}
	// Assigned buildings alone, without the group flag, show nothing.
	plain := subj(base(usersGroup()), member(grp(techID, "Staff", TicketView)))
	plain.Buildings = []ID{10}
	if pa := Resolve(plain, now); pa.CanSeeTicket(foreign(StatusNew, 10)) {
		t.Errorf("user with assigned buildings but no Building Administrator group sees the building's tickets")
	}
}

func TestR6_Implications(t *testing.T) {
	cases := []struct {
		flag Flag
		want []Flag
	}{
		{DiscussionPost, []Flag{DiscussionPost, DiscussionView}},
		{DiscussionEdit, []Flag{DiscussionEdit, DiscussionView}},
		{DiscussionDelete, []Flag{DiscussionDelete, DiscussionView}},
		{DiscussionInitiate, []Flag{DiscussionView, DiscussionPost, DiscussionInitiate}},
	}
	implying := map[Flag]bool{}
	for _, c := range cases {
		implying[c.flag] = true
		if got := FlagSetOf(c.flag).Closure(); got != FlagSetOf(c.want...) {
			t.Errorf("closure of %s = %v, want %v", c.flag, got.IDs(), FlagSetOf(c.want...).IDs())
		}
		a := holder(c.flag)
		for _, f := range c.want {
			if !a.Has(f) {
				t.Errorf("group with %s: member lacks %s", c.flag, f)
			}
		}
		g := grp(techID, "Staff", c.flag)
		for _, f := range c.want {
			if f == c.flag {
				continue
			}
			if by, ok := ImpliedBy(g, f); !ok || by != c.flag {
				t.Errorf("ImpliedBy(%s) = %s, %v; want %s", f, by, ok, c.flag)
			}
		}
	}
	for f := Flag(0); f < NumFlags; f++ {
		if !implying[f] && FlagSetOf(f).Closure() != FlagSetOf(f) {
			t.Errorf("%s implies %v, which DESIGN.md R6 does not list", f, FlagSetOf(f).Closure().IDs())
		}
	}
	if _, ok := ImpliedBy(grp(techID, "Staff", DiscussionView), DiscussionView); ok {
		t.Errorf("a flag held directly is reported as implied")
	}
}

func TestR6_RequiresAndExcludes(t *testing.T) {
	for _, f := range []Flag{MetricsSaveCharts, MetricsSaveLayouts} {
		g := grp(techID, "Analysts", f)
		wantErrContains(t, ValidateGroup(g), EInvalid, f.Info().Label+" ("+f.String()+") requires Metrics (metrics.run)", "(R6)")
		if r := DisabledReason(grp(techID, "Analysts"), f); r != "requires Metrics" {
			t.Errorf("DisabledReason(%s) = %q, want %q", f, r, "requires Metrics")
		}
		g.Flags.Add(MetricsRun)
		wantOK(t, ValidateGroup(g))
		if r := DisabledReason(grp(techID, "Analysts", MetricsRun), f); r != "" {
			t.Errorf("DisabledReason(%s) with metrics.run = %q", f, r)
		}
		// Home Page Only excludes each of the three.
		g.Flags.Add(MetricsHomeOnly)
		wantErrContains(t, ValidateGroup(g), EInvalid, "cannot be held with", "(R6)")
	}
	homeOnly := grp(techID, "Kiosk", MetricsHomeOnly)
	wantOK(t, ValidateGroup(homeOnly))
	if r := DisabledReason(homeOnly, MetricsRun); r != "excluded by Home Page Only" {
		t.Errorf("DisabledReason(metrics.run) with home-only = %q", r)
	}
	if r := DisabledReason(grp(techID, "Analysts", MetricsRun), MetricsHomeOnly); r != "excluded by Metrics" {
		t.Errorf("DisabledReason(home-only) with metrics.run = %q", r)
	}
	if r := DisabledReason(grp(techID, "Analysts", MetricsRun, MetricsSaveLayouts), MetricsHomeOnly); !strings.HasPrefix(r, "excluded by ") {
		t.Errorf("DisabledReason(home-only) with save-layouts = %q", r)
	}
	both := grp(techID, "Kiosk", MetricsHomeOnly, MetricsRun)
	wantErrContains(t, ValidateGroup(both), EInvalid, "Home Page Only (metrics.home-only) cannot be held with Metrics (metrics.run) (R6)")
	if r := DisabledReason(grp(techID, "Staff"), TicketClose); r != "" {
		t.Errorf("unrelated flag disabled: %q", r)
	}

	// ApplyGrants: the same rules on every save.
	_, err := ApplyGrants(*grp(techID, "Analysts"), []Grant{mustGrant(t, "metrics.save-charts")}, false)
	wantErrContains(t, err, EInvalid, "requires Metrics")
	ok, err := ApplyGrants(*grp(techID, "Analysts"), []Grant{mustGrant(t, "metrics.run"), mustGrant(t, "metrics.save-charts")}, false)
	wantOK(t, err)
	_, err = ApplyGrants(ok, []Grant{mustGrant(t, "metrics.run")}, true)
	wantErrContains(t, err, EInvalid, "requires Metrics")
	_, err = ApplyGrants(ok, []Grant{mustGrant(t, "metrics.home-only")}, false)
	wantErrContains(t, err, EInvalid, "cannot be held with")

	// An implied flag cannot be revoked alone, but together with its source it can.
	posting := *grp(techID, "Posters", DiscussionInitiate)
	_, err = ApplyGrants(posting, []Grant{mustGrant(t, "discussion.view")}, true)
	wantErrContains(t, err, EInvalid, "discussion.view is implied by discussion.initiate in group Posters: revoke discussion.initiate first (R6)")
	_, err = ApplyGrants(posting, []Grant{mustGrant(t, "discussion.post")}, true)
	wantErrContains(t, err, EInvalid, "discussion.post is implied by discussion.initiate")
	cleared, err := ApplyGrants(posting, []Grant{mustGrant(t, "discussion.initiate"), mustGrant(t, "discussion.view")}, true)
	wantOK(t, err)
	if cleared.Flags.Len() != 0 {
		t.Errorf("revoking the source and the implied flag left %v", cleared.Flags.IDs())
	}
	if !posting.Flags.Has(DiscussionInitiate) {
		t.Errorf("ApplyGrants changed its input group")
	}
}

func TestR7_DeleteClosedOnly(t *testing.T) {
	a := holder(TicketDelete)
	for _, st := range AllStatuses {
		err := a.Can(ActDelete, ticket(st, otherID), org)
		if st == StatusClosed {
			wantOK(t, err)
			continue
		}
		wantErrContains(t, err, EConflict, "only closed tickets can be deleted (R7)")
	}
	closer := holder(TicketClose)
	wantErrContains(t, closer.Can(ActDelete, ticket(StatusClosed, otherID), org), EForbidden, "Delete Problem Report (ticket.delete)")
	wantCode(t, a.Can(ActDelete, foreign(StatusClosed, 10), org), ENotFound)
}

func TestR10_ImplicitTeamMemberLabel(t *testing.T) {
	if l := (TeamMember{User: User{Username: "boss"}, Implicit: true, Via: "alice"}).Label(); l != "Member (reports-to)" {
		t.Errorf("implicit label = %q", l)
	}
	if l := (TeamMember{User: User{Username: "alice"}}).Label(); l != "Member" {
		t.Errorf("explicit label = %q", l)
	}
}

func TestR11_Visibility(t *testing.T) {
	other := func() *Ticket {
		return &Ticket{Number: 42, Status: StatusNew, Reporter: otherID, Assignee: thirdID, Building: 10, Teams: []ID{500}, VisibleTo: []ID{600}}
	}
	elevating := withLevel(grp(extraID, "District Administrator"), ModGroups, LevelEdit)
	ba := grp(baID, "Building Administrator")
	ba.BuildingAdmin = true
	shared := grp(600, "Nurses")
	cases := []struct {
		name   string
		setup  func(s *Subject, t *Ticket)
		reason string
	}{
		{"full administrator (R4)", func(s *Subject, _ *Ticket) { s.Grants = append(s.Grants, member(elevating)) }, "full administrator: groups:edit via group District Administrator (R4 elevation)"},
		{"superuser", func(s *Subject, _ *Ticket) { s.User.Superuser = true }, "full administrator: superuser"},
		{"override record visibility", func(s *Subject, _ *Ticket) {
			s.Grants = append(s.Grants, member(grp(extraID, "Auditors", VisibilityOverride)))
		}, "Override Record Visibility"},
		{"reporter", func(_ *Subject, t *Ticket) { t.Reporter = actorID }, "reported it"},
		{"assignee", func(_ *Subject, t *Ticket) { t.Assignee = actorID }, "assigned to it"},
		{"shared team", func(s *Subject, _ *Ticket) { s.Teams = []ID{499, 500} }, "shares a team with it"},
		{"shared visible-to group", func(s *Subject, _ *Ticket) { s.Grants = append(s.Grants, member(shared)) }, "in a group it is visible to"},
		{"visible to the base group", func(s *Subject, t *Ticket) { t.VisibleTo = []ID{usersID} }, "in a group it is visible to"},
		{"building administrator", func(s *Subject, _ *Ticket) {
			s.Grants = append(s.Grants, member(ba))
			s.Buildings = []ID{10}
		}, "Building Administrator of the ticket's building"},
		{"none of these", func(*Subject, *Ticket) {}, ""},
		{"visible-to group through an expired membership", func(s *Subject, _ *Ticket) {
			s.Grants = append(s.Grants, memberUntil(shared, now.Add(-time.Minute)))
		}, ""},
		{"building administrator of another building", func(s *Subject, _ *Ticket) {
			s.Grants = append(s.Grants, member(ba))
			s.Buildings = []ID{11}
		}, ""},
		{"team of another ticket", func(s *Subject, _ *Ticket) { s.Teams = []ID{501} }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := subj(base(usersGroup()), member(grp(techID, "Staff", TicketView)))
			tk := other()
			c.setup(&s, tk)
			a := Resolve(s, now)
			if got := a.SeesTicket(tk); got != c.reason {
				t.Fatalf("SeesTicket = %q, want %q", got, c.reason)
			}
			err := a.Can(ActView, tk, org)
			if c.reason != "" {
				wantOK(t, err)
				return
			}
			wantCode(t, err, ENotFound)
			if err.Error() != NotFoundTicket(org, 42).Error() {
				t.Errorf("invisible ticket says %q, a missing one %q: existence leaks", err, NotFoundTicket(org, 42))
			}
			// Lacking the privilege too must not turn "not found" into "forbidden".
			none := holder()
			for act := ActView; act <= ActViewUserInfo; act++ {
				wantCode(t, none.Can(act, tk, org), ENotFound)
			}
		})
	}
	var zero Access
	if zero.CanSeeTicket(&Ticket{Number: 1}) {
		t.Errorf("the zero Access sees a ticket with no reporter (user id 0 matched)")
	}
}

func TestR12_NoSelfEscalation(t *testing.T) {
	actorGroup := withLevel(withLevel(withLevel(grp(techID, "Coordinators", TicketClose, DiscussionInitiate), ModGroups, LevelEdit), ModUsers, LevelEdit), ModBuildings, LevelView)
	actor := Resolve(subj(base(usersGroup()), member(actorGroup)), now)
	su := Resolve(Subject{User: User{ID: 1, Username: "root", Superuser: true}, Grants: []GroupGrant{member(grp(extraID, "Any"))}}, now)

	t.Run("CheckGrants", func(t *testing.T) {
		for _, ok := range []string{"ticket.close", "discussion.post", "discussion.view", "groups:edit", "buildings:view", "users"} {
			wantOK(t, CheckGrants(&actor, []Grant{mustGrant(t, ok)}))
		}
		for _, bad := range []string{"ticket.delete", "buildings:edit", "technicians:view", "visibility.override"} {
			wantErrContains(t, CheckGrants(&actor, []Grant{mustGrant(t, "ticket.close"), mustGrant(t, bad)}), EForbidden,
				"alice cannot grant "+mustGrant(t, bad).String(), "(R12, no self-escalation)")
			wantOK(t, CheckGrants(&su, []Grant{mustGrant(t, bad)}))
		}
	})
	t.Run("CheckGroupEdit", func(t *testing.T) {
		within := withLevel(grp(extraID, "Helpdesk", TicketClose, DiscussionPost), ModBuildings, LevelView)
		wantOK(t, CheckGroupEdit(&actor, within))

		builtIn := usersGroup()
		wantErrContains(t, CheckGroupEdit(&actor, builtIn), EForbidden, "only a superuser edits the built-in group Users (R12)")
		wantOK(t, CheckGroupEdit(&su, builtIn))

		exceedsFlag := grp(extraID, "Cleaners", TicketDelete)
		wantErrContains(t, CheckGroupEdit(&actor, exceedsFlag), EForbidden, "group Cleaners holds ticket.delete, which alice lacks", "(R12)")
		exceedsLevel := withLevel(grp(extraID, "Facilities"), ModBuildings, LevelEdit)
		wantErrContains(t, CheckGroupEdit(&actor, exceedsLevel), EForbidden, "holds buildings:edit")
		wantOK(t, CheckGroupEdit(&su, exceedsLevel))

		// Implied flags count: editing a group whose flags imply more than
		// the actor holds is an escalation too.
		poster := holder(DiscussionPost)
		poster.Levels[ModGroups] = LevelEdit
		wantErrContains(t, CheckGroupEdit(&poster, grp(extraID, "Hosts", DiscussionInitiate)), EForbidden, "discussion.initiate")

		noManage := holder(TicketClose)
		wantErrContains(t, CheckGroupEdit(&noManage, within), EForbidden, "Manage Groups edit (groups:edit)")
	})
	t.Run("CheckMembership", func(t *testing.T) {
		u := &User{ID: otherID, Username: "bob"}
		within := grp(extraID, "Helpdesk", TicketClose)
		exceeds := grp(extraID, "Cleaners", TicketDelete)
		wantOK(t, CheckMembership(&actor, u, within, true))
		wantErrContains(t, CheckMembership(&actor, u, exceeds, true), EForbidden, "alice cannot change membership of Cleaners: the group holds ticket.delete", "(R12)")
		wantErrContains(t, CheckMembership(&actor, u, exceeds, false), EForbidden, "(R12)")
		wantOK(t, CheckMembership(&su, u, exceeds, true))

		usersOnly := holder(TicketClose)
		usersOnly.Levels[ModUsers] = LevelEdit
		wantOK(t, CheckMembership(&usersOnly, u, within, true))
		neither := holder(TicketClose)
		wantErrContains(t, CheckMembership(&neither, u, within, true), EForbidden, "groups:edit or users:edit")
	})
	t.Run("CheckManageUser", func(t *testing.T) {
		tech := holder(TicketAssignee)
		tech.UserID, tech.Username = otherID, "bob"
		plain := holder()
		plain.UserID, plain.Username = otherID, "carol"

		wantOK(t, CheckManageUser(&actor, &plain))
		wantErrContains(t, CheckManageUser(&actor, &tech), EForbidden, "bob is a technician", "technicians:edit")
		wantOK(t, CheckManageUser(&su, &tech))
		self := actor
		noUsers := holder()
		wantOK(t, CheckManageUser(&noUsers, &noUsers))
		wantOK(t, CheckManageUser(&actor, &self))
		wantErrContains(t, CheckManageUser(&noUsers, &plain), EForbidden, "users:edit")
	})
}

// A superuser holds every flag, Can Be Assignee included, so they are also a
// technician; the superuser rule must still come first, or a holder of
// Manage Technicians could change (deactivate, rename, delete) a superuser.
func TestR12_OnlySuperuserChangesSuperuser(t *testing.T) {
	root := Resolve(Subject{User: User{ID: thirdID, Username: "root", Superuser: true}, Grants: []GroupGrant{member(grp(extraID, "Any"))}}, now)
	techAdmin := holder()
	techAdmin.Levels[ModTechnicians] = LevelEdit
	techAdmin.Levels[ModUsers] = LevelEdit
	usersAdmin := holder()
	usersAdmin.Levels[ModUsers] = LevelEdit
	for name, actor := range map[string]*Access{"technicians:edit": &techAdmin, "users:edit": &usersAdmin} {
		t.Run(name, func(t *testing.T) {
			wantErrContains(t, CheckManageUser(actor, &root), EForbidden, "only a superuser changes the superuser root (R12)")
		})
	}
	other := Resolve(Subject{User: User{ID: 1, Username: "owner", Superuser: true}, Grants: []GroupGrant{member(grp(extraID, "Any"))}}, now)
	wantOK(t, CheckManageUser(&other, &root))
}

// Task Records in States is as wide as its states: holding it for New only
// and editing (or joining) a group that holds it for every state is an
// escalation, just as holding buildings:view and granting buildings:edit is.
func TestR12_TaskStatesAreNoEscalation(t *testing.T) {
	mine := withLevel(withLevel(grp(techID, "Triage", TicketClose, TaskStates), ModGroups, LevelEdit), ModUsers, LevelEdit)
	mine.TaskStates = []Status{StatusNew}
	actor := Resolve(subj(base(usersGroup()), member(mine)), now)
	self := &User{ID: actorID, Username: "alice"}

	same := grp(extraID, "Morning", TicketClose, TaskStates)
	same.TaskStates = []Status{StatusNew}
	wantOK(t, CheckGroupEdit(&actor, same))
	wantOK(t, CheckMembership(&actor, self, same, true))

	wider := grp(extraID, "Night", TicketClose, TaskStates)
	wider.TaskStates = []Status{StatusNew, StatusAssigned, StatusInProgress, StatusReopened}
	wantErrContains(t, CheckGroupEdit(&actor, wider), EForbidden, "task.states", "(R12)")
	wantErrContains(t, CheckMembership(&actor, self, wider, true), EForbidden, "task.states", "(R12)")

	// Task All Records covers every state.
	allGroup := withLevel(grp(techID, "Leads", TicketClose, TaskAll, TaskStates), ModGroups, LevelEdit)
	lead := Resolve(subj(base(usersGroup()), member(allGroup)), now)
	wantOK(t, CheckGroupEdit(&lead, wider))
}

func TestR13_MembershipEndsAtExpiry(t *testing.T) {
	until := now.Add(48 * time.Hour)
	m := Membership{Until: until}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{{now, true}, {until.Add(-time.Nanosecond), true}, {until, false}, {until.Add(time.Second), false}} {
		if got := m.Active(c.at); got != c.want {
			t.Errorf("Active(%v) = %v, want %v", c.at, got, c.want)
		}
		a := Resolve(subj(base(usersGroup()), member(grp(techID, "Staff")), memberUntil(grp(extraID, "Temp", TicketClose), until)), c.at)
		if a.Has(TicketClose) != c.want {
			t.Errorf("at %v: temporary privilege held = %v, want %v", c.at, a.Has(TicketClose), c.want)
		}
	}
	if !(Membership{}).Active(now.AddDate(100, 0, 0)) {
		t.Errorf("a membership without expiry ended")
	}
}

func TestR15_SearchPrefixAndWildcard(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"", "anything", true},
		{"sci", "Science Lab", true},
		{"SCIENCE l", "Science Lab", true},
		{"lab", "Science Lab", false},
		{"%lab", "Science Lab", true},
		{"%LAB", "science lab", true},
		{"s%lab", "Science Lab", true},
		{"s%b", "Science Lab", true},
		{"s%x", "Science Lab", false},
		{"%", "", true},
		{"a", "", false},
		{"science lab", "Science Lab", true},
		{"science lab!", "Science Lab", false},
		{"%ence%l", "Science Lab", true},
		{"_cience", "Science Lab", false}, // only % is a wildcard
		{"%%lab", "Science Lab", true},
		{"%a%a%a", "banana", true},
		{"%a%a%a%a", "banana", false},
		{"ÉCOLE", "école primaire", true},
		{"é", "École", true},
		{"%PRIM", "École Primaire", true},
	}
	for _, c := range cases {
		if got := Match(c.pattern, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

// R12 on users compares everything the target holds once active: a
// deactivated Building Administrator still outranks a clerk, and a
// building outside the actor's is outside their scope unless the actor is
// a full administrator (R4).
func TestR12_ExceedsUserAndOutsideScope(t *testing.T) {
	clerk := holder(TicketReport)
	ba := grp(baID, "Principals", TicketReport)
	ba.BuildingAdmin = true
	s := Subject{User: User{ID: otherID, Username: "pat", Status: StatusDeactivated}, Grants: []GroupGrant{member(ba)}, Buildings: []ID{7}}
	if a := Resolve(s, now); a.Has(TicketReport) {
		t.Fatal("Resolve: a deactivated user holds no flag")
	}
	held := ResolveHeld(s, now)
	if !held.Has(TicketReport) {
		t.Fatal("ResolveHeld: what the user holds once active")
	}
	if got := ExceedsUser(&clerk, &held); got != "Building Administrator" {
		t.Fatalf("ExceedsUser = %q, want Building Administrator", got)
	}
	if got := OutsideScope(&clerk, &held); len(got) != 1 || got[0] != 7 {
		t.Fatalf("OutsideScope = %v, want [7]", got)
	}
	admin := Resolve(subj(member(withLevel(grp(extraID, "Admins", TicketReport), ModGroups, LevelEdit))), now)
	if ExceedsUser(&admin, &held) != "" || OutsideScope(&admin, &held) != nil {
		t.Fatal("a full administrator (R4) covers a Building Administrator and every building")
	}
	peer := Resolve(Subject{User: User{ID: actorID, Username: "alice"}, Grants: []GroupGrant{member(ba)}, Buildings: []ID{7, 8}}, now)
	if ExceedsUser(&peer, &held) != "" || OutsideScope(&peer, &held) != nil {
		t.Fatal("a Building Administrator of the same buildings covers pat")
	}
}

// View-as needs Manage Users view and a viewer who sees every ticket and
// holds all the viewed user holds.
func TestR12_CheckViewAs(t *testing.T) {
	target := holder(TicketClose)
	viewer := holder()
	wantErrContains(t, CheckViewAs(&viewer, &target), EForbidden, "view-as needs users:view")
	viewer.Levels[ModUsers] = LevelView
	wantErrContains(t, CheckViewAs(&viewer, &target), EForbidden, "does not see every ticket")
	viewer = holder(VisibilityOverride)
	viewer.Levels[ModUsers] = LevelView
	wantErrContains(t, CheckViewAs(&viewer, &target), EForbidden, "holds ticket.close, which alice lacks (R12)")
	viewer = holder(VisibilityOverride, TicketClose)
	viewer.Levels[ModUsers] = LevelView
	wantOK(t, CheckViewAs(&viewer, &target))
}

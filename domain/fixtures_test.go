package domain_test

import (
	"strings"
	"testing"
	"time"

	. "gatehouse/domain"
)

// now is the fixed clock of every domain test: rules that depend on time
// (R13 expiry) must not depend on when the suite runs.
var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var org = &Organization{Name: "District", TicketPrefix: "T"}

// Users of the fixtures. Actor is the subject under test; the others only
// appear on tickets.
const (
	actorID ID = 100
	otherID ID = 200
	thirdID ID = 300
)

// Group ids of the fixtures.
const (
	usersID ID = 1 + iota
	restrictedUsersID
	techID
	baID
	extraID
)

// grp builds a standard group holding flags.
func grp(id ID, name string, flags ...Flag) *Group {
	return &Group{ID: id, Name: name, Flags: FlagSetOf(flags...)}
}

// withLevel sets a module level on a group and returns it.
func withLevel(g *Group, m Module, l Level) *Group {
	g.Levels[m] = l
	return g
}

func usersGroup(flags ...Flag) *Group {
	g := grp(usersID, GroupUsers, flags...)
	g.BuiltIn, g.Base = true, true
	return g
}

func restrictedUsersGroup(flags ...Flag) *Group {
	g := grp(restrictedUsersID, GroupRestrictedUsers, flags...)
	g.Kind, g.BuiltIn, g.Base = KindRestricted, true, true
	return g
}

// member is an explicit membership without expiry.
func member(g *Group) GroupGrant {
	return GroupGrant{Group: g, Membership: Membership{UserID: actorID, GroupID: g.ID, GrantedAt: now.AddDate(0, -1, 0)}}
}

// memberUntil is a temporary membership (R13).
func memberUntil(g *Group, until time.Time) GroupGrant {
	gg := member(g)
	gg.Membership.Until = until
	return gg
}

// base is the implicit base group of the user's kind (R1).
func base(g *Group) GroupGrant { return GroupGrant{Group: g, Implicit: true} }

// subj builds the actor's subject: a standard, active user.
func subj(grants ...GroupGrant) Subject {
	return Subject{User: User{ID: actorID, Username: "alice", Kind: KindStandard}, Grants: grants}
}

// holder resolves a standard user who is in the Users base group and one
// explicit group holding flags, the shape most checks need.
func holder(flags ...Flag) Access {
	return Resolve(subj(base(usersGroup()), member(grp(techID, "Staff", flags...))), now)
}

// ticket is one the actor reported unless changed, so it is visible.
func ticket(st Status, assignee ID) *Ticket {
	return &Ticket{ID: 42, Number: 42, Title: "Projector", Status: st, Reporter: actorID, Assignee: assignee, Building: 10}
}

// foreign is a ticket the actor has no relation to.
func foreign(st Status, building ID) *Ticket {
	return &Ticket{ID: 43, Number: 43, Title: "Printer", Status: st, Reporter: otherID, Assignee: thirdID, Building: building}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func wantOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error (%s): %v", ErrorCode(err), err)
	}
}

func wantContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not contain %q", s, sub)
		}
	}
}

func wantErrContains(t *testing.T, err error, code string, subs ...string) {
	t.Helper()
	wantCode(t, err, code)
	wantContains(t, err.Error(), subs...)
}

func mustGrant(t testing.TB, s string) Grant {
	t.Helper()
	g, err := ParseGrant(s)
	if err != nil {
		t.Fatalf("ParseGrant(%q): %v", s, err)
	}
	return g
}

package domain_test

import (
	"strings"
	"testing"
	"time"

	. "gatehouse/domain"
)

// between is a membership of g from from until until (zero: open).
func between(g *Group, from, until time.Time) GroupGrant {
	gg := member(g)
	gg.Membership.From, gg.Membership.Until = from, until
	return gg
}

func day(n int) time.Time { return now.AddDate(0, 0, n) }

// R17 compares the state before a save with the state after it day by day:
// a user who broke a never-together guard for a week and after the save
// breaks it for two is worse from the day the first week ends.
func TestR17_NeverTogetherIsComparedDayByDay(t *testing.T) {
	closers, assigners := grp(techID, "Closers", TicketClose), grp(extraID, "Assigners", TicketAssign)
	sod := []Guard{{Name: "sod", Kind: GuardNeverTogether, Privs: []string{"ticket.assign", "ticket.close"}}}
	eval := func(grants ...GroupGrant) *GuardTimeline {
		return EvaluateGuards(sod, []ID{0}, []Subject{subj(grants...)}, now, time.UTC)
	}
	before := eval(member(closers), between(assigners, day(3), day(10)))
	if vs := before.Violations(); len(vs) != 1 || !strings.HasPrefix(vs[0].Why, "from 2026-03-05, alice holds") || !vs[0].From.Equal(day(3)) {
		t.Fatalf("before %+v", vs)
	}
	same := eval(member(closers), between(assigners, day(5), day(8)))
	if vs := same.Worse(before); len(vs) != 0 {
		t.Fatalf("days within the broken ones are not worse: %+v", vs)
	}
	longer := eval(member(closers), between(assigners, day(3), day(17)))
	if vs := longer.Worse(before); len(vs) != 1 || !strings.HasPrefix(vs[0].Why, "from 2026-03-12, alice holds") {
		t.Fatalf("worse from the 12th: %+v", vs)
	}
	apart := eval(between(closers, time.Time{}, day(3)), between(assigners, day(3), time.Time{}))
	if vs := apart.Violations(); len(vs) != 0 {
		t.Fatalf("memberships that meet but do not overlap: %+v", vs)
	}
}

// Count guards compare the number of holders on each day.
func TestR17_HolderCountsAreComparedDayByDay(t *testing.T) {
	g := grp(techID, "Deleters", TicketDelete)
	max2 := []Guard{{Name: "two", Kind: GuardMaxHolders, Privs: []string{"ticket.delete"}, Limit: 2}}
	user := func(id ID, name string, grants ...GroupGrant) Subject {
		s := subj(grants...)
		s.User.ID, s.User.Username = id, name
		return s
	}
	eval := func(ss ...Subject) *GuardTimeline { return EvaluateGuards(max2, []ID{0}, ss, now, time.UTC) }
	a := user(1, "a", member(g))
	b := user(2, "b", between(g, time.Time{}, day(5)))
	before := eval(a, b, user(3, "c", between(g, day(1), day(2))))
	if vs := before.Violations(); len(vs) != 1 || vs[0].Count != 3 || !vs[0].From.Equal(day(1)) {
		t.Fatalf("before %+v", vs)
	}
	// a fourth on the day c made three is worse; so is c for longer, from
	// the day c ended before; c once b has gone is not
	if vs := eval(a, b, user(3, "c", between(g, day(1), day(2))), user(4, "d", between(g, day(1), day(2)))).Worse(before); len(vs) != 1 || vs[0].Count != 4 {
		t.Fatalf("a fourth on the same day: %+v", vs)
	}
	if vs := eval(a, b, user(3, "c", between(g, day(1), day(5)))).Worse(before); len(vs) != 1 || !strings.HasPrefix(vs[0].Why, "from 2026-03-04, 3 users hold") {
		t.Fatalf("c for longer: %+v", vs)
	}
	if vs := eval(a, b, user(3, "c", between(g, day(5), time.Time{}))).Worse(before); len(vs) != 0 {
		t.Fatalf("c after b ends: %+v", vs)
	}
}

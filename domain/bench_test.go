package domain_test

import (
	"testing"
	"time"

	. "gatehouse/domain"
)

// Budgets (DESIGN.md): effective access for a user in 10 groups < 5 µs; a
// privilege check < 50 ns.

var (
	sinkBool   bool
	sinkAccess Access
	sinkErr    error
)

// tenGroups is a subject in 10 groups with varied flags and levels, one of
// them temporary and one a building administrator group, plus the base group.
func tenGroups() Subject {
	s := subj(base(usersGroup(Help, AccountEditOwn, TicketReport)))
	for i := range 10 {
		g := grp(ID(10+i), "Group", Flag(i*5%int(NumFlags)), Flag((i*7+3)%int(NumFlags)), DiscussionInitiate)
		g.Flags.Remove(MetricsHomeOnly)
		g.Levels[Module(i%int(NumModules))] = Level(1 + i%2)
		if i == 3 {
			g.BuildingAdmin = true
		}
		if i == 4 {
			g.Flags.Add(TaskStates)
			g.TaskStates = []Status{StatusNew, StatusReopened}
		}
		if i == 7 {
			s.Grants = append(s.Grants, memberUntil(g, now.Add(time.Hour)))
			continue
		}
		s.Grants = append(s.Grants, member(g))
	}
	s.Teams = []ID{9, 3, 5}
	s.Buildings = []ID{12, 10}
	return s
}

func BenchmarkResolve10Groups(b *testing.B) {
	s := tenGroups()
	b.ReportAllocs()
	for b.Loop() {
		sinkAccess = Resolve(s, now)
	}
}

func BenchmarkHas(b *testing.B) {
	a := Resolve(tenGroups(), now)
	b.ReportAllocs()
	for b.Loop() {
		sinkBool = a.Has(DiscussionView)
	}
}

func BenchmarkCanSeeTicket(b *testing.B) {
	a := holder(TicketView)
	a.Teams = []ID{3, 5, 9}
	a.Groups = []ID{1, 2, 4, 8, 16}
	tk := &Ticket{Number: 7, Reporter: otherID, Assignee: thirdID, Building: 10, Teams: []ID{4, 6, 9}, VisibleTo: []ID{7}}
	b.ReportAllocs()
	for b.Loop() {
		sinkBool = a.CanSeeTicket(tk)
	}
}

func BenchmarkCanClose(b *testing.B) {
	a := holder(TicketClose, TaskAll)
	tk := ticket(StatusInProgress, otherID)
	b.ReportAllocs()
	for b.Loop() {
		sinkErr = a.Can(ActClose, tk, org)
	}
}

func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkBool = Match("%lab%room", "Lincoln Elementary Science Lab, Room 12")
	}
}

package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
)

// stepKind is one thing that happens to a ticket.
type stepKind uint8

const (
	stepCreate stepKind = iota
	stepAssign
	stepReassign
	stepStart
	stepWork
	stepClose
	stepReopen
)

// step is one planned action; Tech names the technician for assign and
// reassign, Text the comment or work report.
type step struct {
	Kind    stepKind
	Tech    string
	Text    string
	Minutes int
	Gap     time.Duration // after the previous step
}

// ticketPlan is one ticket's life, decided up front from the random source
// alone so the district does not depend on the day it is made.
type ticketPlan struct {
	Reporter    string
	Coordinator string
	New         domain.NewTicket
	Status      domain.Status
	Steps       []step
	number      domain.TicketNumber
}

// event is a step placed in time; events of all tickets run in time order
// so ticket numbers, history and audit read chronologically.
type event struct {
	At   time.Time
	Plan *ticketPlan
	Step step
	Do   func() error // for non-ticket events
	What string
}

// weighted picks an index by weight.
func weighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// Final status mix: every status appears, most tickets are closed.
var (
	statusMix    = []domain.Status{domain.StatusNew, domain.StatusAssigned, domain.StatusInProgress, domain.StatusClosed, domain.StatusReopened}
	statusWeight = []int{14, 14, 16, 46, 10}
	// ageDays bounds how many school days ago a ticket of each final
	// status was reported.
	ageDays = map[domain.Status][2]int{
		domain.StatusNew: {0, 4}, domain.StatusAssigned: {0, 8}, domain.StatusInProgress: {1, 14},
		domain.StatusReopened: {3, 28}, domain.StatusClosed: {2, schoolDays - 1},
	}
	priorityWeight = []int{25, 50, 18, 7}
	closeComments  = []string{"Resolved.", "Confirmed fixed with the reporter.", "Working again, closing.", "Fixed on site."}
	reopenComments = []string{"Problem came back the next morning.", "Reporter says it is happening again.", "Still not working in class."}
)

// plan decides one ticket.
func (s *seeder) plan(rng *rand.Rand) *ticketPlan {
	bw := make([]int, len(buildings))
	for i, b := range buildings {
		bw[i] = b.Weight
	}
	b := buildings[weighted(rng, bw)]
	pw := make([]int, len(problems))
	for i, p := range problems {
		pw[i] = p.Weight
	}
	pr := problems[weighted(rng, pw)]
	room := pick(rng, b.Rooms)
	title := strings.ReplaceAll(pick(rng, pr.Titles), "{room}", room)
	nt := domain.NewTicket{Title: title, Description: pick(rng, pr.Details), Building: b.Code, Room: room,
		ProblemType: pr.Type, CommonProblem: pr.Common, Priority: priorities[weighted(rng, priorityWeight)]}
	st := statusMix[weighted(rng, statusWeight)]

	tp := &ticketPlan{New: nt, Status: st, Reporter: s.reporter(rng, b.Code)}
	tp.Coordinator = s.first(func(q person) bool { return q.Role == roleCoordinator && q.Region == b.Region })
	auto := ""
	for _, r := range b.Rules {
		if r[0] == pr.Type {
			auto = r[1]
		}
	}
	if auto != "" && st == domain.StatusNew {
		tp.Status = domain.StatusAssigned
	}
	tech := auto
	techs := s.techs(b.Region)
	if tech == "" {
		tech = pick(rng, techs)
		if pr.Type == "Network" && rng.IntN(10) < 6 {
			tech = map[string]string{regionNorth: "jcarter", regionSouth: "hkim"}[b.Region]
		}
	}
	other := pick(rng, techs)
	reassign := rng.IntN(10) == 0 && other != tech
	quickClose := rng.IntN(12) == 0
	bounce := rng.IntN(7) == 0

	minutes := func() int { return 10 + 5*rng.IntN(23) }
	gap := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo))) }
	work := func() step {
		return step{Kind: stepWork, Text: pick(rng, pr.Work), Minutes: minutes(), Gap: gap(30*time.Minute, 24*time.Hour)}
	}
	add := func(st step) { tp.Steps = append(tp.Steps, st) }

	add(step{Kind: stepCreate})
	if tp.Status == domain.StatusNew {
		return tp
	}
	add(step{Kind: stepAssign, Tech: tech, Text: "Assigned by triage.", Gap: gap(10*time.Minute, 4*time.Hour)})
	if reassign {
		add(step{Kind: stepReassign, Tech: other, Text: "Rebalancing the workload.", Gap: gap(30*time.Minute, 24*time.Hour)})
	}
	switch tp.Status {
	case domain.StatusAssigned:
		return tp
	case domain.StatusInProgress:
		add(step{Kind: stepStart, Gap: gap(15*time.Minute, 48*time.Hour)})
		if rng.IntN(2) == 0 {
			add(work())
		}
		return tp
	case domain.StatusClosed:
		if quickClose {
			add(step{Kind: stepClose, Text: "Duplicate of an earlier ticket.", Gap: gap(10*time.Minute, 6*time.Hour)})
			return tp
		}
	}
	add(step{Kind: stepStart, Gap: gap(15*time.Minute, 48*time.Hour)})
	add(work())
	if rng.IntN(3) == 0 {
		add(work())
	}
	add(step{Kind: stepClose, Text: pick(rng, closeComments), Gap: gap(10*time.Minute, 48*time.Hour)})
	if tp.Status == domain.StatusReopened || bounce {
		add(step{Kind: stepReopen, Text: pick(rng, reopenComments), Gap: gap(24*time.Hour, 5*24*time.Hour)})
	}
	if tp.Status == domain.StatusClosed && bounce {
		add(step{Kind: stepStart, Gap: gap(15*time.Minute, 24*time.Hour)})
		add(work())
		add(step{Kind: stepClose, Text: pick(rng, closeComments), Gap: gap(10*time.Minute, 24*time.Hour)})
	}
	return tp
}

// techs lists the technicians who cover a region.
func (s *seeder) techs(region string) []string {
	var out []string
	for _, p := range s.people {
		if p.Role == roleTechnician && p.Region == region {
			out = append(out, p.username())
		}
	}
	return out
}

// reporter picks who reports a ticket in a building: mostly its staff and
// principal, sometimes a restricted user there, a technician or a
// coordinator. Staff report only in their home building, so a principal's
// reports-to view (R10) stays within their building.
func (s *seeder) reporter(rng *rand.Rand, code string) string {
	var local, other []string
	for _, p := range s.people {
		switch {
		case p.Building == code && (p.Role == roleStaff || p.Role == rolePrincipal || p.Role == roleRestricted):
			local = append(local, p.username())
		case p.Role == roleTechnician || p.Role == roleCoordinator:
			other = append(other, p.username())
		}
	}
	if rng.IntN(100) < 15 || len(local) == 0 {
		return pick(rng, other)
	}
	return pick(rng, local)
}

// schoolDays is HistoryDays in weekdays.
const schoolDays = HistoryDays * 5 / 7

// when places a ticket's creation on the school day d weekdays back,
// at a fraction (0..1) of its 7:30–16:30 window. Later (d, frac) is always
// later in time, whatever today is, so ticket numbers follow the same order
// on every date. Today counts only once it has an hour of school behind it.
func (s *seeder) when(d int, frac float64) time.Time {
	y, m, dd := s.now.Date()
	day := time.Date(y, m, dd, 0, 0, 0, 0, s.now.Location())
	open := func(day time.Time) time.Time { return day.Add(7*time.Hour + 30*time.Minute) }
	shut := func(day time.Time) time.Time { return day.Add(16*time.Hour + 30*time.Minute) }
	end := shut(day)
	if latest := s.now.Add(-30 * time.Minute); latest.Before(end) {
		end = latest
	}
	if weekend(day) || end.Sub(open(day)) < time.Hour {
		day = prevWeekday(day)
		end = shut(day)
	}
	for range d {
		day = prevWeekday(day)
	}
	if d > 0 {
		end = shut(day)
	}
	start := open(day)
	return start.Add(time.Duration(frac * float64(end.Sub(start))))
}

func weekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

func prevWeekday(day time.Time) time.Time {
	for {
		y, m, d := day.Date()
		day = time.Date(y, m, d-1, 0, 0, 0, 0, day.Location())
		if !weekend(day) {
			return day
		}
	}
}

// history plans every ticket, places the steps and the people changes in
// time, and runs them in order.
func (s *seeder) history(n int) error {
	var events []event
	for range n {
		tp := s.plan(s.rng)
		age := ageDays[tp.Status]
		if tp.Reporter == DeactivatedUser {
			age = [2]int{22, schoolDays - 1} // reported well before leaving
		}
		t := s.when(age[0]+s.rng.IntN(age[1]-age[0]+1), s.rng.Float64())
		// Squeeze the steps into the time between reporting and now, a
		// minute apart at least.
		var total time.Duration
		for _, st := range tp.Steps[1:] {
			total += st.Gap
		}
		span := s.now.Add(-5*time.Minute).Sub(t) - time.Minute*time.Duration(len(tp.Steps))
		for i, st := range tp.Steps {
			if i > 0 {
				g := st.Gap
				if total > span {
					g = time.Duration(float64(g) * float64(max(span, 0)) / float64(total))
				}
				t = t.Add(g + time.Minute)
			}
			events = append(events, event{At: t, Plan: tp, Step: st})
		}
	}
	until := time.Date(s.now.Year(), s.now.Month(), s.now.Day()+10, 17, 0, 0, 0, s.now.Location())
	events = append(events,
		event{At: s.now.AddDate(0, 0, -20), What: "deactivate " + DeactivatedUser, Do: func() error {
			_, err := s.owner.Deactivate(s.ctx, DeactivatedUser, true)
			return err
		}},
		event{At: s.now.AddDate(0, 0, -6), What: "temporary membership of " + TemporaryUser, Do: func() error {
			return s.owner.Join(s.ctx, TemporaryUser, "Technicians", until, "Helping with the Chromebook rollout")
		}})
	slices.SortStableFunc(events, func(a, b event) int { return a.At.Compare(b.At) })
	for _, e := range events {
		s.at(e.At)
		if e.Do != nil {
			if err := e.Do(); err != nil {
				return fmt.Errorf("demo %s: %w", e.What, err)
			}
			continue
		}
		if err := s.run(e.Plan, e.Step); err != nil {
			return fmt.Errorf("demo ticket %q (%s): %w", e.Plan.New.Title, e.Plan.Reporter, err)
		}
	}
	return nil
}

// run performs one ticket step as the person who would do it.
func (s *seeder) run(tp *ticketPlan, st step) error {
	if st.Kind == stepCreate {
		svc, err := s.session(tp.Reporter)
		if err != nil {
			return err
		}
		t, err := svc.CreateTicket(s.ctx, tp.New)
		if err != nil {
			return err
		}
		tp.number = t.Number
		return nil
	}
	d, err := s.owner.Ticket(s.ctx, tp.number)
	if err != nil {
		return err
	}
	t := d.Ticket
	assignee := s.names[t.Assignee]
	switch st.Kind {
	case stepAssign:
		if t.Assignee != 0 {
			return nil // auto-assigned on reporting
		}
		return s.act(&t, domain.ActAssign, true, func(svc domain.Service) error {
			return svc.Assign(s.ctx, t.Number, st.Tech, st.Text)
		}, tp.Coordinator)
	case stepReassign:
		return s.act(&t, domain.ActReassign, true, func(svc domain.Service) error {
			return svc.Reassign(s.ctx, t.Number, st.Tech, st.Text)
		}, tp.Coordinator)
	case stepStart:
		return s.act(&t, domain.ActStart, true, func(svc domain.Service) error {
			return svc.Start(s.ctx, t.Number, "")
		}, assignee, tp.Coordinator)
	case stepWork:
		return s.act(&t, domain.ActWorkWrite, false, func(svc domain.Service) error {
			_, err := svc.AddWork(s.ctx, t.Number, st.Minutes, st.Text)
			return err
		}, assignee)
	case stepClose:
		return s.act(&t, domain.ActClose, true, func(svc domain.Service) error {
			return svc.Close(s.ctx, t.Number, st.Text)
		}, assignee, tp.Coordinator)
	case stepReopen:
		return s.act(&t, domain.ActReopen, true, func(svc domain.Service) error {
			return svc.Reopen(s.ctx, t.Number, st.Text)
		}, tp.Coordinator)
	}
	return nil
}

// act does a ticket action as the first of who whose access allows it;
// when none does, the owner acts (counted, so tests notice default groups
// that no longer fit the district) or, without fallback, the step is skipped.
func (s *seeder) act(t *domain.Ticket, act domain.Action, fallback bool, do func(domain.Service) error, who ...string) error {
	for _, u := range who {
		if u == "" {
			continue
		}
		svc, err := s.session(u)
		if err != nil {
			return err
		}
		acc := svc.Access(s.ctx)
		if acc.Can(act, t, &s.org) == nil {
			return do(svc)
		}
	}
	if !fallback {
		s.stats.Skipped++
		return nil
	}
	s.stats.Fallbacks++
	return do(s.owner)
}

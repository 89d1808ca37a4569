package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// GuardKind is what a guard forbids (R17).
type GuardKind string

const (
	// GuardNeverTogether is separation of duties: no user holds two of the
	// guard's privileges at once.
	GuardNeverTogether GuardKind = "never-together"
	// GuardMaxHolders caps how many users hold a privilege (optionally in
	// one building).
	GuardMaxHolders GuardKind = "max-holders"
	// GuardMinHolders keeps at least N holders, e.g. two people who can
	// manage groups, so nobody locks the last administrator out.
	GuardMinHolders GuardKind = "min-holders"
)

// Guard is a rule on effective access that every access-changing save is
// checked against in its own transaction (R17). Privileges are kept as the
// ids people type ("ticket.close", "groups:edit") so a guard reads the same
// in `guard list`, the audit trail and an export.
type Guard struct {
	Rev
	Name      string    `json:"name"`
	Kind      GuardKind `json:"kind"`
	Privs     []string  `json:"privs"`
	Limit     int       `json:"limit,omitempty"`
	Building  string    `json:"building,omitempty"` // a building code; max-holders only
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Grants parses the guard's privileges; Validate has accepted them.
func (g *Guard) Grants() []Grant {
	out := make([]Grant, 0, len(g.Privs))
	for _, p := range g.Privs {
		if gr, err := ParseGrant(p); err == nil {
			out = append(out, gr)
		}
	}
	return out
}

// Validate checks a guard as typed, naming the field at fault.
func (g *Guard) Validate() error {
	if err := CheckLine("guard name", g.Name); err != nil {
		return err
	}
	if strings.TrimSpace(g.Name) == "" {
		return Errorf(EInvalid, "guard name: name the guard")
	}
	for i, p := range g.Privs {
		gr, err := ParseGrant(p)
		if err != nil {
			return err
		}
		g.Privs[i] = gr.String()
	}
	switch g.Kind {
	case GuardNeverTogether:
		if len(slices.Compact(slices.Sorted(slices.Values(g.Privs)))) < 2 {
			return Errorf(EInvalid, "--never-together: name at least two different privileges, e.g. ticket.assign,ticket.close")
		}
		if g.Building != "" {
			return Errorf(EInvalid, "--building: only a --max-holders guard counts in one building")
		}
	case GuardMaxHolders, GuardMinHolders:
		if len(g.Privs) != 1 {
			return Errorf(EInvalid, "--%s: name one privilege and a number, e.g. groups:edit=2", g.Kind)
		}
		if g.Limit < 0 || (g.Kind == GuardMinHolders && g.Limit == 0) {
			return Errorf(EInvalid, "--%s: the number must be at least %d", g.Kind, map[GuardKind]int{GuardMaxHolders: 0, GuardMinHolders: 1}[g.Kind])
		}
		if g.Kind == GuardMinHolders && g.Building != "" {
			return Errorf(EInvalid, "--building: only a --max-holders guard counts in one building")
		}
	default:
		return Errorf(EInvalid, "guard %q: say what it forbids: --never-together, --max-holders or --min-holders", g.Name)
	}
	return nil
}

// Rule is the guard as one line: "never-together ticket.assign, ticket.close".
func (g *Guard) Rule() string {
	switch g.Kind {
	case GuardNeverTogether:
		return "never-together " + strings.Join(g.Privs, ", ")
	case GuardMaxHolders:
		s := fmt.Sprintf("at most %d holding %s", g.Limit, strings.Join(g.Privs, ""))
		if g.Building != "" {
			s += " in " + g.Building
		}
		return s
	}
	return fmt.Sprintf("at least %d holding %s", g.Limit, strings.Join(g.Privs, ""))
}

// GuardViolation is one guard the state breaks: who, and why. From is
// when it begins to break (zero: now): memberships that start later can
// break a guard on a later day (R17).
type GuardViolation struct {
	Guard string    `json:"guard"`
	Rule  string    `json:"rule"`
	Users []string  `json:"users"` // the users who break it (never-together) or hold it (counts)
	Count int       `json:"count"`
	Why   string    `json:"why"`
	From  time.Time `json:"from,omitzero"`
}

func (v GuardViolation) String() string {
	return fmt.Sprintf("guard %q (%s): %s", v.Guard, v.Rule, v.Why)
}

// GuardHolder is one user's grants and the effective access they resolve to.
type GuardHolder struct {
	Subject Subject
	Access  *Access
}

// GuardTimeline is every guard's state from now on (R17). A membership
// has its own start and end (From, Until), so access that keeps a guard
// today can break it on a later day: the timeline holds, per guard, the
// stretches of time in which each user breaks it (never-together) or
// counts toward it (max- and min-holders), and so compares the date
// ranges of every membership involved. Access changes only where a
// membership starts or ends, so resolving each user at now and at each of
// those moments sees every day.
type GuardTimeline struct {
	Guards []Guard
	now    time.Time
	loc    *time.Location
	spans  [][]guardSpan // per guard, users in the order of the subjects
	steps  [][]guardStep // per guard, its holders over time (count)
}

// guardSpan is a stretch [from, until) in which one user breaks a
// never-together guard or counts toward a count guard.
type guardSpan struct {
	user        string
	from, until time.Time // a zero until: no end
	why         string    // never-together: what they hold, through which groups
}

func (s *guardSpan) covers(at time.Time) bool {
	return !at.Before(s.from) && (s.until.IsZero() || at.Before(s.until))
}

// accessMoments are now and every later moment at which s's access can
// change: the starts and ends of its explicit memberships, in order.
func accessMoments(s *Subject, now time.Time) []time.Time {
	out := []time.Time{now}
	for _, g := range s.Grants {
		if g.Implicit {
			continue
		}
		for _, t := range []time.Time{g.Membership.From, g.Membership.Until} {
			if t.After(now) {
				out = append(out, t)
			}
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}

// EvaluateGuards builds the guards' timeline from now on over subjects,
// everyone who could hold a guarded privilege (the store finds them).
// buildings[i] is the id of guards[i].Building (0 for none); days are
// told in loc.
func EvaluateGuards(guards []Guard, buildings []ID, subjects []Subject, now time.Time, loc *time.Location) *GuardTimeline {
	if loc == nil {
		loc = time.UTC
	}
	t := &GuardTimeline{Guards: guards, now: now, loc: loc, spans: make([][]guardSpan, len(guards))}
	grants := make([][]Grant, len(guards))
	for i := range guards {
		grants[i] = guards[i].Grants()
	}
	open := make([]int, len(guards)) // 1 + the index of a subject's open span, per guard
	for si := range subjects {
		s := &subjects[si]
		clear(open)
		for _, at := range accessMoments(s, now) {
			a := Resolve(*s, at)
			for gi := range guards {
				in, why := guards[gi].holds(s, &a, grants[gi], buildings[gi], at)
				if o := open[gi]; o != 0 && (!in || why != t.spans[gi][o-1].why) {
					t.spans[gi][o-1].until = at
					open[gi] = 0
				}
				if in && open[gi] == 0 {
					t.spans[gi] = append(t.spans[gi], guardSpan{user: s.User.Username, from: at, why: why})
					open[gi] = len(t.spans[gi])
				}
			}
		}
	}
	return t
}

// holds says whether the user with access a breaks the guard
// (never-together, with what they hold and through which groups) or
// counts toward it, at the moment at.
func (g *Guard) holds(s *Subject, a *Access, grants []Grant, building ID, at time.Time) (bool, string) {
	switch g.Kind {
	case GuardNeverTogether:
		if a.Superuser {
			return false, "" // a superuser holds everything by definition (R12)
		}
		n := 0
		for _, gr := range grants {
			if a.HasGrant(gr) {
				n++
			}
		}
		if n < 2 {
			return false, ""
		}
		var held []string
		for _, gr := range grants {
			if a.HasGrant(gr) {
				held = append(held, gr.String()+" (through "+strings.Join(sourcesOr(*s, gr, at), ", ")+")")
			}
		}
		return true, s.User.Username + " holds " + strings.Join(held, " and ")
	case GuardMaxHolders, GuardMinHolders:
		if len(grants) == 0 || !a.HasGrant(grants[0]) {
			return false, ""
		}
		return building == 0 || a.Admin || a.InBuilding(building), ""
	}
	return false, ""
}

// moments are now and every moment at which guard gi's spans begin or
// end, in order: where its state can change.
func (t *GuardTimeline) moments(gi int, more ...*GuardTimeline) []time.Time {
	out := []time.Time{t.now}
	for _, tl := range append([]*GuardTimeline{t}, more...) {
		if tl == nil || gi >= len(tl.spans) {
			continue
		}
		for _, s := range tl.spans[gi] {
			for _, at := range []time.Time{s.from, s.until} {
				if at.After(t.now) {
					out = append(out, at)
				}
			}
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}

// count is how many users count toward guard gi at the moment at: a
// step function built once per guard from its spans' starts and ends, so
// a guard over many temporary memberships costs a sort, not a scan per day.
func (t *GuardTimeline) count(gi int, at time.Time) int {
	if t.steps == nil {
		t.steps = make([][]guardStep, len(t.Guards))
	}
	st := t.steps[gi]
	if st == nil {
		for _, s := range t.spans[gi] {
			st = append(st, guardStep{at: s.from, n: 1})
			if !s.until.IsZero() {
				st = append(st, guardStep{at: s.until, n: -1})
			}
		}
		slices.SortFunc(st, func(a, b guardStep) int { return a.at.Compare(b.at) })
		for i := 1; i < len(st); i++ {
			st[i].n += st[i-1].n
		}
		st = append([]guardStep{{at: time.Time{}}}, st...) // nobody before the first start
		t.steps[gi] = st
	}
	// the last step at or before at holds the running count
	i, _ := slices.BinarySearchFunc(st, at, func(s guardStep, at time.Time) int {
		if s.at.After(at) {
			return 1
		}
		return -1
	})
	return st[i-1].n
}

// guardStep: from at on (until the next step), n users count.
type guardStep struct {
	at time.Time
	n  int
}

// broken says whether a count guard is broken by n holders.
func (g *Guard) broken(n int) bool {
	switch g.Kind {
	case GuardMaxHolders:
		return n > g.Limit
	case GuardMinHolders:
		return n < g.Limit
	}
	return false
}

// day is "" for now, else "from 2026-04-01, ": when a violation begins.
func (t *GuardTimeline) day(at time.Time) string {
	if !at.After(t.now) {
		return ""
	}
	return "from " + at.In(t.loc).Format(DateLayout) + ", "
}

// countViolation is count guard gi's violation at the moment at.
func (t *GuardTimeline) countViolation(gi int, at time.Time) *GuardViolation {
	g := &t.Guards[gi]
	v := &GuardViolation{Guard: g.Name, Rule: g.Rule()}
	for i := range t.spans[gi] {
		if t.spans[gi][i].covers(at) {
			v.Users = append(v.Users, t.spans[gi][i].user)
		}
	}
	v.Count = len(v.Users)
	if !g.broken(v.Count) {
		return nil
	}
	if at.After(t.now) {
		v.From = at
	}
	gr := strings.Join(g.Privs, "")
	if g.Kind == GuardMaxHolders {
		v.Why = t.day(at) + fmt.Sprintf("%d users hold %s (at most %d): %s", v.Count, gr, g.Limit, strings.Join(v.Users, ", "))
		return v
	}
	who := "nobody holds"
	if v.Count > 0 {
		who = fmt.Sprintf("only %s (%d) hold", strings.Join(v.Users, ", "), v.Count)
	}
	v.Why = t.day(at) + fmt.Sprintf("%s %s (at least %d)", who, gr, g.Limit)
	return v
}

// togetherViolation is a never-together guard's violation by the spans
// given, one per user: each from the moment at[i] on.
func (t *GuardTimeline) togetherViolation(gi int, spans []guardSpan, at []time.Time) *GuardViolation {
	if len(spans) == 0 {
		return nil
	}
	g := &t.Guards[gi]
	v := &GuardViolation{Guard: g.Name, Rule: g.Rule(), From: at[0]}
	var reasons []string
	for i, s := range spans {
		v.Users = append(v.Users, s.user)
		reasons = append(reasons, t.day(at[i])+s.why)
		if at[i].Before(v.From) {
			v.From = at[i]
		}
	}
	if !v.From.After(t.now) {
		v.From = time.Time{}
	}
	v.Count = len(v.Users)
	v.Why = strings.Join(reasons, "; ")
	return v
}

// Violations lists what the timeline breaks, now or later: each
// never-together guard with every user who breaks it (from the first day
// they do), each count guard from the first moment it is broken.
func (t *GuardTimeline) Violations() []GuardViolation {
	if t == nil {
		return nil
	}
	var out []GuardViolation
	for gi := range t.Guards {
		if v := t.violation(gi, nil); v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// Worse lists the violations of t (after a save) that break their guard
// more than before (the state before it) did on the same day: a
// never-together guard broken by a user, on a day, who did not break it
// then; a count guard broken on a day with more holders (max) or fewer
// (min) than before on that day. A save is refused only for what it makes
// worse, so a state that already breaks a guard (after an import) can
// still be repaired step by step. Both timelines are of the same guards.
func (t *GuardTimeline) Worse(before *GuardTimeline) []GuardViolation {
	if t == nil {
		return nil
	}
	var out []GuardViolation
	for gi := range t.Guards {
		var prev *GuardTimeline
		if before != nil && gi < len(before.Guards) && before.Guards[gi].Name == t.Guards[gi].Name {
			prev = before
		}
		if v := t.violation(gi, prev); v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// violation is guard gi's violation in t beyond what before's shows (all
// of it when before is nil).
func (t *GuardTimeline) violation(gi int, before *GuardTimeline) *GuardViolation {
	g := &t.Guards[gi]
	if g.Kind == GuardNeverTogether {
		var spans []guardSpan
		var at []time.Time
		seen := map[string]bool{}
		for _, s := range t.spans[gi] {
			if seen[s.user] {
				continue
			}
			if p, ok := before.uncovered(gi, s); ok {
				seen[s.user] = true
				spans, at = append(spans, s), append(at, p)
			}
		}
		return t.togetherViolation(gi, spans, at)
	}
	for _, at := range t.moments(gi, before) {
		n := t.count(gi, at)
		if !g.broken(n) {
			continue
		}
		if before != nil {
			if m := before.count(gi, at); g.broken(m) && (g.Kind == GuardMaxHolders && n <= m || g.Kind == GuardMinHolders && n >= m) {
				continue
			}
		}
		return t.countViolation(gi, at)
	}
	return nil
}

// uncovered is the first moment of s in which its user did not break
// never-together guard gi in t (the state before a save); with t nil, s's
// start.
func (t *GuardTimeline) uncovered(gi int, s guardSpan) (time.Time, bool) {
	if t == nil {
		return s.from, true
	}
	// a gap in the user's spans begins at s's start or where one ends
	cands := []time.Time{s.from}
	for _, b := range t.spans[gi] {
		if b.user == s.user && !b.until.IsZero() && s.covers(b.until) {
			cands = append(cands, b.until)
		}
	}
	slices.SortFunc(cands, time.Time.Compare)
	for _, at := range cands {
		covered := false
		for _, b := range t.spans[gi] {
			if b.user == s.user && b.covers(at) {
				covered = true
				break
			}
		}
		if !covered {
			return at, true
		}
	}
	return time.Time{}, false
}

// sourcesOr is Sources, never empty.
func sourcesOr(s Subject, g Grant, now time.Time) []string {
	src, _ := Sources(s, g, now)
	if len(src) == 0 {
		return []string{"unknown"}
	}
	return src
}

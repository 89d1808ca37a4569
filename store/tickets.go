package store

import (
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

func statusKey(t *domain.Ticket) []byte {
	return key(uint64(t.Status), uint64(t.Updated.UnixNano()), t.Number)
}

// indexTicket moves a ticket's index entries from old (nil when new) to t.
func indexTicket(tx *bolt.Tx, old, t *domain.Ticket) error {
	if old != nil {
		tx.Bucket(bTStatus).Delete(statusKey(old))
		tx.Bucket(bTBuilding).Delete(key(old.Building, old.Number))
		tx.Bucket(bTAssignee).Delete(key(old.Assignee, old.Number))
		tx.Bucket(bTReporter).Delete(key(old.Reporter, old.Number))
		if old.Parent != 0 {
			tx.Bucket(bTParent).Delete(key(old.Parent, old.Number))
		}
	}
	if t == nil {
		return nil
	}
	for _, kv := range []struct {
		b []byte
		k []byte
	}{{bTStatus, statusKey(t)}, {bTBuilding, key(t.Building, t.Number)}, {bTAssignee, key(t.Assignee, t.Number)},
		{bTReporter, key(t.Reporter, t.Number)}} {
		if err := tx.Bucket(kv.b).Put(kv.k, nil); err != nil {
			return err
		}
	}
	if t.Parent != 0 {
		return tx.Bucket(bTParent).Put(key(t.Parent, t.Number), nil)
	}
	return nil
}

// history appends one ticket history entry.
func (w *txn) history(t *domain.Ticket, action, detail, comment string) error {
	seq, err := w.tx.Bucket(bHistory).NextSequence()
	if err != nil {
		return err
	}
	h := domain.HistoryEntry{Ticket: t.Number, At: w.now, Actor: w.actor.ID, Action: action, Detail: detail, Comment: comment}
	return w.tx.Bucket(bHistory).Put(key(t.Number, seq), encHistory(&h))
}

// saveTicket writes a changed ticket with its indexes, history and audit.
func (w *txn) saveTicket(old, t *domain.Ticket, action, detail, comment string) error {
	t.Updated = w.now
	if err := w.tx.Bucket(bTickets).Put(itob(t.Number), encTicket(t)); err != nil {
		return err
	}
	if err := indexTicket(w.tx, old, t); err != nil {
		return err
	}
	if err := w.history(t, action, detail, comment); err != nil {
		return err
	}
	before := ""
	if old != nil {
		before = old.Status.String()
	}
	if err := w.audit("ticket", t.Number, w.org.FormatTicket(t.Number), action, before, strings.TrimSpace(t.Status.String()+" "+detail)); err != nil {
		return err
	}
	if ev, ok := eventOf[action]; ok {
		return w.notify(ev, t, comment, 0)
	}
	return nil
}

func (w *txn) username(id domain.ID) string {
	if id == 0 {
		return ""
	}
	u, err := getUser(w.tx, id)
	if err != nil {
		return fmt.Sprintf("#%d", id)
	}
	return u.Username
}

// groupIDs resolves group names for record visibility; without Override
// Record Visibility a user may choose only groups they are in.
func (w *txn) groupIDs(names []string) ([]domain.ID, error) {
	var out []domain.ID
	for _, n := range names {
		g, err := groupByName(w.tx, n)
		if err != nil {
			return nil, err
		}
		if !w.acc.Has(domain.VisibilityOverride) && !slices.Contains(w.acc.Groups, g.ID) {
			return nil, domain.Errorf(domain.EForbidden, "%s may make tickets visible only to their own groups (not %s) without Override Record Visibility", w.actor.Username, g.Name)
		}
		out = append(out, g.ID)
	}
	return out, nil
}

func (s *session) CreateTicket(n domain.NewTicket) (domain.Ticket, error) {
	var t domain.Ticket
	err := s.write(func(w *txn) error {
		if err := w.acc.Require(domain.TicketReport); err != nil {
			return err
		}
		var err error
		if t, err = w.buildTicket(n); err != nil {
			return err
		}
		if err := w.number(&t); err != nil {
			return err
		}
		w.autoAssign(&t)
		return w.saveTicket(nil, &t, "report", "", "")
	})
	return t, err
}

// buildTicket validates a report's fields and builds the ticket; reporting
// and editing share it so both refuse the same bad input.
func (w *txn) buildTicket(n domain.NewTicket) (domain.Ticket, error) {
	var t domain.Ticket
	n.Title = strings.TrimSpace(n.Title)
	if n.Title == "" {
		return t, domain.Errorf(domain.EInvalid, "title is required")
	}
	if len(n.Title) > 200 {
		return t, domain.Errorf(domain.EInvalid, "title is longer than 200 characters")
	}
	if strings.TrimSpace(n.Building) == "" {
		return t, domain.Errorf(domain.EInvalid, "building is required")
	}
	b, err := buildingByCode(w.tx, n.Building)
	if err != nil {
		return t, err
	}
	if n.Room != "" && len(b.Rooms) > 0 && !slices.ContainsFunc(b.Rooms, func(r string) bool { return strings.EqualFold(r, n.Room) }) {
		return t, domain.Errorf(domain.EInvalid, "building %s has no room %q (rooms: %s)", b.Code, n.Room, strings.Join(b.Rooms, ", "))
	}
	if n.ProblemType != "" {
		pt, ok := w.org.ProblemTypeNamed(n.ProblemType)
		if !ok {
			return t, domain.Errorf(domain.EInvalid, "unknown problem type %q (known: %s)", n.ProblemType, problemTypeNames(w.org))
		}
		n.ProblemType = pt.Name
		if n.CommonProblem != "" && !slices.Contains(pt.CommonProblems, n.CommonProblem) {
			return t, domain.Errorf(domain.EInvalid, "%q is not a common problem of %s", n.CommonProblem, pt.Name)
		}
	} else if n.CommonProblem != "" {
		return t, domain.Errorf(domain.EInvalid, "a common problem needs a problem type")
	}
	if n.Priority == "" {
		n.Priority = defaultPriority(w.org)
	} else if p, ok := w.org.HasPriority(n.Priority); ok {
		n.Priority = p
	} else {
		return t, domain.Errorf(domain.EInvalid, "unknown priority %q (known: %s)", n.Priority, strings.Join(w.org.Priorities, ", "))
	}
	t = domain.Ticket{Title: n.Title, Description: n.Description, ProblemType: n.ProblemType, CommonProblem: n.CommonProblem,
		Priority: n.Priority, Status: domain.StatusNew, Reporter: w.actor.ID, Building: b.ID, Room: n.Room, Created: w.now}
	if len(n.VisibleTo) > 0 {
		if err := w.acc.Require(domain.VisibilityEdit); err != nil {
			return t, err
		}
		if t.VisibleTo, err = w.groupIDs(n.VisibleTo); err != nil {
			return t, err
		}
	} else if w.org.RecordVisibility {
		// NetResults: a new record is visible to the reporter's groups.
		for _, g := range w.acc.Groups {
			if gg, err := getGroup(w.tx, g); err == nil && !gg.Base {
				t.VisibleTo = append(t.VisibleTo, g)
			}
		}
	}
	for _, name := range n.Teams {
		tm, err := teamByName(w.tx, name)
		if err != nil {
			return t, err
		}
		if tm.Suppressed {
			return t, domain.Errorf(domain.EInvalid, "team %s is suppressed", tm.Name)
		}
		if !w.acc.Admin && !slices.Contains(w.acc.Teams, tm.ID) {
			return t, domain.Errorf(domain.EForbidden, "%s is not a member of team %s", w.actor.Username, tm.Name)
		}
		t.Teams = append(t.Teams, tm.ID)
	}
	return t, nil
}

// number gives the ticket the organization's next number.
func (w *txn) number(t *domain.Ticket) error {
	t.Number = max(w.org.NextTicket, 1)
	for w.tx.Bucket(bTickets).Get(itob(t.Number)) != nil {
		t.Number++
	}
	t.ID = t.Number
	w.org.NextTicket = t.Number + 1
	ob, err := encJSON(w.org)
	if err != nil {
		return err
	}
	return w.tx.Bucket(bOrg).Put(keyOrg, ob)
}

// autoAssign applies the building's rule for the ticket's problem type,
// when its technician can still take tickets.
func (w *txn) autoAssign(t *domain.Ticket) {
	b, err := getBuilding(w.tx, t.Building)
	if err != nil || t.ProblemType == "" {
		return
	}
	for _, r := range b.Rules {
		if strings.EqualFold(r.ProblemType, t.ProblemType) {
			if u, err := getUser(w.tx, r.Tech); err == nil {
				if a := w.accessOf(u); domain.CanAssignTo(&a) == nil {
					t.Assignee, t.Status = u.ID, domain.StatusAssigned
				}
			}
		}
	}
}

func defaultPriority(o domain.Organization) string {
	if p, ok := o.HasPriority("Normal"); ok {
		return p
	}
	if len(o.Priorities) > 0 {
		return o.Priorities[len(o.Priorities)/2]
	}
	return ""
}

// act loads a ticket, checks the action for the actor, lets fn change it and
// saves it with history and audit in one transaction.
func (s *session) act(number uint64, act domain.Action, comment string, fn func(w *txn, t *domain.Ticket) (string, error)) error {
	return s.write(func(w *txn) error {
		t, ok := getTicket(w.tx, number)
		if !ok {
			return domain.NotFoundTicket(&w.org, number)
		}
		if err := w.acc.Can(act, &t, &w.org); err != nil {
			return err
		}
		old := t
		detail, err := fn(w, &t)
		if err != nil {
			return err
		}
		return w.saveTicket(&old, &t, act.Name(), detail, comment)
	})
}

func (w *txn) assignee(name string) (domain.User, error) {
	u, err := userByName(w.tx, name)
	if err != nil {
		return u, err
	}
	a := w.accessOf(u)
	return u, domain.CanAssignTo(&a)
}

func (s *session) Assign(number uint64, tech, comment string) error {
	return s.act(number, domain.ActAssign, comment, func(w *txn, t *domain.Ticket) (string, error) {
		u, err := w.assignee(tech)
		if err != nil {
			return "", err
		}
		t.Assignee, t.Status = u.ID, domain.StatusAssigned
		return "→ " + u.Username, nil
	})
}

func (s *session) Reassign(number uint64, tech, comment string) error {
	return s.act(number, domain.ActReassign, comment, func(w *txn, t *domain.Ticket) (string, error) {
		u, err := w.assignee(tech)
		if err != nil {
			return "", err
		}
		if u.ID == t.Assignee {
			return "", domain.Errorf(domain.EConflict, "%s is already assigned to %s", w.org.FormatTicket(t.Number), u.Username)
		}
		from := w.username(t.Assignee)
		t.Assignee, t.Status = u.ID, domain.StatusAssigned
		return from + " → " + u.Username, nil
	})
}

func (s *session) Start(number uint64, comment string) error {
	return s.act(number, domain.ActStart, comment, func(w *txn, t *domain.Ticket) (string, error) {
		t.Status = domain.StatusInProgress
		return "", nil
	})
}

func (s *session) Close(number uint64, comment string) error {
	return s.act(number, domain.ActClose, comment, func(w *txn, t *domain.Ticket) (string, error) {
		t.Status, t.Closed = domain.StatusClosed, w.now
		return "", nil
	})
}

func (s *session) Reopen(number uint64, comment string) error {
	return s.act(number, domain.ActReopen, comment, func(w *txn, t *domain.Ticket) (string, error) {
		t.Status, t.Closed = domain.StatusReopened, domain.Ticket{}.Closed
		return "", nil
	})
}

func (s *session) DeleteTicket(number uint64) error {
	return s.write(func(w *txn) error {
		t, ok := getTicket(w.tx, number)
		if !ok {
			return domain.NotFoundTicket(&w.org, number)
		}
		if err := w.acc.Can(domain.ActDelete, &t, &w.org); err != nil {
			return err
		}
		indexTicket(w.tx, &t, nil)
		w.tx.Bucket(bTickets).Delete(itob(number))
		var dead [][]byte
		prefixKeys(w.tx, bHistory, itob(number), func(k []byte) error { dead = append(dead, slices.Clone(k)); return nil })
		for _, k := range dead {
			w.tx.Bucket(bHistory).Delete(k)
		}
		dead = dead[:0]
		var work []domain.WorkReport
		prefixKeys(w.tx, bWork, itob(number), func(k []byte) error {
			var r domain.WorkReport
			if decJSON(w.tx.Bucket(bWork).Get(k), &r) == nil {
				work = append(work, r)
			}
			dead = append(dead, slices.Clone(k))
			return nil
		})
		for _, k := range dead {
			w.tx.Bucket(bWork).Delete(k)
		}
		for _, r := range work {
			w.tx.Bucket(bWorkUser).Delete(key(r.Author, number, r.ID))
		}
		return w.audit("ticket", number, w.org.FormatTicket(number), "delete", fmt.Sprintf("%s %q", t.Status, t.Title), "")
	})
}

func (s *session) EditTicket(number uint64, e domain.TicketChange) error {
	return s.act(number, domain.ActEdit, e.Comment, func(w *txn, t *domain.Ticket) (string, error) {
		var changed []string
		n := domain.NewTicket{Title: t.Title, Description: t.Description, ProblemType: t.ProblemType,
			CommonProblem: t.CommonProblem, Priority: t.Priority, Room: t.Room}
		b, _ := getBuilding(w.tx, t.Building)
		n.Building = b.Code
		set := func(field string, dst *string, v *string) {
			if v != nil && *v != *dst {
				*dst = *v
				changed = append(changed, field)
			}
		}
		set("title", &n.Title, e.Title)
		set("description", &n.Description, e.Description)
		set("problem type", &n.ProblemType, e.ProblemType)
		set("priority", &n.Priority, e.Priority)
		set("building", &n.Building, e.Building)
		set("room", &n.Room, e.Room)
		if len(changed) == 0 {
			return "", domain.Errorf(domain.EInvalid, "nothing to change")
		}
		if e.ProblemType != nil {
			n.CommonProblem = ""
		}
		tmp, err := w.buildTicket(n)
		if err != nil {
			return "", err
		}
		t.Title, t.Description, t.ProblemType, t.CommonProblem = tmp.Title, tmp.Description, tmp.ProblemType, tmp.CommonProblem
		t.Priority, t.Building, t.Room = tmp.Priority, tmp.Building, tmp.Room
		return "changed " + strings.Join(changed, ", "), nil
	})
}

func validateWork(minutes int, text string) error {
	if minutes < 0 || minutes > 100000 {
		return domain.Errorf(domain.EInvalid, "minutes must be between 0 and 100000, not %d", minutes)
	}
	if strings.TrimSpace(text) == "" {
		return domain.Errorf(domain.EInvalid, "work report text is required")
	}
	return nil
}

func (s *session) AddWork(number uint64, minutes int, text string) (domain.WorkReport, error) {
	var r domain.WorkReport
	err := s.act(number, domain.ActWorkWrite, "", func(w *txn, t *domain.Ticket) (string, error) {
		if err := validateWork(minutes, text); err != nil {
			return "", err
		}
		id, err := w.tx.Bucket(bWork).NextSequence()
		if err != nil {
			return "", err
		}
		r = domain.WorkReport{ID: id, Ticket: number, Author: w.actor.ID, Minutes: minutes, Text: text, Created: w.now}
		if err := putWork(w.tx, &r); err != nil {
			return "", err
		}
		return fmt.Sprintf("%d min", minutes), nil
	})
	return r, err
}

func putWork(tx *bolt.Tx, r *domain.WorkReport) error {
	b, err := encJSON(r)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bWork).Put(key(r.Ticket, r.ID), b); err != nil {
		return err
	}
	return tx.Bucket(bWorkUser).Put(key(r.Author, r.Ticket, r.ID), nil)
}

func (s *session) EditWork(number uint64, report domain.ID, minutes int, text string) error {
	return s.act(number, domain.ActWorkEdit, "", func(w *txn, t *domain.Ticket) (string, error) {
		var r domain.WorkReport
		b := w.tx.Bucket(bWork).Get(key(number, report))
		if b == nil || decJSON(b, &r) != nil {
			return "", domain.Errorf(domain.ENotFound, "work report %d not found on %s", report, w.org.FormatTicket(number))
		}
		if err := w.acc.CanEditWorkReport(t, &r, &w.org); err != nil {
			return "", err
		}
		if err := validateWork(minutes, text); err != nil {
			return "", err
		}
		r.Minutes, r.Text, r.Edited = minutes, text, w.now
		if err := putWork(w.tx, &r); err != nil {
			return "", err
		}
		return fmt.Sprintf("work report %d edited", report), nil
	})
}

func (s *session) Clone(number uint64) (domain.Ticket, error) {
	var child domain.Ticket
	err := s.write(func(w *txn) error {
		t, ok := getTicket(w.tx, number)
		if !ok {
			return domain.NotFoundTicket(&w.org, number)
		}
		if err := w.acc.Can(domain.ActClone, &t, &w.org); err != nil {
			return err
		}
		child = domain.Ticket{Title: t.Title, Description: t.Description, ProblemType: t.ProblemType,
			CommonProblem: t.CommonProblem, Priority: t.Priority, Status: domain.StatusNew, Reporter: w.actor.ID,
			Building: t.Building, Room: t.Room, Teams: slices.Clone(t.Teams), VisibleTo: slices.Clone(t.VisibleTo),
			Parent: t.Number, Created: w.now}
		if err := w.number(&child); err != nil {
			return err
		}
		if err := w.saveTicket(nil, &child, "clone", "from "+w.org.FormatTicket(number), ""); err != nil {
			return err
		}
		return w.history(&t, "cloned", "to "+w.org.FormatTicket(child.Number), "")
	})
	return child, err
}

func (s *session) SetVisibility(number uint64, groups []string) error {
	return s.act(number, domain.ActSetVisibility, "", func(w *txn, t *domain.Ticket) (string, error) {
		ids, err := w.groupIDs(groups)
		if err != nil {
			return "", err
		}
		t.VisibleTo = ids
		return "visible to " + strings.Join(groups, ", "), nil
	})
}

// names caches id → name lookups for one listing.
type names struct {
	w     *txn
	users map[domain.ID]string
	blds  map[domain.ID]string
}

func (n *names) user(id domain.ID) string {
	if id == 0 {
		return ""
	}
	if s, ok := n.users[id]; ok {
		return s
	}
	s := n.w.username(id)
	n.users[id] = s
	return s
}

func (n *names) building(id domain.ID) string {
	if s, ok := n.blds[id]; ok {
		return s
	}
	b, _ := getBuilding(n.w.tx, id)
	n.blds[id] = b.Code
	return b.Code
}

func (n *names) row(t domain.Ticket) domain.TicketRow {
	return domain.TicketRow{Ticket: t, Label: n.w.org.FormatTicket(t.Number), Building: n.building(t.Building),
		Assignee: n.user(t.Assignee), Reporter: n.user(t.Reporter)}
}

// Tickets lists the tickets the actor may see (R11), newest first, reading
// candidates from an index when a filter allows it.
func (s *session) Tickets(q domain.TicketQuery) (domain.TicketPage, error) {
	var page domain.TicketPage
	err := s.read(func(r *txn) error {
		if strings.TrimSpace(q.Text) != "" {
			if err := r.acc.Require(domain.QueryRun); err != nil {
				return err // free-text search is the Query privilege
			}
		}
		nm := &names{w: r, users: map[domain.ID]string{}, blds: map[domain.ID]string{}}
		var bld domain.ID
		if q.Building != "" {
			b, err := buildingByCode(r.tx, q.Building)
			if err != nil {
				return err
			}
			bld = b.ID
		}
		assignee, byAssignee := domain.ID(0), false
		switch strings.ToLower(q.Assignee) {
		case "":
		case "me":
			assignee, byAssignee = r.actor.ID, true
		case "none":
			assignee, byAssignee = 0, true
		default:
			u, err := userByName(r.tx, q.Assignee)
			if err != nil {
				return err
			}
			assignee, byAssignee = u.ID, true
		}
		var candidates []uint64
		switch {
		case byAssignee:
			candidates = suffixIDs(r.tx, bTAssignee, assignee)
		case bld != 0:
			candidates = suffixIDs(r.tx, bTBuilding, bld)
		case len(q.Status) == 1:
			prefixKeys(r.tx, bTStatus, itob(uint64(q.Status[0])), func(k []byte) error {
				candidates = append(candidates, btoi(k[16:]))
				return nil
			})
		}
		text := strings.ToLower(strings.TrimSpace(q.Text))
		team, err := teamIDFilter(r.tx, q.Team)
		if err != nil {
			return err
		}
		policies := overduePolicies(r.tx)
		extra := q.Priority != "" || team != 0 || q.Overdue || q.Sort != ""
		match := func(t *domain.Ticket) bool {
			if q.OpenOnly && !t.Status.Open() || len(q.Status) > 0 && !slices.Contains(q.Status, t.Status) {
				return false
			}
			if bld != 0 && t.Building != bld || byAssignee && t.Assignee != assignee {
				return false
			}
			if q.Priority != "" && !strings.EqualFold(t.Priority, q.Priority) || team != 0 && !slices.Contains(t.Teams, team) {
				return false
			}
			if q.Overdue && domain.OverdueLevel(t, policies, r.now) == 0 {
				return false
			}
			if text != "" && !strings.Contains(strings.ToLower(t.Title), text) && !strings.Contains(strings.ToLower(t.Description), text) {
				return false
			}
			return r.acc.CanSeeTicket(t)
		}
		row := func(t domain.Ticket) domain.TicketRow {
			tr := nm.row(t)
			tr.Overdue = domain.OverdueLevel(&t, policies, r.now)
			return tr
		}
		var sorted []domain.Ticket // every match, when a sort order needs them all
		take := func(t domain.Ticket) {
			page.Total++
			if q.Sort != "" {
				sorted = append(sorted, t)
			} else if page.Total > q.Offset && (q.Limit <= 0 || len(page.Tickets) < q.Limit) {
				page.Tickets = append(page.Tickets, row(t))
			}
		}
		defer func() {
			if q.Sort == "" {
				return
			}
			rank := map[string]int{}
			for i, p := range r.org.Priorities {
				rank[strings.ToLower(p)] = i
			}
			slices.SortStableFunc(sorted, func(a, b domain.Ticket) int {
				switch q.Sort {
				case domain.SortAge:
					if c := a.Created.Compare(b.Created); c != 0 {
						return c
					}
					return int(a.Number) - int(b.Number)
				case domain.SortUpdated:
					return b.Updated.Compare(a.Updated)
				}
				if d := rank[strings.ToLower(b.Priority)] - rank[strings.ToLower(a.Priority)]; d != 0 {
					return d
				}
				return a.Created.Compare(b.Created)
			})
			for i := q.Offset; i < len(sorted) && (q.Limit <= 0 || len(page.Tickets) < q.Limit); i++ {
				page.Tickets = append(page.Tickets, row(sorted[i]))
			}
		}()
		if candidates != nil || byAssignee || bld != 0 || len(q.Status) == 1 {
			slices.Sort(candidates)
			filters := 0
			for _, on := range []bool{byAssignee, bld != 0, len(q.Status) > 0} {
				if on {
					filters++
				}
			}
			if filters == 1 && text == "" && !q.OpenOnly && !extra && (r.acc.Admin || r.acc.Has(domain.VisibilityOverride)) {
				// the index answers the query alone: count keys, decode the page only
				page.Total = len(candidates)
				for i := len(candidates) - 1 - q.Offset; i >= 0 && (q.Limit <= 0 || len(page.Tickets) < q.Limit); i-- {
					if t, ok := getTicket(r.tx, candidates[i]); ok {
						page.Tickets = append(page.Tickets, row(t))
					}
				}
				return nil
			}
			for i := len(candidates) - 1; i >= 0; i-- {
				if t, ok := getTicket(r.tx, candidates[i]); ok && match(&t) {
					take(t)
				}
			}
			return nil
		}
		c := r.tx.Bucket(bTickets).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var t domain.Ticket
			if decTicket(v, &t) == nil && match(&t) {
				take(t)
			}
		}
		return nil
	})
	return page, err
}

func (s *session) Ticket(number uint64) (domain.TicketDetail, error) {
	var d domain.TicketDetail
	err := s.read(func(r *txn) error {
		t, ok := getTicket(r.tx, number)
		if !ok || !r.acc.CanSeeTicket(&t) {
			return domain.NotFoundTicket(&r.org, number)
		}
		nm := &names{w: r, users: map[domain.ID]string{}, blds: map[domain.ID]string{}}
		d.TicketRow = nm.row(t)
		d.ActorNames = map[domain.ID]string{}
		if !r.acc.Has(domain.TicketView) {
			d.FieldsHidden = true
			d.Description, d.ProblemType, d.CommonProblem, d.Priority, d.Room = "", "", "", "", ""
		} else {
			prefixKeys(r.tx, bWork, itob(number), func(k []byte) error {
				var wr domain.WorkReport
				if decJSON(r.tx.Bucket(bWork).Get(k), &wr) == nil {
					d.Work = append(d.Work, wr)
					d.ActorNames[wr.Author] = nm.user(wr.Author)
				}
				return nil
			})
		}
		if r.acc.Has(domain.TicketHistory) {
			prefixKeys(r.tx, bHistory, itob(number), func(k []byte) error {
				var h domain.HistoryEntry
				if decHistory(r.tx.Bucket(bHistory).Get(k), &h) == nil {
					d.History = append(d.History, h)
					d.ActorNames[h.Actor] = nm.user(h.Actor)
				}
				return nil
			})
		} else {
			d.HistoryHidden = true
		}
		if r.acc.Has(domain.TicketCloneInfo) {
			if t.Parent != 0 {
				if p, ok := getTicket(r.tx, t.Parent); ok && r.acc.CanSeeTicket(&p) {
					d.Parent = r.org.FormatTicket(p.Number)
				}
			}
			for _, c := range suffixIDs(r.tx, bTParent, number) {
				if ct, ok := getTicket(r.tx, c); ok && r.acc.CanSeeTicket(&ct) {
					d.Children = append(d.Children, r.org.FormatTicket(c))
				}
			}
		} else {
			d.CloneHidden = true
		}
		if r.acc.Has(domain.TicketUserInfo) {
			if u, err := getUser(r.tx, t.Reporter); err == nil {
				d.ReporterEmail = u.Email
			}
			if u, err := getUser(r.tx, t.Assignee); err == nil {
				d.AssigneeEmail = u.Email
			}
		}
		for _, g := range t.VisibleTo {
			if gg, err := getGroup(r.tx, g); err == nil {
				d.VisibleTo = append(d.VisibleTo, gg.Name)
			}
		}
		return nil
	})
	return d, err
}

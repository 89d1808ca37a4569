package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

func statusKey(t *domain.Ticket) []byte {
	return key(uint64(t.Status), uint64(t.Updated.UnixNano()), uint64(t.Number))
}

// countTicket keeps the number of tickets per status, so counts of the
// queue need no scan.
func countTicket(tx *bolt.Tx, st domain.Status, d int64) error {
	b := tx.Bucket(bTCount)
	k := itob(uint64(st))
	return kvPut(b, k, itob(uint64(int64(btoi(b.Get(k)))+d)))
}

// ticketCount is the number of tickets in a status.
func ticketCount(tx *bolt.Tx, st domain.Status) int {
	return int(btoi(tx.Bucket(bTCount).Get(itob(uint64(st)))))
}

// indexTicket moves a ticket's index entries from old (nil when new) to t.
func indexTicket(tx *bolt.Tx, old, t *domain.Ticket) error {
	if old != nil {
		if err := kvDel(tx.Bucket(bTStatus), statusKey(old)); err != nil {
			return err
		}
		if err := kvDel(tx.Bucket(bTBuilding), key(old.Building, uint64(old.Number))); err != nil {
			return err
		}
		if err := kvDel(tx.Bucket(bTAssignee), key(old.Assignee, uint64(old.Number))); err != nil {
			return err
		}
		if err := kvDel(tx.Bucket(bTReporter), key(old.Reporter, uint64(old.Number))); err != nil {
			return err
		}
		if old.Parent != 0 {
			if err := kvDel(tx.Bucket(bTParent), key(uint64(old.Parent), uint64(old.Number))); err != nil {
				return err
			}
		}
		for _, id := range old.Teams {
			if err := kvDel(tx.Bucket(bTTeam), key(id, uint64(old.Number))); err != nil {
				return err
			}
		}
		for _, id := range old.VisibleTo {
			if err := kvDel(tx.Bucket(bTGroup), key(id, uint64(old.Number))); err != nil {
				return err
			}
		}
		if err := countTicket(tx, old.Status, -1); err != nil {
			return err
		}
	}
	if t == nil {
		return nil
	}
	if err := countTicket(tx, t.Status, 1); err != nil {
		return err
	}
	for _, id := range t.Teams {
		if err := kvPut(tx.Bucket(bTTeam), key(id, uint64(t.Number)), nil); err != nil {
			return err
		}
	}
	for _, id := range t.VisibleTo {
		if err := kvPut(tx.Bucket(bTGroup), key(id, uint64(t.Number)), nil); err != nil {
			return err
		}
	}
	for _, kv := range []struct {
		b []byte
		k []byte
	}{{bTStatus, statusKey(t)}, {bTBuilding, key(t.Building, uint64(t.Number))}, {bTAssignee, key(t.Assignee, uint64(t.Number))},
		{bTReporter, key(t.Reporter, uint64(t.Number))}} {
		if err := kvPut(tx.Bucket(kv.b), kv.k, nil); err != nil {
			return err
		}
	}
	if t.Parent != 0 {
		return kvPut(tx.Bucket(bTParent), key(uint64(t.Parent), uint64(t.Number)), nil)
	}
	return nil
}

// history appends one ticket history entry.
func (w *txn) history(t *domain.Ticket, action, detail, comment string) error {
	// every ticket action's comment passes here
	if err := domain.CheckText("comment", comment); err != nil {
		return err
	}
	seq, err := kvSeq(w.tx.Bucket(bHistory))
	if err != nil {
		return err
	}
	h := domain.HistoryEntry{Ticket: domain.ID(t.Number), At: w.now, Actor: w.actor.ID, Action: action, Detail: detail, Comment: comment}
	return kvPut(w.tx.Bucket(bHistory), key(uint64(t.Number), seq), encHistory(&h))
}

// saveTicket writes a changed ticket with its indexes, history and audit.
func (w *txn) saveTicket(old, t *domain.Ticket, action, detail, comment string) error {
	return w.saveTicketFrom(old, t, 0, action, detail, comment)
}

// saveTicketFrom is saveTicket for an edit based on version base: a field
// it changes that someone changed since is a conflict (revise). Every
// write moves the ticket to its next version; its audit event carries the
// changed fields ("priority: Normal → High").
func (w *txn) saveTicketFrom(old, t *domain.Ticket, base uint64, action, detail, comment string) error {
	if old == nil {
		w.created(&t.Rev)
	} else {
		label := w.org.FormatTicket(t.Number)
		changes, err := w.revise("ticket", label, domain.ID(t.Number), &t.Rev, base,
			domain.TicketFields(old, w.names), domain.TicketFields(t, w.names))
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			w.touch(&t.Rev)
		}
	}
	t.Updated = w.now
	if err := kvPut(w.tx.Bucket(bTickets), itob(uint64(t.Number)), encTicket(t)); err != nil {
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
	if err := w.audit("ticket", domain.ID(t.Number), w.org.FormatTicket(t.Number), action, before, strings.TrimSpace(t.Status.String()+" "+detail)); err != nil {
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

func (s *session) CreateTicket(ctx context.Context, n domain.NewTicket) (domain.Ticket, error) {
	var t domain.Ticket
	err := s.write(ctx, func(w *txn) error {
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
	if err := domain.CheckLine("title", n.Title); err != nil {
		return t, err
	}
	if err := domain.CheckLine("room", n.Room); err != nil {
		return t, err
	}
	if err := domain.CheckText("description", n.Description); err != nil {
		return t, err
	}
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
	for w.tx.Bucket(bTickets).Get(itob(uint64(t.Number))) != nil {
		t.Number++
	}
	t.ID = domain.ID(t.Number)
	w.org.NextTicket = t.Number + 1
	ob, err := encJSON(w.org)
	if err != nil {
		return err
	}
	return kvPut(w.tx.Bucket(bOrg), keyOrg, ob)
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
func (s *session) act(ctx context.Context, number domain.TicketNumber, act domain.Action, comment string, fn func(w *txn, t *domain.Ticket) (string, error)) error {
	return s.write(ctx, func(w *txn) error { return w.actOn(number, act, comment, fn) })
}

// actOn is act inside a write already open, so a bulk action can change
// many tickets in one transaction, each checked and audited on its own.
func (w *txn) actOn(number domain.TicketNumber, act domain.Action, comment string, fn func(w *txn, t *domain.Ticket) (string, error)) error {
	return w.actOnFrom(number, 0, act, comment, fn)
}

// actOnFrom is actOn for an edit based on version base (saveTicketFrom).
func (w *txn) actOnFrom(number domain.TicketNumber, base uint64, act domain.Action, comment string, fn func(w *txn, t *domain.Ticket) (string, error)) error {
	t, ok, err := getTicket(w.tx, number)
	if err != nil {
		return err
	}
	if !ok {
		return domain.NotFoundTicket(&w.org, number)
	}
	if err := w.acc.Can(act, &t, &w.org); err != nil {
		return err
	}
	if err := w.expect("ticket", w.org.FormatTicket(number), t.Rev); err != nil {
		return err
	}
	if err := w.checkComment(comment); err != nil {
		return err
	}
	old := t
	detail, err := fn(w, &t)
	if err != nil {
		return err
	}
	return w.saveTicketFrom(&old, &t, base, act.Name(), detail, comment)
}

func (w *txn) assignee(name string) (domain.User, error) {
	u, err := userByName(w.tx, name)
	if err != nil {
		return u, err
	}
	a := w.accessOf(u)
	return u, domain.CanAssignTo(&a)
}

func (s *session) Assign(ctx context.Context, number domain.TicketNumber, tech, comment string) error {
	return s.act(ctx, number, domain.ActAssign, comment, assignTo(tech))
}

// assignTo is Assign's change of a ticket, shared with the bulk actions.
func assignTo(tech string) func(w *txn, t *domain.Ticket) (string, error) {
	return func(w *txn, t *domain.Ticket) (string, error) {
		u, err := w.assignee(tech)
		if err != nil {
			return "", err
		}
		t.Assignee, t.Status = u.ID, domain.StatusAssigned
		return "→ " + u.Username, nil
	}
}

func (s *session) Reassign(ctx context.Context, number domain.TicketNumber, tech, comment string) error {
	return s.act(ctx, number, domain.ActReassign, comment, reassignTo(tech))
}

// reassignTo is Reassign's change of a ticket, shared with the bulk actions.
func reassignTo(tech string) func(w *txn, t *domain.Ticket) (string, error) {
	return func(w *txn, t *domain.Ticket) (string, error) {
		u, err := w.assignee(tech)
		if err != nil {
			return "", err
		}
		if u.ID == t.Assignee {
			return "", domain.Errorf(domain.EConflict, "%s is already assigned to %s", w.org.FormatTicket(t.Number), u.Username)
		}
		from := w.username(t.Assignee)
		t.Assignee, t.Status = u.ID, domain.StatusAssigned
		return from + " → " + u.Username, w.clearReassign(t.Number) // answers a request
	}
}

func (s *session) Start(ctx context.Context, number domain.TicketNumber, comment string) error {
	return s.act(ctx, number, domain.ActStart, comment, func(w *txn, t *domain.Ticket) (string, error) {
		t.Status = domain.StatusInProgress
		return "", nil
	})
}

func (s *session) Close(ctx context.Context, number domain.TicketNumber, comment string) error {
	return s.act(ctx, number, domain.ActClose, comment, closeTicket)
}

// closeTicket is Close's change of a ticket, shared with the bulk actions.
func closeTicket(w *txn, t *domain.Ticket) (string, error) {
	t.Status, t.Closed = domain.StatusClosed, w.now
	return "", nil
}

func (s *session) Reopen(ctx context.Context, number domain.TicketNumber, comment string) error {
	return s.act(ctx, number, domain.ActReopen, comment, func(w *txn, t *domain.Ticket) (string, error) {
		t.Status, t.Closed = domain.StatusReopened, domain.Ticket{}.Closed
		return "", nil
	})
}

func (s *session) DeleteTicket(ctx context.Context, number domain.TicketNumber) error {
	return s.write(ctx, func(w *txn) error {
		t, err := w.deletable(number)
		if err != nil {
			return err
		}
		return w.deleteTicket(&t)
	})
}

// errNothingDeleted rolls back a bulk delete in which no ticket could go,
// so no empty audit event is written.
var errNothingDeleted = errors.New("nothing deleted")

// DeleteTickets deletes many closed tickets in one transaction (Edit Query
// Result Set, and Delete on each ticket). A ticket the actor cannot delete
// is reported on its row and kept; the others are deleted together, each
// with its own audit event.
func (s *session) DeleteTickets(ctx context.Context, numbers []domain.TicketNumber) ([]domain.BulkResult, error) {
	var out []domain.BulkResult
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.Require(domain.QueryBulkEdit); err != nil {
			return err
		}
		out = make([]domain.BulkResult, 0, len(numbers))
		deleted := 0
		for _, n := range numbers {
			if err := ctx.Err(); err != nil {
				return err // nothing is committed: the transaction is whole or nothing
			}
			r := domain.BulkResult{Number: n, Label: w.org.FormatTicket(n)}
			t, err := w.deletable(n)
			if err == nil {
				if err := w.deleteTicket(&t); err != nil {
					return err // a write failed: roll back every row
				}
				deleted++
			} else if domain.ErrorCode(err) == domain.EInternal {
				return err // not a refusal but a broken read
			}
			r.Err = err
			out = append(out, r)
		}
		if deleted == 0 {
			return errNothingDeleted
		}
		return nil
	})
	if errors.Is(err, errNothingDeleted) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deletable reads a ticket and checks the actor may delete it.
func (w *txn) deletable(number domain.TicketNumber) (domain.Ticket, error) {
	t, ok, err := getTicket(w.tx, number)
	if err != nil {
		return t, err
	}
	if !ok {
		return t, domain.NotFoundTicket(&w.org, number)
	}
	if err := w.acc.Can(domain.ActDelete, &t, &w.org); err != nil {
		return t, err
	}
	return t, w.expect("ticket", w.org.FormatTicket(number), t.Rev)
}

// deleteTicket removes a ticket with everything hanging off it and audits it.
func (w *txn) deleteTicket(t *domain.Ticket) error {
	number := t.Number
	if err := indexTicket(w.tx, t, nil); err != nil {
		return err
	}
	if err := kvDel(w.tx.Bucket(bTickets), itob(uint64(number))); err != nil {
		return err
	}
	if err := dropFieldRevs(w.tx, "ticket", domain.ID(number)); err != nil {
		return err
	}
	var dead [][]byte
	if err := prefixKeys(w.tx, bHistory, itob(uint64(number)), func(k []byte) error { dead = append(dead, slices.Clone(k)); return nil }); err != nil {
		return err
	}
	for _, k := range dead {
		if err := kvDel(w.tx.Bucket(bHistory), k); err != nil {
			return err
		}
	}
	dead = dead[:0]
	var work []domain.WorkReport
	if err := prefixKeys(w.tx, bWork, itob(uint64(number)), func(k []byte) error {
		var r domain.WorkReport
		if decJSON(w.tx.Bucket(bWork).Get(k), &r) == nil {
			work = append(work, r)
		}
		dead = append(dead, slices.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range dead {
		if err := kvDel(w.tx.Bucket(bWork), k); err != nil {
			return err
		}
	}
	for _, r := range work {
		if err := kvDel(w.tx.Bucket(bWorkUser), key(r.Author, uint64(number), r.ID)); err != nil {
			return err
		}
	}
	// discussion, attachments (with their content), alerts and the
	// overdue mark go with the ticket
	for _, b := range [][]byte{bThreads, bPosts, bAttach} {
		var keys [][]byte
		if err := prefixKeys(w.tx, b, itob(uint64(number)), func(k []byte) error { keys = append(keys, slices.Clone(k)); return nil }); err != nil {
			return err
		}
		for _, k := range keys {
			if bytes.Equal(b, bAttach) {
				if err := delAttachData(w.tx, btoi(k[8:])); err != nil {
					return err
				}
			}
			if err := kvDel(w.tx.Bucket(b), k); err != nil {
				return err
			}
		}
	}
	if err := kvDel(w.tx.Bucket(bAlerts), itob(uint64(number))); err != nil {
		return err
	}
	if err := kvDel(w.tx.Bucket(bOverdue), itob(uint64(number))); err != nil {
		return err
	}
	return w.audit("ticket", domain.ID(number), w.org.FormatTicket(number), "delete", fmt.Sprintf("%s %q", t.Status, t.Title), "")
}

func (s *session) EditTicket(ctx context.Context, number domain.TicketNumber, e domain.TicketChange) error {
	return s.write(ctx, func(w *txn) error { return w.actOnFrom(number, e.Base, domain.ActEdit, e.Comment, editTicket(e)) })
}

// editTicket is EditTicket's change of a ticket, shared with the bulk
// priority action.
func editTicket(e domain.TicketChange) func(w *txn, t *domain.Ticket) (string, error) {
	return func(w *txn, t *domain.Ticket) (string, error) {
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
		var fields []domain.TicketField
		setField := func(f domain.TicketField, name string, dst *string, v *string) {
			before := len(changed)
			set(name, dst, v)
			if len(changed) > before {
				fields = append(fields, f)
			}
		}
		set("title", &n.Title, e.Title)
		setField(domain.FieldDescription, "description", &n.Description, e.Description)
		setField(domain.FieldProblemType, "problem type", &n.ProblemType, e.ProblemType)
		setField(domain.FieldPriority, "priority", &n.Priority, e.Priority)
		set("building", &n.Building, e.Building)
		setField(domain.FieldRoom, "room", &n.Room, e.Room)
		if len(changed) == 0 {
			return "", domain.Errorf(domain.EInvalid, "nothing to change")
		}
		if err := w.checkFieldEdits(fields...); err != nil {
			return "", err
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
	}
}

func validateWork(minutes int, text string) error {
	if minutes < 0 || minutes > 100000 {
		return domain.Errorf(domain.EInvalid, "minutes must be between 0 and 100000, not %d", minutes)
	}
	if strings.TrimSpace(text) == "" {
		return domain.Errorf(domain.EInvalid, "work report text is required")
	}
	if err := domain.CheckText("work report text", text); err != nil {
		return err
	}
	return nil
}

func (s *session) AddWork(ctx context.Context, number domain.TicketNumber, minutes int, text string) (domain.WorkReport, error) {
	var r domain.WorkReport
	err := s.act(ctx, number, domain.ActWorkWrite, "", func(w *txn, t *domain.Ticket) (string, error) {
		if err := validateWork(minutes, text); err != nil {
			return "", err
		}
		if minutes != 0 {
			if err := w.checkFieldEdits(domain.FieldWorkMinutes); err != nil {
				return "", err
			}
		}
		id, err := kvSeq(w.tx.Bucket(bWork))
		if err != nil {
			return "", err
		}
		r = domain.WorkReport{ID: id, Ticket: domain.ID(number), Author: w.actor.ID, Minutes: minutes, Text: text, Created: w.now}
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
	if err := kvPut(tx.Bucket(bWork), key(r.Ticket, r.ID), b); err != nil {
		return err
	}
	return kvPut(tx.Bucket(bWorkUser), key(r.Author, r.Ticket, r.ID), nil)
}

func (s *session) EditWork(ctx context.Context, number domain.TicketNumber, report domain.ID, minutes int, text string) error {
	return s.act(ctx, number, domain.ActWorkEdit, "", func(w *txn, t *domain.Ticket) (string, error) {
		var r domain.WorkReport
		b := w.tx.Bucket(bWork).Get(key(uint64(number), report))
		if b == nil || decJSON(b, &r) != nil {
			return "", domain.Errorf(domain.ENotFound, "work report %d not found on %s", report, w.org.FormatTicket(number))
		}
		if err := w.acc.CanEditWorkReport(t, &r, &w.org); err != nil {
			return "", err
		}
		if err := validateWork(minutes, text); err != nil {
			return "", err
		}
		// someone who may not view minutes was shown 0: a 0 back keeps them
		if minutes == 0 && !w.acc.FieldAllowed(domain.FieldWorkMinutes, domain.RightView) {
			minutes = r.Minutes
		}
		if minutes != r.Minutes {
			if err := w.checkFieldEdits(domain.FieldWorkMinutes); err != nil {
				return "", err
			}
		}
		r.Minutes, r.Text, r.Edited = minutes, text, w.now
		if err := putWork(w.tx, &r); err != nil {
			return "", err
		}
		return fmt.Sprintf("work report %d edited", report), nil
	})
}

func (s *session) Clone(ctx context.Context, number domain.TicketNumber) (domain.Ticket, error) {
	var child domain.Ticket
	err := s.write(ctx, func(w *txn) error {
		t, ok, err := getTicket(w.tx, number)
		if err != nil {
			return err
		}
		if !ok {
			return domain.NotFoundTicket(&w.org, number)
		}
		if err := w.acc.Can(domain.ActClone, &t, &w.org); err != nil {
			return err
		}
		if err := w.expect("ticket", w.org.FormatTicket(number), t.Rev); err != nil {
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

func (s *session) SetVisibility(ctx context.Context, number domain.TicketNumber, groups []string) error {
	return s.act(ctx, number, domain.ActSetVisibility, "", func(w *txn, t *domain.Ticket) (string, error) {
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
		Assignee: n.user(t.Assignee), Reporter: n.user(t.Reporter), ReassignAsked: reassignAsked(n.w, &t)}
}

// Tickets lists the tickets the actor may see (R11), newest first. It reads
// candidates from the most selective index a filter offers and, for anyone
// who does not see everything, from their own visibility indexes (reporter,
// assignee, teams, visible-to groups, buildings), so nobody's query scans
// tickets they cannot see. Counts come from the index or the per-status
// counters when no ticket needs a closer look; free text is matched on the
// raw record before anything is decoded.
func (s *session) Tickets(ctx context.Context, q domain.TicketQuery) (domain.TicketPage, error) {
	var page domain.TicketPage
	err := s.read(func(r *txn) error {
		if strings.TrimSpace(q.Text) != "" {
			if err := r.acc.Require(domain.QueryRun); err != nil {
				return err // free-text search is the Query privilege
			}
		}
		if err := r.checkFieldQuery(&q); err != nil {
			return err
		}
		f, err := r.ticketFilter(q)
		if err != nil {
			return err
		}
		return r.listTickets(ctx, q, f, &page)
	})
	return page, err
}

// ticketFilter is a query resolved against the file.
type ticketFilter struct {
	q          domain.TicketQuery
	bld        domain.ID
	assignee   domain.ID
	byAssignee bool
	team       domain.ID
	text       []byte // lowercase
	descText   bool   // free text searches descriptions too: the actor may query them (field visibility)
	policies   []domain.OverduePolicy
	seesAll    bool
	// asked are the tickets with a pending reassignment request, read when
	// the filter is built (match may not read the transaction)
	asked map[domain.TicketNumber]bool
}

func (r *txn) ticketFilter(q domain.TicketQuery) (*ticketFilter, error) {
	f := &ticketFilter{q: q, seesAll: r.acc.Admin || r.acc.Has(domain.VisibilityOverride),
		descText: r.acc.FieldAllowed(domain.FieldDescription, domain.RightQuery),
		text:     []byte(strings.ToLower(strings.TrimSpace(q.Text)))}
	if q.Building != "" {
		b, err := buildingByCode(r.tx, q.Building)
		if err != nil {
			return nil, err
		}
		f.bld = b.ID
	}
	switch strings.ToLower(q.Assignee) {
	case "":
	case "me":
		f.assignee, f.byAssignee = r.actor.ID, true
	case "none":
		f.byAssignee = true
	default:
		u, err := userByName(r.tx, q.Assignee)
		if err != nil {
			return nil, err
		}
		f.assignee, f.byAssignee = u.ID, true
	}
	var err error
	if f.team, err = teamIDFilter(r.tx, q.Team); err != nil {
		return nil, err
	}
	f.policies = overduePolicies(r.tx)
	if q.Reassign {
		// the bucket holds only pending requests: a few keys
		f.asked = map[domain.TicketNumber]bool{}
		if err := r.tx.Bucket(bReassign).ForEach(func(k, _ []byte) error {
			f.asked[domain.TicketNumber(btoi(k))] = true
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// statuses is the status filter as a list (nil: any status). Overdue
// tickets are open ones, so the overdue filter narrows it to open states.
func (f *ticketFilter) statuses() []domain.Status {
	var sts []domain.Status
	switch {
	case len(f.q.Status) > 0:
		sts = f.q.Status
	case f.q.OpenOnly || f.q.Overdue || f.q.Reassign:
		sts = domain.AllStatuses
	default:
		return nil
	}
	out := []domain.Status{}
	for _, st := range sts {
		if !(f.q.OpenOnly || f.q.Overdue || f.q.Reassign) || st.Open() {
			out = append(out, st)
		}
	}
	return out
}

// exactFilters reports whether indexes alone answer every filter of the
// query: no free text, priority or overdue check needs the ticket itself.
func (f *ticketFilter) exactFilters() bool {
	return len(f.text) == 0 && f.q.Priority == "" && !f.q.Overdue && !f.q.Reassign
}

func (f *ticketFilter) match(r *txn, t *domain.Ticket) bool {
	if sts := f.statuses(); sts != nil && !slices.Contains(sts, t.Status) {
		return false
	}
	if f.bld != 0 && t.Building != f.bld || f.byAssignee && t.Assignee != f.assignee {
		return false
	}
	if f.q.Priority != "" && !strings.EqualFold(t.Priority, f.q.Priority) || f.team != 0 && !slices.Contains(t.Teams, f.team) {
		return false
	}
	if len(f.text) > 0 && !containsFold([]byte(t.Title), f.text) && !(f.descText && containsFold([]byte(t.Description), f.text)) {
		return false
	}
	if f.q.Overdue && domain.OverdueLevel(t, f.policies, r.now) == 0 {
		return false
	}
	if f.q.Reassign && !f.asked[t.Number] {
		return false
	}
	return f.seesAll || r.acc.CanSeeTicket(t)
}

// containsFold reports whether s contains the lowercase ASCII needle,
// ignoring ASCII case. It jumps between occurrences of the needle's first
// letter with IndexByte (vectorized), so scanning a million records costs
// little more than reading them.
func containsFold(s, needle []byte) bool {
	n := len(needle)
	if n == 0 {
		return true
	}
	lo, up := needle[0], needle[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	// next occurrence of each case of the first letter, searched only when
	// the previous one has been passed (-1: none left)
	nextLo, nextUp := -2, -2
	if up == lo {
		nextUp = -1
	}
	for from := 0; from+n <= len(s); {
		if nextLo != -1 && nextLo < from {
			if nextLo = bytes.IndexByte(s[from:], lo); nextLo >= 0 {
				nextLo += from
			}
		}
		if nextUp != -1 && nextUp < from {
			if nextUp = bytes.IndexByte(s[from:], up); nextUp >= 0 {
				nextUp += from
			}
		}
		i := nextLo
		if i < 0 || nextUp >= 0 && nextUp < i {
			i = nextUp
		}
		if i < 0 || i+n > len(s) {
			return false
		}
		j := 1
		for j < n && lowerASCII(s[i+j]) == needle[j] {
			j++
		}
		if j == n {
			return true
		}
		from = i + 1
	}
	return false
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// statusNumbers lists the numbers of the tickets in some statuses, sorted.
func statusNumbers(tx *bolt.Tx, sts []domain.Status) []uint64 {
	var all []uint64
	for _, st := range sts {
		_ = prefixKeys(tx, bTStatus, itob(uint64(st)), func(k []byte) error {
			all = append(all, btoi(k[16:]))
			return nil
		})
	}
	slices.Sort(all)
	return all
}

// intersect keeps what both sorted lists hold.
func intersect(a, b []uint64) []uint64 {
	out := a[:0:0]
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// subtract keeps what a holds and b does not (both sorted).
func subtract(a, b []uint64) []uint64 {
	out := a[:0:0]
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			continue
		}
		out = append(out, x)
	}
	return out
}

// candidates intersects the exact sets the indexes give for the query's
// filters and, for anyone who does not see everything, their visibility (the
// union of their reporter, assignee, team, visible-to group and building
// indexes is exactly R11). A large status set is applied as the complement
// of the small one. ok is false when no index narrows the query (the caller
// scans); statuses report whether the status filter is already applied.
func (r *txn) candidates(f *ticketFilter) (nums []uint64, ok, statusesApplied bool) {
	var sets [][]uint64
	if f.byAssignee {
		sets = append(sets, suffixIDs(r.tx, bTAssignee, f.assignee))
	}
	if f.team != 0 {
		sets = append(sets, suffixIDs(r.tx, bTTeam, f.team))
	}
	if f.bld != 0 {
		sets = append(sets, suffixIDs(r.tx, bTBuilding, f.bld))
	}
	if !f.seesAll {
		vis := suffixIDs(r.tx, bTReporter, r.actor.ID)
		vis = append(vis, suffixIDs(r.tx, bTAssignee, r.actor.ID)...)
		for _, t := range r.acc.Teams {
			vis = append(vis, suffixIDs(r.tx, bTTeam, t)...)
		}
		for _, g := range r.acc.Groups {
			vis = append(vis, suffixIDs(r.tx, bTGroup, g)...)
		}
		if r.acc.BuildingAdmin {
			for _, b := range r.acc.Buildings {
				vis = append(vis, suffixIDs(r.tx, bTBuilding, b)...)
			}
		}
		slices.Sort(vis)
		sets = append(sets, slices.Compact(vis))
	}
	sts := f.statuses()
	var minus []uint64
	if sts != nil {
		total, want := 0, 0
		for _, st := range domain.AllStatuses {
			total += ticketCount(r.tx, st)
		}
		for _, st := range sts {
			want += ticketCount(r.tx, st)
		}
		switch {
		case want*2 <= total:
			sets = append(sets, statusNumbers(r.tx, sts))
			statusesApplied = true
		case len(sets) > 0:
			var rest []domain.Status
			for _, st := range domain.AllStatuses {
				if !slices.Contains(sts, st) {
					rest = append(rest, st)
				}
			}
			minus = statusNumbers(r.tx, rest)
			statusesApplied = true
		}
	}
	if len(sets) == 0 {
		return nil, false, false
	}
	slices.SortFunc(sets, func(a, b []uint64) int { return len(a) - len(b) })
	nums = sets[0]
	if !slices.IsSorted(nums) {
		slices.Sort(nums)
	}
	for _, s := range sets[1:] {
		if !slices.IsSorted(s) {
			slices.Sort(s)
		}
		nums = intersect(nums, s)
	}
	if minus != nil {
		nums = subtract(nums, minus)
	}
	return nums, true, statusesApplied
}

// scanTickets visits every ticket that matches, newest first (oldest first
// for age), on two cores inside the caller's one read transaction: no read
// may open a second transaction while its first is open, since a writer
// that must remap the growing file would then wait for the first while the
// second waits behind the writer (bbolt's rule). A Tx is not safe for use
// by two goroutines, so this goroutine walks the half that comes later in
// the order and hands its raw records (bytes of the mapped file, valid and
// unchanging while the transaction is open) in chunks to a worker that
// matches them and returns numbers, fetched here in order; then it reads
// its own half. Free text is matched on the raw record before decoding; a
// record that cannot be read is an error naming it.
func (r *txn) scanTickets(ctx context.Context, f *ticketFilter, age bool, visit func(n uint64, t *domain.Ticket)) error {
	c := r.tx.Bucket(bTickets).Cursor()
	first, _ := c.First()
	last, _ := c.Last()
	if first == nil {
		return nil
	}
	lo, hi := btoi(first), btoi(last)
	mid := lo + (hi-lo)/2 // [lo, mid] and (mid, hi]
	textHit := func(n uint64, v []byte) (bool, error) {
		title, desc, ok := ticketText(v)
		if !ok {
			return false, damagedTicket(n, v)
		}
		return containsFold(title, f.text) || f.descText && containsFold(desc, f.text), nil
	}
	// someone who sees everything, searching text alone: a text hit is a
	// match, so nothing is decoded but the page
	textOnly := len(f.text) > 0 && f.seesAll && f.q.Priority == "" && !f.q.Overdue && !f.q.Reassign && f.statuses() == nil &&
		f.bld == 0 && !f.byAssignee && f.team == 0
	// pass reads r.now and r.acc only, never r.tx, so the worker may call it
	pass := func(n uint64, v []byte) (domain.Ticket, bool, error) {
		var t domain.Ticket
		if textOnly {
			hit, err := textHit(n, v)
			return t, hit, err
		}
		if len(f.text) > 0 {
			if hit, err := textHit(n, v); !hit || err != nil {
				return t, false, err
			}
		}
		if err := decTicket(v, &t); err != nil {
			return t, false, damaged("ticket", fmt.Sprintf("#%d", n), err)
		}
		return t, f.match(r, &t), nil
	}
	otherFrom, otherTo := lo, mid // newest first: this goroutine reads (mid, hi]
	if age {
		otherFrom, otherTo = mid+1, hi
	}
	type chunk struct {
		nums []uint64
		vals [][]byte
	}
	type result struct {
		nums []uint64
		err  error
	}
	work := make(chan chunk, 4)
	done := make(chan result, 1)
	go func() {
		var res result
		for ch := range work { // drained to the end even after an error
			if res.err != nil {
				continue
			}
			if ctx != nil && ctx.Err() != nil {
				res.err = ctx.Err()
				continue
			}
			for i, v := range ch.vals {
				_, ok, err := pass(ch.nums[i], v)
				if err != nil {
					res.err = err
					break
				}
				if ok {
					res.nums = append(res.nums, ch.nums[i])
				}
			}
		}
		done <- res
	}()
	const chunkSize = 1024
	var err error
	ch := chunk{}
	for k, v := c.Seek(itob(otherFrom)); k != nil && btoi(k) <= otherTo; k, v = c.Next() {
		ch.nums = append(ch.nums, btoi(k))
		ch.vals = append(ch.vals, v)
		if len(ch.nums) == chunkSize {
			if ctx != nil && ctx.Err() != nil {
				err = ctx.Err()
				break
			}
			work <- ch
			ch = chunk{nums: make([]uint64, 0, chunkSize), vals: make([][]byte, 0, chunkSize)}
		}
	}
	if err == nil && len(ch.nums) > 0 {
		work <- ch
	}
	close(work)
	own := func(k, v []byte, i int) bool {
		if i&1023 == 0 && ctx != nil && ctx.Err() != nil {
			err = ctx.Err()
			return false
		}
		n := btoi(k)
		t, ok, perr := pass(n, v)
		switch {
		case perr != nil:
			err = perr
			return false
		case ok && textOnly:
			visit(n, nil)
		case ok:
			visit(uint64(t.Number), &t)
		}
		return true
	}
	i := 0
	if err == nil && age {
		for k, v := c.Seek(itob(lo)); k != nil && btoi(k) <= mid && own(k, v, i); k, v = c.Next() {
			i++
		}
	} else if err == nil {
		for k, v := c.Last(); k != nil && btoi(k) > mid && own(k, v, i); k, v = c.Prev() {
			i++
		}
	}
	other := <-done // the worker is done with the records before the transaction ends
	if err != nil {
		return err
	}
	if other.err != nil {
		return other.err
	}
	if !age {
		slices.Reverse(other.nums)
	}
	for _, n := range other.nums {
		visit(n, nil)
	}
	return nil
}

// damagedTicket names a ticket record that cannot be read.
func damagedTicket(n uint64, v []byte) error {
	return damaged("ticket", fmt.Sprintf("#%d", n), fmt.Errorf("unknown version or cut short (first byte %v)", head(v)))
}

// countOf is the total of the statuses from the counters (all when nil).
func countOf(tx *bolt.Tx, sts []domain.Status) int {
	if sts == nil {
		sts = domain.AllStatuses
	}
	n := 0
	for _, st := range sts {
		n += ticketCount(tx, st)
	}
	return n
}

func (r *txn) listTickets(ctx context.Context, q domain.TicketQuery, f *ticketFilter, page *domain.TicketPage) error {
	if ctx.Err() != nil {
		return ctx.Err() // superseded before it started
	}
	nm := &names{w: r, users: map[domain.ID]string{}, blds: map[domain.ID]string{}}
	row := func(t domain.Ticket) domain.TicketRow {
		tr := nm.row(t)
		tr.Overdue = domain.OverdueLevel(&t, f.policies, r.now)
		r.hideFields(&tr.Ticket)
		return tr
	}
	cancelled := func(i int) error {
		if i&1023 == 0 {
			return ctx.Err()
		}
		return nil
	}
	want := q.Limit
	nums, indexed, stsApplied := r.candidates(f)
	sorted := q.Sort == domain.SortPriority || q.Sort == domain.SortUpdated
	age := q.Sort == domain.SortAge
	at := func(k, n int) int { // the k-th candidate in the page order
		if age {
			return k
		}
		return n - 1 - k
	}
	if !sorted && f.exactFilters() && (indexed && (stsApplied || f.statuses() == nil) || !indexed && f.bld == 0 && !f.byAssignee && f.team == 0) {
		// the sets (or the counters) answer the query: decode the page only
		if indexed {
			page.Total = len(nums)
			for k := q.Offset; k < len(nums) && (want <= 0 || len(page.Tickets) < want); k++ {
				t, ok, err := getTicket(r.tx, domain.TicketNumber(nums[at(k, len(nums))]))
				if err != nil {
					return err
				}
				if ok {
					page.Tickets = append(page.Tickets, row(t))
				}
			}
			return nil
		}
		page.Total = countOf(r.tx, f.statuses())
		c := r.tx.Bucket(bTickets).Cursor()
		k, v := c.Last()
		next := c.Prev
		if age {
			k, v = c.First()
			next = c.Next
		}
		skipped := 0
		for i := 0; k != nil && (want <= 0 || len(page.Tickets) < want); k, v = next() {
			if err := cancelled(i); err != nil {
				return err
			}
			i++
			var t domain.Ticket
			if err := decTicket(v, &t); err != nil {
				return damaged("ticket", fmt.Sprintf("#%d", btoi(k)), err)
			}
			if !f.match(r, &t) {
				continue
			}
			if skipped < q.Offset {
				skipped++
				continue
			}
			page.Tickets = append(page.Tickets, row(t))
		}
		return nil
	}
	// a sort order needs every match: keep a small key per match, sort
	// those, and fetch only the page's tickets
	type sortKey struct {
		rank   int
		at     int64 // created (priority sort) or -updated (updated sort)
		number uint64
	}
	var keys []sortKey
	rank := map[string]int{}
	for i, p := range r.org.Priorities {
		rank[strings.ToLower(p)] = i + 1 // later in the list is more urgent; unknown ranks 0, last
	}
	take := func(t domain.Ticket) {
		page.Total++
		if sorted {
			k := sortKey{number: uint64(t.Number)}
			if q.Sort == domain.SortUpdated {
				k.at = -t.Updated.UnixNano()
			} else {
				k.rank, k.at = -rank[strings.ToLower(t.Priority)], t.Created.UnixNano()
			}
			keys = append(keys, k)
			return
		}
		if page.Total > q.Offset && (want <= 0 || len(page.Tickets) < want) {
			page.Tickets = append(page.Tickets, row(t))
		}
	}
	var fetchErr error // a damaged ticket met in the visit below
	if indexed {
		tickets := r.tx.Bucket(bTickets)
		for k := range nums {
			if err := cancelled(k); err != nil {
				return err
			}
			v := tickets.Get(itob(nums[at(k, len(nums))]))
			if v == nil {
				continue
			}
			if len(f.text) > 0 {
				if title, desc, ok := ticketText(v); ok && !containsFold(title, f.text) && !(f.descText && containsFold(desc, f.text)) {
					continue
				}
			}
			var t domain.Ticket
			if err := decTicket(v, &t); err != nil {
				return damaged("ticket", fmt.Sprintf("#%d", nums[at(k, len(nums))]), err)
			}
			if f.match(r, &t) {
				take(t)
			}
		}
	} else if err := r.scanTickets(ctx, f, age, func(n uint64, t *domain.Ticket) {
		// a ticket of the other half is fetched only when the page or a sort needs it
		if t == nil && !sorted && !(page.Total >= q.Offset && (want <= 0 || len(page.Tickets) < want)) {
			page.Total++
			return
		}
		if t == nil {
			tt, ok, err := getTicket(r.tx, domain.TicketNumber(n))
			if err != nil && fetchErr == nil {
				fetchErr = err
			}
			if !ok {
				return
			}
			t = &tt
		}
		take(*t)
	}); err != nil {
		return err
	}
	if fetchErr != nil {
		return fetchErr
	}
	if sorted {
		slices.SortFunc(keys, func(a, b sortKey) int {
			if a.rank != b.rank {
				return a.rank - b.rank
			}
			if a.at != b.at {
				if a.at < b.at {
					return -1
				}
				return 1
			}
			return int(a.number) - int(b.number)
		})
		for i := q.Offset; i < len(keys) && (want <= 0 || len(page.Tickets) < want); i++ {
			t, ok, err := getTicket(r.tx, domain.TicketNumber(keys[i].number))
			if err != nil {
				return err
			}
			if ok {
				page.Tickets = append(page.Tickets, row(t))
			}
		}
	}
	return nil
}

func (s *session) Ticket(ctx context.Context, number domain.TicketNumber) (domain.TicketDetail, error) {
	var d domain.TicketDetail
	err := s.read(func(r *txn) error {
		t, ok, err := getTicket(r.tx, number)
		if err != nil {
			return err
		}
		if !ok || !r.acc.CanSeeTicket(&t) {
			return domain.NotFoundTicket(&r.org, number)
		}
		nm := &names{w: r, users: map[domain.ID]string{}, blds: map[domain.ID]string{}}
		d.TicketRow = nm.row(t)
		d.Overdue = domain.OverdueLevel(&t, overduePolicies(r.tx), r.now)
		d.ActorNames = map[domain.ID]string{}
		if !r.acc.Has(domain.TicketView) {
			d.FieldsHidden = true
			d.Description, d.ProblemType, d.CommonProblem, d.Priority, d.Room = "", "", "", "", ""
		} else {
			if err := prefixKeys(r.tx, bWork, itob(uint64(number)), func(k []byte) error {
				var wr domain.WorkReport
				if decJSON(r.tx.Bucket(bWork).Get(k), &wr) == nil {
					d.Work = append(d.Work, wr)
					d.ActorNames[wr.Author] = nm.user(wr.Author)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if r.acc.Has(domain.TicketHistory) {
			if err := prefixKeys(r.tx, bHistory, itob(uint64(number)), func(k []byte) error {
				var h domain.HistoryEntry
				if decHistory(r.tx.Bucket(bHistory).Get(k), &h) == nil {
					d.History = append(d.History, h)
					d.ActorNames[h.Actor] = nm.user(h.Actor)
				}
				return nil
			}); err != nil {
				return err
			}
		} else {
			d.HistoryHidden = true
		}
		if r.acc.Has(domain.TicketCloneInfo) {
			if t.Parent != 0 {
				p, ok, err := getTicket(r.tx, t.Parent)
				if err != nil {
					return err
				}
				if ok && r.acc.CanSeeTicket(&p) {
					d.Parent = r.org.FormatTicket(p.Number)
				}
			}
			for _, c := range suffixIDs(r.tx, bTParent, uint64(number)) {
				ct, ok, err := getTicket(r.tx, domain.TicketNumber(c))
				if err != nil {
					return err
				}
				if ok && r.acc.CanSeeTicket(&ct) {
					d.Children = append(d.Children, r.org.FormatTicket(domain.TicketNumber(c)))
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
		for _, id := range t.Teams {
			if tm, err := getTeam(r.tx, id); err == nil {
				d.TeamNames = append(d.TeamNames, tm.Name)
			}
		}
		r.hideDetail(&d)
		return nil
	})
	return d, err
}

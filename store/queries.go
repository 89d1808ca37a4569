package store

import (
	"context"
	"slices"
	"sort"
	"strings"

	"gatehouse/domain"
)

func (s *session) SavedQueries(ctx context.Context) ([]domain.SavedQuery, error) {
	var out []domain.SavedQuery
	err := s.read(func(r *txn) error {
		return r.tx.Bucket(bQueries).ForEach(func(k, v []byte) error {
			var q domain.SavedQuery
			if decJSON(v, &q) != nil {
				return nil
			}
			if q.Owner == r.actor.ID || q.Group != 0 && slices.Contains(r.acc.Groups, q.Group) {
				if g, err := getGroup(r.tx, q.Group); err == nil {
					q.GroupOf = g.Name
				}
				out = append(out, q)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, err
}

func (s *session) SaveQuery(ctx context.Context, name, query, group string) (domain.SavedQuery, error) {
	var q domain.SavedQuery
	err := s.write(ctx, func(w *txn) error {
		if err := domain.ValidateName("query name", name); err != nil {
			return err
		}
		if err := domain.CheckLine("query", query); err != nil {
			return err
		}
		if _, err := domain.ParseQuery(query); err != nil {
			return err
		}
		if err := w.acc.Require(domain.QueryRun); err != nil {
			return err
		}
		q = domain.SavedQuery{Name: name, Query: query, Owner: w.actor.ID}
		if group != "" {
			g, err := groupByName(w.tx, group)
			if err != nil {
				return err
			}
			if err := w.acc.Require(domain.QuerySaveGroup); err != nil {
				return err
			}
			if !slices.Contains(w.acc.Groups, g.ID) {
				return domain.Errorf(domain.EForbidden, "%s may save queries only for groups they are in (not %s)", w.actor.Username, g.Name)
			}
			q.Owner, q.Group, q.GroupOf = 0, g.ID, g.Name
		}
		id, err := kvSeq(w.tx.Bucket(bQueries))
		if err != nil {
			return err
		}
		q.ID = id
		w.created(&q.Rev)
		if err := putJSON(w.tx, bQueries, id, q); err != nil {
			return err
		}
		return w.audit("query", id, name, "save", "", strings.TrimSpace(q.GroupOf+" "+query))
	})
	return q, err
}

func (s *session) DeleteSavedQuery(ctx context.Context, id domain.ID) error {
	return s.write(ctx, func(w *txn) error {
		var q domain.SavedQuery
		found, err := getJSON(w.tx, bQueries, id, &q)
		if err != nil {
			return err
		}
		if !found {
			return domain.Errorf(domain.ENotFound, "saved query %d not found", id)
		}
		switch {
		case q.Owner == w.actor.ID:
		case q.Group != 0 && slices.Contains(w.acc.Groups, q.Group):
			if err := w.acc.Require(domain.QuerySaveGroup); err != nil {
				return err
			}
		default:
			return domain.Errorf(domain.ENotFound, "saved query %d not found", id)
		}
		if err := w.expect("query", q.Name, q.Rev); err != nil {
			return err
		}
		if err := dropFieldRevs(w.tx, "query", id); err != nil {
			return err
		}
		if err := kvDel(w.tx.Bucket(bQueries), itob(id)); err != nil {
			return err
		}
		return w.audit("query", id, q.Name, "delete", q.Query, "")
	})
}

// Bulk applies an action ticket by ticket: each succeeds or fails on its
// own and the caller shows every result.
func (s *session) Bulk(ctx context.Context, numbers []domain.TicketNumber, a domain.BulkAction) ([]domain.BulkResult, error) {
	if err := s.refuseWrite(); err != nil {
		return nil, err // refused as a whole, not ticket by ticket
	}
	acc := s.Access(ctx)
	if err := acc.Require(domain.QueryBulkEdit); err != nil {
		return nil, err
	}
	org, err := s.Organization(ctx)
	if err != nil {
		return nil, err
	}
	var do func(n domain.TicketNumber) error
	switch a.Kind {
	case domain.BulkAssign:
		do = func(n domain.TicketNumber) error {
			t, err := s.Ticket(ctx, n)
			if err == nil && t.Assignee != "" {
				return s.Reassign(ctx, n, a.Value, a.Comment)
			}
			return s.Assign(ctx, n, a.Value, a.Comment)
		}
	case domain.BulkClose:
		do = func(n domain.TicketNumber) error { return s.Close(ctx, n, a.Comment) }
	case domain.BulkPriority:
		do = func(n domain.TicketNumber) error {
			p := a.Value
			return s.EditTicket(ctx, n, domain.TicketChange{Priority: &p, Comment: a.Comment})
		}
	case domain.BulkDelete:
		// Delete Problem Report, and closed tickets only (R7): one
		// transaction for them all (DeleteTickets), each audited, an open
		// one kept and reported
		if err := acc.Require(domain.TicketDelete); err != nil {
			return nil, err
		}
		return s.DeleteTickets(ctx, numbers)
	default:
		return nil, domain.Errorf(domain.EInvalid, "bulk action %q: use assign, close, priority or delete", a.Kind)
	}
	out := make([]domain.BulkResult, 0, len(numbers))
	for _, n := range numbers {
		// cancelled between tickets: what was done stays done and is reported
		if err := ctx.Err(); err != nil {
			return out, err
		}
		out = append(out, domain.BulkResult{Number: n, Label: org.FormatTicket(n), Err: do(n)})
	}
	return out, nil
}

// BulkAtomic applies assign, close or priority to every ticket in one
// write: each ticket is checked as its single action would be and gets
// its own history line and audit event, and the first refusal rolls the
// whole selection back with a message naming the ticket and the rule.
// Assign reassigns a ticket that already has an assignee.
func (s *session) BulkAtomic(ctx context.Context, numbers []domain.TicketNumber, a domain.BulkAction) ([]domain.BulkResult, error) {
	var out []domain.BulkResult
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.Require(domain.QueryBulkEdit); err != nil {
			return err
		}
		numbers = slices.Compact(slices.Sorted(slices.Values(numbers)))
		if len(numbers) == 0 {
			return domain.Errorf(domain.EInvalid, "no tickets selected")
		}
		out = make([]domain.BulkResult, 0, len(numbers))
		for _, n := range numbers {
			if err := ctx.Err(); err != nil {
				return err // nothing is committed
			}
			label := w.org.FormatTicket(n)
			if err := w.bulkOne(n, a); err != nil {
				if domain.ErrorCode(err) == domain.EInternal {
					return err
				}
				msg := err.Error()
				if !strings.Contains(msg, label) {
					msg = label + ": " + msg
				}
				return domain.Errorf(domain.ErrorCode(err), "%s; no ticket was changed", msg)
			}
			out = append(out, domain.BulkResult{Number: n, Label: label})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// bulkOne is one ticket's share of BulkAtomic, inside its write.
func (w *txn) bulkOne(n domain.TicketNumber, a domain.BulkAction) error {
	switch a.Kind {
	case domain.BulkAssign:
		t, ok, err := getTicket(w.tx, n)
		if err != nil {
			return err
		}
		if ok && t.Assignee != 0 {
			return w.actOn(n, domain.ActReassign, a.Comment, reassignTo(a.Value))
		}
		return w.actOn(n, domain.ActAssign, a.Comment, assignTo(a.Value))
	case domain.BulkClose:
		return w.actOn(n, domain.ActClose, a.Comment, closeTicket)
	case domain.BulkPriority:
		p := a.Value
		return w.actOn(n, domain.ActEdit, a.Comment, editTicket(domain.TicketChange{Priority: &p, Comment: a.Comment}))
	}
	return domain.Errorf(domain.EInvalid, "bulk action %q: use assign, close or priority (delete keeps the tickets it cannot delete: DeleteTickets)", a.Kind)
}

// renameInQueries rewrites the saved queries that name a renamed login
// (assignee:OLD), in the rename's transaction, each to its next version.
func (w *txn) renameInQueries(old, renamed string) error {
	var found []domain.SavedQuery
	var was []string
	if err := w.tx.Bucket(bQueries).ForEach(func(k, v []byte) error {
		var q domain.SavedQuery
		if decJSON(v, &q) != nil {
			return nil // a damaged query is check's to report
		}
		if text, ok := domain.RenameUserInQuery(q.Query, old, renamed); ok {
			firstVersion(&q)
			was = append(was, q.Query)
			q.Query = text
			found = append(found, q)
		}
		return nil
	}); err != nil {
		return err
	}
	for i, q := range found {
		if _, err := w.revise("query", q.Name, q.ID, &q.Rev, 0,
			[]domain.Field{{Key: "query", Label: "Query", Value: was[i]}}, []domain.Field{{Key: "query", Label: "Query", Value: q.Query}}); err != nil {
			return err
		}
		if err := putJSON(w.tx, bQueries, q.ID, q); err != nil {
			return err
		}
		delete(w.pending, string(revKey("query", q.ID))) // the rename's own event tells
	}
	return nil
}

package store

import (
	"slices"
	"sort"
	"strings"

	"gatehouse/domain"
)

func (s *session) SavedQueries() ([]domain.SavedQuery, error) {
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

func (s *session) SaveQuery(name, query, group string) (domain.SavedQuery, error) {
	var q domain.SavedQuery
	err := s.write(func(w *txn) error {
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
		id, err := w.tx.Bucket(bQueries).NextSequence()
		if err != nil {
			return err
		}
		q.ID = id
		if err := putJSON(w.tx, bQueries, id, q); err != nil {
			return err
		}
		return w.audit("query", id, name, "save", "", strings.TrimSpace(q.GroupOf+" "+query))
	})
	return q, err
}

func (s *session) DeleteSavedQuery(id domain.ID) error {
	return s.write(func(w *txn) error {
		var q domain.SavedQuery
		if !getJSON(w.tx, bQueries, id, &q) {
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
		w.tx.Bucket(bQueries).Delete(itob(id))
		return w.audit("query", id, q.Name, "delete", q.Query, "")
	})
}

// Bulk applies an action ticket by ticket: each succeeds or fails on its
// own and the caller shows every result.
func (s *session) Bulk(numbers []uint64, a domain.BulkAction) ([]domain.BulkResult, error) {
	acc := s.Access()
	if err := acc.Require(domain.QueryBulkEdit); err != nil {
		return nil, err
	}
	org, err := s.Organization()
	if err != nil {
		return nil, err
	}
	var do func(n uint64) error
	switch a.Kind {
	case "assign":
		do = func(n uint64) error {
			t, err := s.Ticket(n)
			if err == nil && t.Assignee != "" {
				return s.Reassign(n, a.Value, a.Comment)
			}
			return s.Assign(n, a.Value, a.Comment)
		}
	case "close":
		do = func(n uint64) error { return s.Close(n, a.Comment) }
	case "priority":
		do = func(n uint64) error {
			p := a.Value
			return s.EditTicket(n, domain.TicketChange{Priority: &p, Comment: a.Comment})
		}
	default:
		return nil, domain.Errorf(domain.EInvalid, "bulk action %q: use assign, close or priority", a.Kind)
	}
	out := make([]domain.BulkResult, 0, len(numbers))
	for _, n := range numbers {
		out = append(out, domain.BulkResult{Number: n, Label: org.FormatTicket(n), Err: do(n)})
	}
	return out, nil
}

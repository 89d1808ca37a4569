package store

import (
	"context"
	"strings"
	"time"

	"gatehouse/domain"
)

// Reassignment requests (TroubleTrakkerPRO): the assignee asks for someone
// else to take a ticket, with a reason; the groups subscribed to the event
// hear of it, holders of Reassign see it in the queue (reassign:yes) and
// either reassign (which answers it) or decline with a reason, which the
// assignee is told.

// reassignRequest is what the request bucket keeps per ticket.
type reassignRequest struct {
	By     domain.ID `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

func getReassign(w *txn, n domain.TicketNumber) (reassignRequest, bool, error) {
	var r reassignRequest
	ok, err := getJSON(w.tx, bReassign, uint64(n), &r)
	return r, ok, err
}

// clearReassign answers a request when the ticket is reassigned or closed.
func (w *txn) clearReassign(n domain.TicketNumber) error {
	if w.tx.Bucket(bReassign).Get(itob(uint64(n))) == nil {
		return nil
	}
	return kvDel(w.tx.Bucket(bReassign), itob(uint64(n)))
}

func (s *session) RequestReassign(ctx context.Context, number domain.TicketNumber, reason string) error {
	return s.write(ctx, func(w *txn) error {
		t, ok, err := getTicket(w.tx, number)
		if err != nil {
			return err
		}
		if !ok || !w.acc.CanSeeTicket(&t) {
			return domain.NotFoundTicket(&w.org, number)
		}
		label := w.org.FormatTicket(number)
		if err := w.expect("ticket", label, t.Rev); err != nil {
			return err
		}
		switch {
		case t.Assignee != w.actor.ID:
			return domain.Errorf(domain.EForbidden, "only the assignee of %s asks for it to be reassigned", label)
		case t.Status == domain.StatusClosed:
			return domain.Errorf(domain.EConflict, "%s is closed", label)
		}
		if err := domain.CheckLine("reason", reason); err != nil {
			return err
		}
		if strings.TrimSpace(reason) == "" {
			return domain.Errorf(domain.EInvalid, "--reason: say why someone else should take %s", label)
		}
		if _, asked, err := getReassign(w, number); err != nil {
			return err
		} else if asked {
			return domain.Errorf(domain.EConflict, "you asked already to be taken off %s", label)
		}
		if err := putJSON(w.tx, bReassign, uint64(number), reassignRequest{By: w.actor.ID, Reason: reason, At: w.now}); err != nil {
			return err
		}
		if err := w.history(&t, "reassign request", "", reason); err != nil {
			return err
		}
		if err := w.audit("ticket", domain.ID(number), label, "reassign request", "", reason); err != nil {
			return err
		}
		return w.notify(domain.EventReassignRequest, &t, reason, 0)
	})
}

func (s *session) DeclineReassign(ctx context.Context, number domain.TicketNumber, reason string) error {
	return s.write(ctx, func(w *txn) error {
		t, ok, err := getTicket(w.tx, number)
		if err != nil {
			return err
		}
		if !ok || !w.acc.CanSeeTicket(&t) {
			return domain.NotFoundTicket(&w.org, number)
		}
		label := w.org.FormatTicket(number)
		if err := w.expect("ticket", label, t.Rev); err != nil {
			return err
		}
		req, asked, err := getReassign(w, number)
		if err != nil {
			return err
		}
		if !asked {
			return domain.Errorf(domain.ENotFound, "nobody asked for %s to be reassigned", label)
		}
		// deciding is the reassigner's: the same privilege and task gate
		if err := w.acc.Can(domain.ActReassign, &t, &w.org); err != nil {
			return err
		}
		if err := domain.CheckLine("reason", reason); err != nil {
			return err
		}
		if strings.TrimSpace(reason) == "" {
			return domain.Errorf(domain.EInvalid, "--reason: say why %s stays with its assignee", label)
		}
		if err := w.clearReassign(number); err != nil {
			return err
		}
		if err := w.history(&t, "reassign declined", "", reason); err != nil {
			return err
		}
		if err := w.audit("ticket", domain.ID(number), label, "reassign declined", req.Reason, reason); err != nil {
			return err
		}
		u, err := w.user(req.By)
		if err != nil {
			return nil // the requester is gone: nobody to tell
		}
		return w.queueNotice([]domain.User{u}, domain.EventReassignRequest, number,
			"["+label+"] reassignment declined", w.actor.Username+" declined to reassign "+label+": "+reason, "you asked to be reassigned", domain.ID(number))
	})
}

// reassignAsked is the reason of a pending reassignment request, or "".
// The bucket holds only pending requests, so a queue page costs one Get a
// row.
func reassignAsked(w *txn, t *domain.Ticket) string {
	var r reassignRequest
	if t.Status == domain.StatusClosed {
		return ""
	}
	if ok, err := getJSON(w.tx, bReassign, uint64(t.Number), &r); err != nil || !ok {
		return ""
	}
	return r.Reason
}

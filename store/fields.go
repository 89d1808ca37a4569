package store

import (
	"fmt"
	"strings"

	"gatehouse/domain"
)

// Field visibility per group (domain/fields.go), enforced here for every
// adapter: reads blank what the actor may not view, edits and comments
// are refused naming the field, queries on a hidden field are refused.
// Notifications leave out what each recipient may not receive
// (domain.RenderMessage, with the recipient's access).

// hideFields blanks the ticket fields the actor may not view.
func (r *txn) hideFields(t *domain.Ticket) {
	a := &r.acc
	if a.Superuser || a.FieldsDenied[domain.RightView] == 0 {
		return
	}
	if !a.FieldAllowed(domain.FieldDescription, domain.RightView) {
		t.Description = ""
	}
	if !a.FieldAllowed(domain.FieldRoom, domain.RightView) {
		t.Room = ""
	}
	if !a.FieldAllowed(domain.FieldPriority, domain.RightView) {
		t.Priority = ""
	}
	if !a.FieldAllowed(domain.FieldProblemType, domain.RightView) {
		t.ProblemType, t.CommonProblem = "", ""
	}
}

// hiddenFields lists the fields the actor may not view, for the detail.
func (r *txn) hiddenFields() []domain.TicketField {
	var out []domain.TicketField
	for f := range domain.NumTicketFields {
		if !r.acc.FieldAllowed(f, domain.RightView) {
			out = append(out, f)
		}
	}
	return out
}

// hideDetail blanks what hideFields does and the detail's own fields:
// the reporter's and assignee's contact, work reports' minutes, history
// comments.
func (r *txn) hideDetail(d *domain.TicketDetail) {
	r.hideFields(&d.Ticket)
	d.HiddenFields = r.hiddenFields()
	a := &r.acc
	if !a.FieldAllowed(domain.FieldReporterContact, domain.RightView) {
		d.ReporterEmail, d.AssigneeEmail = "", ""
	}
	if !a.FieldAllowed(domain.FieldWorkMinutes, domain.RightView) {
		for i := range d.Work {
			d.Work[i].Minutes = 0
		}
	}
	if !a.FieldAllowed(domain.FieldHistoryComments, domain.RightView) {
		for i := range d.History {
			d.History[i].Comment = ""
		}
	}
}

// checkFieldEdits refuses an edit that changes a field the actor may not
// edit; changed lists the fields changed. Reporting a ticket is not an
// edit: a reporter fills in every field of their report (Report a Problem).
func (w *txn) checkFieldEdits(changed ...domain.TicketField) error {
	for _, f := range changed {
		if err := w.acc.RequireField(f, domain.RightEdit); err != nil {
			return err
		}
	}
	return nil
}

// checkComment refuses a history comment from someone who may not write
// history comments.
func (w *txn) checkComment(comment string) error {
	if strings.TrimSpace(comment) == "" {
		return nil
	}
	return w.acc.RequireField(domain.FieldHistoryComments, domain.RightEdit)
}

// checkFieldQuery refuses a query on a field the actor may not query.
func (r *txn) checkFieldQuery(q *domain.TicketQuery) error {
	if q.Priority != "" {
		if err := r.acc.RequireField(domain.FieldPriority, domain.RightQuery); err != nil {
			return fmt.Errorf("priority:%s: %w", q.Priority, err)
		}
	}
	// sorting by priority would reveal its order
	if q.Sort == domain.SortPriority {
		if err := r.acc.RequireField(domain.FieldPriority, domain.RightQuery); err != nil {
			return fmt.Errorf("sort:priority: %w", err)
		}
	}
	return nil
}

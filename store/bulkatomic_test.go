package store_test

import (
	"strings"
	"testing"

	"gatehouse/domain"
)

// ticketEvents counts the audit events about one ticket.
func ticketEvents(evs []domain.AuditEvent, n domain.TicketNumber) int {
	c := 0
	for _, ev := range evs {
		if ev.Entity == "ticket" && ev.EntityID == domain.ID(n) {
			c++
		}
	}
	return c
}

// Bulk assign runs in one transaction: when the last ticket of the
// selection is refused (closed), the first one is not assigned either, no
// audit event is written, and the message names the refused ticket and
// says nothing changed. Without the refused one, every ticket is assigned
// with its own audit event.
func TestBulkAssignIsOneTransaction(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	must(t, d.admin.Close(ctx, d.west, ""))
	before := auditOf(t, d.admin)
	_, err := d.admin.BulkAtomic(ctx, []domain.TicketNumber{d.east, d.west}, domain.BulkAction{Kind: domain.BulkAssign, Value: "tech"})
	mustCode(t, err, domain.EConflict)
	org, _ := d.admin.Organization(ctx)
	if msg := err.Error(); !strings.Contains(msg, org.FormatTicket(d.west)) || !strings.Contains(msg, "no ticket was changed") {
		t.Fatalf("the refusal does not name the ticket and the outcome: %q", msg)
	}
	east, err := d.admin.Ticket(ctx, d.east)
	must(t, err)
	if east.Assignee != "" {
		t.Fatalf("a refused bulk assign assigned %s to %s", east.Label, east.Assignee)
	}
	if after := auditOf(t, d.admin); len(after) != len(before) {
		t.Fatalf("a refused bulk assign wrote %d audit events", len(after)-len(before))
	}

	staff := as(t, d.db, "staff")
	third, err := staff.CreateTicket(ctx, domain.NewTicket{Title: "Printer jam", Building: "EAST", ProblemType: "Hardware"})
	must(t, err)
	before = auditOf(t, d.admin)
	res, err := d.admin.BulkAtomic(ctx, []domain.TicketNumber{d.east, third.Number}, domain.BulkAction{Kind: domain.BulkAssign, Value: "tech"})
	must(t, err)
	if len(res) != 2 {
		t.Fatalf("results: %+v", res)
	}
	after := auditOf(t, d.admin)
	for _, n := range []domain.TicketNumber{d.east, third.Number} {
		td, err := d.admin.Ticket(ctx, n)
		must(t, err)
		if td.Assignee != "tech" {
			t.Fatalf("%s is assigned to %q", td.Label, td.Assignee)
		}
		if ticketEvents(after, n)-ticketEvents(before, n) != 1 {
			t.Fatalf("%s has no audit event of its own", td.Label)
		}
	}
	// assigning again reassigns: one already on tech is refused, and the
	// other ticket stays with tech as well
	_, err = d.admin.BulkAtomic(ctx, []domain.TicketNumber{d.east, third.Number}, domain.BulkAction{Kind: domain.BulkAssign, Value: "tech"})
	mustCode(t, err, domain.EConflict)
}

// Bulk close and priority are all or nothing too: a closed ticket or an
// unknown priority refuses the whole selection, a ticket selected twice
// changes once, a user without Edit Query Result Set is refused before any
// ticket, and delete is not an all-or-nothing action (DeleteTickets).
func TestBulkCloseAndPriorityAreAllOrNothing(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	_, err := as(t, d.db, "tech").BulkAtomic(ctx, []domain.TicketNumber{d.east}, domain.BulkAction{Kind: domain.BulkClose})
	mustCode(t, err, domain.EForbidden)

	must(t, d.admin.Close(ctx, d.west, ""))
	_, err = d.admin.BulkAtomic(ctx, []domain.TicketNumber{d.east, d.west}, domain.BulkAction{Kind: domain.BulkClose})
	if err == nil {
		t.Fatal("closing a closed ticket in bulk was allowed")
	}
	east, err := d.admin.Ticket(ctx, d.east)
	must(t, err)
	if east.Status == domain.StatusClosed {
		t.Fatal("a refused bulk close closed the other ticket")
	}
	_, err = d.admin.BulkAtomic(ctx, []domain.TicketNumber{d.east, d.west}, domain.BulkAction{Kind: domain.BulkPriority, Value: "Sideways"})
	mustCode(t, err, domain.EInvalid)
	if east, _ = d.admin.Ticket(ctx, d.east); east.Priority == "Sideways" {
		t.Fatal("an unknown priority was set")
	}
	res, err := d.admin.BulkAtomic(ctx, []domain.TicketNumber{d.east, d.east}, domain.BulkAction{Kind: domain.BulkPriority, Value: "Urgent"})
	must(t, err)
	if len(res) != 1 {
		t.Fatalf("a ticket selected twice was changed twice: %+v", res)
	}
	if east, _ = d.admin.Ticket(ctx, d.east); east.Priority != "Urgent" {
		t.Fatalf("priority is %q", east.Priority)
	}
	_, err = d.admin.BulkAtomic(ctx, []domain.TicketNumber{d.east}, domain.BulkAction{Kind: domain.BulkDelete})
	mustCode(t, err, domain.EInvalid)
}

package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// Reassignment requests (TroubleTrakkerPRO): only the assignee asks, with a
// reason; the subscribed groups hear of it; the queue row carries it until
// someone with Reassign reassigns (which answers it) or declines it, telling
// the assignee why.
func TestReassignRequestAskedDeclinedAndAnswered(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	must(t, d.admin.Assign(ctx, d.east, "tech", ""))
	_, err := d.admin.CreateUser(ctx, domain.User{Username: "coord", Email: "coord@example.org"})
	must(t, err)
	must(t, d.admin.Join(ctx, "coord", "Technical Coordinator", time.Time{}, "")) // subscribed to the event
	tech := as(t, d.db, "tech")
	mustCode(t, d.admin.RequestReassign(ctx, d.east, "not me"), domain.EForbidden) // admin is not the assignee
	mustCode(t, tech.RequestReassign(ctx, d.east, ""), domain.EInvalid)
	must(t, tech.RequestReassign(ctx, d.east, "I am out next week"))
	mustCode(t, tech.RequestReassign(ctx, d.east, "again"), domain.EConflict)
	page, err := d.admin.Tickets(ctx, domain.TicketQuery{})
	must(t, err)
	var row domain.TicketRow
	for _, r := range page.Tickets {
		if r.Number == d.east {
			row = r
		}
	}
	if row.ReassignAsked != "I am out next week" {
		t.Fatalf("queue row %+v", row)
	}
	ms, err := d.admin.Outbox(ctx, 0)
	must(t, err)
	heard := false
	for _, m := range ms {
		if m.Event == domain.EventReassignRequest && m.ToName == "coord" && strings.Contains(m.Text, "asks for") {
			heard = true
		}
	}
	if !heard {
		t.Fatal("no notice of the request")
	}
	mustCode(t, as(t, d.db, "staff").DeclineReassign(ctx, d.east, "no"), domain.EForbidden) // the reporter lacks Reassign
	mustCode(t, d.admin.DeclineReassign(ctx, d.east, ""), domain.EInvalid)
	must(t, d.admin.DeclineReassign(ctx, d.east, "nobody else knows projectors"))
	mustCode(t, d.admin.DeclineReassign(ctx, d.east, "again"), domain.ENotFound)
	ms, err = d.admin.Outbox(ctx, 0)
	must(t, err)
	if ms[0].ToName != "tech" || !strings.Contains(ms[0].Text, "nobody else knows projectors") {
		t.Fatalf("the assignee was not told: %+v", ms[0])
	}
	// asked again, then answered by a reassignment
	must(t, tech.RequestReassign(ctx, d.east, "still out"))
	_, err = d.admin.CreateUser(ctx, domain.User{Username: "tech2"})
	must(t, err)
	must(t, d.admin.Join(ctx, "tech2", "Technicians", time.Time{}, ""))
	must(t, d.admin.Reassign(ctx, d.east, "tech2", ""))
	dt, err := d.admin.Ticket(ctx, d.east)
	must(t, err)
	if dt.ReassignAsked != "" || dt.Assignee != "tech2" {
		t.Fatalf("after the reassignment: %+v", dt.TicketRow)
	}
}

// Bulk delete (Edit Query Result Set and Delete Problem Report): closed
// tickets go, an open one is refused and reported (R7).
func TestR7_BulkDeleteTakesOnlyClosedTickets(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	must(t, d.admin.Assign(ctx, d.west, "tech", ""))
	must(t, d.admin.Close(ctx, d.west, "done"))
	res, err := d.admin.Bulk(ctx, []domain.TicketNumber{d.east, d.west}, domain.BulkAction{Kind: domain.BulkDelete})
	must(t, err)
	if len(res) != 2 || res[0].Err == nil || res[1].Err != nil {
		t.Fatalf("results %+v", res)
	}
	if _, err := d.admin.Ticket(ctx, d.west); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("the closed ticket is still there: %v", err)
	}
	if _, err := d.admin.Ticket(ctx, d.east); err != nil {
		t.Fatalf("the open ticket was deleted: %v", err)
	}
	_, err = as(t, d.db, "tech").Bulk(ctx, []domain.TicketNumber{d.east}, domain.BulkAction{Kind: domain.BulkDelete})
	mustCode(t, err, domain.EForbidden)
}

// The query line's reassign:yes keeps the open tickets whose assignee asked
// to be reassigned, alone or with free text (the scan that reads only
// titles must not skip the filter); a declined request drops out.
func TestReassignQueryFilter(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	must(t, d.admin.Assign(ctx, d.east, "tech", ""))
	must(t, d.admin.Assign(ctx, d.west, "tech", ""))
	must(t, as(t, d.db, "tech").RequestReassign(ctx, d.east, "out next week"))
	list := func(line string) []domain.TicketNumber {
		t.Helper()
		q, err := domain.ParseQuery(line)
		must(t, err)
		page, err := d.admin.Tickets(ctx, q)
		must(t, err)
		var out []domain.TicketNumber
		for _, r := range page.Tickets {
			out = append(out, r.Number)
		}
		return out
	}
	for _, line := range []string{"reassign:yes", "reassign:asked projector", "status:assigned reassign:yes"} {
		if got := list(line); len(got) != 1 || got[0] != d.east {
			t.Fatalf("%q lists %v, want only %d", line, got, d.east)
		}
	}
	if got := list("reassign:yes wi-fi"); len(got) != 0 {
		t.Fatalf("free text and reassign:yes list %v", got)
	}
	if got := list("reassign:no"); len(got) != 2 {
		t.Fatalf("reassign:no narrows the queue to %v", got)
	}
	must(t, d.admin.DeclineReassign(ctx, d.east, "nobody else"))
	if got := list("reassign:yes"); len(got) != 0 {
		t.Fatalf("a declined request still lists %v", got)
	}
}

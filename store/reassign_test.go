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

package store_test

import (
	"testing"

	"gatehouse/domain"
)

// TestMultilineTextKeepsLines: the fields the console edits in a textarea
// (a ticket's description, a work report, a message) store their line
// breaks and tabs as typed, and still refuse other control characters.
func TestMultilineTextKeepsLines(t *testing.T) {
	d := newDistrict(t)
	a := d.admin
	ctx := t.Context()
	const text = "Second floor.\n\tError 41.\nRestarted."
	tk, err := a.CreateTicket(ctx, domain.NewTicket{Title: "Printer", Description: text, Building: "WEST"})
	must(t, err)
	edited := text + "\nStill down."
	must(t, a.EditTicket(ctx, tk.Number, domain.TicketChange{Description: &edited}))
	got, err := a.Ticket(ctx, tk.Number)
	must(t, err)
	if got.Description != edited {
		t.Fatalf("description %q", got.Description)
	}
	must(t, a.Assign(ctx, d.west, "tech", ""))
	if _, err := as(t, d.db, "tech").AddWork(ctx, d.west, 5, text); err != nil {
		t.Fatalf("work report with lines: %v", err)
	}
	_, err = a.StartThread(ctx, tk.Number, "Parts", text)
	must(t, err)
	disc, err := a.Discussion(ctx, tk.Number)
	must(t, err)
	if len(disc.Threads) != 1 || len(disc.Threads[0].Posts) != 1 || disc.Threads[0].Posts[0].Text != text {
		t.Fatalf("discussion %+v", disc)
	}
	bad := "line\x1b[2Jmore"
	if _, err := a.CreateTicket(ctx, domain.NewTicket{Title: "x", Description: bad, Building: "WEST"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("escape in a description: %v", err)
	}
	if _, err := a.StartThread(ctx, tk.Number, "x", bad); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("escape in a message: %v", err)
	}
}

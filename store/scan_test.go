package store_test

import (
	"testing"

	"gatehouse/domain"
	"gatehouse/store"
)

// The full scan reads two halves on two cores; order, totals and pages
// must be those of one ordered pass.
func TestScan_TwoHalvesKeepOrderAndPages(t *testing.T) {
	d := newDistrict(t)
	tech, _ := d.admin.User(t.Context(), "tech")
	staff, _ := d.admin.User(t.Context(), "staff")
	if err := store.BulkLoadTickets(d.db, 101, []domain.ID{d.eastB.ID, d.west2.ID}, staff.ID, tech.ID); err != nil {
		t.Fatal(err)
	}
	// tickets 3..103 say "printer"; 1 and 2 (the district's) do not
	for _, tc := range []struct {
		q              domain.TicketQuery
		total          int
		first, lastRow domain.TicketNumber
	}{
		{domain.TicketQuery{Text: "PRINTER", Limit: 10}, 101, 103, 94},
		{domain.TicketQuery{Text: "printer", Limit: 10, Offset: 95}, 101, 8, 3},
		{domain.TicketQuery{Text: "printer", Sort: domain.SortAge, Limit: 5}, 101, 3, 7},
		{domain.TicketQuery{Text: "printer", Sort: domain.SortAge, Limit: 5, Offset: 60}, 101, 63, 67},
		{domain.TicketQuery{Text: "printer", Priority: "normal", Limit: 3}, 101, 103, 101},
	} {
		page, err := d.admin.Tickets(t.Context(), tc.q)
		must(t, err)
		if page.Total != tc.total || page.Tickets[0].Number != tc.first || page.Tickets[len(page.Tickets)-1].Number != tc.lastRow {
			var got []uint64
			for _, r := range page.Tickets {
				got = append(got, uint64(r.Number))
			}
			t.Errorf("%+v: total %d rows %v", tc.q, page.Total, got)
		}
	}
	// a cancelled query stops with the context's error
	page, err := d.admin.Tickets(cancelledContext(), domain.TicketQuery{Text: "printer"})
	if err == nil {
		t.Fatalf("cancelled query returned %d rows", page.Total)
	}
}

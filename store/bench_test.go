package store_test

import (
	"testing"

	"gatehouse/domain"
	"gatehouse/store"
)

// bigDistrict is the district of the rule tests plus 100k tickets.
func bigDistrict(b *testing.B, n int) *district {
	d := newDistrict(b)
	tech, _ := d.admin.User(b.Context(), "tech")
	staff, _ := d.admin.User(b.Context(), "staff")
	if err := store.BulkLoadTickets(d.db, n, []domain.ID{d.eastB.ID, d.west2.ID}, staff.ID, tech.ID); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkTicketsByStatus100k lists the first page of one status on a
// 100k-ticket file as an administrator (reads the status index).
func BenchmarkTicketsByStatus100k(b *testing.B) {
	d := bigDistrict(b, 100_000)
	q := domain.TicketQuery{Status: []domain.Status{domain.StatusAssigned}, Limit: 50}
	for b.Loop() {
		page, err := d.admin.Tickets(b.Context(), q)
		if err != nil || page.Total != 20_000 {
			b.Fatalf("%v %d", err, page.Total)
		}
	}
}

// BenchmarkTicketsByStatusBuildingAdmin100k is the same query through a
// building administrator's visibility (half the tickets are theirs).
func BenchmarkTicketsByStatusBuildingAdmin100k(b *testing.B) {
	d := bigDistrict(b, 100_000)
	p := as(b, d.db, "principal")
	q := domain.TicketQuery{Status: []domain.Status{domain.StatusAssigned}, Limit: 50}
	for b.Loop() {
		if _, err := p.Tickets(b.Context(), q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdminChange is one audited write with fsync: a group grant and
// its revoke.
func BenchmarkAdminChange(b *testing.B) {
	d := newDistrict(b)
	g := grant(b, "ticket.clone")
	for b.Loop() {
		if _, err := d.admin.RevokeGroup(b.Context(), "Technicians", g); err != nil {
			b.Fatal(err)
		}
		if _, err := d.admin.GrantGroup(b.Context(), "Technicians", g, false); err != nil {
			b.Fatal(err)
		}
	}
}

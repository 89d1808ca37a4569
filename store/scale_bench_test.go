package store_test

import (
	"testing"

	"gatehouse/domain"
	"gatehouse/internal/demo"
	"gatehouse/store"
)

// scaleFile is demo.BenchDB: the 100k-user, 1M-ticket file named by
// GATEHOUSE_BENCH_DB, or a small generated district in CI.
func scaleFile(b *testing.B) *store.DB {
	b.Helper()
	db, err := demo.BenchDB()
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// scaleUsers are the acting users of the queue benchmarks: the owner (sees
// everything), the first principal (a Building Administrator) and the
// first technician.
func scaleUsers(b *testing.B, db *store.DB) map[string]domain.Service {
	b.Helper()
	admin := as(b, db, db.Owner())
	heads, err := admin.GroupMembers(b.Context(), "Building Administrator")
	must(b, err)
	techs, err := admin.GroupMembers(b.Context(), "Technicians")
	must(b, err)
	return map[string]domain.Service{"admin": admin, "principal": as(b, db, heads[0].Username), "tech": as(b, db, techs[0].Username)}
}

// BenchmarkQueue measures the first page of the triage queue for the queue
// filters people use, as three kinds of user (DESIGN budget: indexed fields
// < 50 ms, free text < 300 ms at 1M tickets).
func BenchmarkQueue(b *testing.B) {
	db := scaleFile(b)
	users := scaleUsers(b, db)
	for _, q := range []struct{ name, query string }{
		{"all", ""},
		{"status=new", "status:new"},
		{"status=open", "status:open"},
		{"building", "building:EAST"},
		{"unassigned", "assignee:none status:open"},
		{"overdue", "overdue:yes"},
		{"sort=priority", "status:open sort:priority"},
		{"text", "printer"},
		{"open+text", "status:open printer"},
	} {
		for _, u := range []string{"admin", "principal", "tech"} {
			b.Run(q.name+"/"+u, func(b *testing.B) {
				tq, err := domain.ParseQuery(q.query)
				must(b, err)
				tq.Limit = 50
				for b.Loop() {
					if _, err := users[u].Tickets(b.Context(), tq); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkEffectiveAccess resolves a user's access from the file (one read
// transaction: user, memberships, groups, teams, buildings).
func BenchmarkEffectiveAccess(b *testing.B) {
	db := scaleFile(b)
	s := scaleUsers(b, db)["principal"]
	for b.Loop() {
		if a := s.Access(b.Context()); a.UserID == 0 {
			b.Fatal("no access")
		}
	}
}

// BenchmarkUserSearch is the Users screen's live filter.
func BenchmarkUserSearch(b *testing.B) {
	db := scaleFile(b)
	admin := scaleUsers(b, db)["admin"]
	for b.Loop() {
		if _, err := admin.Users(b.Context(), domain.UserQuery{Search: "d%", Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen opens the scale file as every command does: bbolt rebuilds
// its freelist (NoFreelistSync), the page walk guards against damage, the
// schema is checked and expiries are swept.
func BenchmarkOpen(b *testing.B) {
	path := scaleFile(b).Path()
	// the file cannot be opened twice; later benchmarks reopen it
	if err := demo.CloseBenchDB(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		db, err := store.Open(path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

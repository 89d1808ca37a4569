package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/benchdb"
	"gatehouse/store"
)

// scaleFile is benchdb.DB: the 100k-user, 1M-ticket file named by
// GATEHOUSE_BENCH_DB, or a small generated district in CI.
func scaleFile(b *testing.B) *store.DB {
	b.Helper()
	db, err := benchdb.DB()
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

// BenchmarkOpen opens the scale file as every command does: the quick
// damage guard, bbolt reads its synced freelist, the schema is checked and
// expiries are swept.
func BenchmarkOpen(b *testing.B) {
	path := scaleFile(b).Path()
	// the file cannot be opened twice; later benchmarks reopen it
	if err := benchdb.Close(); err != nil {
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

// BenchmarkOverdueSweep runs the overdue job over a copy of the scale file
// on which every open overdue ticket but 100k (a tenth of the tickets on a
// small file) was already notified: the sweep reads every open ticket and
// notifies the newly overdue ones. It reports the longest write
// transaction it held (other writers wait that long) and how many tickets
// were newly overdue. Run it with -benchtime 1x: each run sweeps a fresh
// copy.
func BenchmarkOverdueSweep(b *testing.B) {
	src := scaleFile(b).Path()
	benchdb.Close()
	var longest time.Duration
	var newly int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "sweep.db")
		copyFile(b, src, path)
		now := time.Now()
		db, err := store.Open(path, store.Options{Now: func() time.Time { return now }, Timeout: 5 * time.Second})
		must(b, err)
		page, err := as(b, db, db.Owner()).Tickets(b.Context(), domain.TicketQuery{Limit: 1})
		must(b, err)
		newly, err = store.MarkOverdueNotified(db, now, min(100000, page.Total/10))
		must(b, err)
		b.StartTimer()
		r := db.RunJobs(context.Background())
		b.StopTimer()
		if len(r.Failures) != 0 {
			b.Fatal(r.Failures)
		}
		longest = max(longest, r.LongestWrite)
		db.Close()
		os.Remove(path)
	}
	b.ReportMetric(float64(longest)/1e6, "longest-write-ms")
	b.ReportMetric(float64(newly), "newly-overdue")
}

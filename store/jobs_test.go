package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// stopAtWrite is a context that ends while a job run's nth write is on
// its way (that write then writes nothing), so a test can stop a job
// between two of its transactions deterministically; done removes the
// hook.
func stopAtWrite(t *testing.T, db *store.DB, n int) (ctx context.Context, done func()) {
	ctx, cancel := context.WithCancel(t.Context())
	writes := 0
	store.OnBeforeCommit(db, func() {
		if writes++; writes == n {
			cancel()
		}
	})
	return ctx, func() { store.OnBeforeCommit(db, nil); cancel() }
}

// overdueDistrict is a district with n tickets open since epoch, all
// overdue for the Technicians' policy a week later.
func overdueDistrict(t *testing.T, n int) *district {
	d := newDistrict(t)
	staff, _ := d.admin.User(t.Context(), "staff")
	tech, _ := d.admin.User(t.Context(), "tech")
	must(t, store.BulkLoadTickets(d.db, n, []domain.ID{d.eastB.ID}, staff.User.ID, tech.User.ID))
	d.clk.t = epoch.AddDate(0, 0, 4)
	return d
}

func overdueEntries(t *testing.T, d *district) map[domain.TicketNumber]int {
	t.Helper()
	got := map[domain.TicketNumber]int{}
	msgs, err := d.admin.Outbox(t.Context(), 0)
	must(t, err)
	for _, m := range msgs {
		if m.Event == domain.EventOverdue && m.ToName == "tech" {
			got[m.Ticket]++
		}
	}
	return got
}

// The overdue sweep works in many small transactions, not one that holds
// the file for the whole sweep; stopped during one (which then stores
// nothing), it resumes where the last one stored left off and notifies
// every ticket exactly once.
func TestJobs_OverdueSweepIsSmallTransactionsAndResumes(t *testing.T) {
	d := overdueDistrict(t, 1500)
	stop, done := stopAtWrite(t, d.db, 2) // while the second batch is stored
	_, err := d.db.RunOverdue(stop)
	done()
	must(t, err)
	partial := overdueEntries(t, d)
	if len(partial) == 0 || len(partial) >= 1500 {
		t.Fatalf("the stopped run notified %d of 1500 tickets", len(partial))
	}
	rest := d.db.RunJobs(context.Background())
	if rest.Stopped || len(rest.Failures) != 0 {
		t.Fatalf("second run: %+v", rest)
	}
	if rest.Writes < 2 {
		t.Fatalf("the sweep over %d tickets made %d write transactions", 1500-len(partial), rest.Writes)
	}
	all := overdueEntries(t, d)
	twin := overdueDistrict(t, 1500) // the same sweep, never stopped
	_, err = twin.db.RunOverdue(context.Background())
	must(t, err)
	if want := len(overdueEntries(t, twin)); len(all) != want || want == 0 {
		t.Fatalf("%d tickets notified after a stop, %d without", len(all), want)
	}
	for n, times := range all {
		if times != 1 {
			t.Fatalf("ticket %d notified %d times", n, times)
		}
	}
	// a quiet run writes nothing
	if again := d.db.RunJobs(context.Background()); again.Writes != 0 || again.Overdue != 0 {
		t.Fatalf("a quiet run: %+v", again)
	}
}

// Stop waits for the running job, so the file can be closed right after.
func TestJobs_StopWaitsThenTheFileCloses(t *testing.T) {
	d := overdueDistrict(t, 600)
	runs := make(chan store.JobReport, 4)
	j := d.db.StartJobs(context.Background(), time.Hour, func(r store.JobReport) { runs <- r })
	j.Stop()
	select {
	case r := <-runs:
		if len(r.Failures) != 0 {
			t.Fatalf("failures: %v", r.Failures)
		}
	default:
		t.Fatal("Stop returned before the first run reported")
	}
	must(t, d.db.Close())
	if f := j.Failures(); len(f) != 0 {
		t.Fatalf("failures: %v", f)
	}
}

// One ticket's overdue notice to many recipients spans several write
// transactions when it must (rendering happens before, in a read
// transaction); stopped during one of them (which then stores nothing),
// the next run sends the rest, so every recipient gets each ticket's
// notice exactly once.
func TestJobs_OneTicketsNoticesSpanTransactionsAndResumeOnce(t *testing.T) {
	fixers := func(d *district) {
		var rows []domain.ImportRow
		for i := range 300 {
			rows = append(rows, domain.ImportRow{Line: i + 2, Username: fmt.Sprintf("fixer%03d", i),
				Groups: []string{"Technicians", "Technical Coordinator"}})
		}
		_, err := d.admin.ImportUsers(t.Context(), domain.UserImport{Rows: rows}, domain.ImportOptions{})
		must(t, err)
	}
	type pair struct {
		ticket domain.TicketNumber
		to     domain.ID
	}
	notices := func(d *district) map[pair]int {
		got := map[pair]int{}
		msgs, err := d.admin.Outbox(t.Context(), 0)
		must(t, err)
		for _, m := range msgs {
			if m.Event == domain.EventOverdue {
				got[pair{m.Ticket, m.To}]++
			}
		}
		return got
	}
	d := overdueDistrict(t, 1)
	fixers(d)
	defer store.SetJobBatchTime(0)() // every write transaction stores one chunk
	// stopped after three write transactions
	stop, done := stopAtWrite(t, d.db, 4)
	_, err := d.db.RunOverdue(stop)
	done()
	must(t, err)
	partial := notices(d)
	rest := d.db.RunJobs(context.Background())
	if rest.Stopped || len(rest.Failures) != 0 || rest.Writes < 3 {
		t.Fatalf("second run: %+v", rest)
	}
	all := notices(d)
	twin := overdueDistrict(t, 1) // the same sweep, never stopped
	fixers(twin)
	_, err = twin.db.RunOverdue(context.Background())
	must(t, err)
	want := len(notices(twin))
	if len(partial) == 0 || len(partial) >= want {
		t.Fatalf("the stopped run sent %d of %d notices", len(partial), want)
	}
	if len(all) != want {
		t.Fatalf("%d notices after a stop, %d without", len(all), want)
	}
	for p, n := range all {
		if n != 1 {
			t.Fatalf("user %d got the notice of ticket %d %d times", p.to, p.ticket, n)
		}
	}
	if again := d.db.RunJobs(context.Background()); again.Writes != 0 {
		t.Fatalf("a quiet run wrote: %+v", again)
	}
}

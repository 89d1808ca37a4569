package store

import (
	"context"
	"fmt"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// JobReport says what one run of the periodic jobs did.
type JobReport struct {
	Expired  int // memberships whose expiry was recorded (R13)
	Tickets  int // tickets created by scheduled tasks
	Overdue  int // overdue notices queued
	Alerts   int // alert messages queued
	Failures []string
}

// RunJobs runs what is due at the clock's now: expiry records, scheduled
// tasks and overdue notices. The console and the server call it at start
// and every minute; each piece is idempotent, so two runs never do a
// thing twice.
func (db *DB) RunJobs() JobReport {
	var r JobReport
	var err error
	if r.Expired, err = db.Sweep(); err != nil {
		r.Failures = append(r.Failures, err.Error())
	}
	if r.Tickets, err = db.RunSchedules(); err != nil {
		r.Failures = append(r.Failures, err.Error())
	}
	if r.Overdue, err = db.RunOverdue(); err != nil {
		r.Failures = append(r.Failures, err.Error())
	}
	if r.Alerts, err = db.RunAlerts(); err != nil {
		r.Failures = append(r.Failures, err.Error())
	}
	return r
}

// StartJobs runs RunJobs now and then every interval until ctx ends.
func (db *DB) StartJobs(ctx context.Context, every time.Duration, report func(JobReport)) {
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			r := db.RunJobs()
			if report != nil {
				report(r)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// system runs fn as the owner account: jobs act for the organization.
func (db *DB) system(fn func(w *txn) error) error {
	var owner domain.ID
	if err := db.bolt.View(func(tx *bolt.Tx) error { owner = metaID(tx, keyOwner); return nil }); err != nil {
		return err
	}
	s := &session{db: db, actor: owner}
	return s.write(fn)
}

// RunSchedules creates a ticket for every due run of every enabled task.
// Creating the ticket and advancing the task's next run are one
// transaction, so a crash between two runs never repeats one.
func (db *DB) RunSchedules() (int, error) {
	created := 0
	var ids []domain.ID
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bSchedules).ForEach(func(k, v []byte) error {
			ids = append(ids, btoi(k))
			return nil
		})
	}); err != nil {
		return 0, err
	}
	for _, id := range ids {
		for range 1000 { // catch up missed runs, bounded
			ran := false
			err := db.system(func(w *txn) error {
				var st domain.ScheduledTask
				found, err := getJSON(w.tx, bSchedules, id, &st)
				if err != nil {
					return err
				}
				if !found || !st.Enabled || st.NextRun.After(w.now) {
					return errStop // nothing due: roll back the empty transaction
				}
				b, err := getBuilding(w.tx, st.Building)
				if err != nil {
					return fmt.Errorf("scheduled task %q: its building is gone", st.Title)
				}
				t, err := w.buildTicket(domain.NewTicket{Title: st.Title, Description: st.Description, Building: b.Code,
					ProblemType: st.ProblemType, Priority: st.Priority})
				if err != nil {
					return fmt.Errorf("scheduled task %q: %w", st.Title, err)
				}
				if err := w.number(&t); err != nil {
					return err
				}
				w.autoAssign(&t)
				run := st.NextRun
				st.NextRun = st.Advance(st.NextRun)
				if err := putJSON(w.tx, bSchedules, id, st); err != nil {
					return err
				}
				ran = true
				return w.saveTicket(nil, &t, "report", "scheduled task "+st.Title+" run "+run.Format("2006-01-02 15:04"), "")
			})
			if err == errStop {
				break
			}
			if err != nil {
				return created, err
			}
			if !ran {
				break
			}
			created++
		}
	}
	return created, nil
}

// RunOverdue queues overdue notices for open tickets that reached a new
// level since the last run; the level sent is remembered per ticket so a
// notice is never sent twice.
func (db *DB) RunOverdue() (int, error) {
	sent := 0
	if !db.overdueDue() {
		return 0, nil
	}
	err := db.system(func(w *txn) error {
		policies := overduePolicies(w.tx)
		notified := 0
		for _, st := range domain.AllStatuses {
			if !st.Open() {
				continue
			}
			var numbers []uint64
			if err := prefixKeys(w.tx, bTStatus, itob(uint64(st)), func(k []byte) error {
				numbers = append(numbers, btoi(k[16:]))
				return nil
			}); err != nil {
				return err
			}
			for _, n := range numbers {
				t, ok, err := getTicket(w.tx, domain.TicketNumber(n))
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				lvl := domain.OverdueLevel(&t, policies, w.now)
				prev := 0
				if v := w.tx.Bucket(bOverdue).Get(itob(n)); len(v) == 1 {
					prev = int(v[0])
				}
				if lvl <= prev {
					continue
				}
				if err := w.tx.Bucket(bOverdue).Put(itob(n), []byte{byte(lvl)}); err != nil {
					return err
				}
				before := len(w.changes)
				if err := w.notify(domain.EventOverdue, &t, "", lvl); err != nil {
					return err
				}
				if err := w.history(&t, "overdue", fmt.Sprintf("notice %d", lvl), ""); err != nil {
					return err
				}
				notified++
				if len(w.changes) > before {
					sent++
				}
			}
		}
		return w.audit("ticket", 0, "overdue", "overdue notices", "", fmt.Sprintf("%d tickets reached a new overdue level", notified))
	})
	return sent, err
}

// overdueDue reports, in a read transaction, whether any open ticket has
// reached a level not yet notified, so a quiet minute writes nothing.
func (db *DB) overdueDue() bool {
	due := false
	err := db.bolt.View(func(tx *bolt.Tx) error {
		policies := overduePolicies(tx)
		if len(policies) == 0 {
			return nil
		}
		now := db.now()
		for _, st := range domain.AllStatuses {
			if !st.Open() {
				continue
			}
			if err := prefixKeys(tx, bTStatus, itob(uint64(st)), func(k []byte) error {
				n := btoi(k[16:])
				t, ok, err := getTicket(tx, domain.TicketNumber(n))
				if err != nil {
					return err
				}
				if !ok {
					return nil
				}
				prev := 0
				if v := tx.Bucket(bOverdue).Get(itob(n)); len(v) == 1 {
					prev = int(v[0])
				}
				if domain.OverdueLevel(&t, policies, now) > prev {
					due = true
					return errStop
				}
				return nil
			}); err != nil && err != errStop {
				return err
			}
			if due {
				break
			}
		}
		return nil
	})
	if err != nil {
		return true // the write that follows reads the file again and reports the error
	}
	return due
}

package store

import (
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// MarkOverdueNotified records every open ticket due an overdue notice at
// now as notified, but for the first keep of them, so a benchmark sweeps a
// whole file with a known number of tickets newly overdue. It returns how
// many it left due.
func MarkOverdueNotified(db *DB, now time.Time, keep int) (int, error) {
	var due []uint64
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		policies := overduePolicies(tx)
		return tx.Bucket(bTStatus).ForEach(func(k, _ []byte) error {
			if !domain.Status(btoi(k[:8])).Open() {
				return nil
			}
			t, ok, err := getTicket(tx, domain.TicketNumber(btoi(k[16:])))
			if err != nil {
				return err
			}
			if ok && domain.OverdueLevel(&t, policies, now) > 0 {
				due = append(due, uint64(t.Number))
			}
			return nil
		})
	}); err != nil {
		return 0, err
	}
	left := min(keep, len(due))
	for rest := due[left:]; len(rest) > 0; {
		n := min(len(rest), 50000)
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			for _, num := range rest[:n] {
				if err := tx.Bucket(bOverdue).Put(itob(num), []byte{3}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		rest = rest[n:]
	}
	return left, nil
}

// SetJobBatchTime sets the periodic jobs' write-transaction budget and
// returns a function that restores it.
func SetJobBatchTime(d time.Duration) func() {
	old := jobBatchTime
	jobBatchTime = d
	return func() { jobBatchTime = old }
}

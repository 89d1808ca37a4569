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
	db.bolt.View(func(tx *bolt.Tx) error {
		policies := overduePolicies(tx)
		return tx.Bucket(bTStatus).ForEach(func(k, _ []byte) error {
			if !domain.Status(btoi(k[:8])).Open() {
				return nil
			}
			if t, ok := getTicket(tx, btoi(k[16:])); ok && domain.OverdueLevel(&t, policies, now) > 0 {
				due = append(due, t.Number)
			}
			return nil
		})
	})
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

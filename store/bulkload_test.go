package store

import (
	"fmt"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// BulkLoadTickets writes n tickets in chunked transactions, bypassing the
// per-action path, so benchmarks can build a large file in seconds. Statuses
// and buildings rotate; every fifth ticket is assigned to assignee.
func BulkLoadTickets(db *DB, n int, buildings []domain.ID, reporter, assignee domain.ID) error {
	const chunk = 10000
	statuses := domain.AllStatuses
	for done := 0; done < n; {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			org, err := getOrg(tx)
			if err != nil {
				return err
			}
			now := db.now()
			for i := 0; i < chunk && done < n; i, done = i+1, done+1 {
				t := domain.Ticket{Number: org.NextTicket, Title: fmt.Sprintf("Ticket %d printer jam in room", done),
					Description: "Generated for a benchmark.", ProblemType: "Hardware", Priority: "Normal",
					Status: statuses[done%len(statuses)], Reporter: reporter, Building: buildings[done%len(buildings)],
					Created: now, Updated: now}
				if done%5 == 0 {
					t.Assignee = assignee
				}
				t.ID = domain.ID(t.Number)
				org.NextTicket++
				if err := tx.Bucket(bTickets).Put(itob(uint64(t.Number)), encTicket(&t)); err != nil {
					return err
				}
				if err := indexTicket(tx, nil, &t); err != nil {
					return err
				}
			}
			b, err := encJSON(org)
			if err != nil {
				return err
			}
			return tx.Bucket(bOrg).Put(keyOrg, b)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

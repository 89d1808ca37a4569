package store

import (
	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// migrate2 builds what schema 2 added from the records: ticket team and
// visible-to indexes, per-status ticket counts, the username index's search
// text and the group→user index's expiry values. It runs inside the
// migration's one transaction.
func migrate2(tx *bolt.Tx) error {
	counts := map[domain.Status]int64{}
	err := tx.Bucket(bTickets).ForEach(func(k, v []byte) error {
		var t domain.Ticket
		if err := decTicket(v, &t); err != nil {
			return err
		}
		counts[t.Status]++
		for _, id := range t.Teams {
			if err := kvPut(tx.Bucket(bTTeam), key(id, uint64(t.Number)), nil); err != nil {
				return err
			}
		}
		for _, id := range t.VisibleTo {
			if err := kvPut(tx.Bucket(bTGroup), key(id, uint64(t.Number)), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for st, n := range counts {
		if err := kvPut(tx.Bucket(bTCount), itob(uint64(st)), itob(uint64(n))); err != nil {
			return err
		}
	}
	var users []domain.User
	if err := tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
		var u domain.User
		if decJSON(v, &u) == nil {
			users = append(users, u)
		}
		return nil
	}); err != nil {
		return err
	}
	for i := range users {
		if err := kvPut(tx.Bucket(bUserName), lower(users[i].Username), userNameValue(&users[i])); err != nil {
			return err
		}
	}
	var ms []domain.Membership
	if err := tx.Bucket(bMembers).ForEach(func(k, v []byte) error {
		var m domain.Membership
		if decJSON(v, &m) == nil {
			ms = append(ms, m)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, m := range ms {
		if err := kvPut(tx.Bucket(bGroupUser), key(m.GroupID, m.UserID), untilValue(m.Until)); err != nil {
			return err
		}
	}
	return nil
}

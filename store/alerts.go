package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

func getAlerts(tx *bolt.Tx, number domain.TicketNumber) (domain.AlertSettings, bool) {
	var a domain.AlertSettings
	b := tx.Bucket(bAlerts).Get(itob(uint64(number)))
	return a, b != nil && decJSON(b, &a) == nil
}

// canEditAlerts: Edit Alert Settings anywhere, Edit Own Alert Settings on
// tickets assigned to the actor.
func (r *txn) canEditAlerts(t *domain.Ticket) error {
	if r.acc.Has(domain.AlertsEdit) || r.acc.Has(domain.AlertsEditOwn) && t.Assignee == r.actor.ID {
		return nil
	}
	if r.acc.Has(domain.AlertsEditOwn) {
		return domain.Errorf(domain.EForbidden, "%s may edit alert settings only on tickets assigned to them (Edit Own Alert Settings)", r.actor.Username)
	}
	return r.acc.Require(domain.AlertsEdit)
}

func (s *session) Alerts(ctx context.Context, number domain.TicketNumber) (domain.AlertView, error) {
	var v domain.AlertView
	err := s.read(func(r *txn) error {
		t, err := r.visibleTicket(number)
		if err != nil {
			return err
		}
		if !r.acc.Has(domain.AlertsView) && r.canEditAlerts(&t) != nil {
			return r.acc.Require(domain.AlertsView)
		}
		a, _ := getAlerts(r.tx, number)
		a.Ticket = number
		v.AlertSettings = a
		for _, u := range a.Users {
			v.UserNames = append(v.UserNames, r.username(u))
		}
		for _, g := range a.Groups {
			if gg, err := getGroup(r.tx, g); err == nil {
				v.GroupNames = append(v.GroupNames, gg.Name)
			}
		}
		return nil
	})
	return v, err
}

func (s *session) SetAlerts(ctx context.Context, number domain.TicketNumber, days int, users, groups []string, enabled bool) error {
	return s.write(ctx, func(w *txn) error {
		t, err := w.visibleTicket(number)
		if err != nil {
			return err
		}
		if err := w.canEditAlerts(&t); err != nil {
			return err
		}
		if days < 1 || days > 3650 {
			return domain.Errorf(domain.EInvalid, "alert days must be between 1 and 3650, not %d", days)
		}
		before, _ := getAlerts(w.tx, number)
		a := domain.AlertSettings{Ticket: number, Days: days, Enabled: enabled, SentFor: before.SentFor}
		for _, n := range users {
			u, err := userByName(w.tx, n)
			if err != nil {
				return err
			}
			a.Users = append(a.Users, u.ID)
		}
		for _, n := range groups {
			g, err := groupByName(w.tx, n)
			if err != nil {
				return err
			}
			a.Groups = append(a.Groups, g.ID)
		}
		if enabled && len(a.Users)+len(a.Groups) == 0 {
			return domain.Errorf(domain.EInvalid, "an alert needs at least one user or group to notify")
		}
		if err := putJSON(w.tx, bAlerts, uint64(number), a); err != nil {
			return err
		}
		return w.audit("ticket", domain.ID(number), w.org.FormatTicket(number), "alerts",
			fmt.Sprintf("days=%d enabled=%v", before.Days, before.Enabled), fmt.Sprintf("days=%d enabled=%v users=%v groups=%v", days, enabled, users, groups))
	})
}

// stateActions are the history actions that change a ticket's state.
var stateActions = []string{"report", "clone", "assign", "reassign", "unassign", "start", "close", "reopen"}

// lastStateChange is when the ticket's state last changed, from history.
func lastStateChange(tx *bolt.Tx, number domain.TicketNumber, fallback time.Time) time.Time {
	last := fallback
	_ = prefixKeys(tx, bHistory, itob(uint64(number)), func(k []byte) error {
		var h domain.HistoryEntry
		if decHistory(tx.Bucket(bHistory).Get(k), &h) == nil && slices.Contains(stateActions, h.Action) {
			last = h.At
		}
		return nil
	})
	return last
}

// RunAlerts queues alert messages for open tickets whose state has not
// changed for their alert's days, once per stagnant period.
func (db *DB) RunAlerts(ctx context.Context) (int, error) {
	return db.runAlerts(ctx, newJobCache())
}

func (db *DB) runAlerts(ctx context.Context, c *jobCache) (int, error) {
	type due struct {
		number uint64
		since  time.Time
	}
	var todo []due
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		now := db.now()
		return tx.Bucket(bAlerts).ForEach(func(k, v []byte) error {
			var a domain.AlertSettings
			if decJSON(v, &a) != nil || !a.Enabled {
				return nil
			}
			t, ok, err := getTicket(tx, domain.TicketNumber(btoi(k)))
			if err != nil {
				return err
			}
			if !ok || !t.Status.Open() {
				return nil
			}
			since := lastStateChange(tx, t.Number, t.Created)
			if now.Sub(since) >= time.Duration(a.Days)*24*time.Hour && !a.SentFor.Equal(since) {
				todo = append(todo, due{uint64(t.Number), since})
			}
			return nil
		})
	}); err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range todo {
		if ctx.Err() != nil {
			return sent, nil
		}
		before := sent
		err := db.systemCached(ctx, c, func(w *txn) error {
			a, ok := getAlerts(w.tx, domain.TicketNumber(d.number))
			t, ok2, err := getTicket(w.tx, domain.TicketNumber(d.number))
			if err != nil {
				return err
			}
			if !ok || !ok2 {
				return errStop
			}
			var ids []domain.ID
			ids = append(ids, a.Users...)
			for _, g := range a.Groups {
				for _, u := range suffixIDs(w.tx, bGroupUser, g) {
					m, ok, err := getMembership(w.tx, u, g)
					if err != nil {
						return err
					}
					if ok && m.Active(w.now) {
						ids = append(ids, u)
					}
				}
			}
			slices.Sort(ids)
			nm := &names{w: w, users: map[domain.ID]string{}, blds: map[domain.ID]string{}}
			row := nm.row(t)
			for _, id := range slices.Compact(ids) {
				u, err := w.user(id)
				if errors.Is(err, ErrDamaged) {
					return err
				}
				if err != nil { // an index entry left by a removed user
					continue
				}
				acc := w.accessOf(u)
				if acc.LoginError() != nil || !acc.CanSeeTicket(&t) {
					continue
				}
				m := domain.RenderMessage(domain.MessageInput{Org: &w.org, Ticket: row, Event: domain.EventAlert, Level: a.Days,
					Recipient: u, Access: &acc, Reason: "named in the ticket's alert settings"})
				seq, err := kvSeq(w.tx.Bucket(bOutbox))
				if err != nil {
					return err
				}
				m.ID = seq
				m.Enqueue(w.now)
				if err := putJSON(w.tx, bOutbox, seq, m); err != nil {
					return err
				}
				sent++
			}
			a.SentFor = d.since
			if err := putJSON(w.tx, bAlerts, d.number, a); err != nil {
				return err
			}
			return w.audit("ticket", domain.ID(t.Number), w.org.FormatTicket(t.Number), "alert", "", fmt.Sprintf("no state change for %d days", a.Days))
		})
		if err != nil && err != errStop {
			return before, stopped(ctx, err) // nothing of this write is stored
		}
	}
	return sent, nil
}

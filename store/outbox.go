package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// eventOf maps a ticket action to the notification event it raises.
var eventOf = map[string]domain.Event{
	"report":                 domain.EventNew,
	"clone":                  domain.EventNew,
	"assign":                 domain.EventAssigned,
	"reassign":               domain.EventReassigned,
	"write a work report on": domain.EventWorkReport,
	"close":                  domain.EventClosed,
}

// recipient is one person a notification goes to, and through which groups.
type recipient struct {
	user     domain.User
	access   domain.Access
	textOnly bool
	reason   string
}

// notify renders one message per recipient into the outbox, in the
// transaction of the change that raised it. Recipients are the members of
// groups subscribed to the event who can see the ticket (R11); Building
// Administrator groups only for their buildings (R5). A base group's
// notices go to the people on the ticket, not to every user. The actor is
// not told about their own action.
func (w *txn) notify(ev domain.Event, t *domain.Ticket, comment string, level int) error {
	msgs, err := w.notices(ev, t, comment, level)
	if err != nil || len(msgs) == 0 {
		return err
	}
	return w.queue(t, ev, msgs)
}

// notices renders the messages notify stores, one per recipient, reading
// only: a periodic job renders them in a read transaction and holds the
// write lock just to store them.
func (w *txn) notices(ev domain.Event, t *domain.Ticket, comment string, level int) ([]domain.Message, error) {
	var groups []domain.Group
	gs, err := w.groups()
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		switch {
		case ev == domain.EventOverdue:
			if p, ok := g.Notify.Policy(); !ok || p.Level(t.Created, w.now) < min(level, 1) {
				continue
			}
		case !slices.Contains(g.Notify.Events, ev):
			continue
		case ev == domain.EventNew && t.Assignee == 0 && g.Notify.Unassigned == "ignore":
			continue
		}
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Name < groups[j].Name })
	rcpt := map[domain.ID]*recipient{}
	var order []domain.ID
	add := func(u domain.User, a domain.Access, textOnly bool, reason string) {
		if u.ID == w.actor.ID && ev != domain.EventOverdue {
			return
		}
		if r, ok := rcpt[u.ID]; ok {
			r.textOnly = r.textOnly && textOnly
			return
		}
		rcpt[u.ID] = &recipient{user: u, access: a, textOnly: textOnly, reason: reason}
		order = append(order, u.ID)
	}
	consider := func(id domain.ID, g *domain.Group) {
		u, err := w.user(id)
		if err != nil {
			return
		}
		a := w.accessOf(u)
		if a.LoginError() != nil || !a.CanSeeTicket(t) {
			return
		}
		if g.BuildingAdmin && !a.Admin && !a.InBuilding(t.Building) {
			return // R5: notifications restricted to assigned buildings
		}
		if slices.Contains(u.Muted, ev) {
			return // the user opted out of this event (own account settings)
		}
		add(u, a, g.Notify.TextOnly, "member of "+g.Name)
	}
	for i := range groups {
		g := &groups[i]
		if g.Base {
			for _, id := range []domain.ID{t.Reporter, t.Assignee} {
				if id != 0 {
					if u, err := w.user(id); err == nil && u.Kind == g.Kind {
						consider(id, g)
					}
				}
			}
			continue
		}
		ids, err := w.activeMembers(g.ID)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			consider(id, g)
		}
	}
	if ev == domain.EventOverdue && level >= 2 && t.Assignee != 0 {
		// escalation: the second notice also goes to the assignee's manager,
		// the third to the manager's manager.
		u, _ := w.user(t.Assignee)
		for hop := 1; hop < level && u.ReportsTo != 0; hop++ {
			boss, err := w.user(u.ReportsTo)
			if err != nil {
				break
			}
			if a := w.accessOf(boss); a.LoginError() == nil {
				add(boss, a, false, "manager of "+u.Username+" (escalation)")
			}
			u = boss
		}
	}
	if len(order) == 0 {
		return nil, nil
	}
	nm := &names{w: w, users: map[domain.ID]string{}, blds: map[domain.ID]string{}}
	row := nm.row(*t)
	actor := w.actor.Username
	if ev == domain.EventOverdue {
		actor = ""
	}
	msgs := make([]domain.Message, 0, len(order))
	for _, id := range order {
		r := rcpt[id]
		msgs = append(msgs, domain.RenderMessage(domain.MessageInput{Org: &w.org, Ticket: row, Event: ev, Level: level, Actor: actor,
			Comment: comment, Recipient: r.user, Access: &r.access, TextOnly: r.textOnly, Reason: r.reason}))
	}
	return msgs, nil
}

// queue stores rendered messages in the outbox under ids from its sequence
// and raises the change that refreshes Outbox screens.
func (w *txn) queue(t *domain.Ticket, ev domain.Event, msgs []domain.Message) error {
	for _, m := range msgs {
		seq, err := kvSeq(w.tx.Bucket(bOutbox))
		if err != nil {
			return err
		}
		m.ID = seq
		m.Enqueue(w.now)
		if err := putJSON(w.tx, bOutbox, seq, m); err != nil {
			return err
		}
	}
	w.changes = append(w.changes, domain.Change{Entity: "outbox", ID: domain.ID(t.Number), Action: string(ev)})
	return nil
}

// groups are every group, read once per run by a periodic job.
func (w *txn) groups() ([]domain.Group, error) {
	if w.cache != nil && w.cache.groups != nil {
		return w.cache.groups, nil
	}
	gs := []domain.Group{}
	if err := w.tx.Bucket(bGroups).ForEach(func(k, v []byte) error {
		var g domain.Group
		if err := decGroup(v, &g); err != nil {
			return damaged("group", fmt.Sprintf("#%d", btoi(k)), err)
		}
		gs = append(gs, g)
		return nil
	}); err != nil {
		return nil, err
	}
	if w.cache != nil {
		w.cache.groups = gs
	}
	return gs, nil
}

// activeMembers lists a group's members whose membership is active now,
// read once per run by a periodic job.
func (w *txn) activeMembers(group domain.ID) ([]domain.ID, error) {
	if w.cache != nil {
		if ids, ok := w.cache.members[group]; ok {
			return ids, nil
		}
	}
	var ids []domain.ID
	for _, id := range suffixIDs(w.tx, bGroupUser, group) {
		m, ok, err := getMembership(w.tx, id, group)
		if err != nil {
			return nil, err
		}
		if ok && m.Active(w.now) {
			ids = append(ids, id)
		}
	}
	if w.cache != nil {
		w.cache.members[group] = ids
	}
	return ids, nil
}

// Outbox lists messages, newest first: all of them for holders of Manage
// Users view, otherwise those addressed to the actor.
func (s *session) Outbox(ctx context.Context, limit int) ([]domain.Message, error) {
	var out []domain.Message
	err := s.read(func(r *txn) error {
		all := r.acc.Level(domain.ModUsers) >= domain.LevelView
		c := r.tx.Bucket(bOutbox).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var m domain.Message
			if decJSON(v, &m) != nil || !all && m.To != r.actor.ID {
				continue
			}
			out = append(out, m)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	return out, err
}

func (s *session) OutboxMessage(ctx context.Context, id domain.ID) (domain.Message, error) {
	var m domain.Message
	err := s.read(func(r *txn) error {
		found, err := getJSON(r.tx, bOutbox, id, &m)
		if err != nil {
			return err
		}
		if !found || m.To != r.actor.ID && r.acc.Level(domain.ModUsers) < domain.LevelView {
			return domain.Errorf(domain.ENotFound, "message %d not found", id)
		}
		return nil
	})
	return m, err
}

// overduePolicies are the timings of every group with overdue notices on.
func overduePolicies(tx *bolt.Tx) []domain.OverduePolicy {
	var out []domain.OverduePolicy
	_ = tx.Bucket(bGroups).ForEach(func(k, v []byte) error {
		var g domain.Group
		if decGroup(v, &g) == nil {
			if p, ok := g.Notify.Policy(); ok {
				out = append(out, p)
			}
		}
		return nil
	})
	return out
}

// teamByNameOrEmpty resolves a queue's team filter.
func teamIDFilter(tx *bolt.Tx, name string) (domain.ID, error) {
	if strings.TrimSpace(name) == "" {
		return 0, nil
	}
	t, err := teamByName(tx, name)
	return t.ID, err
}

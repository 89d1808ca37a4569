package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
)

// subjectOf loads a user's subject if the actor may see that user.
func (r *txn) subjectOf(username string) (domain.Subject, error) {
	u, err := userByName(r.tx, username)
	if err != nil {
		return domain.Subject{}, err
	}
	sub := loadSubject(r.tx, u, r.now)
	a := domain.Resolve(sub, r.now)
	if err := r.canViewUser(&u, &a); err != nil {
		return domain.Subject{}, err
	}
	return sub, nil
}

func (s *session) Subject(ctx context.Context, username string) (domain.Subject, error) {
	var sub domain.Subject
	err := s.read(func(r *txn) error {
		var err error
		sub, err = r.subjectOf(username)
		return err
	})
	return sub, err
}

// Explain answers `gatehouse can`. A ticket the actor may not see is not
// found, whatever the subject could do with it.
func (s *session) Explain(ctx context.Context, username string, g domain.Grant, ticket domain.TicketNumber) (domain.Explanation, error) {
	var e domain.Explanation
	if g.Priv == nil {
		return e, domain.Errorf(domain.EInvalid, "name a privilege to explain")
	}
	err := s.read(func(r *txn) error {
		sub, err := r.subjectOf(username)
		if err != nil {
			return err
		}
		if ticket == 0 {
			e = domain.Explain(sub, g, r.now)
			return nil
		}
		t, ok, err := getTicket(r.tx, ticket)
		if err != nil {
			return err
		}
		if !ok || !r.acc.CanSeeTicket(&t) {
			return domain.NotFoundTicket(&r.org, ticket)
		}
		e = domain.ExplainTicket(sub, g, &t, &r.org, r.now)
		return nil
	})
	return e, err
}

// Who resolves a privilege into people, each with the reason: groups,
// elevation, buildings and, for a ticket, visibility and task gates.
func (s *session) Who(ctx context.Context, g domain.Grant, building string, ticket domain.TicketNumber) ([]domain.WhoRow, error) {
	var out []domain.WhoRow
	if g.Priv == nil {
		return nil, domain.Errorf(domain.EInvalid, "name a privilege: who holds what?")
	}
	err := s.read(func(r *txn) error {
		if r.acc.Level(domain.ModUsers) < domain.LevelView {
			return r.acc.RequireLevel(domain.ModUsers, domain.LevelView)
		}
		var bld domain.ID
		if building != "" {
			b, err := buildingByCode(r.tx, building)
			if err != nil {
				return err
			}
			bld = b.ID
		}
		var t domain.Ticket
		if ticket != 0 {
			var ok bool
			var err error
			if t, ok, err = getTicket(r.tx, ticket); err != nil {
				return err
			}
			if !ok || !r.acc.CanSeeTicket(&t) {
				return domain.NotFoundTicket(&r.org, ticket)
			}
		}
		c := r.tx.Bucket(bUserName).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			u, err := getUser(r.tx, btoi(v))
			if errors.Is(err, ErrDamaged) {
				return err
			}
			if err != nil { // an index entry left by a removed user
				continue
			}
			sub := loadSubject(r.tx, u, r.now)
			a := domain.Resolve(sub, r.now)
			if !a.HasGrant(g) {
				continue
			}
			src, _ := domain.Sources(sub, g, r.now)
			reason := strings.Join(src, ", ")
			switch {
			case ticket != 0:
				e := domain.ExplainTicket(sub, g, &t, &r.org, r.now)
				if !e.Granted {
					continue
				}
				reason = strings.Join(e.Reasons, "; ")
			case bld != 0:
				where := domain.HoldsInBuilding(&a, g, bld)
				if where == "" {
					continue
				}
				if !strings.HasPrefix(where, "holds ") {
					reason += "; " + where
				}
			}
			out = append(out, domain.WhoRow{Username: u.Username, Name: u.Name(), Reason: reason})
		}
		return nil
	})
	return out, err
}

// AccessReview gathers what a periodic review looks at (R13, TrackTik's
// least-privilege advice).
func (s *session) AccessReview(ctx context.Context, now time.Time) (domain.AccessReview, error) {
	var rv domain.AccessReview
	err := s.read(func(r *txn) error {
		if err := r.acc.RequireLevel(domain.ModUsers, domain.LevelView); err != nil {
			return err
		}
		horizon := now.AddDate(0, 0, 14)
		return r.tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
			var u domain.User
			if decJSON(v, &u) != nil {
				return nil
			}
			a := r.accessOf(u)
			if u.Superuser {
				rv.Admins = append(rv.Admins, domain.WhoRow{Username: u.Username, Name: u.Name(), Reason: "superuser"})
			} else if a.Admin {
				rv.Admins = append(rv.Admins, domain.WhoRow{Username: u.Username, Name: u.Name(), Reason: a.AdminVia})
			}
			ui := r.userInfo(u, &a)
			if len(ui.Groups) > 1 {
				rv.Overlapping = append(rv.Overlapping, ui)
			}
			if u.Status == domain.StatusDeactivated && hasPrefix(r.tx, bMembers, itob(u.ID)) {
				rv.Inactive = append(rv.Inactive, ui)
			}
			if err := prefixKeys(r.tx, bMembers, itob(u.ID), func(k []byte) error {
				m, ok, err := getMembership(r.tx, u.ID, btoi(k[8:]))
				if err != nil {
					return err
				}
				if ok && !m.Until.IsZero() && m.Until.After(now) && !m.Until.After(horizon) {
					rv.Expiring = append(rv.Expiring, r.memberInfo(m))
				}
				// temporary access that starts soon is reviewed before it grants
				if ok && m.From.After(now) && !m.From.After(horizon) {
					rv.Starting = append(rv.Starting, r.memberInfo(m))
				}
				return nil
			}); err != nil {
				return err
			}
			return nil
		})
	})
	slices.SortFunc(rv.Expiring, func(a, b domain.MemberInfo) int { return a.Until.Compare(b.Until) })
	slices.SortFunc(rv.Starting, func(a, b domain.MemberInfo) int { return a.From.Compare(b.From) })
	return rv, err
}

// auditGate decides, for one reader, which audit events they may see: the
// trail names tickets, thread titles, users and emails, so History alone
// does not open it all. Events about a ticket show to those who may see the
// ticket (R11; a deleted ticket's only to those who see every record);
// events about a user, a membership or a sign-in to those who may view the
// user (Manage Users view, Manage Technicians view for technicians, or the
// user themselves); the rest to every holder of History. Decisions are
// cached per ticket and per user for one listing.
type auditGate struct {
	r       *txn
	tickets map[domain.ID]bool
	users   map[domain.ID]bool
}

func (g *auditGate) shows(ev *domain.AuditEvent) bool {
	switch ev.Entity {
	case "ticket":
		if ev.EntityID == 0 {
			return true // a summary of a job run: counts, no ticket named
		}
		if g.r.acc.Admin || g.r.acc.Has(domain.VisibilityOverride) {
			return true // sees every record (R11), deleted ones' events too
		}
		ok, seen := g.tickets[ev.EntityID]
		if !seen {
			// a damaged record shows to nobody but those who see everything
			if t, found, err := getTicket(g.r.tx, domain.TicketNumber(ev.EntityID)); err == nil && found {
				ok = g.r.acc.CanSeeTicket(&t)
			}
			g.tickets[ev.EntityID] = ok
		}
		return ok
	case "user", "membership", "session":
		if g.r.acc.Level(domain.ModUsers) >= domain.LevelView {
			return true // views every user
		}
		ok, seen := g.users[ev.EntityID]
		if !seen {
			if u, err := getUser(g.r.tx, ev.EntityID); err == nil {
				a := g.r.accessOf(u)
				ok = g.r.canViewUser(&u, &a) == nil
			} // else a deleted user, or an import as a whole (id 0): Manage Users view only
			g.users[ev.EntityID] = ok
		}
		return ok
	}
	return true
}

// Audit lists the trail, newest first, for holders of History; each event
// only to those who may see what it is about (auditGate).
func (s *session) Audit(ctx context.Context, q domain.AuditQuery) ([]domain.AuditEvent, error) {
	var out []domain.AuditEvent
	err := s.read(func(r *txn) error {
		if err := r.acc.Require(domain.History); err != nil {
			return err
		}
		gate := auditGate{r: r, tickets: map[domain.ID]bool{}, users: map[domain.ID]bool{}}
		c := r.tx.Bucket(bAudit).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var ev domain.AuditEvent
			if decAudit(v, &ev) != nil {
				continue
			}
			if !q.Since.IsZero() && ev.At.Before(q.Since) {
				break // ids grow with time: nothing older can match
			}
			if !q.Until.IsZero() && !ev.At.Before(q.Until) {
				continue
			}
			if q.Actor != "" && !strings.EqualFold(ev.ActorName, q.Actor) {
				continue
			}
			if q.Entity != "" && !strings.EqualFold(ev.Entity, q.Entity) {
				continue
			}
			if !gate.shows(&ev) {
				continue
			}
			out = append(out, ev)
			if q.Limit > 0 && len(out) >= q.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

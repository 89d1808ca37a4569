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

// session is domain.Service bound to one acting user.
type session struct {
	db    *DB
	actor domain.ID
	// readOnly, when set, says why the session changes nothing ("while
	// viewing as bob"): write refuses before any change (refuseWrite).
	readOnly string
}

// Session returns the service acting as username.
func (db *DB) Session(username string) (domain.Service, error) {
	var id domain.ID
	err := db.bolt.View(func(tx *bolt.Tx) error {
		u, err := userByName(tx, username)
		id = u.ID
		return err
	})
	if err != nil {
		return nil, err
	}
	return &session{db: db, actor: id}, nil
}

// ReadOnlySession returns the service acting as username that reads as
// they would and refuses every change: the store decides, once, where
// every write passes (session.write), so no adapter has to wrap the
// service method by method.
func (db *DB) ReadOnlySession(username string) (domain.Service, error) {
	svc, err := db.Session(username)
	if err != nil {
		return nil, err
	}
	s := svc.(*session)
	s.readOnly = "in " + username + "'s read-only session"
	return s, nil
}

// ViewAs opens target's read-only session for viewer (the console's view
// as): domain.CheckViewAs on viewer, and an audit event in viewer's name
// that they looked through target's eyes.
func (db *DB) ViewAs(ctx context.Context, viewer, target string) (domain.Service, error) {
	svc, err := db.Session(viewer)
	if err != nil {
		return nil, err
	}
	var id domain.ID
	err = svc.(*session).write(ctx, func(w *txn) error {
		u, err := userByName(w.tx, target)
		if err != nil {
			return err
		}
		a := w.accessOf(u)
		if err := domain.CheckViewAs(&w.acc, &a); err != nil {
			return err
		}
		id = u.ID
		return w.audit("user", u.ID, u.Username, "view as", "", "read-only, by "+w.actor.Username)
	})
	if err != nil {
		return nil, err
	}
	return &session{db: db, actor: id, readOnly: "while viewing as " + target}, nil
}

// refuseWrite is the error of every change asked of a read-only session.
func (s *session) refuseWrite() error {
	if s.readOnly == "" {
		return nil
	}
	return domain.Errorf(domain.EForbidden, "read-only: nothing can be changed %s", s.readOnly)
}

// txn is one transaction seen through the acting user's access.
type txn struct {
	ctx     context.Context // the caller's: its --if-version, if any (expect)
	tx      *bolt.Tx
	db      *DB
	now     time.Time
	actor   domain.User
	acc     domain.Access
	org     domain.Organization
	changes []domain.Change
	audited bool
	cache   *jobCache // a periodic job's lookups, kept across its transactions
	elev    *elevated // users whose memberships this write changed (R4 check)
	// expected: the write checked the version of the record it names
	// (expect); one asked for with --if-version and never checked is refused.
	expected bool
	// pending are the changed fields of records revised in this write,
	// by revKey, until the record's audit event takes them.
	pending map[string][]domain.FieldChange
}

// errNoAudit guards the rule that every write records an audit event.
var errNoAudit = errors.New("internal: a write finished without an audit event")

// write runs fn in one read-write transaction with the actor's access
// resolved inside it; changes are published only after commit.
func (s *session) write(ctx context.Context, fn func(w *txn) error) error {
	if err := s.refuseWrite(); err != nil {
		return err
	}
	return s.db.update(ctx, func(tx *bolt.Tx) ([]domain.Change, error) {
		w, err := s.begin(tx)
		if err != nil {
			return nil, err
		}
		w.ctx = ctx
		defer journalAt(tx, w.now)()
		if err := fn(w); err != nil {
			return nil, err
		}
		if v, ok := domain.IfVersion(ctx); ok && !w.expected {
			return nil, domain.Errorf(domain.EInvalid, "--if-version %d: this change names no one record whose version it could check", v)
		}
		if !w.audited {
			return nil, errNoAudit
		}
		return w.changes, nil
	})
}

// read runs fn in a short read transaction; values are copied out.
func (s *session) read(fn func(r *txn) error) error {
	return s.db.bolt.View(func(tx *bolt.Tx) error {
		r, err := s.begin(tx)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

func (s *session) begin(tx *bolt.Tx) (*txn, error) {
	now := s.db.now()
	u, err := getUser(tx, s.actor)
	if err != nil {
		return nil, domain.Errorf(domain.EForbidden, "the acting user no longer exists")
	}
	org, err := getOrg(tx)
	if err != nil {
		return nil, err
	}
	t := &txn{tx: tx, db: s.db, now: now, actor: u, org: org}
	t.acc = domain.Resolve(loadSubject(tx, u, now), now)
	if err := t.acc.LoginError(); err != nil {
		return nil, domain.Errorf(domain.EForbidden, "%v: they cannot act", err)
	}
	return t, nil
}

// audit records one event and the change to publish after commit.
func (w *txn) audit(entity string, id domain.ID, name, action, before, after string) error {
	return w.auditEvent(domain.AuditEvent{Entity: entity, EntityID: id, Name: name, Action: action, Before: before, After: after})
}

// auditEvent records ev as the actor's, now, and the change to publish.
func (w *txn) auditEvent(ev domain.AuditEvent) error {
	seq, err := kvSeq(w.tx.Bucket(bAudit))
	if err != nil {
		return err
	}
	ev.ID, ev.At, ev.Actor, ev.ActorName = seq, w.now, w.actor.ID, w.actor.Username
	if k := string(revKey(ev.Entity, ev.EntityID)); w.pending[k] != nil {
		if ev.Changes == nil {
			ev.Changes = w.pending[k]
		}
		delete(w.pending, k)
	}
	w.audited = true
	w.changes = append(w.changes, domain.Change{Entity: ev.Entity, ID: ev.EntityID, Action: ev.Action, Actor: w.actor.ID})
	return kvPut(w.tx.Bucket(bAudit), itob(seq), encAudit(&ev))
}

// baseGroup returns the implicit base group of a kind (R1).
func baseGroup(tx *bolt.Tx, k domain.Kind) (domain.Group, error) {
	name := domain.GroupUsers
	if k == domain.KindRestricted {
		name = domain.GroupRestrictedUsers
	}
	return groupByName(tx, name)
}

// loadSubject gathers what the engine needs about one user.
func loadSubject(tx *bolt.Tx, u domain.User, now time.Time) domain.Subject {
	s := domain.Subject{User: u}
	base, baseErr := baseGroup(tx, u.Kind)
	_ = prefixKeys(tx, bMembers, itob(u.ID), func(k []byte) error {
		// a damaged membership grants nothing (fails closed) and the walk
		// goes on; the reads that show memberships name the damage
		m, ok, err := getMembership(tx, u.ID, btoi(k[8:]))
		if err != nil || !ok {
			return nil
		}
		g, err := getGroup(tx, m.GroupID)
		if err != nil {
			return nil
		}
		s.Grants = append(s.Grants, domain.GroupGrant{Group: &g, Membership: m})
		return nil
	})
	if baseErr == nil {
		s.Grants = append(s.Grants, domain.GroupGrant{Group: &base, Implicit: true})
	}
	s.Teams = userTeams(tx, u.ID)
	s.Buildings = slices.Clone(u.Buildings)
	if len(u.Regions) > 0 {
		_ = tx.Bucket(bBuildings).ForEach(func(k, v []byte) error {
			var b domain.Building
			if decJSON(v, &b) == nil && slices.Contains(u.Regions, b.Region) {
				s.Buildings = append(s.Buildings, b.ID)
			}
			return nil
		})
	}
	return s
}

// userTeams is the user's explicit teams plus, through reports-to, the
// teams of everyone who reports to them transitively (R10). Suppressed
// teams grant nothing.
func userTeams(tx *bolt.Tx, user domain.ID) []domain.ID {
	var out []domain.ID
	seen := map[domain.ID]bool{}
	queue := []domain.ID{user}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		for _, t := range suffixIDs(tx, bUserTeam, u) {
			if team, err := getTeam(tx, t); err == nil && !team.Suppressed {
				out = append(out, t)
			}
		}
		queue = append(queue, suffixIDs(tx, bReports, u)...)
	}
	return out
}

func (w *txn) accessOf(u domain.User) domain.Access {
	if c := w.cache; c != nil {
		if a, ok := c.access[u.ID]; ok {
			return a
		}
		a := domain.Resolve(loadSubject(w.tx, u, w.now), w.now)
		c.access[u.ID] = a
		return a
	}
	return domain.Resolve(loadSubject(w.tx, u, w.now), w.now)
}

// user is getUser through the job cache, when there is one.
func (w *txn) user(id domain.ID) (domain.User, error) {
	if c := w.cache; c != nil {
		if u, ok := c.users[id]; ok {
			return u, nil
		}
		u, err := getUser(w.tx, id)
		if err == nil {
			c.users[id] = u
		}
		return u, err
	}
	return getUser(w.tx, id)
}

// Actor implements domain.Service.
func (s *session) Actor(ctx context.Context) domain.User {
	var u domain.User
	_ = s.db.bolt.View(func(tx *bolt.Tx) error {
		u, _ = getUser(tx, s.actor)
		return nil
	})
	return u
}

// Access implements domain.Service; a user who cannot log in holds nothing.
func (s *session) Access(ctx context.Context) domain.Access {
	var a domain.Access
	_ = s.db.bolt.View(func(tx *bolt.Tx) error {
		u, err := getUser(tx, s.actor)
		if err == nil {
			now := s.db.now()
			a = domain.Resolve(loadSubject(tx, u, now), now)
		}
		return nil
	})
	return a
}

// Sweep records an audit event for every membership that expired since the
// last sweep (R13: expiry needs nobody to act, but it leaves a trace). The
// console and server call it every minute (RunJobs, under the jobs'
// context); Open calls it once.
func (db *DB) Sweep(ctx context.Context) (int, error) {
	// A read first: when nothing expired, nothing is written, so opening the
	// file for a read-only command writes nothing either. The sweep mark is
	// then left where it was; the next sweep covers the longer interval.
	var pending bool
	now := db.now()
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		pending = len(expiredSince(tx, now)) > 0
		return nil
	}); err != nil {
		return 0, err
	}
	if !pending {
		return 0, nil
	}
	n := 0
	err := db.update(ctx, func(tx *bolt.Tx) ([]domain.Change, error) {
		n = 0
		var changes []domain.Change
		for _, mk := range expiredSince(tx, now) {
			var m domain.Membership
			if decJSON(tx.Bucket(bMembers).Get(mk), &m) != nil {
				continue
			}
			u, _ := getUser(tx, m.UserID)
			g, _ := getGroup(tx, m.GroupID)
			seq, err := kvSeq(tx.Bucket(bAudit))
			if err != nil {
				return nil, err
			}
			ev := domain.AuditEvent{ID: seq, At: now, ActorName: "system", Entity: "membership", EntityID: m.UserID,
				Name: u.Username + " in " + g.Name, Action: "expired",
				Before: "until " + m.Until.Format(time.RFC3339)}
			if err := kvPut(tx.Bucket(bAudit), itob(seq), encAudit(&ev)); err != nil {
				return nil, err
			}
			n++
			changes = append(changes, domain.Change{Entity: "membership", ID: m.UserID, Action: "expired"})
		}
		return changes, kvPut(tx.Bucket(bMeta), keySweptUntil, itob(uint64(now.UnixNano())))
	})
	if err != nil {
		return 0, fmt.Errorf("recording expired memberships: %w", err)
	}
	return n, nil
}

var keySweptUntil = []byte("swept_until")

// expiredSince lists the membership keys (user|group) whose expiry passed
// after the last sweep and by now, read from the group→user index, which
// holds each expiry, so no membership record is decoded to find them.
func expiredSince(tx *bolt.Tx, now time.Time) [][]byte {
	last := time.Unix(0, int64(btoi(tx.Bucket(bMeta).Get(keySweptUntil))))
	var due [][]byte
	_ = tx.Bucket(bGroupUser).ForEach(func(k, v []byte) error {
		if len(v) == 8 {
			if until := time.Unix(0, int64(btoi(v))); until.After(last) && !until.After(now) {
				due = append(due, key(btoi(k[8:]), btoi(k[:8])))
			}
		}
		return nil
	})
	return due
}

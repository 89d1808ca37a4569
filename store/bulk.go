package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// Loader writes generated records straight into a new file in large
// transactions, for `gatehouse demo` at district scale (a million tickets
// through one transaction per action would take hours). It bypasses
// per-action authorization and per-record audit events: the load as a whole
// is one audited operation by the owner, and it refuses a file that holds
// more than its seed.
type Loader struct {
	db      *DB
	tx      *bolt.Tx
	puts    int
	org     domain.Organization
	now     time.Time
	Users   int
	Tickets int

	stopJournal func()

	rec  *recorder // on etcd: what this chunk wrote, and the guard it read
	base int64
}

// commit ends the current chunk: bbolt commits it; on etcd its writes go
// to the cluster as one staged write and the mirror catches up.
func (l *Loader) commit() error {
	e := l.db.remote
	if e == nil {
		return l.tx.Commit()
	}
	l.rec.stop()
	_ = l.tx.Rollback() // the mirror takes the chunk from the watch
	// a generated load has no caller's context (gatehouse demo): each
	// request is bounded by etcdWait
	rev, _, err := e.commit(context.Background(), l.rec.list(), l.base, nil)
	if errors.Is(err, errConflict) {
		return domain.Errorf(domain.EConflict, "another gatehouse wrote to %s during the load: generate into a new prefix", l.db.path)
	}
	if err != nil {
		return err
	}
	return e.waitFor(context.Background(), rev, true)
}

// rollback abandons the current chunk.
func (l *Loader) rollback() {
	if l.rec != nil {
		l.rec.stop()
	}
	_ = l.tx.Rollback() // cleanup on a path that already reports its error
}

const loadChunk = 200_000 // puts per transaction

// Load runs fn with a Loader on a freshly seeded file. Commits are not
// fsynced one by one; the file is synced once at the end, so a crash during
// a load leaves a file to regenerate, never a half-trusted one.
func (db *DB) Load(fn func(l *Loader) error) (err error) {
	fresh := true
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bTickets).Stats().KeyN > 0 || tx.Bucket(bUsers).Stats().KeyN > 1 {
			fresh = false
		}
		return nil
	}); err != nil {
		return err
	}
	if !fresh {
		return domain.Errorf(domain.EConflict, "%s already holds data: generate into a new file", db.path)
	}
	db.bolt.NoSync = true
	defer func() {
		db.bolt.NoSync = false
		if serr := db.bolt.Sync(); err == nil && serr != nil {
			err = serr
		}
	}()
	l := &Loader{db: db, now: db.now()}
	if err := l.begin(); err != nil {
		return err
	}
	if err := fn(l); err != nil {
		l.rollback()
		return err
	}
	if err := l.putOrg(); err != nil {
		l.rollback()
		return err
	}
	owner, _ := getUser(l.tx, metaID(l.tx, keyOwner))
	seq, _ := kvSeq(l.tx.Bucket(bAudit))
	ev := domain.AuditEvent{ID: seq, At: l.now, Actor: owner.ID, ActorName: owner.Username, Entity: "file", Name: db.path,
		Action: "generate", After: fmt.Sprintf("%d users, %d tickets", l.Users, l.Tickets)}
	if err := kvPut(l.tx.Bucket(bAudit), itob(seq), encAudit(&ev)); err != nil {
		l.rollback()
		return err
	}
	if err := setHistoryFrom(l.tx, l.now); err != nil {
		l.rollback()
		return err
	}
	defer l.stopJournal()
	return l.commit()
}

func (l *Loader) begin() error {
	tx, err := l.db.bolt.Begin(true)
	if err != nil {
		return err
	}
	l.tx, l.puts = tx, 0
	if e := l.db.remote; e != nil {
		e.mu.Lock()
		l.base = e.guardRev
		e.mu.Unlock()
		l.rec = newRecorder(tx)
	}
	// generated records are the file's starting point, not its history:
	// the access journal begins when the load ends
	l.stopJournal = journalOff(tx)
	if l.org, err = getOrg(tx); err != nil {
		_ = tx.Rollback() // nothing was written yet; err says why
		return err
	}
	return nil
}

func (l *Loader) putOrg() error {
	b, err := encJSON(l.org)
	if err != nil {
		return err
	}
	return kvPut(l.tx.Bucket(bOrg), keyOrg, b)
}

// step counts puts and commits a full chunk.
func (l *Loader) step(puts int) error {
	l.puts += puts
	if l.puts < loadChunk {
		return nil
	}
	if err := l.putOrg(); err != nil {
		return err
	}
	l.stopJournal()
	if err := l.commit(); err != nil {
		return err
	}
	return l.begin()
}

// Org is the organization, saved with each chunk.
func (l *Loader) Org() *domain.Organization { return &l.org }

// Group finds a group by name.
func (l *Loader) Group(name string) (domain.Group, error) { return groupByName(l.tx, name) }

// Building stores a building (validated like CreateBuilding).
func (l *Loader) Building(b *domain.Building) error {
	if err := validateBuilding(b); err != nil {
		return err
	}
	if l.tx.Bucket(bBldCode).Get(lower(b.Code)) != nil {
		return domain.Errorf(domain.EConflict, "a building with code %q already exists", b.Code)
	}
	id, err := kvSeq(l.tx.Bucket(bBuildings))
	if err != nil {
		return err
	}
	b.ID = id
	if err := putJSON(l.tx, bBuildings, id, b); err != nil {
		return err
	}
	if err := kvPut(l.tx.Bucket(bBldCode), lower(b.Code), itob(id)); err != nil {
		return err
	}
	return l.step(2)
}

// User stores a user with their private team and Global membership.
func (l *Loader) User(u *domain.User) error {
	if u.Created.IsZero() {
		u.Created = l.now
	}
	if err := insertUser(l.tx, u); err != nil {
		return err
	}
	l.Users++
	return l.step(8)
}

// SetReportsTo links a user to their manager (both stored already).
func (l *Loader) SetReportsTo(user, manager domain.ID) error {
	u, err := getUser(l.tx, user)
	if err != nil {
		return err
	}
	old := u
	u.ReportsTo = manager
	if err := putUser(l.tx, &u); err != nil {
		return err
	}
	if err := indexUser(l.tx, &old, &u); err != nil {
		return err
	}
	return l.step(4)
}

// Join adds a membership.
func (l *Loader) Join(user, group domain.ID, until time.Time) error {
	owner := metaID(l.tx, keyOwner)
	if err := putMembership(l.tx, domain.Membership{UserID: user, GroupID: group, GrantedBy: owner, GrantedAt: l.now, Until: until}); err != nil {
		return err
	}
	return l.step(2)
}

// Team stores a standard team with explicit members.
func (l *Loader) Team(t *domain.Team, members []domain.ID) error {
	if err := validateTeamName(t.Name); err != nil {
		return err
	}
	id, err := kvSeq(l.tx.Bucket(bTeams))
	if err != nil {
		return err
	}
	t.ID, t.Type = id, domain.TeamStandard
	if err := putJSON(l.tx, bTeams, id, t); err != nil {
		return err
	}
	if err := kvPut(l.tx.Bucket(bTeamName), lower(t.Name), itob(id)); err != nil {
		return err
	}
	for _, m := range members {
		if err := addTeamMember(l.tx, id, m); err != nil {
			return err
		}
	}
	return l.step(2 + 2*len(members))
}

// Ticket stores a ticket numbered by the organization, with its history and
// work reports (their Ticket fields are set here).
func (l *Loader) Ticket(t *domain.Ticket, history []domain.HistoryEntry, work []domain.WorkReport) error {
	t.Number = max(l.org.NextTicket, 1)
	t.ID = domain.ID(t.Number)
	l.org.NextTicket = t.Number + 1
	if err := kvPut(l.tx.Bucket(bTickets), itob(uint64(t.Number)), encTicket(t)); err != nil {
		return err
	}
	if err := indexTicket(l.tx, nil, t); err != nil {
		return err
	}
	for i := range history {
		h := &history[i]
		h.Ticket = domain.ID(t.Number)
		seq, err := kvSeq(l.tx.Bucket(bHistory))
		if err != nil {
			return err
		}
		if err := kvPut(l.tx.Bucket(bHistory), key(uint64(t.Number), seq), encHistory(h)); err != nil {
			return err
		}
	}
	for i := range work {
		w := &work[i]
		w.Ticket = domain.ID(t.Number)
		id, err := kvSeq(l.tx.Bucket(bWork))
		if err != nil {
			return err
		}
		w.ID = id
		if err := putWork(l.tx, w); err != nil {
			return err
		}
	}
	l.Tickets++
	return l.step(5 + len(history) + 2*len(work))
}

package store

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// Versions and conflicts. Every record carries a domain.Rev that moves on
// with each write to it. Beside it, the revs bucket keeps, per record, the
// version at which each field last changed, by whom and when: a patch based
// on an older version is refused only when a field it would change was
// changed by someone else since (a Conflict naming who and when); other
// fields land on top. The bucket holds only fields changed since versions
// began: a field without an entry has not changed since version 1.

// fieldRev is when one field last changed.
type fieldRev struct {
	version uint64
	by      domain.ID
	at      time.Time
}

// revKey is "group/12": text, so an export carries it as a string.
func revKey(entity string, id domain.ID) []byte {
	return strconv.AppendUint([]byte(entity+"/"), id, 10)
}

// getFieldRevs reads a record's field versions; a damaged entry is an
// error naming the record.
func getFieldRevs(tx *bolt.Tx, entity string, id domain.ID) (map[string]fieldRev, error) {
	b := tx.Bucket(bRevs).Get(revKey(entity, id))
	out := map[string]fieldRev{}
	if b == nil {
		return out, nil
	}
	if b[0] != vBinary1 {
		return nil, damaged(entity+" versions", fmt.Sprintf("#%d", id), fmt.Errorf("unknown version %v", head(b)))
	}
	d := dec{b: b[1:]}
	for n := d.u(); n > 0 && d.err == nil; n-- {
		k := d.s()
		out[k] = fieldRev{version: d.u(), by: d.u(), at: d.t()}
	}
	if d.err != nil {
		return nil, damaged(entity+" versions", fmt.Sprintf("#%d", id), d.err)
	}
	return out, nil
}

func putFieldRevs(tx *bolt.Tx, entity string, id domain.ID, revs map[string]fieldRev) error {
	keys := make([]string, 0, len(revs))
	for k := range revs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e := enc{b: []byte{vBinary1}}
	e.u(uint64(len(keys)))
	for _, k := range keys {
		r := revs[k]
		e.s(k)
		e.u(r.version)
		e.u(r.by)
		e.t(r.at)
	}
	return kvPut(tx.Bucket(bRevs), revKey(entity, id), e.b)
}

// dropFieldRevs forgets a deleted record's field versions.
func dropFieldRevs(tx *bolt.Tx, entity string, id domain.ID) error {
	return kvDel(tx.Bucket(bRevs), revKey(entity, id))
}

// names is domain.Names in this transaction: what the audit and a conflict
// call a record another one refers to.
func (w *txn) names(ref string, id domain.ID) string {
	switch ref {
	case "user":
		if u, err := w.user(id); err == nil {
			return u.Username
		}
	case "group":
		if g, err := getGroup(w.tx, id); err == nil {
			return g.Name
		}
	case "team":
		if t, err := getTeam(w.tx, id); err == nil {
			return t.Name
		}
	case "building":
		if b, err := getBuilding(w.tx, id); err == nil {
			return b.Code
		}
	}
	return fmt.Sprintf("%s #%d", ref, id)
}

// userName is who a field version names: a username, or "system".
func (w *txn) userName(id domain.ID) string {
	if id == 0 {
		return "system"
	}
	return w.names("user", id)
}

// expect is the precondition of a write on one record: the version the
// caller's context asks for (domain.WithIfVersion: the CLI's --if-version)
// must be the record's. Every write on one record calls it for the record
// its first argument names; a write that asked for a version and named no
// such record is refused by session.write.
func (w *txn) expect(entity, name string, rev domain.Rev) error {
	if w.ctx == nil {
		return nil // a read
	}
	w.expected = true
	want, ok := domain.IfVersion(w.ctx)
	if !ok || want == rev.VersionOrFirst() {
		return nil
	}
	return &domain.Conflict{Entity: entity, Name: name, Base: want, Version: rev.VersionOrFirst(), By: rev.ChangedBy, At: rev.ChangedAt}
}

// revise is every update's one path past its record: it compares before
// and after field by field; with a base older than the record it refuses a
// field the patch changes that someone changed since (nothing is written)
// and otherwise notes what the patch landed on top of; then it moves the
// record to its next version, keeps which fields changed, by whom and when,
// and returns the audit's changes. Nothing changed: no new version, and no
// changes returned.
func (w *txn) revise(entity, name string, id domain.ID, rev *domain.Rev, base uint64, before, after []domain.Field) ([]domain.FieldChange, error) {
	cur := *rev
	cur.Version = cur.VersionOrFirst()
	keys, changes := domain.CompareFields(before, after)
	if len(keys) == 0 {
		return nil, nil
	}
	revs, err := getFieldRevs(w.tx, entity, id)
	if err != nil {
		return nil, err
	}
	var onTop *domain.Rev
	if base != 0 && base != cur.Version {
		if base > cur.Version {
			return nil, domain.Errorf(domain.EInvalid, "%s %s is at version %d: there is no version %d", entity, name, cur.Version, base)
		}
		var conflicts []domain.FieldConflict
		bv, av := fieldIndex(before), fieldIndex(after)
		for _, k := range keys {
			if r, ok := revs[k]; ok && r.version > base {
				conflicts = append(conflicts, domain.FieldConflict{Key: k, Label: bv[k].Label,
					Theirs: bv[k].Value, Mine: av[k].Value, By: w.userName(r.by), At: r.at})
			}
		}
		if len(conflicts) > 0 {
			return nil, &domain.Conflict{Entity: entity, Name: name, Base: base, Version: cur.Version,
				By: cur.ChangedBy, At: cur.ChangedAt, Fields: conflicts}
		}
		onTop = &domain.Rev{Version: cur.Version, ChangedBy: cur.ChangedBy, ChangedAt: cur.ChangedAt}
	}
	next := cur.Version + 1
	for _, k := range keys {
		revs[k] = fieldRev{version: next, by: w.actor.ID, at: w.now}
	}
	if err := putFieldRevs(w.tx, entity, id, revs); err != nil {
		return nil, err
	}
	*rev = domain.Rev{Version: next, ChangedBy: w.actor.Username, ChangedAt: w.now, OnTopOf: onTop}
	if w.pending == nil {
		w.pending = map[string][]domain.FieldChange{}
	}
	w.pending[string(revKey(entity, id))] = changes
	return changes, nil
}

func fieldIndex(fs []domain.Field) map[string]domain.Field {
	m := make(map[string]domain.Field, len(fs))
	for _, f := range fs {
		m[f.Key] = f
	}
	return m
}

// touch moves a record to its next version when a write changed none of its
// fields (a work report, a message): the record was written all the same.
func (w *txn) touch(rev *domain.Rev) {
	*rev = domain.Rev{Version: rev.VersionOrFirst() + 1, ChangedBy: w.actor.Username, ChangedAt: w.now}
}

// created starts a new record at version 1.
func (w *txn) created(rev *domain.Rev) {
	*rev = domain.Rev{Version: 1, ChangedBy: w.actor.Username, ChangedAt: w.now}
}

// saveUser writes a change to a stored user (a command's own change, not a
// form's patch: no base), moving it to its next version; the event the
// command audits carries the changed fields.
func (w *txn) saveUser(u *domain.User) error {
	before, err := getUser(w.tx, u.ID)
	if err != nil {
		return err
	}
	if _, err := w.revise("user", before.Username, u.ID, &u.Rev, 0,
		domain.UserFields(&before, w.names), domain.UserFields(u, w.names)); err != nil {
		return err
	}
	return putUser(w.tx, u)
}

// saveTeam writes a command's change to a stored team (no base), moving it
// to its next version.
func (w *txn) saveTeam(t *domain.Team) error {
	before, err := getTeam(w.tx, t.ID)
	if err != nil {
		return err
	}
	if _, err := w.revise("team", before.Name, t.ID, &t.Rev, 0,
		domain.TeamFields(&before, w.names), domain.TeamFields(t, w.names)); err != nil {
		return err
	}
	return putJSON(w.tx, bTeams, t.ID, t)
}

// auditChanges records an update's event with its changed fields.
func (w *txn) auditChanges(entity string, id domain.ID, name, action string, changes []domain.FieldChange) error {
	return w.auditEvent(domain.AuditEvent{Entity: entity, EntityID: id, Name: name, Action: action, Changes: changes})
}

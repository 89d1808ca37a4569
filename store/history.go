package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
)

// access as-of and diff (R20): the access records at a moment are the
// current ones with every journaled change after it undone, newest first
// (store/journal.go); effective access is then resolved at that moment by
// the same engine as every check.

// recordsAt are the raw records of the journaled buckets at a moment.
type recordsAt map[string]map[string][]byte // bucket → key → value

func (r *txn) recordsAt(ctx context.Context, at time.Time) (recordsAt, error) {
	from := historyFrom(r.tx)
	if from.IsZero() || at.Before(from) {
		return nil, domain.Errorf(domain.EInvalid, "the access history of this file starts at %s: ask for a time after it", from.UTC().Format(time.RFC3339))
	}
	if at.After(r.now) {
		return nil, domain.Errorf(domain.EInvalid, "%s is in the future", at.UTC().Format(time.RFC3339))
	}
	recs := recordsAt{}
	for _, b := range journaled {
		m := map[string][]byte{}
		if err := r.tx.Bucket(b).ForEach(func(k, v []byte) error {
			m[string(k)] = slices.Clone(v)
			return nil
		}); err != nil {
			return nil, err
		}
		recs[string(b)] = m
	}
	c := r.tx.Bucket(bJournal).Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var e journalEntry
		if err := decJSON(v, &e); err != nil {
			return nil, damaged("access journal entry", string(itob(btoi(k))), err)
		}
		if !e.At.After(at) {
			break
		}
		m := recs[e.Bucket]
		if m == nil {
			continue
		}
		if e.Before == nil {
			delete(m, string(e.Key))
		} else {
			m[string(e.Key)] = e.Before
		}
	}
	return recs, nil
}

// accessRows resolves every user's effective access at the moment the
// records are of.
func (recs recordsAt) accessRows(at time.Time) ([]domain.AccessRow, map[domain.ID]int, error) {
	groups := map[domain.ID]*domain.Group{}
	for k, v := range recs[string(bGroups)] {
		var g domain.Group
		if err := decGroup(v, &g); err != nil {
			return nil, nil, damaged("group", k, err)
		}
		groups[g.ID] = &g
	}
	buildings := map[domain.ID]domain.Building{}
	for k, v := range recs[string(bBuildings)] {
		var b domain.Building
		if err := decJSON(v, &b); err != nil {
			return nil, nil, damaged("building", k, err)
		}
		buildings[b.ID] = b
	}
	members := map[domain.ID][]domain.Membership{}
	for k, v := range recs[string(bMembers)] {
		var m domain.Membership
		if err := decJSON(v, &m); err != nil {
			return nil, nil, damaged("membership", k, err)
		}
		members[m.UserID] = append(members[m.UserID], m)
	}
	var users []domain.User
	for k, v := range recs[string(bUsers)] {
		var u userRecord
		if err := decJSON(v, &u); err != nil {
			return nil, nil, damaged("user", k, err)
		}
		users = append(users, u.User)
	}
	slices.SortFunc(users, func(a, b domain.User) int { return strings.Compare(a.Username, b.Username) })
	rows := make([]domain.AccessRow, 0, len(users))
	index := map[domain.ID]int{}
	for _, u := range users {
		sub := domain.Subject{User: u}
		var names []string
		for _, m := range members[u.ID] {
			g := groups[m.GroupID]
			if g == nil {
				continue
			}
			sub.Grants = append(sub.Grants, domain.GroupGrant{Group: g, Membership: m})
			if m.Active(at) {
				names = append(names, g.Name)
			}
		}
		for _, g := range groups {
			if g.Base && g.Kind == u.Kind {
				sub.Grants = append(sub.Grants, domain.GroupGrant{Group: g, Implicit: true})
			}
		}
		var codes []string
		for _, b := range buildings {
			if slices.Contains(u.Buildings, b.ID) || (b.Region != "" && slices.Contains(u.Regions, b.Region)) {
				sub.Buildings = append(sub.Buildings, b.ID)
				codes = append(codes, b.Code)
			}
		}
		a := domain.Resolve(sub, at)
		index[u.ID] = len(rows)
		rows = append(rows, domain.AccessRowOf(u.Username, &a, names, codes))
	}
	return rows, index, nil
}

// canReadHistory: as-of and diff show everyone's access, so they need what
// the audit trail needs (History) and what `who` needs (Manage Users view).
// A read-only auditor group holds both.
func (r *txn) canReadHistory() error {
	if err := r.acc.Require(domain.History); err != nil {
		return err
	}
	return r.acc.RequireLevel(domain.ModUsers, domain.LevelView)
}

func (s *session) AccessAsOf(ctx context.Context, at time.Time) ([]domain.AccessRow, error) {
	var rows []domain.AccessRow
	err := s.read(func(r *txn) error {
		if err := r.canReadHistory(); err != nil {
			return err
		}
		recs, err := r.recordsAt(ctx, at)
		if err != nil {
			return err
		}
		rows, _, err = recs.accessRows(at)
		return err
	})
	return rows, err
}

// AccessDiff is each user's net gain and loss between since and until,
// narrowed to one user or to the members of one group at either moment.
func (s *session) AccessDiff(ctx context.Context, since, until time.Time, user, group string) ([]domain.AccessDiffRow, error) {
	var out []domain.AccessDiffRow
	err := s.read(func(r *txn) error {
		if err := r.canReadHistory(); err != nil {
			return err
		}
		if until.IsZero() {
			until = r.now
		}
		if !since.Before(until) {
			return domain.Errorf(domain.EInvalid, "--since must come before --until")
		}
		var before, after []domain.AccessRow
		var bi, ai map[domain.ID]int
		for _, p := range []struct {
			at   time.Time
			rows *[]domain.AccessRow
			idx  *map[domain.ID]int
		}{{since, &before, &bi}, {until, &after, &ai}} {
			recs, err := r.recordsAt(ctx, p.at)
			if err != nil {
				return err
			}
			if *p.rows, *p.idx, err = recs.accessRows(p.at); err != nil {
				return err
			}
		}
		ids := map[domain.ID]bool{}
		for id := range bi {
			ids[id] = true
		}
		for id := range ai {
			ids[id] = true
		}
		for id := range ids {
			var b, a *domain.AccessRow
			if i, ok := bi[id]; ok {
				b = &before[i]
			}
			if i, ok := ai[id]; ok {
				a = &after[i]
			}
			if user != "" && !((b != nil && strings.EqualFold(b.Username, user)) || (a != nil && strings.EqualFold(a.Username, user))) {
				continue
			}
			if group != "" && !inGroup(b, group) && !inGroup(a, group) {
				continue
			}
			if d := domain.DiffAccess(b, a); len(d.Gained)+len(d.Lost) > 0 {
				out = append(out, d)
			}
		}
		slices.SortFunc(out, func(x, y domain.AccessDiffRow) int { return strings.Compare(x.Username, y.Username) })
		return nil
	})
	return out, err
}

func inGroup(r *domain.AccessRow, group string) bool {
	return r != nil && slices.ContainsFunc(r.Groups, func(g string) bool { return strings.EqualFold(g, group) })
}

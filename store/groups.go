package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// groupSummary is the audit trail's before/after form of a group.
func groupSummary(g *domain.Group) string {
	var lv []string
	for m := domain.Module(0); m < domain.NumModules; m++ {
		if g.Levels[m] != domain.LevelNone {
			lv = append(lv, m.String()+":"+g.Levels[m].String())
		}
	}
	s := fmt.Sprintf("flags=%s levels=%s", strings.Join(g.Flags.IDs(), ","), strings.Join(lv, ","))
	if g.BuildingAdmin {
		s += " building_admin"
	}
	if g.RequestHours > 0 {
		s += fmt.Sprintf(" requestable=%dh", g.RequestHours)
	}
	if g.ReviewDays > 0 {
		s += fmt.Sprintf(" review=%dd on-miss=%s", g.ReviewDays, g.ReviewOnMiss)
	}
	if g.Fields != (domain.FieldRules{}) {
		var fs []string
		for f := range domain.NumTicketFields {
			if r := g.Fields.RightsText(f); r != "view,edit,query,email" {
				fs = append(fs, f.String()+":"+r)
			}
		}
		s += " fields=" + strings.Join(fs, ";")
	}
	return s
}

func insertGroup(tx *bolt.Tx, g *domain.Group) error {
	if err := domain.ValidateGroup(g); err != nil {
		return err
	}
	if tx.Bucket(bGroupName).Get(lower(g.Name)) != nil {
		return domain.Errorf(domain.EConflict, "a group named %q already exists", g.Name)
	}
	id, err := kvSeq(tx.Bucket(bGroups))
	if err != nil {
		return err
	}
	g.ID = id
	if err := putGroup(tx, g); err != nil {
		return err
	}
	return kvPut(tx.Bucket(bGroupName), lower(g.Name), itob(id))
}

func (w *txn) canViewGroups() error {
	if w.acc.Level(domain.ModGroups) >= domain.LevelView || w.acc.Level(domain.ModUsers) >= domain.LevelView {
		return nil
	}
	return w.acc.RequireLevel(domain.ModGroups, domain.LevelView)
}

func (w *txn) groupInfo(g domain.Group) domain.GroupInfo {
	gi := domain.GroupInfo{Group: g, Admin: g.Elevates()}
	c := w.tx.Bucket(bGroupUser).Cursor()
	prefix := itob(g.ID)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if activeUntil(v, w.now) {
			gi.Members++
		}
	}
	return gi
}

func (s *session) Groups(ctx context.Context, search string) ([]domain.GroupInfo, error) {
	var out []domain.GroupInfo
	err := s.read(func(r *txn) error {
		if err := r.canViewGroups(); err != nil {
			return err
		}
		return r.tx.Bucket(bGroups).ForEach(func(k, v []byte) error {
			var g domain.Group
			if err := decGroup(v, &g); err != nil {
				return err
			}
			if domain.Match(search, g.Name) {
				out = append(out, r.groupInfo(g))
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, err
}

func (s *session) Group(ctx context.Context, name string) (domain.GroupInfo, error) {
	var gi domain.GroupInfo
	err := s.read(func(r *txn) error {
		if err := r.canViewGroups(); err != nil {
			return err
		}
		g, err := groupByName(r.tx, name)
		if err != nil {
			return err
		}
		gi = r.groupInfo(g)
		return nil
	})
	return gi, err
}

func (s *session) CreateGroup(ctx context.Context, g domain.Group, confirm bool) (domain.Group, error) {
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModGroups, domain.LevelEdit); err != nil {
			return err
		}
		g.ID, g.BuiltIn, g.Base = 0, false, false
		g.ReviewSetBy = 0
		if g.ReviewDays > 0 {
			g.ReviewSetBy = w.actor.ID // its campaigns act with the creator's authority (R19)
		}
		if err := domain.CheckGrants(&w.acc, grantsOf(&g)); err != nil {
			return err
		}
		if missing := domain.Exceeds(&w.acc, &g); missing != "" {
			return domain.Errorf(domain.EForbidden, "%s cannot create a group holding %s, which they lack (R12)", w.actor.Username, missing)
		}
		if !confirm {
			if err := domain.ElevationWarning(nil, &g); err != nil {
				return err
			}
		}
		w.created(&g.Rev)
		if err := insertGroup(w.tx, &g); err != nil {
			return err
		}
		return w.audit("group", g.ID, g.Name, "create", "", groupSummary(&g))
	})
	return g, err
}

// grantsOf lists a group's privileges as grants, for R12 checks.
func grantsOf(g *domain.Group) []domain.Grant {
	var out []domain.Grant
	for _, f := range g.Flags.Flags() {
		out = append(out, domain.Grant{Priv: f.Info()})
	}
	for m := domain.Module(0); m < domain.NumModules; m++ {
		if g.Levels[m] != domain.LevelNone {
			out = append(out, domain.Grant{Priv: m.Info(), Level: g.Levels[m]})
		}
	}
	return out
}

// added lists what after grants beyond before.
func added(before, after *domain.Group) []domain.Grant {
	var out []domain.Grant
	for _, f := range after.Flags.Flags() {
		if !before.Flags.Has(f) {
			out = append(out, domain.Grant{Priv: f.Info()})
		}
	}
	for m := domain.Module(0); m < domain.NumModules; m++ {
		if after.Levels[m] > before.Levels[m] {
			out = append(out, domain.Grant{Priv: m.Info(), Level: after.Levels[m]})
		}
	}
	return out
}

// patchGroup is the one path for every group change: the patch applied to
// the group as stored (a conflict with its base refused), R12 on the editor,
// R12 on what is added, R6 validation, the R4 warning, then the write with
// the changed fields in its audit event.
func (w *txn) patchGroup(before domain.Group, p domain.GroupPatch, confirm bool) (domain.Group, error) {
	if err := w.expect("group", before.Name, before.Rev); err != nil {
		return before, err
	}
	if err := domain.CheckGroupEdit(&w.acc, &before); err != nil {
		return before, err
	}
	after, err := p.Apply(before)
	if err != nil {
		return before, err
	}
	if after.ReviewDays != before.ReviewDays || after.ReviewBy != before.ReviewBy || after.ReviewOnMiss != before.ReviewOnMiss {
		// whoever sets the review interval lends its campaigns their
		// authority, recorded now and checked when one acts (R19)
		after.ReviewSetBy = 0
		if after.ReviewDays > 0 {
			after.ReviewSetBy = w.actor.ID
		}
	}
	changes, err := w.revise("group", before.Name, before.ID, &after.Rev, p.Base,
		domain.GroupFields(&before, w.names), domain.GroupFields(&after, w.names))
	if err != nil || len(changes) == 0 {
		w.audited = w.audited || err == nil // nothing changed: nothing to write
		return before, err
	}
	if err := w.saveGroup(before, after, confirm); err != nil {
		return before, err
	}
	return after, w.auditChanges("group", after.ID, after.Name, "update", changes)
}

// saveGroup checks and writes a group change (patchGroup's second half).
func (w *txn) saveGroup(before, after domain.Group, confirm bool) error {
	after.ID, after.BuiltIn, after.Base = before.ID, before.BuiltIn, before.Base
	if err := domain.CheckGrants(&w.acc, added(&before, &after)); err != nil {
		return err
	}
	// flags and levels are checked above; task states and the Building
	// Administrator scope are part of what a group grants too (R12)
	if missing := domain.Exceeds(&w.acc, &after); missing != "" {
		return domain.Errorf(domain.EForbidden, "%s cannot give group %s %s, which they lack (R12)", w.actor.Username, after.Name, missing)
	}
	// a field right the group stops withholding is granted (R12)
	for r := range domain.NumFieldRights {
		for f := range domain.NumTicketFields {
			if before.Fields.Withholds(f, r) && !after.Fields.Withholds(f, r) && !w.acc.FieldAllowed(f, r) {
				return domain.Errorf(domain.EForbidden, "%s cannot give group %s %s on the %s field, which they lack (R12)", w.actor.Username, after.Name, r, f)
			}
		}
	}
	if err := domain.ValidateGroup(&after); err != nil {
		return err
	}
	if after.Base && after.Kind != before.Kind {
		return domain.Errorf(domain.EInvalid, "the base group %s cannot change kind", before.Name)
	}
	if after.Kind != before.Kind && hasPrefix(w.tx, bGroupUser, itob(before.ID)) {
		return domain.Errorf(domain.EInvalid, "group %s has members: remove them before changing its kind (R3)", before.Name)
	}
	if !strings.EqualFold(after.Name, before.Name) || after.Name != before.Name {
		if before.Base {
			return domain.Errorf(domain.EInvalid, "the base group %s cannot be renamed", before.Name)
		}
		if id := btoi(w.tx.Bucket(bGroupName).Get(lower(after.Name))); id != 0 && id != before.ID {
			return domain.Errorf(domain.EConflict, "a group named %q already exists", after.Name)
		}
		if err := kvDel(w.tx.Bucket(bGroupName), lower(before.Name)); err != nil {
			return err
		}
		if err := kvPut(w.tx.Bucket(bGroupName), lower(after.Name), itob(after.ID)); err != nil {
			return err
		}
	}
	if !confirm {
		if err := domain.ElevationWarning(&before, &after); err != nil {
			return err
		}
	}
	return putGroup(w.tx, &after)
}

func (s *session) UpdateGroup(ctx context.Context, id domain.ID, p domain.GroupPatch, confirm bool) (domain.Group, error) {
	var g domain.Group
	err := s.writeGuarded(ctx, func(w *txn) error {
		before, err := getGroup(w.tx, id)
		if err != nil {
			return err
		}
		g, err = w.patchGroup(before, p, confirm)
		return err
	})
	return g, err
}

func (s *session) GrantGroup(ctx context.Context, name string, grants []domain.Grant, confirm bool) (domain.Group, error) {
	return s.changeGrants(ctx, name, grants, false, confirm)
}

func (s *session) RevokeGroup(ctx context.Context, name string, grants []domain.Grant) (domain.Group, error) {
	return s.changeGrants(ctx, name, grants, true, true)
}

func (s *session) changeGrants(ctx context.Context, name string, grants []domain.Grant, revoke, confirm bool) (domain.Group, error) {
	var after domain.Group
	err := s.writeGuarded(ctx, func(w *txn) error {
		before, err := groupByName(w.tx, name)
		if err != nil {
			return err
		}
		if len(grants) == 0 {
			return domain.Errorf(domain.EInvalid, "name at least one privilege")
		}
		var p domain.GroupPatch
		if revoke {
			p.Revoke(grants...)
		} else {
			p.Grant(grants...)
		}
		after, err = w.patchGroup(before, p, confirm)
		return err
	})
	return after, err
}

func (s *session) DeleteGroup(ctx context.Context, name string) error {
	return s.writeGuarded(ctx, func(w *txn) error {
		g, err := groupByName(w.tx, name)
		if err != nil {
			return err
		}
		if err := w.expect("group", g.Name, g.Rev); err != nil {
			return err
		}
		if err := domain.CheckGroupEdit(&w.acc, &g); err != nil {
			return err
		}
		if g.BuiltIn {
			return domain.Errorf(domain.EForbidden, "%s is a built-in group and cannot be deleted", g.Name)
		}
		if err := dropFieldRevs(w.tx, "group", g.ID); err != nil {
			return err
		}
		users := suffixIDs(w.tx, bGroupUser, g.ID)
		for _, u := range users {
			if err := jdel(w.tx, bMembers, key(u, g.ID)); err != nil {
				return err
			}
			if err := kvDel(w.tx.Bucket(bGroupUser), key(g.ID, u)); err != nil {
				return err
			}
		}
		if err := kvDel(w.tx.Bucket(bGroupName), lower(g.Name)); err != nil {
			return err
		}
		if err := jdel(w.tx, bGroups, itob(g.ID)); err != nil {
			return err
		}
		formats, err := w.deleteGroupFormats(g.ID)
		if err != nil {
			return err
		}
		return w.audit("group", g.ID, g.Name, "delete", fmt.Sprintf("%s; %d memberships%s", groupSummary(&g), len(users), formats), "")
	})
}

func (w *txn) memberInfo(m domain.Membership) domain.MemberInfo {
	mi := domain.MemberInfo{Membership: m, Expired: m.Ended(w.now), Pending: m.Pending(w.now)}
	if u, err := getUser(w.tx, m.UserID); err == nil {
		mi.Username = u.Username
	}
	if g, err := getGroup(w.tx, m.GroupID); err == nil {
		mi.GroupName = g.Name
	}
	if u, err := getUser(w.tx, m.GrantedBy); err == nil {
		mi.GrantedBy = u.Username
	}
	return mi
}

func (s *session) GroupMembers(ctx context.Context, name string) ([]domain.MemberInfo, error) {
	var out []domain.MemberInfo
	err := s.read(func(r *txn) error {
		if err := r.canViewGroups(); err != nil {
			return err
		}
		g, err := groupByName(r.tx, name)
		if err != nil {
			return err
		}
		for _, u := range suffixIDs(r.tx, bGroupUser, g.ID) {
			m, ok, err := getMembership(r.tx, u, g.ID)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, r.memberInfo(m))
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, err
}

// accessDiff lists what changes between two accesses, in catalog ids.
func accessDiff(before, after domain.Access) (gains, losses []string) {
	for f := domain.Flag(0); f < domain.NumFlags; f++ {
		switch b, a := before.Has(f), after.Has(f); {
		case a && !b:
			gains = append(gains, f.String())
		case b && !a:
			losses = append(losses, f.String())
		}
	}
	for m := domain.Module(0); m < domain.NumModules; m++ {
		switch b, a := before.Levels[m], after.Levels[m]; {
		case a > b:
			gains = append(gains, m.String()+":"+a.String())
		case a < b:
			losses = append(losses, m.String()+":"+b.String())
		}
	}
	if after.Admin && !before.Admin {
		gains = append(gains, "full administrator (sees every ticket)")
	}
	if before.Admin && !after.Admin {
		losses = append(losses, "full administrator")
	}
	return gains, losses
}

// WhatIf resolves every affected user with the group as it is and as it
// would be, without writing.
func (s *session) WhatIf(ctx context.Context, after domain.Group) ([]domain.AccessChange, error) {
	var out []domain.AccessChange
	err := s.read(func(r *txn) error {
		if err := r.canViewGroups(); err != nil {
			return err
		}
		before, err := getGroup(r.tx, after.ID)
		if err != nil {
			return err
		}
		var users []domain.ID
		if before.Base {
			if err := r.tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
				users = append(users, btoi(k))
				return nil
			}); err != nil {
				return err
			}
		} else {
			users = suffixIDs(r.tx, bGroupUser, before.ID)
		}
		for _, id := range users {
			u, err := getUser(r.tx, id)
			if errors.Is(err, ErrDamaged) {
				return err
			}
			if err != nil { // an index entry left by a removed user
				continue
			}
			if before.Base && !isBaseOf(&before, u.Kind) {
				continue
			}
			sub := loadSubject(r.tx, u, r.now)
			a0 := domain.Resolve(sub, r.now)
			for i := range sub.Grants {
				if sub.Grants[i].Group.ID == after.ID {
					g := after
					sub.Grants[i].Group = &g
				}
			}
			a1 := domain.Resolve(sub, r.now)
			if gains, losses := accessDiff(a0, a1); len(gains)+len(losses) > 0 {
				out = append(out, domain.AccessChange{Username: u.Username, Gains: gains, Losses: losses})
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b domain.AccessChange) int { return strings.Compare(a.Username, b.Username) })
	return out, err
}

func isBaseOf(g *domain.Group, k domain.Kind) bool { return g.Base && g.Kind == k }

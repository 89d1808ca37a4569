package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
)

// Guards (R17) are read and checked inside the transaction of every save
// that changes effective access, so no adapter can skip them and no
// concurrent save can slip past one.

func (r *txn) guards() ([]domain.Guard, error) {
	var out []domain.Guard
	err := r.tx.Bucket(bGuards).ForEach(func(k, v []byte) error {
		var g domain.Guard
		if err := decJSON(v, &g); err != nil {
			return damaged("guard", string(k), err)
		}
		out = append(out, g)
		return nil
	})
	return out, err
}

// evalGuards evaluates every guard on the transaction's state from now on
// (a membership that starts or ends later counts on its own days), with
// the groups in override standing in for the stored ones (what-if). It
// returns nil when there are no guards, so files without guards pay one
// empty bucket read per access-changing save.
func (r *txn) evalGuards(override map[domain.ID]domain.Group) (*domain.GuardTimeline, error) {
	gs, err := r.guards()
	if err != nil || len(gs) == 0 {
		return nil, err
	}
	var grants []domain.Grant
	for i := range gs {
		grants = append(grants, gs[i].Grants()...)
	}
	subjects, err := r.guardSubjects(grants, override)
	if err != nil {
		return nil, err
	}
	blds := make([]domain.ID, len(gs))
	for i := range gs {
		if gs[i].Building != "" {
			b, err := buildingByCode(r.tx, gs[i].Building)
			if err != nil {
				return nil, fmt.Errorf("guard %q: %w", gs[i].Name, err)
			}
			blds[i] = b.ID
		}
	}
	return domain.EvaluateGuards(gs, blds, subjects, r.now, r.org.Zone()), nil
}

// guardHolders is guardSubjects with each one's effective access now.
func (r *txn) guardHolders(grants []domain.Grant, override map[domain.ID]domain.Group) ([]domain.GuardHolder, error) {
	subjects, err := r.guardSubjects(grants, override)
	if err != nil {
		return nil, err
	}
	out := make([]domain.GuardHolder, len(subjects))
	for i := range subjects {
		a := domain.Resolve(subjects[i], r.now)
		out[i] = domain.GuardHolder{Subject: subjects[i], Access: &a}
	}
	return out, nil
}

// guardSubjects gathers everyone who could hold one of grants, now or
// later: members of a group that grants one, their memberships that start
// later included (through the group→user index, so a guard on a small
// group costs little), every user when a base group grants one, and the
// superusers, who hold everything.
func (r *txn) guardSubjects(grants []domain.Grant, override map[domain.ID]domain.Group) ([]domain.Subject, error) {
	candidates := map[domain.ID]bool{}
	all := false
	err := r.tx.Bucket(bGroups).ForEach(func(k, v []byte) error {
		g, err := getGroup(r.tx, btoi(k))
		if err != nil {
			return err
		}
		if o, ok := override[g.ID]; ok {
			g = o
		}
		if !groupGrantsAny(&g, grants) {
			return nil
		}
		if g.Base {
			all = true
			return errStop
		}
		for _, u := range suffixIDs(r.tx, bGroupUser, g.ID) {
			candidates[u] = true
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	// A superuser's record says so in its JSON; the byte test skips the
	// decode of everyone else.
	marker := []byte(`"superuser":true`)
	err = r.tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
		if all || bytes.Contains(v, marker) {
			candidates[btoi(k)] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]domain.ID, 0, len(candidates))
	for id := range candidates {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]domain.Subject, 0, len(ids))
	for _, id := range ids {
		u, err := getUser(r.tx, id)
		if err != nil {
			return nil, err
		}
		sub := loadSubject(r.tx, u, r.now)
		for i := range sub.Grants {
			if o, ok := override[sub.Grants[i].Group.ID]; ok {
				sub.Grants[i].Group = &o
			}
		}
		out = append(out, sub)
	}
	return out, nil
}

// groupGrantsAny reports whether membership of g alone gives one of grants.
func groupGrantsAny(g *domain.Group, grants []domain.Grant) bool {
	a := domain.ResolveHeld(domain.Subject{Grants: []domain.GroupGrant{{Group: g, Implicit: true}}}, time.Time{})
	for _, gr := range grants {
		if a.HasGrant(gr) {
			return true
		}
	}
	return false
}

// checkGuards refuses the transaction's changes when they break a guard
// more than the state before them did, on any day from now on (before is
// nil without guards).
func (w *txn) checkGuards(before *domain.GuardTimeline) error {
	if before == nil {
		return nil
	}
	after, err := w.evalGuards(nil)
	if err != nil || after == nil {
		return err
	}
	var broken []string
	for _, v := range after.Worse(before) {
		broken = append(broken, v.String())
	}
	if len(broken) == 0 {
		return nil
	}
	return domain.Errorf(domain.EForbidden, "refused (R17): after this save %s; nothing was saved", strings.Join(broken, "; "))
}

// writeGuarded is write for saves that change effective access: the guards
// are evaluated before and after fn in the same transaction (R17).
func (s *session) writeGuarded(ctx context.Context, fn func(w *txn) error) error {
	return s.write(ctx, func(w *txn) error {
		before, err := w.evalGuards(nil)
		if err != nil {
			return err
		}
		if err := fn(w); err != nil {
			return err
		}
		return w.checkGuards(before)
	})
}

// canEditGuards: guards are part of group administration (Manage Groups).
func (r *txn) canEditGuards() error {
	return r.acc.RequireLevel(domain.ModGroups, domain.LevelEdit)
}

func (s *session) Guards(ctx context.Context) ([]domain.Guard, error) {
	var out []domain.Guard
	err := s.read(func(r *txn) error {
		if err := r.canViewGroups(); err != nil {
			return err
		}
		var err error
		out, err = r.guards()
		return err
	})
	return out, err
}

func (s *session) AddGuard(ctx context.Context, g domain.Guard) (domain.Guard, error) {
	err := s.write(ctx, func(w *txn) error {
		if err := w.canEditGuards(); err != nil {
			return err
		}
		if err := g.Validate(); err != nil {
			return err
		}
		b := w.tx.Bucket(bGuards)
		if b.Get(lower(g.Name)) != nil {
			return domain.Errorf(domain.EConflict, "guard %q exists already; remove it first to change it", g.Name)
		}
		if g.Building != "" {
			bld, err := buildingByCode(w.tx, g.Building)
			if err != nil {
				return err
			}
			g.Building = bld.Code
		}
		g.CreatedBy, g.CreatedAt = w.actor.Username, w.now
		w.created(&g.Rev)
		v, err := encJSON(g)
		if err != nil {
			return err
		}
		if err := kvPut(b, lower(g.Name), v); err != nil {
			return err
		}
		return w.audit("guard", 0, g.Name, "add", "", g.Rule())
	})
	return g, err
}

func (s *session) RemoveGuard(ctx context.Context, name string) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.canEditGuards(); err != nil {
			return err
		}
		b := w.tx.Bucket(bGuards)
		v := b.Get(lower(name))
		if v == nil {
			return domain.Errorf(domain.ENotFound, "guard %q not found (see `gatehouse guard list`)", name)
		}
		var g domain.Guard
		if err := decJSON(v, &g); err != nil {
			return damaged("guard", name, err)
		}
		firstVersion(&g)
		if err := w.expect("guard", g.Name, g.Rev); err != nil {
			return err
		}
		if err := kvDel(b, lower(name)); err != nil {
			return err
		}
		return w.audit("guard", 0, g.Name, "remove", g.Rule(), "")
	})
}

// CheckGuards lists the guards the current state breaks, now or on a
// later day (after an import, or expiries, which no save can refuse).
func (s *session) CheckGuards(ctx context.Context) ([]domain.GuardViolation, error) {
	var out []domain.GuardViolation
	err := s.read(func(r *txn) error {
		if err := r.canViewGroups(); err != nil {
			return err
		}
		st, err := r.evalGuards(nil)
		out = st.Violations()
		return err
	})
	return out, err
}

// GuardsWhatIf evaluates the guards as they would be with after saved:
// the violations the save would newly cause.
func (s *session) GuardsWhatIf(ctx context.Context, after domain.Group) ([]domain.GuardViolation, error) {
	var out []domain.GuardViolation
	err := s.read(func(r *txn) error {
		if err := r.canViewGroups(); err != nil {
			return err
		}
		before, err := r.evalGuards(nil)
		if err != nil || before == nil {
			return err
		}
		st, err := r.evalGuards(map[domain.ID]domain.Group{after.ID: after})
		if err != nil {
			return err
		}
		out = st.Worse(before)
		return nil
	})
	return out, err
}

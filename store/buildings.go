package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gatehouse/domain"
)

func buildingSummary(b *domain.Building) string {
	return fmt.Sprintf("%s %q region=%s rooms=%s rules=%d", b.Code, b.Name, b.Region, strings.Join(b.Rooms, ","), len(b.Rules))
}

func validateBuilding(b *domain.Building) error {
	if err := domain.ValidateName("building code", b.Code); err != nil {
		return err
	}
	if strings.ContainsAny(b.Code, " ,") {
		return domain.Errorf(domain.EInvalid, "building code %q may not contain spaces or commas", b.Code)
	}
	if err := domain.ValidateName("building name", b.Name); err != nil {
		return err
	}
	if err := domain.CheckLine("region", b.Region); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, r := range b.Rooms {
		if err := domain.ValidateName("room", r); err != nil {
			return err
		}
		if seen[strings.ToLower(r)] {
			return domain.Errorf(domain.EInvalid, "room %q is listed twice", r)
		}
		seen[strings.ToLower(r)] = true
	}
	return nil
}

func (s *session) Buildings(ctx context.Context, search string) ([]domain.Building, error) {
	var out []domain.Building
	err := s.read(func(r *txn) error {
		// everyone may list buildings: reporting a ticket needs them.
		return r.tx.Bucket(bBuildings).ForEach(func(k, v []byte) error {
			var b domain.Building
			if decJSON(v, &b) == nil && (domain.Match(search, b.Code) || domain.Match(search, b.Name)) {
				if r.acc.Level(domain.ModBuildings) < domain.LevelView {
					b.Rules = nil // auto-assign rules are building administration
				}
				out = append(out, b)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, err
}

func (s *session) Building(ctx context.Context, code string) (domain.Building, error) {
	var b domain.Building
	err := s.read(func(r *txn) error {
		var err error
		if b, err = buildingByCode(r.tx, code); err != nil {
			return err
		}
		if r.acc.Level(domain.ModBuildings) < domain.LevelView {
			b.Rules = nil
		}
		return nil
	})
	return b, err
}

func (s *session) CreateBuilding(ctx context.Context, b domain.Building) (domain.Building, error) {
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModBuildings, domain.LevelEdit); err != nil {
			return err
		}
		if err := validateBuilding(&b); err != nil {
			return err
		}
		if w.tx.Bucket(bBldCode).Get(lower(b.Code)) != nil {
			return domain.Errorf(domain.EConflict, "a building with code %q already exists", b.Code)
		}
		id, err := kvSeq(w.tx.Bucket(bBuildings))
		if err != nil {
			return err
		}
		b.ID, b.Rules = id, nil
		w.created(&b.Rev)
		if err := putJSON(w.tx, bBuildings, id, b); err != nil {
			return err
		}
		if err := kvPut(w.tx.Bucket(bBldCode), lower(b.Code), itob(id)); err != nil {
			return err
		}
		return w.audit("building", id, b.Code, "create", "", buildingSummary(&b))
	})
	return b, err
}

func (s *session) UpdateBuilding(ctx context.Context, id domain.ID, p domain.BuildingPatch) (domain.Building, error) {
	var b domain.Building
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModBuildings, domain.LevelEdit); err != nil {
			return err
		}
		before, err := getBuilding(w.tx, id)
		if err != nil {
			return err
		}
		if err := w.expect("building", before.Code, before.Rev); err != nil {
			return err
		}
		b = p.Apply(before)
		b.Rules = before.Rules // the rule commands change them
		changes, err := w.revise("building", before.Code, id, &b.Rev, p.Base,
			domain.BuildingFields(&before, w.names), domain.BuildingFields(&b, w.names))
		if err != nil || len(changes) == 0 {
			w.audited = w.audited || err == nil // nothing changed: nothing to write
			b = before
			return err
		}
		if err := validateBuilding(&b); err != nil {
			return err
		}
		if !strings.EqualFold(b.Code, before.Code) || b.Code != before.Code {
			if id := btoi(w.tx.Bucket(bBldCode).Get(lower(b.Code))); id != 0 && id != b.ID {
				return domain.Errorf(domain.EConflict, "a building with code %q already exists", b.Code)
			}
			if err := kvDel(w.tx.Bucket(bBldCode), lower(before.Code)); err != nil {
				return err
			}
			if err := kvPut(w.tx.Bucket(bBldCode), lower(b.Code), itob(b.ID)); err != nil {
				return err
			}
		}
		if err := putJSON(w.tx, bBuildings, b.ID, b); err != nil {
			return err
		}
		return w.auditChanges("building", b.ID, b.Code, "update", changes)
	})
	return b, err
}

// saveBuilding writes a command's change to a stored building (no base),
// moving it to its next version.
func (w *txn) saveBuilding(b *domain.Building) error {
	before, err := getBuilding(w.tx, b.ID)
	if err != nil {
		return err
	}
	if _, err := w.revise("building", before.Code, b.ID, &b.Rev, 0,
		domain.BuildingFields(&before, w.names), domain.BuildingFields(b, w.names)); err != nil {
		return err
	}
	return putJSON(w.tx, bBuildings, b.ID, b)
}

// buildingRefs names what still refers to a building: a building is
// deleted only when nothing does, so no ticket, account, schedule, rule,
// mail setting or guard is left pointing at nothing.
func (w *txn) buildingRefs(b domain.Building) ([]string, error) {
	var refs []string
	if n := prefixCount(w.tx, bTBuilding, itob(b.ID)); n > 0 {
		refs = append(refs, plural(n, "ticket"))
	}
	var users []string
	if err := w.tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
		var u domain.User
		if decJSON(v, &u) == nil && slices.Contains(u.Buildings, b.ID) {
			users = append(users, u.Username)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(users) > 0 {
		refs = append(refs, "the users "+strings.Join(users, ", "))
	}
	var tasks []string
	if err := w.tx.Bucket(bSchedules).ForEach(func(k, v []byte) error {
		var t domain.ScheduledTask
		if decJSON(v, &t) == nil && t.Building == b.ID {
			tasks = append(tasks, strconv.Quote(t.Title))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(tasks) > 0 {
		refs = append(refs, "the scheduled tasks "+strings.Join(tasks, ", "))
	}
	if len(b.Rules) > 0 {
		var types []string
		for _, r := range b.Rules {
			types = append(types, r.ProblemType)
		}
		refs = append(refs, "its auto-assign rules for "+strings.Join(types, ", "))
	}
	m, err := getMailSettings(w.tx)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(m.IntakeBuilding, b.Code) {
		refs = append(refs, "the mail settings (intake building)")
	}
	gs, err := w.guards()
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if strings.EqualFold(g.Building, b.Code) {
			refs = append(refs, "the guard "+g.Name)
		}
	}
	return refs, nil
}

func (s *session) DeleteBuilding(ctx context.Context, code string) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModBuildings, domain.LevelEdit); err != nil {
			return err
		}
		b, err := buildingByCode(w.tx, code)
		if err != nil {
			return err
		}
		if err := w.expect("building", b.Code, b.Rev); err != nil {
			return err
		}
		refs, err := w.buildingRefs(b)
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			return domain.Errorf(domain.EConflict, "building %s cannot be deleted while %s refer to it", b.Code, strings.Join(refs, "; "))
		}
		if err := dropFieldRevs(w.tx, "building", b.ID); err != nil {
			return err
		}
		if err := kvDel(w.tx.Bucket(bBldCode), lower(b.Code)); err != nil {
			return err
		}
		if err := jdel(w.tx, bBuildings, itob(b.ID)); err != nil {
			return err
		}
		return w.audit("building", b.ID, b.Code, "delete", buildingSummary(&b), "")
	})
}

// AddRule sends new tickets of a problem type in the building to a
// technician; an inactive or non-assignable technician is refused.
func (s *session) AddRule(ctx context.Context, code, problemType, tech string) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModBuildings, domain.LevelEdit); err != nil {
			return err
		}
		b, err := buildingByCode(w.tx, code)
		if err != nil {
			return err
		}
		if err := w.expect("building", b.Code, b.Rev); err != nil {
			return err
		}
		pt, ok := w.org.ProblemTypeNamed(problemType)
		if !ok {
			return domain.Errorf(domain.EInvalid, "unknown problem type %q (known: %s)", problemType, problemTypeNames(w.org))
		}
		u, err := userByName(w.tx, tech)
		if err != nil {
			return err
		}
		ta := w.accessOf(u)
		if err := domain.CanAssignTo(&ta); err != nil {
			return err
		}
		before := buildingSummary(&b)
		b.Rules = slices.DeleteFunc(b.Rules, func(r domain.AutoAssign) bool { return strings.EqualFold(r.ProblemType, pt.Name) })
		b.Rules = append(b.Rules, domain.AutoAssign{ProblemType: pt.Name, Tech: u.ID})
		if err := w.saveBuilding(&b); err != nil {
			return err
		}
		return w.audit("building", b.ID, b.Code, "rule add", before, pt.Name+" → "+u.Username)
	})
}

func problemTypeNames(o domain.Organization) string {
	var n []string
	for _, p := range o.ProblemTypes {
		n = append(n, p.Name)
	}
	return strings.Join(n, ", ")
}

func (s *session) RemoveRule(ctx context.Context, code, problemType string) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModBuildings, domain.LevelEdit); err != nil {
			return err
		}
		b, err := buildingByCode(w.tx, code)
		if err != nil {
			return err
		}
		if err := w.expect("building", b.Code, b.Rev); err != nil {
			return err
		}
		i := slices.IndexFunc(b.Rules, func(r domain.AutoAssign) bool { return strings.EqualFold(r.ProblemType, problemType) })
		if i < 0 {
			return domain.Errorf(domain.ENotFound, "building %s has no auto-assign rule for %q", b.Code, problemType)
		}
		r := b.Rules[i]
		b.Rules = slices.Delete(slices.Clone(b.Rules), i, i+1)
		if err := w.saveBuilding(&b); err != nil {
			return err
		}
		tech, _ := getUser(w.tx, r.Tech)
		return w.audit("building", b.ID, b.Code, "rule remove", r.ProblemType+" → "+tech.Username, "")
	})
}

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
)

// updateUsers is ImportUsers for an update import: every row changes an
// existing user in one transaction, through the checks of user edit, join,
// leave, deactivate and activate, R12 (checkWithin) on each user before and
// after its row, and the guards (R17) once after the last row. A dry run
// makes the same changes and rolls them back, so its preview is exactly
// what the import would do.
func (s *session) updateUsers(ctx context.Context, imp domain.UserImport, opts domain.ImportOptions) (domain.ImportReport, error) {
	rep := domain.ImportReport{Rows: len(imp.Rows), DryRun: opts.DryRun}
	if len(imp.Rows) == 0 {
		return rep, domain.Errorf(domain.EInvalid, "there are no users to update")
	}
	if len(imp.Problems) > 0 {
		rep.Problems = slices.Clone(imp.Problems)
		sortProblems(rep.Problems)
		return rep, domain.ImportRefused(rep.Problems)
	}
	source := orDefault(opts.Source, "an import")
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModUsers, domain.LevelEdit); err != nil {
			return err
		}
		guards, err := w.evalGuards(nil)
		if err != nil {
			return err
		}
		rep.Updated = nil
		var problems []domain.RowProblem
		seen := map[string]int{}
		for i := range imp.Rows {
			row := &imp.Rows[i]
			if first, dup := seen[strings.ToLower(row.Username)]; dup {
				problems = append(problems, domain.RowProblem{Line: row.Line, Column: domain.ColUsername,
					Reason: fmt.Sprintf("%s is already changed on line %d of this file", row.Username, first)})
				continue
			}
			seen[strings.ToLower(row.Username)] = row.Line
			ch, ps, err := w.updateRow(row, opts.AddGroups || row.AddGroups, source)
			if err != nil {
				return err
			}
			problems = append(problems, ps...)
			if len(ps) == 0 && len(ch.Changes) > 0 {
				rep.Updated = append(rep.Updated, ch)
			}
		}
		if len(problems) > 0 {
			sortProblems(problems)
			rep.Problems = problems
			return domain.ImportRefused(problems)
		}
		if err := w.checkGuards(guards); err != nil {
			return err
		}
		// a row that makes a Building Administrator a full administrator
		// needs the confirmation any join needs (R4)
		if err := w.warnBuildingAdmins(opts.Confirm || opts.DryRun); err != nil {
			return err
		}
		if opts.DryRun {
			return errDryRun
		}
		return w.audit("user", 0, source, "import users", "", fmt.Sprintf("updated %d of %d users", len(rep.Updated), len(imp.Rows)))
	})
	if errors.Is(err, errDryRun) {
		return rep, nil
	}
	if err != nil && len(rep.Problems) == 0 {
		rep.Updated = nil
	}
	return rep, err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// rowProblem turns a refusal into a problem of the row; an error that is
// not the user's (a failed write) ends the import.
func rowProblem(row *domain.ImportRow, col string, err error) ([]domain.RowProblem, error) {
	if code := domain.ErrorCode(err); code == domain.EInternal || errors.Is(err, ErrDamaged) {
		return nil, err
	}
	return []domain.RowProblem{{Line: row.Line, Column: col, Reason: err.Error()}}, nil
}

// updateRow applies one row of an update import in w and says what changed
// and what the user gains and loses. The first refusal ends the row.
func (w *txn) updateRow(row *domain.ImportRow, addGroups bool, source string) (domain.UserUpdate, []domain.RowProblem, error) {
	ch := domain.UserUpdate{Username: row.Username}
	fail := func(col string, err error) (domain.UserUpdate, []domain.RowProblem, error) {
		ps, err := rowProblem(row, col, err)
		return ch, ps, err
	}
	u, err := userByName(w.tx, row.Username)
	if err != nil {
		return fail(domain.ColUsername, domain.Errorf(domain.ENotFound,
			"no user %q: an update changes existing users (import without --update creates them)", row.Username))
	}
	ch.Username = u.Username
	if u.ID == w.actor.ID {
		return fail(domain.ColUsername, domain.Errorf(domain.EForbidden,
			"%s cannot change their own account by import: another administrator does (R12)", u.Username))
	}
	before := w.accessOf(u)
	if err := domain.CheckManageUser(&w.acc, &before); err != nil {
		return fail(domain.ColUsername, err)
	}
	if err := w.checkWithin(u, "change "+u.Username, false); err != nil {
		return fail(domain.ColUsername, err)
	}
	given := row.Given

	// the user's own fields, as user edit changes them
	nu := u
	nu.Buildings = slices.Clone(u.Buildings)
	var fields []string
	set := func(col, name string, from, to string, apply func()) {
		if given[col] && from != to {
			apply()
			fields = append(fields, fmt.Sprintf("%s %q → %q", name, from, to))
		}
	}
	set(domain.ColFirst, "first name", u.First, row.First, func() { nu.First = row.First })
	set(domain.ColLast, "last name", u.Last, row.Last, func() { nu.Last = row.Last })
	set(domain.ColEmail, "email", u.Email, row.Email, func() { nu.Email = row.Email })
	set(domain.ColPhone, "phone", u.Phone, row.Phone, func() { nu.Phone = row.Phone })
	if given[domain.ColKind] && row.Kind != u.Kind {
		return fail(domain.ColKind, domain.Errorf(domain.EInvalid,
			"%s is a %s user: an update does not change kind (R3: end the memberships, then user edit)", u.Username, u.Kind))
	}
	if given[domain.ColBuildings] {
		var ids []domain.ID
		var codes []string
		for _, code := range row.Buildings {
			b, err := buildingByCode(w.tx, code)
			if err != nil {
				return fail(domain.ColBuildings, domain.Errorf(domain.ENotFound, "unknown building %q", code))
			}
			if !slices.Contains(u.Buildings, b.ID) && !w.acc.Superuser && !w.acc.Admin && !w.acc.InBuilding(b.ID) {
				return fail(domain.ColBuildings, domain.Errorf(domain.EForbidden,
					"building %s is outside %s's buildings: only someone whose scope includes it gives it to a user (R12)", code, w.actor.Username))
			}
			ids = append(ids, b.ID)
			codes = append(codes, b.Code)
		}
		if !slices.Equal(ids, u.Buildings) {
			nu.Buildings = ids
			fields = append(fields, "buildings → "+listOrNone(codes))
		}
	}
	if given[domain.ColReportsTo] {
		var boss domain.ID
		if row.ReportsTo != "" {
			b, err := userByName(w.tx, row.ReportsTo)
			if err != nil {
				return fail(domain.ColReportsTo, domain.Errorf(domain.ENotFound, "no user %q", row.ReportsTo))
			}
			boss = b.ID
		}
		if boss != u.ReportsTo {
			nu.ReportsTo = boss
			fields = append(fields, "reports to → "+orDefault(row.ReportsTo, "nobody"))
		}
	}
	if len(fields) > 0 {
		if err := validateUser(w.tx, &nu, &u); err != nil {
			return fail("", err)
		}
		if err := w.saveUser(&nu); err != nil {
			return ch, nil, err
		}
		if err := indexUser(w.tx, &u, &nu); err != nil {
			return ch, nil, err
		}
		if err := w.audit("user", nu.ID, nu.Username, "update", userSummary(&u), userSummary(&nu)); err != nil {
			return ch, nil, err
		}
		ch.Changes = append(ch.Changes, fields...)
	}

	// memberships, as join and leave change them
	current := map[domain.ID]domain.Membership{}
	for _, gid := range suffixIDs(w.tx, bMembers, u.ID) {
		if m, ok, err := getMembership(w.tx, u.ID, gid); err != nil {
			return ch, nil, err
		} else if ok {
			current[gid] = m
		}
	}
	reason := "imported from " + source
	if given[domain.ColGroup] {
		listed := map[domain.ID]bool{}
		for _, name := range row.Groups {
			g, err := groupByName(w.tx, name)
			if err != nil {
				return fail(domain.ColGroup, domain.Errorf(domain.ENotFound, "unknown group %q", name))
			}
			listed[g.ID] = true
			m, member := current[g.ID]
			if member && (!given[domain.ColUntil] || m.Until.Equal(row.Until)) {
				continue
			}
			if _, _, _, _, err := w.join(domain.JoinRequest{Username: u.Username, Group: g.Name, Until: row.Until, Reason: reason}); err != nil {
				return fail(domain.ColGroup, err)
			}
			ch.Changes = append(ch.Changes, joined(g.Name, member, row))
		}
		if !addGroups {
			for _, gid := range sortedIDs(current) {
				if listed[gid] {
					continue
				}
				g, err := getGroup(w.tx, gid)
				if err != nil {
					return ch, nil, err
				}
				refs, err := w.leave(u.Username, g.Name, false)
				if err != nil {
					return fail(domain.ColGroup, err)
				}
				ch.Changes = append(ch.Changes, "leaves "+g.Name+rulesNote(refs))
			}
		}
	} else if given[domain.ColUntil] {
		// Until alone moves the expiry of every membership the user holds
		for _, gid := range sortedIDs(current) {
			if current[gid].Until.Equal(row.Until) {
				continue
			}
			g, err := getGroup(w.tx, gid)
			if err != nil {
				return ch, nil, err
			}
			if _, _, _, _, err := w.join(domain.JoinRequest{Username: u.Username, Group: g.Name, Until: row.Until, Reason: reason}); err != nil {
				return fail(domain.ColUntil, err)
			}
			ch.Changes = append(ch.Changes, joined(g.Name, true, row))
		}
	}

	// status, as deactivate and activate change it
	if given[domain.ColStatus] && row.Status != nu.Status {
		st := nu
		st.Status = row.Status
		verb := "deactivate"
		if row.Status == domain.StatusActive {
			verb, st.Terminated = "activate", ""
		}
		if err := w.saveUser(&st); err != nil {
			return ch, nil, err
		}
		if err := w.audit("user", st.ID, st.Username, verb, userSummary(&nu), userSummary(&st)); err != nil {
			return ch, nil, err
		}
		note := ""
		if verb == "deactivate" {
			note = rulesNote(rulesNaming(w.tx, st.ID))
		}
		ch.Changes = append(ch.Changes, "status → "+st.Status.String()+note)
		nu = st
	}
	if len(ch.Changes) == 0 {
		return ch, nil, nil
	}
	if err := w.checkWithin(nu, "change "+u.Username, true); err != nil {
		return fail(domain.ColUsername, err)
	}
	ch.Gains, ch.Losses = accessDiff(before, w.accessOf(nu))
	return ch, nil, nil
}

// joined describes a join or renewal of an update import.
func joined(group string, renewed bool, row *domain.ImportRow) string {
	s := "joins " + group
	if renewed {
		s = "renews " + group
	}
	if row.Until.IsZero() {
		if renewed {
			return s + " with no expiry"
		}
		return s
	}
	return s + " until " + row.Until.Format("2006-01-02 15:04")
}

// rulesNote names the auto-assign rules still naming a user who stops
// being assignable (R8: they are listed, not removed, as by user leave).
func rulesNote(refs []domain.RuleRef) string {
	if len(refs) == 0 {
		return ""
	}
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.Building + "/" + r.ProblemType
	}
	return " (auto-assign rules still naming them: " + strings.Join(names, ", ") + ")"
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func sortedIDs[V any](m map[domain.ID]V) []domain.ID {
	ids := make([]domain.ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

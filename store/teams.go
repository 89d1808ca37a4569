package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gatehouse/domain"
)

func (w *txn) canTeams(l domain.Level) error { return w.acc.RequireLevel(domain.ModTeams, l) }

func (r *txn) teamInfo(t domain.Team) domain.TeamInfo {
	ti := domain.TeamInfo{Team: t, Members: len(suffixIDs(r.tx, bTeamUser, t.ID))}
	if t.Owner != 0 {
		if u, err := getUser(r.tx, t.Owner); err == nil {
			ti.Owner = u.Username
		}
	}
	return ti
}

func (s *session) Teams(ctx context.Context, search string) ([]domain.TeamInfo, error) {
	var out []domain.TeamInfo
	err := s.read(func(r *txn) error {
		if err := r.canTeams(domain.LevelView); err != nil {
			return err
		}
		return r.tx.Bucket(bTeams).ForEach(func(k, v []byte) error {
			var t domain.Team
			if decJSON(v, &t) == nil && domain.Match(search, t.Name) {
				out = append(out, r.teamInfo(t))
			}
			return nil
		})
	})
	// global first, then standard, then private; by name within a type
	rank := map[domain.TeamType]int{domain.TeamGlobalType: 0, domain.TeamStandard: 1, domain.TeamPrivate: 2}
	sort.Slice(out, func(i, j int) bool {
		if rank[out[i].Type] != rank[out[j].Type] {
			return rank[out[i].Type] < rank[out[j].Type]
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out, err
}

// teamMembers resolves explicit members and, for each, everyone they report
// to transitively as an implicit member (R10).
func (r *txn) teamMembers(t domain.Team) []domain.TeamMember {
	explicit := suffixIDs(r.tx, bTeamUser, t.ID)
	seen := map[domain.ID]bool{}
	var out []domain.TeamMember
	for _, id := range explicit {
		if u, err := getUser(r.tx, id); err == nil {
			seen[id] = true
			out = append(out, domain.TeamMember{User: u})
		}
	}
	if t.Type == domain.TeamGlobalType {
		return out // every user is an explicit member already
	}
	for _, id := range explicit {
		u, err := getUser(r.tx, id)
		if err != nil {
			continue
		}
		hops := map[domain.ID]bool{u.ID: true}
		for m := u.ReportsTo; m != 0 && !hops[m]; {
			hops[m] = true
			boss, err := getUser(r.tx, m)
			if err != nil {
				break
			}
			if !seen[m] {
				seen[m] = true
				out = append(out, domain.TeamMember{User: boss, Implicit: true, Via: u.Username})
			}
			m = boss.ReportsTo
		}
	}
	slices.SortFunc(out, func(a, b domain.TeamMember) int { return strings.Compare(a.User.Username, b.User.Username) })
	return out
}

func (s *session) Team(ctx context.Context, name string) (domain.TeamInfo, []domain.TeamMember, error) {
	var ti domain.TeamInfo
	var ms []domain.TeamMember
	err := s.read(func(r *txn) error {
		if err := r.canTeams(domain.LevelView); err != nil {
			return err
		}
		t, err := teamByName(r.tx, name)
		if err != nil {
			return err
		}
		ti, ms = r.teamInfo(t), r.teamMembers(t)
		return nil
	})
	return ti, ms, err
}

// validateTeamText checks a team's description (its name has
// validateTeamName).
func validateTeamText(t *domain.Team) error {
	return domain.CheckLine("team description", t.Description)
}

func validateTeamName(name string) error {
	if err := domain.ValidateName("team name", name); err != nil {
		return err
	}
	if strings.HasPrefix(name, "~") {
		return domain.Errorf(domain.EInvalid, "team names starting with ~ are reserved for private teams")
	}
	return nil
}

func (s *session) CreateTeam(ctx context.Context, t domain.Team) (domain.Team, error) {
	err := s.write(ctx, func(w *txn) error {
		if err := w.canTeams(domain.LevelEdit); err != nil {
			return err
		}
		if err := validateTeamName(t.Name); err != nil {
			return err
		}
		if err := validateTeamText(&t); err != nil {
			return err
		}
		if w.tx.Bucket(bTeamName).Get(lower(t.Name)) != nil {
			return domain.Errorf(domain.EConflict, "a team named %q already exists", t.Name)
		}
		id, err := kvSeq(w.tx.Bucket(bTeams))
		if err != nil {
			return err
		}
		t.ID, t.Type, t.Owner, t.Suppressed = id, domain.TeamStandard, 0, false
		w.created(&t.Rev)
		if err := putJSON(w.tx, bTeams, id, t); err != nil {
			return err
		}
		if err := kvPut(w.tx.Bucket(bTeamName), lower(t.Name), itob(id)); err != nil {
			return err
		}
		return w.audit("team", id, t.Name, "create", "", t.Description)
	})
	return t, err
}

func (s *session) UpdateTeam(ctx context.Context, id domain.ID, p domain.TeamPatch) (domain.Team, error) {
	var t domain.Team
	err := s.write(ctx, func(w *txn) error {
		if err := w.canTeams(domain.LevelEdit); err != nil {
			return err
		}
		before, err := getTeam(w.tx, id)
		if err != nil {
			return err
		}
		if err := w.expect("team", before.Name, before.Rev); err != nil {
			return err
		}
		t = p.Apply(before)
		changes, err := w.revise("team", before.Name, id, &t.Rev, p.Base, domain.TeamFields(&before, w.names), domain.TeamFields(&t, w.names))
		if err != nil || len(changes) == 0 {
			w.audited = w.audited || err == nil // nothing changed: nothing to write
			t = before
			return err
		}
		if before.Type != domain.TeamStandard && t.Name != before.Name {
			return domain.Errorf(domain.EInvalid, "the %s team %s cannot be renamed", before.Type, before.Name)
		}
		if before.Type == domain.TeamGlobalType && t.Suppressed {
			return domain.Errorf(domain.EInvalid, "the Global team cannot be suppressed (R9)")
		}
		if err := domain.ValidateName("team name", t.Name); err != nil {
			return err
		}
		if err := validateTeamText(&t); err != nil {
			return err
		}
		if t.Name != before.Name {
			if err := validateTeamName(t.Name); err != nil {
				return err
			}
			if id := btoi(w.tx.Bucket(bTeamName).Get(lower(t.Name))); id != 0 && id != t.ID {
				return domain.Errorf(domain.EConflict, "a team named %q already exists", t.Name)
			}
			if err := kvDel(w.tx.Bucket(bTeamName), lower(before.Name)); err != nil {
				return err
			}
			if err := kvPut(w.tx.Bucket(bTeamName), lower(t.Name), itob(t.ID)); err != nil {
				return err
			}
		}
		t.Type, t.Owner = before.Type, before.Owner
		if err := putJSON(w.tx, bTeams, t.ID, t); err != nil {
			return err
		}
		return w.auditChanges("team", t.ID, t.Name, "update", changes)
	})
	return t, err
}

func (s *session) DeleteTeam(ctx context.Context, name string) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.canTeams(domain.LevelEdit); err != nil {
			return err
		}
		t, err := teamByName(w.tx, name)
		if err != nil {
			return err
		}
		if err := w.expect("team", t.Name, t.Rev); err != nil {
			return err
		}
		if err := dropFieldRevs(w.tx, "team", t.ID); err != nil {
			return err
		}
		switch t.Type {
		case domain.TeamGlobalType:
			return domain.Errorf(domain.EForbidden, "the Global team cannot be deleted (R9)")
		case domain.TeamPrivate:
			return domain.Errorf(domain.EForbidden, "private team %s is removed only with its user (R9)", t.Name)
		}
		n := 0
		for _, u := range suffixIDs(w.tx, bTeamUser, t.ID) {
			if err := removeTeamMember(w.tx, t.ID, u); err != nil {
				return err
			}
			n++
		}
		if err := kvDel(w.tx.Bucket(bTeamName), lower(t.Name)); err != nil {
			return err
		}
		if err := kvDel(w.tx.Bucket(bTeams), itob(t.ID)); err != nil {
			return err
		}
		return w.audit("team", t.ID, t.Name, "delete", fmt.Sprintf("%d members", n), "")
	})
}

func (w *txn) memberTarget(team, username string) (domain.Team, domain.User, error) {
	if err := w.canTeams(domain.LevelEdit); err != nil {
		return domain.Team{}, domain.User{}, err
	}
	t, err := teamByName(w.tx, team)
	if err != nil {
		return t, domain.User{}, err
	}
	if err := w.expect("team", t.Name, t.Rev); err != nil {
		return t, domain.User{}, err
	}
	u, err := userByName(w.tx, username)
	if err != nil {
		return t, u, err
	}
	switch t.Type {
	case domain.TeamGlobalType:
		return t, u, domain.Errorf(domain.EInvalid, "the Global team holds every user; its membership is not edited (R9)")
	case domain.TeamPrivate:
		return t, u, domain.Errorf(domain.EInvalid, "private team %s holds only its user (R9)", t.Name)
	}
	// a team is part of what its members see (R11): R12 on the member
	return t, u, w.checkWithin(u, "change the teams of "+u.Username, false)
}

func (s *session) AddTeamMember(ctx context.Context, team, username string) error {
	return s.write(ctx, func(w *txn) error {
		t, u, err := w.memberTarget(team, username)
		if err != nil {
			return err
		}
		if exists(w.tx, bTeamUser, key(t.ID, u.ID)) {
			return domain.Errorf(domain.EConflict, "%s is already a member of %s", u.Username, t.Name)
		}
		if err := addTeamMember(w.tx, t.ID, u.ID); err != nil {
			return err
		}
		return w.audit("team", t.ID, t.Name, "add member", "", u.Username)
	})
}

func (s *session) RemoveTeamMember(ctx context.Context, team, username string) error {
	return s.write(ctx, func(w *txn) error {
		t, u, err := w.memberTarget(team, username)
		if err != nil {
			return err
		}
		if !exists(w.tx, bTeamUser, key(t.ID, u.ID)) {
			for _, m := range w.teamMembers(t) {
				if m.User.ID == u.ID && m.Implicit {
					return domain.Errorf(domain.EInvalid, "%s is an implicit member of %s because %s reports to them; change the reports-to chain instead (R10)", u.Username, t.Name, m.Via)
				}
			}
			return domain.Errorf(domain.ENotFound, "%s is not a member of %s", u.Username, t.Name)
		}
		if err := removeTeamMember(w.tx, t.ID, u.ID); err != nil {
			return err
		}
		return w.audit("team", t.ID, t.Name, "remove member", u.Username, "")
	})
}

func (s *session) DuplicateTeam(ctx context.Context, src, newName string) (domain.Team, error) {
	var t domain.Team
	err := s.write(ctx, func(w *txn) error {
		if err := w.canTeams(domain.LevelEdit); err != nil {
			return err
		}
		from, err := teamByName(w.tx, src)
		if err != nil {
			return err
		}
		if from.Type != domain.TeamStandard {
			return domain.Errorf(domain.EInvalid, "only standard teams can be duplicated; %s is %s", from.Name, from.Type)
		}
		if err := validateTeamName(newName); err != nil {
			return err
		}
		if w.tx.Bucket(bTeamName).Get(lower(newName)) != nil {
			return domain.Errorf(domain.EConflict, "a team named %q already exists", newName)
		}
		id, err := kvSeq(w.tx.Bucket(bTeams))
		if err != nil {
			return err
		}
		if err := w.expect("team", from.Name, from.Rev); err != nil {
			return err
		}
		t = domain.Team{ID: id, Name: newName, Description: from.Description, Type: domain.TeamStandard}
		w.created(&t.Rev)
		if err := putJSON(w.tx, bTeams, id, t); err != nil {
			return err
		}
		if err := kvPut(w.tx.Bucket(bTeamName), lower(newName), itob(id)); err != nil {
			return err
		}
		members := suffixIDs(w.tx, bTeamUser, from.ID)
		for _, u := range members {
			if err := addTeamMember(w.tx, id, u); err != nil {
				return err
			}
		}
		return w.audit("team", id, newName, "duplicate", from.Name, fmt.Sprintf("%d members", len(members)))
	})
	return t, err
}

// SuppressTeam hides a team and ends the access it gives; Global never,
// private teams only once their user is deactivated (ProTracker).
func (s *session) SuppressTeam(ctx context.Context, name string) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.canTeams(domain.LevelEdit); err != nil {
			return err
		}
		t, err := teamByName(w.tx, name)
		if err != nil {
			return err
		}
		switch {
		case t.Type == domain.TeamGlobalType:
			return domain.Errorf(domain.EForbidden, "the Global team cannot be suppressed (R9)")
		case t.Suppressed:
			return domain.Errorf(domain.EConflict, "team %s is already suppressed", t.Name)
		case t.Type == domain.TeamPrivate:
			if u, err := getUser(w.tx, t.Owner); err == nil && u.Status == domain.StatusActive {
				return domain.Errorf(domain.EInvalid, "private team %s can be suppressed only after %s is deactivated", t.Name, u.Username)
			}
		}
		if err := w.expect("team", t.Name, t.Rev); err != nil {
			return err
		}
		t.Suppressed = true
		if err := w.saveTeam(&t); err != nil {
			return err
		}
		return w.audit("team", t.ID, t.Name, "suppress", "", "suppressed")
	})
}

// RepairTeams rebuilds Global membership, private teams and the reports-to
// index, and reports what it changed (R9). It is one transaction.
func (s *session) RepairTeams(ctx context.Context) ([]string, error) {
	var report []string
	err := s.write(ctx, func(w *txn) error {
		if err := w.canTeams(domain.LevelEdit); err != nil {
			return err
		}
		var err error
		report, err = repairTeams(w)
		if err != nil {
			return err
		}
		return w.audit("team", 0, "all teams", "repair", "", fmt.Sprintf("%d fixes", len(report)))
	})
	return report, err
}

func repairTeams(w *txn) ([]string, error) {
	var report []string
	global := metaID(w.tx, keyGlobal)
	if _, err := getTeam(w.tx, global); err != nil || global == 0 {
		id, err := kvSeq(w.tx.Bucket(bTeams))
		if err != nil {
			return nil, err
		}
		g := domain.Team{ID: id, Name: domain.TeamGlobal, Description: "Every user.", Type: domain.TeamGlobalType}
		if err := putJSON(w.tx, bTeams, id, g); err != nil {
			return nil, err
		}
		if err := kvPut(w.tx.Bucket(bTeamName), lower(g.Name), itob(id)); err != nil {
			return nil, err
		}
		if err := kvPut(w.tx.Bucket(bMeta), keyGlobal, itob(id)); err != nil {
			return nil, err
		}
		global = id
		report = append(report, "recreated the Global team")
	}
	var users []domain.User
	if err := w.tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
		var u domain.User
		if decJSON(v, &u) == nil {
			users = append(users, u)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, u := range users {
		if !exists(w.tx, bTeamUser, key(global, u.ID)) {
			if err := addTeamMember(w.tx, global, u.ID); err != nil {
				return nil, err
			}
			report = append(report, "added "+u.Username+" to Global")
		}
		if w.tx.Bucket(bTeamName).Get(lower(privateTeamName(u.Username))) == nil {
			if err := ensurePrivateTeam(w.tx, &u); err != nil {
				return nil, err
			}
			report = append(report, "created the private team of "+u.Username)
		}
		if u.ReportsTo != 0 {
			if _, err := getUser(w.tx, u.ReportsTo); err != nil {
				old := u
				u.ReportsTo = 0
				if err := w.saveUser(&u); err != nil {
					return nil, err
				}
				if err := indexUser(w.tx, &old, &u); err != nil {
					return nil, err
				}
				report = append(report, "cleared "+u.Username+"'s reports-to (the manager no longer exists)")
			} else if !exists(w.tx, bReports, key(u.ReportsTo, u.ID)) {
				if err := kvPut(w.tx.Bucket(bReports), key(u.ReportsTo, u.ID), nil); err != nil {
					return nil, err
				}
				report = append(report, "re-indexed "+u.Username+"'s reports-to")
			}
		}
	}
	// stale reports-to index entries and team memberships of deleted users
	var stale [][]byte
	if err := w.tx.Bucket(bReports).ForEach(func(k, v []byte) error {
		u, err := getUser(w.tx, btoi(k[8:]))
		if err != nil || u.ReportsTo != btoi(k[:8]) {
			stale = append(stale, slices.Clone(k))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, k := range stale {
		if err := kvDel(w.tx.Bucket(bReports), k); err != nil {
			return nil, err
		}
		report = append(report, "removed a stale reports-to index entry")
	}
	stale = stale[:0]
	if err := w.tx.Bucket(bTeamUser).ForEach(func(k, v []byte) error {
		if _, err := getUser(w.tx, btoi(k[8:])); err != nil {
			stale = append(stale, slices.Clone(k))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, k := range stale {
		if err := removeTeamMember(w.tx, btoi(k[:8]), btoi(k[8:])); err != nil {
			return nil, err
		}
		report = append(report, "removed a team membership of a deleted user")
	}
	// the hierarchy itself: a loop (from a damaged file) is cut at its first link
	for _, u := range users {
		seen := map[domain.ID]bool{u.ID: true}
		for m := u.ReportsTo; m != 0; {
			boss, err := getUser(w.tx, m)
			if err != nil {
				break
			}
			if seen[boss.ReportsTo] {
				old := boss
				boss.ReportsTo = 0
				if err := w.saveUser(&boss); err != nil {
					return nil, err
				}
				if err := indexUser(w.tx, &old, &boss); err != nil {
					return nil, err
				}
				report = append(report, "cut a reports-to loop at "+boss.Username)
				break
			}
			seen[m] = true
			m = boss.ReportsTo
		}
	}
	return report, nil
}

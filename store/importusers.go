package store

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// importPlan is an import resolved against the store: what each row's
// names point to. Rows that report to a user of the same file point to
// that row, since the user has no id yet.
type importPlan struct {
	rows      []domain.ImportRow
	groups    [][]domain.Group
	buildings [][]domain.ID
	boss      []domain.ID // manager already in the store
	bossRow   []int       // manager in the file; -1 for none
}

// planImport resolves every row and lists every problem the store can see:
// unknown groups, buildings and managers, names already taken, R3 and R12
// on each membership, expiries in the past, reports-to loops in the file.
func (r *txn) planImport(rows []domain.ImportRow) (*importPlan, []domain.RowProblem) {
	p := &importPlan{rows: rows, groups: make([][]domain.Group, len(rows)), buildings: make([][]domain.ID, len(rows)),
		boss: make([]domain.ID, len(rows)), bossRow: make([]int, len(rows))}
	var ps []domain.RowProblem
	bad := func(row *domain.ImportRow, col, format string, args ...any) {
		ps = append(ps, domain.RowProblem{Line: row.Line, Column: col, Reason: fmt.Sprintf(format, args...)})
	}
	groups := map[string]*domain.Group{}
	allowed := map[domain.ID]error{} // R12 for the acting user, by group
	buildings := map[string]domain.ID{}
	inFile := make(map[string]int, len(rows))
	for i := range rows {
		inFile[strings.ToLower(rows[i].Username)] = i
	}
	users, emails := r.tx.Bucket(bUserName), r.tx.Bucket(bUserEmail)
	for i := range rows {
		row := &rows[i]
		p.bossRow[i] = -1
		if row.Username != "" && users.Get(lower(row.Username)) != nil {
			bad(row, domain.ColUsername, "username %q is already taken by an existing user", row.Username)
		}
		if row.Email != "" && emails.Get(lower(row.Email)) != nil {
			bad(row, domain.ColEmail, "email %s is already used by an existing user", row.Email)
		}
		for _, name := range row.Groups {
			k := strings.ToLower(name)
			g, seen := groups[k]
			if !seen {
				if gg, err := groupByName(r.tx, name); err == nil {
					g = &gg
				}
				groups[k] = g
			}
			if g == nil {
				bad(row, domain.ColGroup, "unknown group %q", name)
				continue
			}
			if row.Kind != g.Kind {
				bad(row, domain.ColGroup, "%s is a %s user and %s is a %s group: %s users join only %s groups (R3)",
					row.Username, row.Kind, g.Name, g.Kind, row.Kind, row.Kind)
				continue
			}
			err, seen := allowed[g.ID]
			if !seen {
				u := domain.User{Kind: g.Kind}
				err = domain.CheckMembership(&r.acc, &u, g, true)
				allowed[g.ID] = err
			}
			if err != nil {
				bad(row, domain.ColGroup, "%v", err)
				continue
			}
			p.groups[i] = append(p.groups[i], *g)
		}
		for _, code := range row.Buildings {
			k := strings.ToLower(code)
			id, seen := buildings[k]
			if !seen {
				if b, err := buildingByCode(r.tx, code); err == nil {
					id = b.ID
				}
				buildings[k] = id
			}
			if id == 0 {
				bad(row, domain.ColBuildings, "unknown building %q", code)
				continue
			}
			if !r.acc.Superuser && !r.acc.Admin && !r.acc.InBuilding(id) {
				bad(row, domain.ColBuildings, "building %s is outside %s's buildings: only someone whose scope includes it gives it to a user (R12)", code, r.actor.Username)
				continue
			}
			p.buildings[i] = append(p.buildings[i], id)
		}
		if row.ReportsTo != "" {
			if j, ok := inFile[strings.ToLower(row.ReportsTo)]; ok {
				if j != i {
					p.bossRow[i] = j
				}
			} else if id := btoi(users.Get(lower(row.ReportsTo))); id != 0 {
				p.boss[i] = id
			} else {
				bad(row, domain.ColReportsTo, "no user %q in this import or already in gatehouse", row.ReportsTo)
			}
		}
		if !row.Until.IsZero() && !row.Until.After(r.now) {
			bad(row, domain.ColUntil, "the date is in the past: the memberships would grant nothing")
		}
	}
	// a loop can only run through rows of the file: stored users cannot
	// report to users that do not exist yet
	for i := range rows {
		seen := map[int]bool{i: true}
		for j := p.bossRow[i]; j >= 0; j = p.bossRow[j] {
			if j == i {
				bad(&rows[i], domain.ColReportsTo, "%s reports to %s, who reports back to %s through this file (R10)",
					rows[i].Username, rows[i].ReportsTo, rows[i].Username)
				break
			}
			if seen[j] {
				break
			}
			seen[j] = true
		}
	}
	return p, ps
}

// sortProblems orders problems by line, keeping each row's column order.
func sortProblems(ps []domain.RowProblem) {
	slices.SortStableFunc(ps, func(a, b domain.RowProblem) int { return cmp.Compare(a.Line, b.Line) })
}

// ImportUsers implements domain.DataService. The write plans the import
// against the file as it is then and inserts every user in one
// transaction.
func (s *session) ImportUsers(ctx context.Context, imp domain.UserImport, opts domain.ImportOptions) (domain.ImportReport, error) {
	if imp.Update {
		return s.updateUsers(ctx, imp, opts)
	}
	rows := imp.Rows
	rep := domain.ImportReport{Rows: len(rows), DryRun: opts.DryRun}
	if !opts.DryRun {
		if err := s.refuseWrite(); err != nil {
			return rep, err // before the file is checked or a password hashed
		}
	}
	if len(rows) == 0 {
		return rep, domain.Errorf(domain.EInvalid, "there are no users to import")
	}
	passwords := make([]string, len(rows))
	for i, row := range rows {
		passwords[i] = row.Password
		if row.Password != "" {
			rep.Passwords++
		}
	}
	// Before hashing (or instead of writing), problems are looked for in a
	// read transaction, so a bad file costs no hashing; without passwords
	// the write's own plan finds them just as well.
	if opts.DryRun || rep.Passwords > 0 || len(imp.Problems) > 0 {
		problems := slices.Clone(imp.Problems)
		err := s.read(func(r *txn) error {
			if err := r.acc.RequireLevel(domain.ModUsers, domain.LevelEdit); err != nil {
				return err
			}
			plan, ps := r.planImport(rows)
			problems = append(problems, ps...)
			if len(problems) == 0 && !opts.Confirm && !opts.DryRun {
				return plan.elevations()
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
		if len(problems) > 0 {
			sortProblems(problems)
			rep.Problems = problems
			return rep, domain.ImportRefused(problems)
		}
	}
	for _, row := range rows {
		rep.Created = append(rep.Created, row.Username)
	}
	if opts.DryRun {
		return rep, nil
	}
	hashes, err := hashPasswords(ctx, passwords, opts.Progress)
	if err != nil {
		return rep, fmt.Errorf("hashing passwords: %w", err)
	}
	err = s.writeGuarded(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModUsers, domain.LevelEdit); err != nil {
			return err
		}
		plan, ps := w.planImport(rows)
		if len(ps) > 0 {
			sortProblems(ps)
			rep.Problems = ps
			return domain.ImportRefused(ps)
		}
		if !opts.Confirm {
			if err := plan.elevations(); err != nil {
				return err
			}
		}
		return w.applyImport(plan, hashes, opts.Source)
	})
	if err != nil {
		rep.Created = nil
	}
	return rep, err
}

// elevations is the R4 warning for the rows whose groups make a Building
// Administrator a full administrator, or nil.
func (p *importPlan) elevations() error {
	var els []domain.BuildingAdminElevation
	for i := range p.rows {
		if e, ok := domain.GroupsElevateBuildingAdmin(p.rows[i].Username, p.groups[i]); ok {
			els = append(els, e)
		}
	}
	return domain.BuildingAdminWarning(els)
}

// applyImport inserts the planned users with their memberships, each with
// an audit event, and one event for the import as a whole.
func (w *txn) applyImport(p *importPlan, hashes []string, source string) error {
	if source == "" {
		source = "an import"
	}
	users := make([]domain.User, len(p.rows))
	for i := range p.rows {
		row := &p.rows[i]
		users[i] = domain.User{Username: row.Username, First: row.First, Last: row.Last, Email: row.Email, Phone: row.Phone,
			Kind: row.Kind, Status: domain.StatusActive, Buildings: p.buildings[i], ReportsTo: p.boss[i],
			MustChange: hashes[i] != "", Created: w.now}
	}
	// ids first, so rows can report to rows later in the file
	seq := w.tx.Bucket(bUsers).Sequence()
	for i := range users {
		users[i].ID = seq + uint64(i) + 1
	}
	for i := range users {
		if j := p.bossRow[i]; j >= 0 {
			users[i].ReportsTo = users[j].ID
		}
	}
	members := make([][]domain.Membership, len(users))
	for i := range users {
		w.created(&users[i].Rev)
		for _, g := range p.groups[i] {
			members[i] = append(members[i], domain.Membership{UserID: users[i].ID, GroupID: g.ID, GrantedBy: w.actor.ID,
				GrantedAt: w.now, Reason: "imported from " + source, Until: p.rows[i].Until})
		}
	}
	afters := make([]string, len(users))
	eachParallel(len(users), func(i int) {
		names := make([]string, len(p.groups[i]))
		for k, g := range p.groups[i] {
			names[k] = g.Name
		}
		afters[i] = userSummary(&users[i]) + " groups=" + strings.Join(names, ",")
		if u := p.rows[i].Until; !u.IsZero() {
			afters[i] += " until " + u.Format("2006-01-02 15:04")
		}
	})
	if err := bulkInsertUsers(w.tx, users, hashes, members, func(i int) error {
		return w.audit("user", users[i].ID, users[i].Username, "import", "", afters[i])
	}); err != nil {
		return err
	}
	return w.audit("user", 0, source, "import users", "", fmt.Sprintf("%d users, %d with a temporary password", len(p.rows), countSet(hashes)))
}

// bulkInsertUsers writes what insertUser writes for each user (record,
// indexes, private team, Global membership; R9) and the given memberships,
// with the user ids already set in sequence, then calls after(i) for each.
// hashes[i] is user i's password hash ("" for none).
// Records are encoded on every core before the writes. The writes are
// ordered so that every bucket is appended to: the Global team's member
// rows sort before every private team's, so inserting them one user at a
// time, as insertUser does, moves all the private teams' rows each time,
// and n users would cost n² (bbolt keeps a transaction's leaf as one
// sorted slice until commit). Check proves the result is what insertUser
// and putMembership would have written.
func bulkInsertUsers(tx *bolt.Tx, users []domain.User, hashes []string, members [][]domain.Membership, after func(i int) error) error {
	// these buckets are appended to in key order here: full pages, as
	// bbolt advises for appends, mean fewer pages to write and sync
	for _, b := range [][]byte{bUsers, bTeams, bAudit, bMembers, bUserTeam} {
		tx.Bucket(b).FillPercent = 0.95
	}
	global := metaID(tx, keyGlobal)
	private := make([]domain.Team, len(users))
	nextTeam := tx.Bucket(bTeams).Sequence()
	for i := range users {
		u := &users[i]
		// a manager later in the list does not exist yet: validateUser
		// checks the rest, planImport checked the manager
		boss := u.ReportsTo
		if boss > u.ID {
			u.ReportsTo = 0
		}
		err := validateUser(tx, u, nil)
		u.ReportsTo = boss
		if err != nil {
			return domain.Errorf(domain.ErrorCode(err), "%s: %v", u.Username, err)
		}
		if name := privateTeamName(u.Username); tx.Bucket(bTeamName).Get(lower(name)) == nil {
			nextTeam++
			private[i] = domain.Team{ID: nextTeam, Name: name, Description: "Private team of " + u.Username,
				Type: domain.TeamPrivate, Owner: u.ID}
		}
	}
	// Records are encoded on another core while this one writes: chunk
	// k+1 is encoded as chunk k is put, so the import costs about the
	// larger of the two rather than their sum. The encoder only reads
	// users, private and members, which nothing writes during the loop.
	type encoded struct {
		user, team []byte
		members    [][]byte
	}
	const chunk = 512
	chunks, failed, stop := make(chan []encoded, 2), make(chan error, 1), make(chan struct{})
	defer close(stop)
	go func() {
		defer close(chunks)
		for start := 0; start < len(users); start += chunk {
			out := make([]encoded, min(chunk, len(users)-start))
			for j := range out {
				i, e := start+j, &out[j]
				var err error
				if e.user, err = encJSON(&userRecord{User: users[i], PasswordHash: hashes[i]}); err == nil && private[i].ID != 0 {
					e.team, err = encJSON(private[i])
				}
				for _, m := range members[i] {
					b, merr := encJSON(m)
					e.members = append(e.members, b)
					err = cmp.Or(err, merr)
				}
				if err != nil {
					failed <- err
					return
				}
			}
			select {
			case chunks <- out:
			case <-stop:
				return
			}
		}
	}()
	i := 0
	for out := range chunks {
		for j := range out {
			if err := putImported(tx, &users[i], private[i], global, members[i], out[j].user, out[j].team, out[j].members); err != nil {
				return err
			}
			if err := after(i); err != nil {
				return err
			}
			i++
		}
	}
	select {
	case err := <-failed:
		return err
	default:
	}
	if i != len(users) {
		return fmt.Errorf("internal: encoded %d of %d users", i, len(users))
	}
	rows := tx.Bucket(bTeamUser)
	if global != 0 {
		for i := range users {
			if err := kvPut(rows, key(global, users[i].ID), nil); err != nil {
				return err
			}
		}
	}
	for i := range users {
		if t := private[i].ID; t != 0 {
			if err := kvPut(rows, key(t, users[i].ID), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// putImported writes one imported user's record, indexes, private team,
// team index rows (but not the team member rows, appended in order after
// the loop) and memberships.
func putImported(tx *bolt.Tx, u *domain.User, private domain.Team, global domain.ID, members []domain.Membership, userRec, teamRec []byte, memberRec [][]byte) error {
	if id, err := kvSeq(tx.Bucket(bUsers)); err != nil {
		return err
	} else if id != u.ID {
		return fmt.Errorf("internal: user id %d, expected %d", id, u.ID)
	}
	if err := jput(tx, bUsers, itob(u.ID), userRec); err != nil {
		return err
	}
	if err := indexUser(tx, nil, u); err != nil {
		return err
	}
	if t := private; t.ID != 0 {
		if id, err := kvSeq(tx.Bucket(bTeams)); err != nil {
			return err
		} else if id != t.ID {
			return fmt.Errorf("internal: team id %d, expected %d", id, t.ID)
		}
		if err := kvPut(tx.Bucket(bTeams), itob(t.ID), teamRec); err != nil {
			return err
		}
		if err := kvPut(tx.Bucket(bTeamName), lower(t.Name), itob(t.ID)); err != nil {
			return err
		}
	}
	for _, t := range []domain.ID{global, private.ID} {
		if t != 0 {
			if err := kvPut(tx.Bucket(bUserTeam), key(u.ID, t), nil); err != nil {
				return err
			}
		}
	}
	for k, m := range members {
		if err := jput(tx, bMembers, key(m.UserID, m.GroupID), memberRec[k]); err != nil {
			return err
		}
		if err := kvPut(tx.Bucket(bGroupUser), key(m.GroupID, m.UserID), untilValue(m.Until)); err != nil {
			return err
		}
	}
	return nil
}

// eachParallel calls fn for 0..n-1 on every core.
func eachParallel(n int, fn func(i int)) {
	workers := min(runtime.NumCPU(), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
		})
	}
	wg.Wait()
}

func countSet(s []string) int {
	n := 0
	for _, x := range s {
		if x != "" {
			n++
		}
	}
	return n
}

package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// putUser writes a user's record, keeping the password hash stored beside
// it (only SetPassword, ChangePassword and imports write a hash).
func putUser(tx *bolt.Tx, u *domain.User) error {
	return putJSON(tx, bUsers, u.ID, userRecord{User: *u, PasswordHash: storedHash(tx, u.ID)})
}

// insertUser creates the user with their indexes, their private team and
// their Global membership (R9) in the caller's transaction.
func insertUser(tx *bolt.Tx, u *domain.User) error {
	if err := validateUser(tx, u, nil); err != nil {
		return err
	}
	id, err := kvSeq(tx.Bucket(bUsers))
	if err != nil {
		return err
	}
	u.ID = id
	if err := putUser(tx, u); err != nil {
		return err
	}
	if err := indexUser(tx, nil, u); err != nil {
		return err
	}
	if err := ensurePrivateTeam(tx, u); err != nil {
		return err
	}
	if g := metaID(tx, keyGlobal); g != 0 {
		if err := addTeamMember(tx, g, u.ID); err != nil {
			return err
		}
	}
	return nil
}

func privateTeamName(username string) string { return "~" + username }

func ensurePrivateTeam(tx *bolt.Tx, u *domain.User) error {
	name := privateTeamName(u.Username)
	if tx.Bucket(bTeamName).Get(lower(name)) != nil {
		return nil
	}
	id, err := kvSeq(tx.Bucket(bTeams))
	if err != nil {
		return err
	}
	t := domain.Team{ID: id, Name: name, Description: "Private team of " + u.Username, Type: domain.TeamPrivate, Owner: u.ID}
	if err := putJSON(tx, bTeams, id, t); err != nil {
		return err
	}
	if err := kvPut(tx.Bucket(bTeamName), lower(name), itob(id)); err != nil {
		return err
	}
	return addTeamMember(tx, id, u.ID)
}

func addTeamMember(tx *bolt.Tx, team, user domain.ID) error {
	if err := kvPut(tx.Bucket(bTeamUser), key(team, user), nil); err != nil {
		return err
	}
	return kvPut(tx.Bucket(bUserTeam), key(user, team), nil)
}

func removeTeamMember(tx *bolt.Tx, team, user domain.ID) error {
	if err := kvDel(tx.Bucket(bTeamUser), key(team, user)); err != nil {
		return err
	}
	return kvDel(tx.Bucket(bUserTeam), key(user, team))
}

// validateUser checks fields and uniqueness; before is nil for a new user.
func validateUser(tx *bolt.Tx, u *domain.User, before *domain.User) error {
	if err := domain.ValidateUsername(u.Username); err != nil {
		return err
	}
	if err := domain.ValidateEmail(u.Email); err != nil {
		return err
	}
	if err := domain.ValidateStartScreen(u.StartScreen); err != nil {
		return err
	}
	if err := domain.ValidateMuted(u.Muted); err != nil {
		return err
	}
	for _, f := range []struct{ field, v string }{{"first name", u.First}, {"last name", u.Last}, {"phone", u.Phone}} {
		if err := domain.CheckLine(f.field, f.v); err != nil {
			return err
		}
		if len(f.v) > 80 {
			return domain.Errorf(domain.EInvalid, "%s %q is longer than 80 characters", f.field, f.v)
		}
	}
	for _, r := range u.Regions {
		if err := domain.CheckLine("region", r); err != nil {
			return err
		}
	}
	if id := btoi(tx.Bucket(bUserName).Get(lower(u.Username))); id != 0 && (before == nil || id != before.ID) {
		return domain.Errorf(domain.EConflict, "username %q is taken", u.Username)
	}
	if u.Email != "" {
		if id := btoi(tx.Bucket(bUserEmail).Get(lower(u.Email))); id != 0 && (before == nil || id != before.ID) {
			return domain.Errorf(domain.EConflict, "email %s is already used by another user", u.Email)
		}
	}
	for _, b := range u.Buildings {
		if _, err := getBuilding(tx, b); err != nil {
			return domain.Errorf(domain.EInvalid, "building #%d does not exist", b)
		}
	}
	if u.ReportsTo != 0 {
		if before != nil && u.ReportsTo == before.ID {
			return domain.Errorf(domain.EInvalid, "%s cannot report to themselves (R10)", u.Username)
		}
		boss, err := getUser(tx, u.ReportsTo)
		if err != nil {
			return domain.Errorf(domain.EInvalid, "reports-to user #%d does not exist", u.ReportsTo)
		}
		if before != nil {
			// walk up from the new manager: meeting the user means a loop (R10).
			seen := map[domain.ID]bool{}
			for m := boss; m.ID != 0 && !seen[m.ID]; {
				seen[m.ID] = true
				if m.ReportsTo == before.ID {
					return domain.Errorf(domain.EInvalid, "%s cannot report to %s: %s already reports to %s (directly or through others), which would make a loop (R10)",
						u.Username, boss.Username, boss.Username, u.Username)
				}
				if m.ReportsTo == 0 {
					break
				}
				next, err := getUser(tx, m.ReportsTo)
				if err != nil {
					break
				}
				m = next
			}
		}
	}
	return nil
}

// indexUser moves the user's index entries from before to after.
func indexUser(tx *bolt.Tx, before, after *domain.User) error {
	if before != nil {
		if err := kvDel(tx.Bucket(bUserName), lower(before.Username)); err != nil {
			return err
		}
		if before.Email != "" {
			if err := kvDel(tx.Bucket(bUserEmail), lower(before.Email)); err != nil {
				return err
			}
		}
		if before.ReportsTo != 0 {
			if err := kvDel(tx.Bucket(bReports), key(before.ReportsTo, before.ID)); err != nil {
				return err
			}
		}
		for _, k := range before.Keys {
			if err := kvDel(tx.Bucket(bUserKey), []byte(k.Fingerprint)); err != nil {
				return err
			}
		}
	}
	if after == nil {
		return nil
	}
	for _, e := range userIndexEntries(after) {
		if err := kvPut(tx.Bucket(e.bucket), e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}

// entry is one key and value of a bucket.
type entry struct{ bucket, k, v []byte }

// userIndexEntries are the index entries of a user: username (with search
// text), email, reports-to and SSH keys.
func userIndexEntries(u *domain.User) []entry {
	out := []entry{{bUserName, lower(u.Username), userNameValue(u)}}
	if u.Email != "" {
		out = append(out, entry{bUserEmail, lower(u.Email), itob(u.ID)})
	}
	if u.ReportsTo != 0 {
		out = append(out, entry{bReports, key(u.ReportsTo, u.ID), nil})
	}
	for _, k := range u.Keys {
		out = append(out, entry{bUserKey, []byte(k.Fingerprint), itob(u.ID)})
	}
	return out
}

// userNameValue is the username index's value: the id, then the lowercase
// names and email, so a search reads the index and decodes no record.
func userNameValue(u *domain.User) []byte {
	return append(itob(u.ID), strings.ToLower(u.First+"\x00"+u.Last+"\x00"+u.Name()+"\x00"+u.Email)...)
}

// userSearchMatch applies R15 to what the username index holds.
func userSearchMatch(q string, k, v []byte) bool {
	if domain.Match(q, string(k)) {
		return true
	}
	if len(v) <= 8 {
		return false
	}
	for _, f := range strings.Split(string(v[8:]), "\x00") {
		if domain.Match(q, f) {
			return true
		}
	}
	return false
}

func putMembership(tx *bolt.Tx, m domain.Membership) error {
	b, err := encJSON(m)
	if err != nil {
		return err
	}
	if err := jput(tx, bMembers, key(m.UserID, m.GroupID), b); err != nil {
		return err
	}
	return kvPut(tx.Bucket(bGroupUser), key(m.GroupID, m.UserID), untilValue(m.Until))
}

// untilValue keeps a membership's expiry in the group→user index, so
// member counts need no record decode; empty means no expiry.
func untilValue(t time.Time) []byte {
	if t.IsZero() {
		return nil
	}
	return itob(uint64(t.UnixNano()))
}

// activeUntil reads untilValue back: is the membership active at now?
func activeUntil(v []byte, now time.Time) bool {
	return len(v) < 8 || now.Before(time.Unix(0, int64(btoi(v))))
}

func deleteMembership(tx *bolt.Tx, user, group domain.ID) error {
	if err := jdel(tx, bMembers, key(user, group)); err != nil {
		return err
	}
	return kvDel(tx.Bucket(bGroupUser), key(group, user))
}

func userSummary(u *domain.User) string {
	s := fmt.Sprintf("%s name=%q email=%s kind=%s status=%s", u.Username, u.Name(), u.Email, u.Kind, u.Status)
	if u.Superuser {
		s += " superuser"
	}
	if len(u.Muted) > 0 {
		muted := make([]string, len(u.Muted))
		for i, e := range u.Muted {
			muted[i] = string(e)
		}
		s += " muted=" + strings.Join(muted, ",")
	}
	return s
}

// canViewUser: Manage Users view, Manage Technicians view for technicians,
// or oneself.
func (r *txn) canViewUser(u *domain.User, a *domain.Access) error {
	if u.ID == r.actor.ID || r.acc.Level(domain.ModUsers) >= domain.LevelView {
		return nil
	}
	if r.acc.Level(domain.ModTechnicians) >= domain.LevelView && a != nil && a.Has(domain.TicketAssignee) {
		return nil
	}
	return domain.Errorf(domain.EForbidden, "%s lacks Manage Users view (users:view) to see %s", r.actor.Username, u.Username)
}

func (r *txn) userInfo(u domain.User, a *domain.Access) domain.UserInfo {
	ui := domain.UserInfo{User: u, Technician: a.Has(domain.TicketAssignee)}
	_ = prefixKeys(r.tx, bMembers, itob(u.ID), func(k []byte) error {
		m, ok, err := getMembership(r.tx, u.ID, btoi(k[8:]))
		if err != nil {
			return err
		}
		if ok && m.Active(r.now) {
			if g, err := getGroup(r.tx, m.GroupID); err == nil {
				ui.Groups = append(ui.Groups, g.Name)
			}
		}
		return nil
	})
	slices.Sort(ui.Groups)
	if u.ReportsTo != 0 {
		if m, err := getUser(r.tx, u.ReportsTo); err == nil {
			ui.ReportsTo = m.Username
		}
	}
	for _, b := range u.Buildings {
		if bb, err := getBuilding(r.tx, b); err == nil {
			ui.Buildings = append(ui.Buildings, bb.Code)
		}
	}
	if err := a.LoginError(); err != nil {
		ui.Inactive = err.Error()
	}
	return ui
}

func (s *session) Users(ctx context.Context, q domain.UserQuery) (domain.UserPage, error) {
	var page domain.UserPage
	err := s.read(func(r *txn) error {
		usersView := r.acc.Level(domain.ModUsers) >= domain.LevelView
		if !usersView && r.acc.Level(domain.ModTechnicians) < domain.LevelView {
			return domain.Errorf(domain.EForbidden, "%s lacks Manage Users view (users:view)", r.actor.Username)
		}
		c := r.tx.Bucket(bUserName).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if q.Search != "" && !userSearchMatch(q.Search, k, v) {
				continue
			}
			if usersView && (page.Total < q.Offset || q.Limit > 0 && len(page.Users) >= q.Limit) {
				page.Total++ // counted from the index alone
				continue
			}
			u, err := getUser(r.tx, btoi(v))
			if errors.Is(err, ErrDamaged) {
				return err
			}
			if err != nil { // an index entry left by a removed user
				continue
			}
			var a domain.Access
			resolved := false
			if !usersView {
				a, resolved = r.accessOf(u), true
				if !a.Has(domain.TicketAssignee) {
					continue
				}
			}
			page.Total++
			if page.Total <= q.Offset || (q.Limit > 0 && len(page.Users) >= q.Limit) {
				continue
			}
			if !resolved {
				a = r.accessOf(u)
			}
			page.Users = append(page.Users, r.userInfo(u, &a))
		}
		return nil
	})
	return page, err
}

func (s *session) User(ctx context.Context, username string) (domain.UserInfo, error) {
	var ui domain.UserInfo
	err := s.read(func(r *txn) error {
		u, err := userByName(r.tx, username)
		if err != nil {
			return err
		}
		a := r.accessOf(u)
		if err := r.canViewUser(&u, &a); err != nil {
			return err
		}
		ui = r.userInfo(u, &a)
		return nil
	})
	return ui, err
}

func (s *session) Memberships(ctx context.Context, username string) ([]domain.MemberInfo, error) {
	var out []domain.MemberInfo
	err := s.read(func(r *txn) error {
		u, err := userByName(r.tx, username)
		if err != nil {
			return err
		}
		a := r.accessOf(u)
		if err := r.canViewUser(&u, &a); err != nil {
			return err
		}
		if err := prefixKeys(r.tx, bMembers, itob(u.ID), func(k []byte) error {
			m, ok, err := getMembership(r.tx, u.ID, btoi(k[8:]))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, r.memberInfo(m))
			}
			return nil
		}); err != nil {
			return err
		}
		return nil
	})
	slices.SortFunc(out, func(a, b domain.MemberInfo) int { return strings.Compare(a.GroupName, b.GroupName) })
	return out, err
}

func (s *session) CreateUser(ctx context.Context, u domain.User) (domain.User, error) {
	return s.createUser(ctx, u, "")
}

// CreateUserWithPassword creates the user and sets a first password in
// the same transaction; the hash is made before it. Like any password set
// by someone else, it is to be changed at the first password login.
func (s *session) CreateUserWithPassword(ctx context.Context, u domain.User, password string) (domain.User, error) {
	if err := s.refuseWrite(); err != nil {
		return u, err
	}
	if err := validatePassword(password); err != nil {
		return u, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return u, err
	}
	return s.createUser(ctx, u, hash)
}

func (s *session) createUser(ctx context.Context, u domain.User, hash string) (domain.User, error) {
	err := s.writeGuarded(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModUsers, domain.LevelEdit); err != nil {
			if w.acc.Level(domain.ModTechnicians) < domain.LevelEdit {
				return domain.Errorf(domain.EForbidden, "%s lacks Manage Users or Manage Technicians (users:edit or technicians:edit) to create users", w.actor.Username)
			}
		}
		if u.Superuser && !w.acc.Superuser {
			return domain.Errorf(domain.EForbidden, "only a superuser grants superuser (R12)")
		}
		u.ID, u.Status, u.Created, u.Terminated = 0, domain.StatusActive, w.now, ""
		w.created(&u.Rev)
		if err := insertUser(w.tx, &u); err != nil {
			return err
		}
		if err := w.checkWithin(u, "create "+u.Username, true); err != nil {
			return err
		}
		if err := w.audit("user", u.ID, u.Username, "create", "", userSummary(&u)); err != nil {
			return err
		}
		if hash == "" {
			return nil
		}
		return w.storePassword(&u, hash, true, "password set", "to change at the first password login")
	})
	return u, err
}

// otherSuperusers counts the active superusers other than id (a byte test
// skips decoding everyone else, as guards do).
func (w *txn) otherSuperusers(id domain.ID) int {
	n := 0
	marker := []byte(`"superuser":true`)
	_ = w.tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
		if btoi(k) == id || !bytes.Contains(v, marker) {
			return nil
		}
		if u, err := getUser(w.tx, btoi(k)); err == nil && u.Superuser && u.Status == domain.StatusActive {
			n++
		}
		return nil
	})
	return n
}

// checkUserEdit: own account fields need Edit Own User Account; anything
// else needs Manage Users / Manage Technicians (domain.CheckManageUser).
func (w *txn) checkUserEdit(before, after *domain.User) error {
	if before.ID == w.actor.ID {
		own := *before
		own.First, own.Last, own.Email, own.Phone, own.StartScreen = after.First, after.Last, after.Email, after.Phone, after.StartScreen
		own.Keys, own.Muted = after.Keys, after.Muted
		if !usersEqual(&own, after) && !w.acc.Superuser {
			// R12: one's own username, kind, buildings, regions or manager
			// widen or move one's own scope; another administrator sets them
			return domain.Errorf(domain.EForbidden, "%s may change only their own name, email, phone, start screen and notification opt-outs; another administrator changes the rest (R12)", w.actor.Username)
		}
		// one's keys and notification opt-outs are one's own to set
		if !w.acc.Has(domain.AccountEditOwn) && !usersEqual(before, after) && !keysOnly(before, after) && !mutedOnly(before, after) {
			return w.acc.Require(domain.AccountEditOwn)
		}
		return nil
	}
	target := w.accessOf(*before)
	if err := domain.CheckManageUser(&w.acc, &target); err != nil {
		return err
	}
	if before.Superuser != after.Superuser && !w.acc.Superuser {
		return domain.Errorf(domain.EForbidden, "only a superuser grants or revokes superuser (R12)")
	}
	return nil
}

// checkWithin enforces R12 on a change to another user's sign-in (keys,
// password, username) or scope (buildings, regions, reports-to,
// memberships, teams, kind, activation): what the user holds once active,
// privileges and buildings, must be within the actor's own, or the actor
// could widen someone they cannot match and then sign in as them.
// Superusers are excepted; one's own account has its own rules
// (checkUserEdit, CheckMembership). Every user-changing path calls it, on
// the user before the change and, where the change can widen, after it in
// the same transaction (an error rolls the change back). what names the
// change for the message: "add an SSH key to bob".
func (w *txn) checkWithin(u domain.User, what string, after bool) error {
	if w.acc.Superuser || u.ID == w.actor.ID {
		return nil
	}
	held := domain.ResolveHeld(loadSubject(w.tx, u, w.now), w.now)
	verb := "holds"
	if after {
		verb = "would hold"
	}
	if missing := domain.ExceedsUser(&w.acc, &held); missing != "" {
		return domain.Errorf(domain.EForbidden, "%s cannot %s: %s %s %s, which %s lacks (R12)",
			w.actor.Username, what, u.Username, verb, missing, w.actor.Username)
	}
	if out := domain.OutsideScope(&w.acc, &held); len(out) > 0 {
		codes := make([]string, len(out))
		for i, id := range out {
			codes[i] = fmt.Sprintf("#%d", id)
			if b, err := getBuilding(w.tx, id); err == nil {
				codes[i] = b.Code
			}
		}
		verb = "has"
		if after {
			verb = "would have"
		}
		return domain.Errorf(domain.EForbidden, "%s cannot %s: %s %s building %s in scope, outside %s's buildings (R12)",
			w.actor.Username, what, u.Username, verb, strings.Join(codes, ", "), w.actor.Username)
	}
	return nil
}

// signInOrScope names the fields of an update that touch the user's
// identity (username, email, kind, password) or scope (R12), or nothing
// when only their name, phone or start screen change. Email is identity:
// notifications go there and mailgate trusts it as the sender.
func signInOrScope(before, after *domain.User) []string {
	var out []string
	if before.Username != after.Username {
		out = append(out, "username")
	}
	if !strings.EqualFold(before.Email, after.Email) {
		out = append(out, "email")
	}
	if before.Kind != after.Kind {
		out = append(out, "kind")
	}
	if !slices.Equal(before.Buildings, after.Buildings) {
		out = append(out, "buildings")
	}
	if !slices.Equal(before.Regions, after.Regions) {
		out = append(out, "regions")
	}
	if before.ReportsTo != after.ReportsTo {
		out = append(out, "reports-to")
	}
	if before.MustChange != after.MustChange {
		out = append(out, "password")
	}
	return out
}

// membershipChange loads the user and group of a join or leave and checks
// it (R3, R12 on the group), then applies the user-management rules to the
// user whose membership changes: technicians need Manage Technicians, a
// superuser a superuser; one's own memberships only the group check.
func (w *txn) membershipChange(username, group string, join bool) (domain.User, domain.Group, error) {
	u, err := userByName(w.tx, username)
	if err != nil {
		return u, domain.Group{}, err
	}
	if err := w.expect("user", u.Username, u.Rev); err != nil {
		return u, domain.Group{}, err
	}
	g, err := groupByName(w.tx, group)
	if err != nil {
		return u, g, err
	}
	if err := domain.CheckMembership(&w.acc, &u, &g, join); err != nil {
		return u, g, err
	}
	if u.ID != w.actor.ID {
		a := w.accessOf(u)
		if err := domain.CheckManageUser(&w.acc, &a); err != nil {
			return u, g, err
		}
		verb := "remove " + u.Username + " from " + g.Name
		if join {
			verb = "add " + u.Username + " to " + g.Name
		}
		if err := w.checkWithin(u, verb, false); err != nil {
			return u, g, err
		}
	}
	return u, g, nil
}

func keysOnly(a, b *domain.User) bool {
	x, y := *a, *b
	x.Keys, y.Keys = nil, nil
	return usersEqual(&x, &y)
}

// mutedOnly: the two differ at most in their notification opt-outs.
func mutedOnly(a, b *domain.User) bool {
	x, y := *a, *b
	x.Muted, y.Muted = nil, nil
	return usersEqual(&x, &y)
}

// usersEqual compares two readings of a user's fields, versions aside.
func usersEqual(a, b *domain.User) bool {
	x, y := *a, *b
	x.Rev, y.Rev = domain.Rev{}, domain.Rev{}
	return fmt.Sprintf("%+v", x) == fmt.Sprintf("%+v", y)
}

func (s *session) UpdateUser(ctx context.Context, id domain.ID, p domain.UserPatch) (domain.User, error) {
	var u domain.User
	err := s.writeGuarded(ctx, func(w *txn) error {
		before, err := getUser(w.tx, id)
		if err != nil {
			return err
		}
		if err := w.expect("user", before.Username, before.Rev); err != nil {
			return err
		}
		u = p.Apply(before)
		// fields with their own commands keep their stored values
		u.Keys, u.MustChange, u.Created, u.Status, u.Terminated = before.Keys, before.MustChange, before.Created, before.Status, before.Terminated
		changes, err := w.revise("user", before.Username, before.ID, &u.Rev, p.Base,
			domain.UserFields(&before, w.names), domain.UserFields(&u, w.names))
		if err != nil || len(changes) == 0 {
			w.audited = w.audited || err == nil // nothing changed: nothing to write
			u = before
			return err
		}
		if err := w.checkUserEdit(&before, &u); err != nil {
			return err
		}
		if before.Superuser && !u.Superuser && w.otherSuperusers(u.ID) == 0 {
			return domain.Errorf(domain.EForbidden, "%s is the only superuser: grant superuser to someone else first, or nobody could (R12)", before.Username)
		}
		fields := signInOrScope(&before, &u)
		what := "change " + before.Username + "'s " + strings.Join(fields, ", ")
		if len(fields) > 0 {
			if err := w.checkWithin(before, what, false); err != nil {
				return err
			}
		}
		if u.Kind != before.Kind {
			if hasPrefix(w.tx, bMembers, itob(u.ID)) {
				return domain.Errorf(domain.EInvalid, "%s has group memberships: remove them before changing kind (R3)", u.Username)
			}
		}
		if err := validateUser(w.tx, &u, &before); err != nil {
			return err
		}
		if err := putUser(w.tx, &u); err != nil {
			return err
		}
		if err := indexUser(w.tx, &before, &u); err != nil {
			return err
		}
		if len(fields) > 0 {
			if err := w.checkWithin(u, what, true); err != nil {
				return err
			}
		}
		if u.Username != before.Username {
			if t, err := teamByName(w.tx, privateTeamName(before.Username)); err == nil {
				if err := kvDel(w.tx.Bucket(bTeamName), lower(t.Name)); err != nil {
					return err
				}
				t.Name = privateTeamName(u.Username)
				if err := w.saveTeam(&t); err != nil {
					return err
				}
				if err := kvPut(w.tx.Bucket(bTeamName), lower(t.Name), itob(t.ID)); err != nil {
					return err
				}
			}
		}
		if u.Username != before.Username {
			if err := w.renameInQueries(before.Username, u.Username); err != nil {
				return err
			}
		}
		return w.auditChanges("user", u.ID, u.Username, "update", changes)
	})
	return u, err
}

func (s *session) Join(ctx context.Context, username, group string, until time.Time, reason string) error {
	return s.JoinGroup(ctx, domain.JoinRequest{Username: username, Group: group, Until: until, Reason: reason})
}

func (s *session) JoinGroup(ctx context.Context, j domain.JoinRequest) error {
	return s.writeGuarded(ctx, func(w *txn) error {
		u, g, b, a, err := w.join(j)
		if err != nil {
			return err
		}
		if err := w.warnBuildingAdmins(j.Confirm); err != nil {
			return err
		}
		return w.audit("membership", u.ID, u.Username+" in "+g.Name, "join", b, a)
	})
}

// heldOf is what u holds once they can log in, at the instant at
// (ResolveHeld): R4's Building Administrator check compares it.
func (w *txn) heldOf(u domain.User, at time.Time) domain.Access {
	return domain.ResolveHeld(loadSubject(w.tx, u, at), at)
}

// elevated collects, within one write, the Building Administrators whose
// memberships the write changed, with what they held before.
type elevated struct {
	users  []domain.User
	before []domain.Access
	at     time.Time // the latest start of a new membership: when they gain it
}

// noteBefore records u's held access before a membership change that
// takes effect at start (zero: now).
func (w *txn) noteBefore(u domain.User, start time.Time) {
	if w.elev == nil {
		w.elev = &elevated{at: w.now}
	}
	if start.After(w.elev.at) {
		w.elev.at = start
	}
	for _, x := range w.elev.users {
		if x.ID == u.ID {
			return
		}
	}
	w.elev.users = append(w.elev.users, u)
	w.elev.before = append(w.elev.before, w.heldOf(u, w.now))
}

// warnBuildingAdmins refuses, unless confirmed, the membership changes
// noted in this write that make Building Administrators full
// administrators (R4), naming who gains what: the users noted by noteBefore.
func (w *txn) warnBuildingAdmins(confirm bool) error {
	e := w.elev
	w.elev = nil
	if e == nil || confirm {
		return nil
	}
	var els []domain.BuildingAdminElevation
	for i, u := range e.users {
		after := w.heldOf(u, e.at)
		if el, ok := domain.ElevatesBuildingAdmin(&e.before[i], &after); ok {
			els = append(els, el)
		}
	}
	return domain.BuildingAdminWarning(els)
}

// membershipText describes a membership for the audit trail.
func membershipText(m domain.Membership) string {
	s := "member"
	if !m.From.IsZero() {
		s += " from " + m.From.Format("2006-01-02 15:04")
	}
	if !m.Until.IsZero() {
		s += " until " + m.Until.Format("2006-01-02 15:04")
	}
	if m.Reason != "" {
		s += " (" + m.Reason + ")"
	}
	return s
}

// join adds a user to a group (or renews the membership) and returns the
// membership's description before and after for the caller's audit event:
// Join, a move, and an approved access request (R18). It notes the user
// for warnBuildingAdmins.
func (w *txn) join(j domain.JoinRequest) (domain.User, domain.Group, string, string, error) {
	u, g, err := w.membershipChange(j.Username, j.Group, true)
	if err != nil {
		return u, g, "", "", err
	}
	if err := domain.CheckLine("reason", j.Reason); err != nil {
		return u, g, "", "", err
	}
	if !j.Until.IsZero() && !j.Until.After(w.now) {
		return u, g, "", "", domain.Errorf(domain.EInvalid, "expiry %s is in the past", j.Until.Format("2006-01-02"))
	}
	if err := checkDate("expiry (--until)", j.Until); err != nil {
		return u, g, "", "", err
	}
	if err := checkDate("start (--from)", j.From); err != nil {
		return u, g, "", "", err
	}
	if !j.From.IsZero() && !j.Until.IsZero() && !j.From.Before(j.Until) {
		return u, g, "", "", domain.Errorf(domain.EInvalid, "start (--from) %s is not before the expiry (--until) %s: the membership would grant nothing",
			j.From.Format("2006-01-02"), j.Until.Format("2006-01-02"))
	}
	before, existed, err := getMembership(w.tx, u.ID, g.ID)
	if err != nil {
		return u, g, "", "", err
	}
	w.noteBefore(u, j.From)
	m := domain.Membership{UserID: u.ID, GroupID: g.ID, GrantedBy: w.actor.ID, GrantedAt: w.now, Reason: j.Reason, Until: j.Until, From: j.From}
	if err := putMembership(w.tx, m); err != nil {
		return u, g, "", "", err
	}
	if err := w.checkWithin(u, "add "+u.Username+" to "+g.Name, true); err != nil {
		return u, g, "", "", err
	}
	b := ""
	if existed {
		b = membershipText(before)
	}
	return u, g, b, membershipText(m), nil
}

// MoveUser ends one membership and grants another in one transaction with
// one audit event ("move"), so no moment exists in which the user holds
// both groups or neither.
func (s *session) MoveUser(ctx context.Context, mv domain.MoveRequest) ([]domain.RuleRef, error) {
	var refs []domain.RuleRef
	err := s.writeGuarded(ctx, func(w *txn) error {
		u, from, err := w.membershipChange(mv.Username, mv.From, false)
		if err != nil {
			return err
		}
		if to, err := groupByName(w.tx, mv.To); err == nil && to.ID == from.ID {
			return domain.Errorf(domain.EInvalid, "move %s: the groups to move from and to are the same (%s)", u.Username, from.Name)
		}
		old, ok, err := getMembership(w.tx, u.ID, from.ID)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Errorf(domain.ENotFound, "%s is not a member of %s", u.Username, from.Name)
		}
		w.noteBefore(u, time.Time{})
		before := w.accessOf(u)
		wasTech := before.Has(domain.TicketAssignee)
		if err := deleteMembership(w.tx, u.ID, from.ID); err != nil {
			return err
		}
		// the new membership keeps the old one's dates: a temporary
		// member stays temporary in the group they move to
		u, to, _, after, err := w.join(domain.JoinRequest{Username: u.Username, Group: mv.To, From: old.From, Until: old.Until, Reason: mv.Reason})
		if err != nil {
			return err
		}
		if err := w.warnBuildingAdmins(mv.Confirm); err != nil {
			return err
		}
		if err := w.audit("membership", u.ID, u.Username+" from "+from.Name+" to "+to.Name, "move",
			from.Name+": "+membershipText(old), to.Name+": "+after); err != nil {
			return err
		}
		// R8 as for leave: a former technician's rules are listed or removed
		if now := w.accessOf(u); wasTech && !now.Has(domain.TicketAssignee) {
			if mv.RemoveRules {
				refs, err = w.removeRulesNaming(u)
				return err
			}
			refs = rulesNaming(w.tx, u.ID)
		}
		return nil
	})
	return refs, err
}

// rulesNaming lists the auto-assign rules that send tickets to user.
func rulesNaming(tx *bolt.Tx, user domain.ID) []domain.RuleRef {
	var out []domain.RuleRef
	_ = tx.Bucket(bBuildings).ForEach(func(k, v []byte) error {
		var b domain.Building
		if decJSON(v, &b) != nil {
			return nil
		}
		for _, r := range b.Rules {
			if r.Tech == user {
				out = append(out, domain.RuleRef{Building: b.Code, ProblemType: r.ProblemType})
			}
		}
		return nil
	})
	return out
}

// removeRulesNaming deletes those rules in the caller's transaction.
func (w *txn) removeRulesNaming(user domain.User) ([]domain.RuleRef, error) {
	refs := rulesNaming(w.tx, user.ID)
	for _, ref := range refs {
		b, err := buildingByCode(w.tx, ref.Building)
		if err != nil {
			return nil, err
		}
		b.Rules = slices.DeleteFunc(b.Rules, func(r domain.AutoAssign) bool { return r.Tech == user.ID })
		if err := putJSON(w.tx, bBuildings, b.ID, b); err != nil {
			return nil, err
		}
		if err := w.audit("building", b.ID, b.Code, "rule remove", ref.ProblemType+" → "+user.Username, ""); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

func (s *session) Leave(ctx context.Context, username, group string, removeRules bool) ([]domain.RuleRef, error) {
	var refs []domain.RuleRef
	err := s.writeGuarded(ctx, func(w *txn) error {
		var err error
		refs, err = w.leave(username, group, removeRules)
		return err
	})
	return refs, err
}

// leave ends username's membership of group with its audit event: Leave,
// and a review's revocation (R19). When the user stops being a technician
// it removes the auto-assign rules naming them, or lists them (R8).
func (w *txn) leave(username, group string, removeRules bool) ([]domain.RuleRef, error) {
	u, g, err := w.membershipChange(username, group, false)
	if err != nil {
		return nil, err
	}
	_, ok, err := getMembership(w.tx, u.ID, g.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.Errorf(domain.ENotFound, "%s is not a member of %s", u.Username, g.Name)
	}
	before := w.accessOf(u)
	wasTech := before.Has(domain.TicketAssignee)
	if err := deleteMembership(w.tx, u.ID, g.ID); err != nil {
		return nil, err
	}
	if err := w.audit("membership", u.ID, u.Username+" in "+g.Name, "leave", "member", ""); err != nil {
		return nil, err
	}
	if after := w.accessOf(u); wasTech && !after.Has(domain.TicketAssignee) {
		if removeRules {
			return w.removeRulesNaming(u)
		}
		return rulesNaming(w.tx, u.ID), nil
	}
	return nil, nil
}

// managedUser loads another user for a change to their activation or
// existence (deactivate, activate, terminate, delete): user management
// and R12 (checkWithin). verb names the change: "deactivate".
func (w *txn) managedUser(username, verb string) (domain.User, error) {
	u, err := userByName(w.tx, username)
	if err != nil {
		return u, err
	}
	if err := w.expect("user", u.Username, u.Rev); err != nil {
		return u, err
	}
	target := w.accessOf(u)
	if u.ID == w.actor.ID {
		return u, domain.RefuseOwnAccount(verb, u.Username)
	}
	if err := domain.CheckManageUser(&w.acc, &target); err != nil {
		return u, err
	}
	return u, w.checkWithin(u, verb+" "+u.Username, false)
}

func (s *session) Deactivate(ctx context.Context, username string, removeRules bool) ([]domain.RuleRef, error) {
	var refs []domain.RuleRef
	err := s.writeGuarded(ctx, func(w *txn) error {
		u, err := w.managedUser(username, "deactivate")
		if err != nil {
			return err
		}
		if u.Status == domain.StatusDeactivated {
			return domain.Errorf(domain.EConflict, "%s is already deactivated", u.Username)
		}
		before := u
		u.Status = domain.StatusDeactivated
		if err := w.saveUser(&u); err != nil {
			return err
		}
		if err := w.audit("user", u.ID, u.Username, "deactivate", userSummary(&before), userSummary(&u)); err != nil {
			return err
		}
		if removeRules {
			refs, err = w.removeRulesNaming(u)
			return err
		}
		refs = rulesNaming(w.tx, u.ID)
		return nil
	})
	return refs, err
}

func (s *session) Activate(ctx context.Context, username string) error {
	return s.writeGuarded(ctx, func(w *txn) error {
		u, err := w.managedUser(username, "activate")
		if err != nil {
			return err
		}
		if u.Status == domain.StatusActive {
			return domain.Errorf(domain.EConflict, "%s is already active", u.Username)
		}
		before := u
		u.Status, u.Terminated = domain.StatusActive, ""
		if err := w.saveUser(&u); err != nil {
			return err
		}
		return w.audit("user", u.ID, u.Username, "activate", userSummary(&before), userSummary(&u))
	})
}

// Terminate off-boards in one transaction (R14): deactivate, end every
// membership, remove auto-assign rules, reassign or unassign open tickets,
// record the reason. Tickets, work reports and history stay.
func (s *session) Terminate(ctx context.Context, username, reason, reassignTo string) (domain.TerminateReport, error) {
	var rep domain.TerminateReport
	err := s.writeGuarded(ctx, func(w *txn) error { return w.terminate(username, reason, reassignTo, &rep) })
	return rep, err
}

// TerminateUsers off-boards several users in one transaction (R14): one
// refusal, named with its user, leaves every account as it was.
func (s *session) TerminateUsers(ctx context.Context, usernames []string, reason, reassignTo string) ([]domain.TerminateReport, error) {
	var reps []domain.TerminateReport
	err := s.writeGuarded(ctx, func(w *txn) error {
		if len(usernames) == 0 {
			return domain.Errorf(domain.EInvalid, "no users to terminate")
		}
		reps = make([]domain.TerminateReport, len(usernames))
		for i, u := range usernames {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := w.terminate(u, reason, reassignTo, &reps[i]); err != nil {
				if domain.ErrorCode(err) == domain.EInternal {
					return err
				}
				return domain.Errorf(domain.ErrorCode(err), "%s: %v; nobody was terminated", u, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return reps, nil
}

// terminate is Terminate's work inside a write, adding to rep.
func (w *txn) terminate(username, reason, reassignTo string, rep *domain.TerminateReport) error {
	if strings.TrimSpace(reason) == "" {
		return domain.Errorf(domain.EInvalid, "a reason is required to terminate %s", username)
	}
	if err := domain.CheckLine("reason", reason); err != nil {
		return err
	}
	u, err := w.managedUser(username, "terminate")
	if err != nil {
		return err
	}
	var to domain.User
	if reassignTo != "" {
		if to, err = userByName(w.tx, reassignTo); err != nil {
			return err
		}
		if to.ID == u.ID {
			return domain.Errorf(domain.EInvalid, "cannot reassign %s's tickets to %s", u.Username, u.Username)
		}
		ta := w.accessOf(to)
		if err := domain.CanAssignTo(&ta); err != nil {
			return err
		}
	}
	before := u
	for _, g := range suffixIDs(w.tx, bMembers, u.ID) {
		grp, _ := getGroup(w.tx, g)
		if err := deleteMembership(w.tx, u.ID, g); err != nil {
			return err
		}
		rep.Memberships++
		if err := w.audit("membership", u.ID, u.Username+" in "+grp.Name, "leave", "member", "terminated: "+reason); err != nil {
			return err
		}
	}
	if rep.Rules, err = w.removeRulesNaming(u); err != nil {
		return err
	}
	for _, n := range suffixIDs(w.tx, bTAssignee, u.ID) {
		t, ok, err := getTicket(w.tx, domain.TicketNumber(n))
		if err != nil {
			return err
		}
		if !ok || !t.Status.Open() {
			continue
		}
		old := t
		if to.ID != 0 {
			t.Assignee = to.ID
			if t.Status == domain.StatusInProgress {
				t.Status = domain.StatusAssigned
			}
			rep.Reassigned = append(rep.Reassigned, domain.TicketNumber(uint64(t.Number)))
			err = w.saveTicket(&old, &t, "reassign", u.Username+" → "+to.Username, "terminated: "+reason)
		} else {
			t.Assignee, t.Status = 0, domain.StatusNew
			rep.Unassigned = append(rep.Unassigned, domain.TicketNumber(uint64(t.Number)))
			err = w.saveTicket(&old, &t, "unassign", u.Username+" → nobody", "terminated: "+reason)
		}
		if err != nil {
			return err
		}
	}
	u.Status, u.Terminated = domain.StatusDeactivated, reason
	if err := w.saveUser(&u); err != nil {
		return err
	}
	return w.audit("user", u.ID, u.Username, "terminate", userSummary(&before), userSummary(&u)+" reason="+reason)
}

// DeleteUser refuses users that tickets or work reports name (R8).
func (s *session) DeleteUser(ctx context.Context, username string) error {
	return s.writeGuarded(ctx, func(w *txn) error {
		u, err := w.managedUser(username, "delete")
		if err != nil {
			return err
		}
		if u.ID == metaID(w.tx, keyOwner) {
			return domain.Errorf(domain.EForbidden, "%s is the owner account and cannot be deleted", u.Username)
		}
		var refs []string
		if n := len(suffixIDs(w.tx, bTAssignee, u.ID)) + len(suffixIDs(w.tx, bTReporter, u.ID)); n > 0 {
			refs = append(refs, fmt.Sprintf("%d tickets", n))
		}
		if hasPrefix(w.tx, bWorkUser, itob(u.ID)) {
			refs = append(refs, "work reports")
		}
		if len(refs) > 0 {
			return domain.Errorf(domain.EConflict, "%s is referenced by %s and cannot be deleted: deactivate them instead (gatehouse user deactivate %s) (R8)",
				u.Username, strings.Join(refs, " and "), u.Username)
		}
		for _, g := range suffixIDs(w.tx, bMembers, u.ID) {
			if err := deleteMembership(w.tx, u.ID, g); err != nil {
				return err
			}
		}
		for _, t := range suffixIDs(w.tx, bUserTeam, u.ID) {
			if err := removeTeamMember(w.tx, t, u.ID); err != nil {
				return err
			}
			if team, err := getTeam(w.tx, t); err == nil && team.Type == domain.TeamPrivate && team.Owner == u.ID {
				for _, m := range suffixIDs(w.tx, bTeamUser, t) {
					if err := removeTeamMember(w.tx, t, m); err != nil {
						return err
					}
				}
				if err := kvDel(w.tx.Bucket(bTeamName), lower(team.Name)); err != nil {
					return err
				}
				if err := kvDel(w.tx.Bucket(bTeams), itob(t)); err != nil {
					return err
				}
			}
		}
		for _, sub := range suffixIDs(w.tx, bReports, u.ID) {
			if s, err := getUser(w.tx, sub); err == nil {
				old := s
				s.ReportsTo = 0
				if err := w.saveUser(&s); err != nil {
					return err
				}
				if err := indexUser(w.tx, &old, &s); err != nil {
					return err
				}
			}
		}
		if _, err := w.removeRulesNaming(u); err != nil {
			return err
		}
		if err := indexUser(w.tx, &u, nil); err != nil {
			return err
		}
		if err := jdel(w.tx, bUsers, itob(u.ID)); err != nil {
			return err
		}
		return w.audit("user", u.ID, u.Username, "delete", userSummary(&u), "")
	})
}

// keyTarget: a user manages their own keys; another's keys need user
// management and R12 (checkWithin), since a key is a way to sign in as them.
func (w *txn) keyTarget(username, verb string) (domain.User, error) {
	u, err := userByName(w.tx, username)
	if err != nil {
		return u, err
	}
	if err := w.expect("user", u.Username, u.Rev); err != nil || u.ID == w.actor.ID {
		return u, err
	}
	target := w.accessOf(u)
	if err := domain.CheckManageUser(&w.acc, &target); err != nil {
		return u, err
	}
	return u, w.checkWithin(u, verb+" "+u.Username, false)
}

func (s *session) AddKey(ctx context.Context, username string, k domain.SSHKey) error {
	return s.write(ctx, func(w *txn) error {
		u, err := w.keyTarget(username, "add an SSH key to")
		if err != nil {
			return err
		}
		if k.Fingerprint == "" || k.Key == "" {
			return domain.Errorf(domain.EInvalid, "the key is empty")
		}
		if err := domain.CheckLine("key comment", k.Comment); err != nil {
			return err
		}
		if id := btoi(w.tx.Bucket(bUserKey).Get([]byte(k.Fingerprint))); id != 0 {
			owner, _ := getUser(w.tx, id)
			return domain.Errorf(domain.EConflict, "key %s is already registered to %s", k.Fingerprint, owner.Username)
		}
		k.Added = w.now
		u.Keys = append(u.Keys, k)
		if err := w.saveUser(&u); err != nil {
			return err
		}
		if err := kvPut(w.tx.Bucket(bUserKey), []byte(k.Fingerprint), itob(u.ID)); err != nil {
			return err
		}
		return w.audit("user", u.ID, u.Username, "key add", "", k.Fingerprint+" "+k.Comment)
	})
}

func (s *session) RemoveKey(ctx context.Context, username, fingerprint string) error {
	return s.write(ctx, func(w *txn) error {
		u, err := w.keyTarget(username, "remove an SSH key of")
		if err != nil {
			return err
		}
		i := slices.IndexFunc(u.Keys, func(k domain.SSHKey) bool { return k.Fingerprint == fingerprint })
		if i < 0 {
			return domain.Errorf(domain.ENotFound, "%s has no key %s", u.Username, fingerprint)
		}
		u.Keys = slices.Delete(u.Keys, i, i+1)
		if err := w.saveUser(&u); err != nil {
			return err
		}
		if err := kvDel(w.tx.Bucket(bUserKey), []byte(fingerprint)); err != nil {
			return err
		}
		return w.audit("user", u.ID, u.Username, "key remove", fingerprint, "")
	})
}

package console

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// Field indexes of the user form.
const (
	ufUsername = iota
	ufFirst
	ufLast
	ufEmail
	ufPhone
	ufReportsTo
	ufStartScreen
	ufKind // new users only; Superuser and Password follow (superField, pwField)
)

// Field indexes of the membership form (join and bulk join/leave).
const (
	mfGroup = iota
	mfStart
	mfUntil
	mfReason
)

// Field indexes of the terminate form.
const (
	tfReason = iota
	tfReassign
)

type userFormMode uint8

const (
	userNew userFormMode = iota
	userEdit
	userJoin
	userBulkJoin
	userBulkLeave
	userTerminate
)

// usersScreen is the paged, filterable user list (R15 search), with
// create/edit forms, memberships, deactivate, terminate and delete, and bulk
// join/leave/deactivate over selected rows.
type usersScreen struct {
	c      *Common
	table  *table
	page   domain.UserPage
	offset int
	seq    uint64 // the newest page read; older ones are dropped
	// selectAfter is the row to land on when the next page arrives
	selectAfter string
	refetch     bool // the page size changed: pendingLoad reads again
	search      string
	filter      textinput.Model
	filterOn    bool
	// filterWas is the search in force when / was pressed
	filterWas string
	form      *form
	mode      userFormMode
	target    domain.UserInfo // edited or opened user
	targets   []string        // bulk action users
	detail    *table          // memberships of target, when open
	// opened is the user the edit form opened with: its patch is the
	// fields the form changes, based on this version (a reload of the
	// detail meanwhile does not move it)
	opened   domain.User
	conflict *conflictView
	// superField and pwField are the form's Superuser toggle and first
	// Password field, when it has them (-1 otherwise)
	superField, pwField int
	w, h                int
}

func newUsersScreen(c *Common) *usersScreen {
	s := &usersScreen{c: c, table: newTable(c, "no users match",
		column{title: "Username", width: 14, flex: 1},
		column{title: "Name", width: 16, flex: 2},
		column{title: "Groups", width: 16, flex: 3},
		column{title: "Status", width: 11},
		column{title: "Kind", width: 10}),
		detail: newTable(c, "no memberships: n joins a group (the user is inactive, R2)",
			column{title: "Group", width: 16, flex: 2},
			column{title: "Granted by", width: 12},
			column{title: "Since", width: 10},
			column{title: "Through", width: 18},
			column{title: "Reason", width: 8, flex: 2}),
	}
	s.filter = textinput.New()
	s.filter.Prompt = "/"
	s.filter.Placeholder = "search (prefix, % wildcard)"
	st := s.filter.Styles()
	st.Cursor.Blink = false
	s.filter.SetStyles(st)
	return s
}

func (s *usersScreen) pageSize() int { return max(1, s.h-3) }

func userStatus(u domain.UserInfo) string {
	switch {
	case u.Status == domain.StatusDeactivated:
		return "deactivated"
	case u.Inactive != "":
		return "inactive"
	}
	return "active"
}

func userKind(u domain.UserInfo) string {
	switch {
	case u.Superuser:
		return "superuser"
	case u.Technician:
		return "technician"
	}
	return u.Kind.String()
}

// Reload returns the command that reads the page (and the open user);
// only the newest read is shown, so typing a filter never shows an older
// search's rows.
func (s *usersScreen) Reload() tea.Cmd {
	s.refetch = false
	s.seq++
	seq, q := s.seq, domain.UserQuery{Search: s.search, Offset: s.offset, Limit: s.pageSize()}
	detail := s.readDetail()
	return s.c.load(s, func() func() tea.Cmd {
		page, err := s.c.Svc.Users(s.c.Ctx, q)
		if err == nil && len(page.Users) == 0 && q.Offset > 0 && page.Total > 0 {
			q.Offset = max(0, page.Total-q.Limit)
			page, err = s.c.Svc.Users(s.c.Ctx, q)
		}
		show := detail()
		return func() tea.Cmd {
			if seq == s.seq {
				s.apply(q.Offset, page, err)
				show()
			}
			return nil
		}
	})
}

// pendingLoad reads again after a resize changed the page size.
func (s *usersScreen) pendingLoad() tea.Cmd {
	if !s.refetch {
		return nil
	}
	return s.Reload()
}

func (s *usersScreen) apply(offset int, page domain.UserPage, err error) {
	if err != nil {
		s.c.Fail(err)
		return
	}
	s.offset = offset
	s.page = page
	keys := make([]string, len(page.Users))
	rows := make([][]string, len(page.Users))
	for i, u := range page.Users {
		keys[i] = u.Username
		rows[i] = []string{u.Username, u.Name(), u.GroupColumn(), userStatus(u), userKind(u)}
	}
	s.table.SetRows(keys, rows)
	if s.selectAfter != "" {
		s.table.SelectKey(s.selectAfter)
		s.selectAfter = ""
	}
}

// openDetail returns the command that reads the user opened with enter;
// keys typed until the detail shows wait for it.
func (s *usersScreen) openDetail() tea.Cmd {
	detail := s.readDetail()
	return s.c.open(s, func() func() tea.Cmd {
		show := detail()
		return func() tea.Cmd { show(); return nil }
	})
}

// readDetail captures the open user (in Update); the function it returns
// reads them off the loop and returns what shows them.
func (s *usersScreen) readDetail() func() func() {
	name := s.target.Username
	return func() func() {
		if name == "" {
			return func() {}
		}
		ui, uErr := s.c.Svc.User(s.c.Ctx, name)
		var ms []domain.MemberInfo
		var err error
		if uErr == nil {
			ms, err = s.c.Svc.Memberships(s.c.Ctx, ui.Username)
		}
		return func() {
			if s.target.Username != name {
				return // closed or another user opened meanwhile
			}
			s.showDetail(ui, uErr, ms, err)
		}
	}
}

func (s *usersScreen) showDetail(ui domain.UserInfo, uErr error, ms []domain.MemberInfo, err error) {
	if uErr != nil {
		s.target = domain.UserInfo{}
		s.c.Fail(uErr)
		return
	}
	s.target = ui
	if err != nil {
		s.c.Fail(err)
		return
	}
	keys := make([]string, len(ms))
	rows := make([][]string, len(ms))
	for i, m := range ms {
		until := s.c.lastDay(m.Until)
		if m.Expired {
			until += " (expired)"
		}
		keys[i] = m.GroupName
		rows[i] = []string{m.GroupName, dash(m.GrantedBy), s.c.date(m.GrantedAt), until, pendingReason(s.c, m)}
	}
	s.detail.SetRows(keys, rows)
}

func (s *usersScreen) Dirty() bool     { return s.conflict != nil }
func (s *usersScreen) Capturing() bool { return s.conflict == nil && (s.form != nil || s.filterOn) }

// Hint says why the highlighted user cannot log in (R2, deactivated).
func (s *usersScreen) Hint() string {
	if u, ok := s.current(); ok && u.Inactive != "" && s.target.Username == "" {
		return u.Username + " cannot log in: " + u.Inactive
	}
	return ""
}

func (s *usersScreen) SetSize(w, h int) {
	resized := h != s.h
	s.w, s.h = w, h
	s.table.SetSize(w, h-1)
	s.detail.SetSize(w, h-5)
	s.filter.SetWidth(max(10, min(30, w/3)))
	if s.form != nil {
		s.form.SetSize(w, h)
	}
	if s.conflict != nil {
		s.conflict.SetSize(w, h)
	}
	if resized {
		s.refetch = true // SetSize returns no command: pendingLoad reads
	}
}

func (s *usersScreen) current() (domain.UserInfo, bool) {
	k := s.table.Key()
	for _, u := range s.page.Users {
		if u.Username == k {
			return u, true
		}
	}
	return domain.UserInfo{}, false
}

var startScreens = []string{"", "home", "tickets", "groups", "users", "teams", "buildings", "review", "audit", "settings"}

func (s *usersScreen) openForm(mode userFormMode, u domain.UserInfo) {
	switch mode {
	case userNew:
		if s.c.Access.Level(domain.ModTechnicians) < domain.LevelEdit && !s.c.canEdit(domain.ModUsers) {
			return
		}
	case userEdit, userTerminate, userJoin:
		if !s.c.mayManage(u) {
			return
		}
	case userBulkJoin, userBulkLeave:
		if s.c.Access.Level(domain.ModGroups) < domain.LevelEdit && !s.c.canEdit(domain.ModUsers) {
			return
		}
	}
	s.mode = mode
	s.target = u
	s.opened = u.User
	email := func(v string) error { return domain.ValidateEmail(v) }
	optUser := func(v string) error {
		if v == "" {
			return nil
		}
		return domain.ValidateUsername(v)
	}
	groupName := func(v string) error { return domain.ValidateName("group", v) }
	switch mode {
	case userNew, userEdit:
		title := "New user"
		if mode == userEdit {
			title = "Edit user " + u.Username
		}
		s.form = newForm(s.c, title).
			text("Username", u.Username, "letters, digits . _ - @", domain.ValidateUsername).
			text("First name", u.First, "", nil).
			text("Last name", u.Last, "", nil).
			text("Email", u.Email, "optional", email).
			text("Phone", u.Phone, "optional", nil).
			pickText("Reports to", u.ReportsTo, "username (optional)", optUser, s.c.userChoices).
			choose("Start screen", startScreens, u.StartScreen)
		s.superField, s.pwField = -1, -1
		if mode == userNew {
			s.form.choose("Kind", []string{"standard", "restricted"}, "standard")
		}
		// only a superuser grants or revokes superuser (R12)
		if s.c.Access.Superuser {
			s.superField = len(s.form.fields)
			s.form.toggle("Superuser", u.Superuser)
		}
		if mode == userNew {
			s.pwField = len(s.form.fields)
			s.form.secret("Password", "optional, 8+ characters").secret("Confirm", "the password again")
			s.form.note = "New users belong to the base group of their kind at once (R1); join a group to make them active (R2). A password set here is changed at the first login."
		}
	case userJoin, userBulkJoin:
		s.form = newForm(s.c, "Join a group: "+strings.Join(s.targets, ", ")).
			pickText("Group", "", "group name", groupName, s.c.groupChoices).
			text("From", "", "YYYY-MM-DD (optional)", s.c.validFrom).
			text("Until", "", "YYYY-MM-DD (optional)", s.c.validUntil).
			text("Reason", "", "optional", nil)
		s.form.note = "The membership grants nothing before From and lasts through Until, days in the organization's time zone."
	case userBulkLeave:
		s.form = newForm(s.c, "Leave a group: "+strings.Join(s.targets, ", ")).
			pickText("Group", "", "group name", groupName, s.c.groupChoices)
	case userTerminate:
		who := u.Username
		if len(s.targets) > 1 {
			who = strings.Join(s.targets, ", ")
		}
		s.form = newForm(s.c, "Terminate "+who+" (R14)").
			text("Reason", "", "required", func(v string) error { return domain.ValidateName("reason", v) }).
			pickText("Reassign to", "", "username, or empty to unassign", optUser, s.c.userChoices)
		s.form.note = "Deactivates the user, ends every membership, removes their auto-assign rules and reassigns their open tickets. History is kept."
	}
	s.form.SetSize(s.w, s.h)
}

// userFromForm builds the user the form describes, from the one it opened
// with; the reports-to username is returned for the save's command to
// resolve (a service read).
func (s *usersScreen) userFromForm() (domain.User, string) {
	f := s.form
	u := s.opened
	u.Username, u.First, u.Last = f.Value(ufUsername), f.Value(ufFirst), f.Value(ufLast)
	u.Email, u.Phone, u.StartScreen = f.Value(ufEmail), f.Value(ufPhone), f.Value(ufStartScreen)
	u.ReportsTo = 0
	if s.mode == userNew && f.Value(ufKind) == "restricted" {
		u.Kind = domain.KindRestricted
	}
	if s.superField >= 0 {
		u.Superuser = f.On(s.superField)
	}
	return u, f.Value(ufReportsTo)
}

// renames reports whether the user form changes the login of the user
// it edits: saving asks first.
func (s *usersScreen) renames() bool {
	return s.mode == userEdit && s.form.Value(ufUsername) != s.opened.Username
}

// askRename asks before a save that renames a login; yes saves, no goes
// back to the form with everything typed.
func (s *usersScreen) askRename() tea.Cmd {
	f := s.form
	q := fmt.Sprintf("Rename the login %s to %s? They sign in (SSH, mail) with the new name.", s.opened.Username, f.Value(ufUsername))
	return ask(q, func() tea.Msg { return userRenameMsg{form: f} })
}

// userRenameMsg saves the user form after "rename the login?".
type userRenameMsg struct{ form *form }

func (s *usersScreen) submit() tea.Cmd { return s.submitAs(resolution{}) }

// submitAs saves the open form; res is a conflict's answer for an edit.
func (s *usersScreen) submitAs(res resolution) tea.Cmd {
	f := s.form
	switch s.mode {
	case userNew, userEdit:
		u, reportsTo := s.userFromForm()
		pw := ""
		if s.pwField >= 0 {
			pw = f.Raw(s.pwField)
			if pw != f.Raw(s.pwField+1) {
				s.c.Fail(domain.Errorf(domain.EInvalid, "password: the two entries differ"))
				return nil
			}
		}
		mode, orig := s.mode, s.opened
		// the save runs in the command; userSavedMsg closes the form
		return func() tea.Msg {
			if reportsTo != "" {
				boss, err := s.c.Svc.User(s.c.Ctx, reportsTo)
				if err != nil {
					return userSavedMsg{form: f, err: err}
				}
				u.ReportsTo = boss.ID
			}
			var err error
			switch {
			case mode == userNew && pw != "":
				u, err = s.c.Svc.CreateUserWithPassword(s.c.Ctx, u, pw)
			case mode == userNew:
				u, err = s.c.Svc.CreateUser(s.c.Ctx, u)
			default:
				// the fields the form changed, on the version it opened
				p := domain.DiffUser(orig, u)
				if res.onto(&p.Base, &p) {
					return userSavedMsg{form: f, user: orig.Username, ok: "nothing left to save: user " + orig.Username + " keeps what is stored", open: true, u: orig}
				}
				u, err = s.c.Svc.UpdateUser(s.c.Ctx, u.ID, p)
			}
			return userSavedMsg{form: f, user: u.Username, ok: "saved user " + u.Username, err: err,
				open: mode == userEdit, edit: mode == userEdit, u: u, res: res}
		}
	case userJoin, userBulkJoin:
		until, err := s.c.parseUntil(f.Value(mfUntil))
		if err != nil {
			s.c.Fail(err) // the form stays, with what was typed
			return nil
		}
		from, err := s.c.parseFrom(f.Value(mfStart))
		if err != nil {
			s.c.Fail(err)
			return nil
		}
		return s.join(domain.JoinRequest{Group: f.Value(mfGroup), From: from, Until: until, Reason: f.Value(mfReason)}, s.targets)
	case userBulkLeave:
		group := f.Value(mfGroup)
		return s.bulk(fmt.Sprintf("left %s", group), func(u string) error {
			_, err := s.c.Svc.Leave(s.c.Ctx, u, group, len(rulesNaming(s.c, u)) > 0)
			return err
		})
	case userTerminate:
		if len(s.targets) > 1 {
			// all of them in one transaction, or none: a refusal names the
			// user it is about and nobody is terminated (R14)
			users, reason, to := slices.Clone(s.targets), f.Value(tfReason), f.Value(tfReassign)
			return func() tea.Msg {
				_, err := s.c.Svc.TerminateUsers(s.c.Ctx, users, reason, to)
				return userSavedMsg{form: f, ok: "terminated " + strings.Join(users, ", "), err: err}
			}
		}
		name, reason, to := s.target.Username, f.Value(tfReason), f.Value(tfReassign)
		return func() tea.Msg {
			rep, err := s.c.Svc.Terminate(s.c.Ctx, name, reason, to)
			return userSavedMsg{form: f, ok: fmt.Sprintf("terminated %s: %s ended, %s removed, %s reassigned, %d unassigned",
				name, plural(rep.Memberships, "membership"), plural(len(rep.Rules), "rule"), plural(len(rep.Reassigned), "ticket"), len(rep.Unassigned)), err: err}
		}
	}
	return nil
}

// parseFrom reads a membership's start: the beginning of that day in the
// organization's zone (domain.ParseFrom); "" is at once.
func (c *Common) parseFrom(s string) (time.Time, error) {
	return domain.ParseFrom("From", s, c.zone())
}

func (c *Common) validFrom(s string) error {
	_, err := c.parseFrom(s)
	return err
}

// pendingReason is a membership's Reason column, led by its start when it
// has not started (it grants nothing before): the widest column says it.
func pendingReason(c *Common, m domain.MemberInfo) string {
	if !m.Pending {
		return dash(m.Reason)
	}
	r := "starts " + c.date(m.From)
	if m.Reason != "" {
		r += " · " + m.Reason
	}
	return r
}

// joinConfirmMsg re-runs a join, confirmed, for the users the R4 question
// named: Building Administrators who would become full administrators.
type joinConfirmMsg struct {
	req   domain.JoinRequest
	users []string
}

// join adds the users to the group in one command off the Update loop.
// Those whom the store refuses with the R4 warning (a Building
// Administrator would become a full administrator) are asked about
// afterwards, naming who gains what; yes joins them confirmed.
func (s *usersScreen) join(req domain.JoinRequest, users []string) tea.Cmd {
	f, users := s.form, slices.Clone(users)
	return func() tea.Msg {
		m := userBulkMsg{form: f, done: "joined " + req.Group}
		for _, u := range users {
			r := req
			r.Username = u
			switch err := s.c.Svc.JoinGroup(s.c.Ctx, r); {
			case domain.IsWarning(err) && !req.Confirm:
				m.warned, m.warnings = append(m.warned, u), append(m.warnings, errText(err))
			case err != nil:
				m.failed = append(m.failed, errText(err))
			default:
				m.ok = append(m.ok, u)
			}
		}
		if len(m.warned) > 0 {
			req.Confirm = true
			m.confirm = &req
		}
		return m
	}
}

// userSavedMsg is the outcome of a user form's save: on err the form
// stays with what was typed; otherwise it closes and the list lands on
// user (open: its detail shows).
type userSavedMsg struct {
	form     *form
	user, ok string
	err      error
	open     bool
	// edit: the edit form's save (a conflict opens the conflict view);
	// u is the user saved, the next edit's base
	edit bool
	u    domain.User
	res  resolution
}

func (s *usersScreen) saved(m userSavedMsg) tea.Cmd {
	if m.err != nil {
		resend := func(r resolution) tea.Cmd { return s.c.saving(s, s.submitAs(r)) }
		discard := func() tea.Cmd {
			s.form, s.target = nil, domain.UserInfo{}
			return s.Reload()
		}
		e := edit{what: "user " + s.opened.Username, view: &s.conflict, w: s.w, h: s.h, res: m.res, resend: resend, discard: discard}
		if !m.edit || m.form != s.form || !catchConflict(s.c, m.err, e) {
			s.c.Fail(m.err)
		}
		return nil
	}
	if m.edit {
		// the note is made here, in Update: it reads the zone
		m.ok = s.c.savedNote(m.u.Username, m.u.Rev, m.ok, m.res)
	}
	s.c.Ok("%s", m.ok)
	if m.form == s.form {
		s.form = nil
	}
	s.target = domain.UserInfo{}
	if m.open {
		// the saved user until the detail is read again: an edit opened
		// meanwhile starts from this version
		s.target.User = m.u
		s.target.Username = m.user
	}
	if m.user != "" {
		s.table.SelectKey(m.user)
		s.selectAfter = m.user
	}
	return s.Reload()
}

// userBulkMsg is the outcome of a bulk action for the form that started it.
type userBulkMsg struct {
	form       *form
	done       string
	ok, failed []string
	// warned are the users a join would make full administrators (R4):
	// confirm re-runs the join for them after the question
	warned, warnings []string
	confirm          *domain.JoinRequest
}

// bulk returns one command that runs fn for every target off the Update
// loop; on any refusal the form stays open with the reasons (one per row),
// and the users that succeeded are reported too.
func (s *usersScreen) bulk(done string, fn func(user string) error) tea.Cmd {
	f, targets := s.form, slices.Clone(s.targets)
	return func() tea.Msg {
		m := userBulkMsg{form: f, done: done}
		for _, u := range targets {
			if err := fn(u); err != nil {
				m.failed = append(m.failed, errText(err))
			} else {
				m.ok = append(m.ok, u)
			}
		}
		return m
	}
}

// bulkDone shows a bulk action's outcome and reads the page again.
func (s *usersScreen) bulkDone(m userBulkMsg) tea.Cmd {
	if len(m.failed) == 0 && m.form == s.form {
		s.form = nil
	}
	if len(m.failed) > 0 {
		msg := strings.Join(m.failed, "; ")
		if len(m.ok) > 0 {
			msg = fmt.Sprintf("%s %s; refused: %s", strings.Join(m.ok, ", "), m.done, msg)
		}
		s.c.Fail(domain.Errorf(domain.EInvalid, "%s", msg))
		return s.Reload()
	}
	if len(m.ok) > 0 {
		s.c.Ok("%s %s", strings.Join(m.ok, ", "), m.done)
	}
	s.table.ClearSelection()
	if m.confirm != nil {
		req, users := *m.confirm, m.warned
		return tea.Batch(s.Reload(), ask(strings.Join(m.warnings, "\n"), func() tea.Msg { return joinConfirmMsg{req: req, users: users} }))
	}
	return s.Reload()
}

// deactivate asks first, naming the auto-assign rules that name the
// users and removing them in the same transaction (R8).
func (s *usersScreen) deactivate(users []string) tea.Cmd {
	// the rules are read in the command, off the Update loop
	return func() tea.Msg { return s.deactivateAsk(users)() }
}

func (s *usersScreen) deactivateAsk(users []string) tea.Cmd {
	var rules []string
	for _, u := range users {
		rules = append(rules, rulesNaming(s.c, u)...)
	}
	q := fmt.Sprintf("Deactivate %s? They can no longer log in.", strings.Join(users, ", "))
	if len(rules) > 0 {
		q += "\nAuto-assign rules naming them are removed too: " + strings.Join(rules, ", ") + " (R8)"
	}
	return ask(q, func() tea.Msg {
		var errs []string
		for _, u := range users {
			if _, err := s.c.Svc.Deactivate(s.c.Ctx, u, len(rules) > 0); err != nil {
				errs = append(errs, errText(err))
			}
		}
		if len(errs) > 0 {
			return doneMsg{err: domain.Errorf(domain.EInvalid, "%s", strings.Join(errs, "; "))}
		}
		return doneMsg{ok: "deactivated " + strings.Join(users, ", ")}
	})
}

// remove deletes a user; on the R8 refusal it offers deactivation.
func (s *usersScreen) remove(user string) tea.Cmd {
	return ask(fmt.Sprintf("Delete user %s? This cannot be undone.", user), func() tea.Msg {
		err := s.c.Svc.DeleteUser(s.c.Ctx, user)
		switch {
		case err == nil:
			return doneMsg{ok: "deleted user " + user}
		case domain.ErrorCode(err) == domain.EConflict:
			return askMsg{question: errText(err) + "\n\nDeactivate " + user + " instead?", err: err,
				yes: s.deactivateNow(user)}
		}
		return doneMsg{err: err}
	})
}

func (s *usersScreen) deactivateNow(user string) tea.Cmd {
	return func() tea.Msg {
		if _, err := s.c.Svc.Deactivate(s.c.Ctx, user, false); err != nil {
			return doneMsg{err: err}
		}
		return doneMsg{ok: "deactivated " + user}
	}
}

// mayManageAny is nil when the actor may change some users (Manage Users
// or Manage Technicians), else the refusal naming both.
func (s *usersScreen) mayManageAny() error {
	a := &s.c.Access
	if a.Level(domain.ModUsers) >= domain.LevelEdit || a.Level(domain.ModTechnicians) >= domain.LevelEdit {
		return nil
	}
	return domain.Errorf(domain.EForbidden, "%s lacks Manage Users or Manage Technicians edit (users:edit or technicians:edit)", a.Username)
}

// manageRefusal is nil when the actor may change u (domain.CheckManageUser on
// what the list knows of u: technician, superuser), else the refusal; the
// store decides again on save.
func (s *usersScreen) manageRefusal(u domain.UserInfo) error {
	t := domain.Access{UserID: u.ID, Username: u.Username, Superuser: u.Superuser}
	if u.Technician {
		t.Flags.Add(domain.TicketAssignee)
	}
	return domain.CheckManageUser(&s.c.Access, &t)
}

func (s *usersScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case joinConfirmMsg:
		return s.join(m.req, m.users)
	case userBulkMsg:
		return s.bulkDone(m)
	case userSavedMsg:
		return s.saved(m)
	case userRenameMsg:
		if m.form != s.form || s.form == nil {
			return nil
		}
		return s.c.saving(s, s.submit())
	}
	if cmd, ok := updateConflict(&s.conflict, msg); ok {
		return cmd
	}
	if s.form != nil {
		submit, cancel, cmd := s.form.Update(msg)
		switch {
		case cancel:
			s.form = nil
			if s.mode == userNew || s.mode == userEdit || s.mode == userTerminate {
				s.target = domain.UserInfo{}
			}
		case submit && s.renames():
			return tea.Batch(cmd, s.askRename())
		case submit:
			return s.c.saving(s, s.submit())
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	n, l := s.c.Keys.Nav, s.c.Keys.List
	if s.filterOn {
		switch {
		case key.Matches(k, n.Back):
			// esc cancels the edit: back to the filter from before /
			s.filterOn = false
			s.filter.SetValue(s.filterWas)
		case key.Matches(k, n.Open):
			s.filterOn = false
			return nil
		default:
			var cmd tea.Cmd
			s.filter, cmd = s.filter.Update(msg)
			s.search, s.offset = strings.TrimSpace(s.filter.Value()), 0
			return tea.Batch(cmd, s.Reload())
		}
		s.search, s.offset = strings.TrimSpace(s.filter.Value()), 0
		s.filter.Blur()
		return s.Reload()
	}
	if s.target.Username != "" {
		return s.updateDetail(k)
	}
	switch {
	case key.Matches(k, n.PageDown):
		if s.offset+s.pageSize() < s.page.Total {
			s.offset += s.pageSize()
			return s.Reload()
		}
		return nil
	case key.Matches(k, n.PageUp):
		s.offset = max(0, s.offset-s.pageSize())
		return s.Reload()
	case s.table.Update(msg):
		return nil
	case key.Matches(k, n.Filter):
		s.filterOn, s.filterWas = true, s.filter.Value()
		return s.filter.Focus()
	case key.Matches(k, l.New):
		s.openForm(userNew, domain.UserInfo{}) // refuses first without users:edit or technicians:edit
		return nil
	case key.Matches(k, s.c.Keys.Import.Open):
		return openImport(s.c)
	case key.Matches(k, l.Select):
		s.table.ToggleSelect()
		return nil
	case key.Matches(k, n.Back) && len(s.table.selected) == 0 && s.search != "":
		// esc on a filtered list drops the filter
		s.filter.SetValue("")
		s.search, s.offset = "", 0
		return s.Reload()
	case key.Matches(k, n.Back):
		s.table.ClearSelection()
		return nil
	}
	u, has := s.current()
	if !has {
		return nil
	}
	if s.changes(k) && !s.c.allow(s.mayDo(k, u, false)) {
		return nil
	}
	if !s.c.allow(s.ownAccount(k, u)) {
		return nil
	}
	switch {
	case key.Matches(k, n.Open):
		s.target = u
		return s.openDetail()
	case key.Matches(k, l.Edit):
		s.openForm(userEdit, u)
	case (key.Matches(k, l.Deactivate) || key.Matches(k, l.Delete)) && !s.c.mayManage(u):
	case key.Matches(k, l.Deactivate):
		sel := s.table.Selected()
		if len(sel) == 1 && u.Status == domain.StatusDeactivated && sel[0] == u.Username {
			name := u.Username
			return ask("Activate "+name+"?", act("activated "+name, func() error { return s.c.Svc.Activate(s.c.Ctx, name) }))
		}
		return s.deactivate(sel)
	case key.Matches(k, l.Delete):
		if sel := s.table.Selected(); len(sel) > 1 {
			// several selected: one question naming them all; each is
			// deleted on its own and a refused one (R8) says why
			s.targets = sel
			return ask(fmt.Sprintf("Delete %s? This cannot be undone.", strings.Join(sel, ", ")), s.bulk("deleted", func(u string) error {
				return s.c.Svc.DeleteUser(s.c.Ctx, u)
			}))
		}
		return s.remove(u.Username)
	case key.Matches(k, l.Terminate):
		// the selected users, or the highlighted one (R14 in bulk)
		s.targets = s.table.Selected()
		s.openForm(userTerminate, u)
	case key.Matches(k, l.Join):
		s.targets = s.table.Selected()
		s.openForm(userBulkJoin, domain.UserInfo{})
	case key.Matches(k, l.Leave):
		s.targets = s.table.Selected()
		s.openForm(userBulkLeave, domain.UserInfo{})
	case key.Matches(k, l.Explain):
		return switchTo("access", u.Username)
	case key.Matches(k, s.c.Keys.Admin.ViewAs):
		return viewAs(u.Username)
	}
	return nil
}

// updateDetail handles the keys of one user's memberships.
func (s *usersScreen) updateDetail(k tea.KeyPressMsg) tea.Cmd {
	if s.detail.Update(k) {
		return nil
	}
	n, l := s.c.Keys.Nav, s.c.Keys.List
	u := s.target
	if s.changes(k) && !s.c.allow(s.mayDo(k, u, true)) {
		return nil
	}
	switch {
	case key.Matches(k, n.Back):
		s.target = domain.UserInfo{}
	case key.Matches(k, l.New), key.Matches(k, l.Join):
		s.targets = []string{u.Username}
		s.openForm(userJoin, u)
	case key.Matches(k, l.Edit):
		s.openForm(userEdit, u)
	case key.Matches(k, l.Explain):
		return switchTo("access", u.Username)
	case key.Matches(k, s.c.Keys.Admin.ViewAs):
		return viewAs(u.Username)
	case key.Matches(k, l.Delete), key.Matches(k, l.Leave):
		group := s.detail.Key()
		if group == "" {
			return nil
		}
		return leave(s.c, u.Username, group)
	}
	return nil
}

// mayDo is nil when the actor may do k to u as far as the console can
// tell: memberships need Manage Groups or Manage Users (CheckMembership;
// in the detail n joins and d leaves), one's own record needs Edit Own
// User Account, anyone else's is CheckManageUser's.
func (s *usersScreen) mayDo(k tea.KeyPressMsg, u domain.UserInfo, detail bool) error {
	l := s.c.Keys.List
	membership := key.Matches(k, l.Join, l.Leave) || detail && key.Matches(k, l.New, l.Delete)
	return s.may(u, membership, key.Matches(k, l.Edit))
}

// may is mayDo by kind of change: a membership, an edit of the record, or
// another change (deactivate, delete, terminate).
func (s *usersScreen) may(u domain.UserInfo, membership, edit bool) error {
	a := &s.c.Access
	if membership {
		if err := domain.CheckMembership(a, &u.User, &domain.Group{Kind: u.Kind}, false); err != nil {
			return err
		}
	}
	if u.ID == a.UserID {
		if edit && !a.Superuser {
			return a.Require(domain.AccountEditOwn)
		}
		return nil
	}
	return s.manageRefusal(u)
}

// ownAccount refuses deactivating, terminating or deleting the acting
// user's own account (among the rows the key acts on) before the
// question or form, as the store would after "y".
func (s *usersScreen) ownAccount(k tea.KeyPressMsg, u domain.UserInfo) error {
	l := s.c.Keys.List
	var verb string
	switch {
	case key.Matches(k, l.Deactivate):
		verb = "deactivate"
	case key.Matches(k, l.Terminate):
		verb = "terminate"
	case key.Matches(k, l.Delete):
		verb = "delete"
	default:
		return nil
	}
	names := s.table.Selected() // the selection, or the highlighted row
	if verb == "delete" && len(names) <= 1 {
		names = []string{u.Username} // one delete acts on the highlighted row
	}
	for _, name := range names {
		if strings.EqualFold(name, s.c.Access.Username) {
			return domain.RefuseOwnAccount(verb, name)
		}
	}
	return nil
}

// changes reports whether k changes a user (edit, deactivate, delete,
// terminate, join, leave): those are refused before their form or question.
func (s *usersScreen) changes(k tea.KeyPressMsg) bool {
	l := s.c.Keys.List
	return key.Matches(k, l.New, l.Edit, l.Deactivate, l.Delete, l.Terminate, l.Join, l.Leave)
}

func (s *usersScreen) detailView() string {
	u := s.target
	st := s.c.Styles
	status := userStatus(u)
	if u.Inactive != "" {
		status += ": " + u.Inactive
	}
	lines := []string{
		st.Title.Render("User "+u.Username) + " · " + domain.Printable(u.Name()) + " · " + userKind(u),
		pad(fmt.Sprintf("Email %s · Phone %s · Reports to %s · Buildings %s · Start %s",
			dash(u.Email), dash(u.Phone), dash(u.ReportsTo), dash(strings.Join(u.Buildings, ",")), dash(u.StartScreen)), s.w),
		pad("Status "+status, s.w),
		st.Title.Render("Memberships"),
	}
	return strings.Join(lines, "\n") + "\n" + s.detail.View()
}

func (s *usersScreen) View() string {
	if s.conflict != nil {
		return s.conflict.View()
	}
	if s.form != nil {
		return s.form.View()
	}
	if s.target.Username != "" {
		return s.detailView()
	}
	from, to := 0, 0
	if len(s.page.Users) > 0 {
		from, to = s.offset+1, s.offset+len(s.page.Users)
	}
	head := fmt.Sprintf("Users %d–%d of %d", from, to, s.page.Total)
	if s.search != "" && !s.filterOn {
		head += " · filter " + s.search
	}
	if n := len(s.table.selected); n > 0 {
		head += fmt.Sprintf(" · %d selected", n)
	}
	if s.filterOn {
		head = s.filter.View() + " · " + head
	}
	return pad(head, s.w) + "\n" + s.table.View()
}

func (s *usersScreen) ShortHelp() []key.Binding {
	if s.conflict != nil {
		return s.conflict.ShortHelp()
	}
	if s.form != nil {
		return s.form.ShortHelp()
	}
	n, l := s.c.Keys.Nav, s.c.Keys.List
	if s.filterOn {
		return []key.Binding{n.Open, n.Back}
	}
	if s.target.Username != "" {
		var ks []key.Binding
		if s.may(s.target, true, false) == nil {
			ks = append(ks, l.New, l.Delete)
		}
		if s.may(s.target, false, true) == nil {
			ks = append(ks, l.Edit)
		}
		return append(append(ks, l.Explain), append(viewAsKeys(s.c), n.Back)...)
	}
	ks := []key.Binding{n.Filter, n.Open}
	if s.mayManageAny() == nil {
		ks = append(ks, l.New, l.Edit, l.Select, l.Deactivate, l.Delete)
	}
	return ks
}

func (s *usersScreen) FullHelp() [][]key.Binding {
	if s.conflict != nil {
		return s.conflict.FullHelp()
	}
	n, l := s.c.Keys.Nav, s.c.Keys.List
	return [][]key.Binding{
		{n.Filter, n.Open, n.PageUp, n.PageDown, n.Home, n.End},
		s.manageKeys(l.New, l.Edit, l.Delete, l.Deactivate, l.Terminate),
		append(append(s.manageKeys(l.Select, l.Join, l.Leave), l.Explain), viewAsKeys(s.c)...),
		importKeys(s.c),
	}
}

// manageKeys is ks when the actor may change some users, else nothing.
func (s *usersScreen) manageKeys(ks ...key.Binding) []key.Binding {
	if s.mayManageAny() != nil {
		return nil
	}
	return ks
}

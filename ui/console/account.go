package console

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// accountScreen is the acting user's own account: who they are, their
// groups, and changing their own password (the current one first, as at
// a login). Everyone may open it.
type accountScreen struct {
	govPane
	info   domain.UserInfo
	err    error
	notify bool // the open form is the notifications one
	// opened is the user the notifications form opened with: its save is
	// a patch of the boxes changed, based on this version
	opened   domain.User
	conflict *conflictView
}

// eventText says what each event a group can subscribe to tells of.
var eventText = map[domain.Event]string{
	domain.EventNew:             "a ticket is reported",
	domain.EventAssigned:        "a ticket is assigned",
	domain.EventWorkReport:      "a work report is added",
	domain.EventClosed:          "a ticket is closed",
	domain.EventReassigned:      "a ticket is reassigned",
	domain.EventOverdue:         "a ticket is overdue",
	domain.EventReassignRequest: "an assignee asks to be reassigned",
}

// Field indexes of the password form.
const (
	pfCurrent = iota
	pfNew
	pfConfirm
)

func newAccountScreen(c *Common) *accountScreen {
	s := &accountScreen{govPane: govPane{c: c, table: newTable(c, "no groups",
		column{title: "Group", width: 16, flex: 1},
		column{title: "Through", width: 16},
		column{title: "Reason", width: 10, flex: 2})}}
	s.owner = s
	return s
}

func (s *accountScreen) Reload() tea.Cmd {
	name := s.c.Access.Username
	return s.c.load(s, func() func() tea.Cmd {
		info, infoErr := s.c.Svc.User(s.c.Ctx, name)
		ms, err := s.c.Svc.Memberships(s.c.Ctx, name)
		return func() tea.Cmd { s.info, s.err = info, infoErr; s.apply(ms, err); return nil }
	})
}

func (s *accountScreen) apply(ms []domain.MemberInfo, err error) {
	if err != nil {
		s.c.Fail(err)
		return
	}
	keys := make([]string, len(ms))
	rows := make([][]string, len(ms))
	for i, m := range ms {
		keys[i], rows[i] = m.GroupName, []string{m.GroupName, s.c.lastDay(m.Until), dash(m.Reason)}
	}
	s.table.SetRows(keys, rows)
}

func (s *accountScreen) Hint() string { return "" }

func (s *accountScreen) Dirty() bool     { return s.conflict != nil }
func (s *accountScreen) Capturing() bool { return s.conflict == nil && s.form != nil }

func (s *accountScreen) FullHelp() [][]key.Binding {
	if s.conflict != nil {
		return s.conflict.FullHelp()
	}
	return nil
}

func (s *accountScreen) openPassword() {
	s.notify = false
	s.form = newForm(s.c, "Change my password").
		secret("Current", "your password now").
		secret("New", "8+ characters").
		secret("Confirm", "the new one again")
	s.form.note = "The current password is checked first, as at a login."
	s.form.SetSize(s.w, s.h)
}

// openNotify opens the opt-out form (IndusTrack's per-user settings): one
// box per event a group can subscribe its members to, ticked while the
// user still gets it.
func (s *accountScreen) openNotify() {
	s.notify = true
	s.opened = s.info.User
	s.form = newForm(s.c, "My notifications")
	for _, ev := range domain.AllEvents {
		s.form.toggle(string(ev), !slices.Contains(s.info.Muted, ev))
	}
	s.form.note = "Your groups decide which events notify their members; untick those you do not want (the others in your groups are still told). " + eventLegend()
	s.form.SetSize(s.w, s.h)
}

// submitNotify saves the boxes changed as the user's opt-outs, in a
// command, based on the version the form opened (res: a conflict's
// answer); the store audits it. The form closes when it lands.
func (s *accountScreen) submitNotify(res resolution) tea.Cmd {
	f, id := s.form, s.opened.ID
	var p domain.UserPatch
	p.Base = s.opened.Version
	for i, ev := range domain.AllEvents {
		if f.fieldChanged(i) {
			p.Mute(ev, !f.On(i))
		}
	}
	if res.onto(&p.Base, &p) {
		s.form = nil
		s.c.nothingLeft("your notifications")
		return s.Reload()
	}
	svc, ctx := s.c.Svc, s.c.Ctx
	return s.c.save(s, func() func() tea.Cmd {
		u, err := svc.UpdateUser(ctx, id, p)
		return func() tea.Cmd { return s.notifySaved(f, u, err, res) }
	})
}

// notifySaved applies the outcome of the notifications form's save: a
// conflict opens the conflict view over the form, another refusal keeps
// the form, a save closes it.
func (s *accountScreen) notifySaved(f *form, u domain.User, err error, res resolution) tea.Cmd {
	if err != nil {
		resend := func(r resolution) tea.Cmd { return s.submitNotify(r) }
		discard := func() tea.Cmd { s.form = nil; return s.Reload() }
		e := edit{what: "your notifications", view: &s.conflict, w: s.w, h: s.h, res: res, resend: resend, discard: discard}
		if s.form != f || !catchConflict(s.c, err, e) {
			s.c.Fail(err)
		}
		return nil
	}
	if s.form == f {
		s.form = nil
	}
	s.info.User = u // the next edit's base, until the account is read again
	ok := "you get every notification your groups subscribe you to"
	if len(u.Muted) > 0 {
		off := make([]string, len(u.Muted))
		for i, e := range u.Muted {
			off[i] = string(e)
		}
		ok = "you no longer get notifications for: " + strings.Join(off, ", ")
	}
	s.c.Ok("%s", s.c.savedNote("your account", u.Rev, ok, res))
	return s.Reload()
}

func (s *accountScreen) submit() {
	f := s.form
	cur, next := f.Raw(pfCurrent), f.Raw(pfNew)
	if next != f.Raw(pfConfirm) {
		s.c.Fail(domain.Errorf(domain.EInvalid, "new password: the two entries differ"))
		return
	}
	s.save("changed your password", func() error { return s.c.Svc.ChangeOwnPassword(s.c.Ctx, cur, next) })
}

func (s *accountScreen) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := updateConflict(&s.conflict, msg); ok {
		return cmd
	}
	if s.form != nil && s.notify {
		return updateForm(&s.form, msg, func() tea.Cmd { return s.submitNotify(resolution{}) })
	}
	if s.form != nil {
		return s.updateForm(msg, s.submit)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || s.table.Update(msg) {
		return nil
	}
	switch {
	case key.Matches(k, s.c.Keys.Account.Password):
		s.openPassword()
	case key.Matches(k, s.c.Keys.Account.Notify):
		s.openNotify()
	}
	return nil
}

func (s *accountScreen) View() string {
	if s.conflict != nil {
		return s.conflict.View()
	}
	if s.form != nil {
		return s.form.View()
	}
	st := s.c.Styles
	if s.err != nil {
		return st.Error.Render(errText(s.err))
	}
	u := s.info
	lines := []string{
		st.Title.Render("My account · " + u.Username),
		fmt.Sprintf("Name %s · Email %s · Phone %s", dash(u.Name()), dash(u.Email), dash(u.Phone)),
		fmt.Sprintf("Kind %s · Buildings %s · Start screen %s", u.Kind, dash(strings.Join(u.Buildings, ", ")), dash(u.StartScreen)),
		s.notifyLine(),
		"",
	}
	return strings.Join(lines, "\n") + "\n" + s.table.View()
}

func (s *accountScreen) SetSize(w, h int) {
	s.govPane.SetSize(w, h-5)
	s.w, s.h = w, h
	if s.form != nil {
		s.form.SetSize(w, h)
	}
	if s.conflict != nil {
		s.conflict.SetSize(w, h)
	}
}

func (s *accountScreen) ShortHelp() []key.Binding {
	if s.conflict != nil {
		return s.conflict.ShortHelp()
	}
	if s.form != nil {
		return s.form.ShortHelp()
	}
	return []key.Binding{s.c.Keys.Account.Password, s.c.Keys.Account.Notify, s.c.Keys.Nav.Up, s.c.Keys.Nav.Down}
}

// eventLegend says in one line what each event is.
func eventLegend() string {
	parts := make([]string, len(domain.AllEvents))
	for i, ev := range domain.AllEvents {
		parts[i] = string(ev) + ": " + eventText[ev]
	}
	return strings.Join(parts, "; ") + "."
}

// notifyLine says which events the user opted out of.
func (s *accountScreen) notifyLine() string {
	if len(s.info.Muted) == 0 {
		return "Notifications: every event your groups subscribe you to"
	}
	off := make([]string, len(s.info.Muted))
	for i, e := range s.info.Muted {
		off[i] = string(e)
	}
	return "Notifications: off for " + strings.Join(off, ", ")
}

package console

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// Field indexes of the change-password form.
const (
	pfCurrent = iota
	pfNew
	pfConfirm
)

// eventText says what each event a group can subscribe to tells of.
var eventText = map[domain.Event]string{
	domain.EventNew:        "a ticket is reported",
	domain.EventAssigned:   "a ticket is assigned",
	domain.EventWorkReport: "a work report is added",
	domain.EventClosed:     "a ticket is closed",
	domain.EventReassigned: "a ticket is reassigned",
	domain.EventOverdue:    "a ticket is overdue",
}

// accountScreen is the acting user's own account (IndusTrack's per-user
// settings): which of the events their groups subscribe them to reach
// them, and their password. Saves run in commands; the store audits them.
type accountScreen struct {
	c      *Common
	me     domain.UserInfo
	err    error
	cursor int
	form   *form // change password, when open
	w, h   int
}

// passwordMsg reports a password change from My account.
type passwordMsg struct{ err error }

func newAccountScreen(c *Common) *accountScreen {
	s := &accountScreen{c: c}
	s.Reload()
	return s
}

func (s *accountScreen) Reload() {
	s.me, s.err = s.c.Svc.User(s.c.Ctx, s.c.Svc.Actor(s.c.Ctx).Username)
}

// toggle turns notifications for the event under the cursor off or on,
// saving in a command.
func (s *accountScreen) toggle() tea.Cmd {
	if s.err != nil {
		return nil
	}
	ev := domain.AllEvents[s.cursor]
	u := s.me.User
	on := slices.Contains(u.Muted, ev)
	u.Muted = nil
	for _, e := range domain.AllEvents {
		// the event under the cursor flips; the others stay as they are
		if muted := slices.Contains(s.me.Muted, e); muted != (e == ev) {
			u.Muted = append(u.Muted, e)
		}
	}
	ok := "you no longer get notifications when " + eventText[ev]
	if on {
		ok = "you get notifications again when " + eventText[ev]
	}
	svc, ctx := s.c.Svc, s.c.Ctx
	return act(ok, func() error {
		_, err := svc.UpdateUser(ctx, u)
		return err
	})
}

func (s *accountScreen) openPassword() {
	s.form = newForm(s.c, "Change your password").
		secret("Current", "your password now").
		secret("New", "at least 8 characters").
		secret("Confirm", "the new one again")
	s.form.note = "It takes effect at your next password login; SSH keys are unaffected."
	s.form.SetSize(s.w, s.h)
}

// submitPassword checks the form and changes the password in a command.
func (s *accountScreen) submitPassword() tea.Cmd {
	f := s.form
	cur, next := f.Raw(pfCurrent), f.Raw(pfNew)
	if err := domain.ValidatePassword(next); err != nil {
		f.fields[pfNew].err = errText(err)
		f.setFocus(pfNew)
		return nil
	}
	if next != f.Raw(pfConfirm) {
		f.fields[pfConfirm].err = "the two new passwords differ"
		f.setFocus(pfConfirm)
		return nil
	}
	change, name := s.c.changePassword, s.me.Username
	return func() tea.Msg {
		_, err := change(name, cur, next)
		return passwordMsg{err: err}
	}
}

func (s *accountScreen) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(passwordMsg); ok {
		if m.err != nil {
			s.c.Fail(m.err)
			return nil
		}
		s.form = nil
		s.c.Ok("changed your password")
		return nil
	}
	if s.form != nil {
		submitted, cancel, cmd := s.form.Update(msg)
		switch {
		case cancel:
			s.form = nil
		case submitted:
			return s.submitPassword()
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	ak, n := s.c.Keys.Account, s.c.Keys.Nav
	switch {
	case key.Matches(k, n.Up):
		s.cursor = max(0, s.cursor-1)
	case key.Matches(k, n.Down):
		s.cursor = min(len(domain.AllEvents)-1, s.cursor+1)
	case key.Matches(k, ak.Toggle):
		return s.toggle()
	case key.Matches(k, ak.Password) && s.c.changePassword != nil:
		s.openPassword()
	}
	return nil
}

func (s *accountScreen) View() string {
	if s.form != nil {
		return s.form.View()
	}
	st := s.c.Styles
	if s.err != nil {
		return st.Error.Render(errText(s.err))
	}
	u := s.me
	lines := []string{
		st.Title.Render("My account: " + u.Username + " (" + domain.Printable(u.Name()) + ")"),
		"Email: " + dash(domain.Printable(u.Email)) + "   Groups: " + domain.Printable(u.GroupColumn()),
		"",
		st.Title.Render("Notifications"),
		st.Dim.Width(max(20, s.w)).Render("Your groups decide which events notify their members; turn off those you do not want."),
	}
	for i, ev := range domain.AllEvents {
		mark := "[x] on "
		if slices.Contains(u.Muted, ev) {
			mark = "[ ] off"
		}
		cur := "  "
		if i == s.cursor {
			cur = "▸ "
		}
		line := pad(cur+mark+"  "+pad(string(ev), 12)+" when "+eventText[ev], s.w)
		if i == s.cursor {
			line = st.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	if s.c.changePassword != nil {
		lines = append(lines, "", st.Dim.Render("P changes your password."))
	}
	return strings.Join(lines, "\n")
}

func (s *accountScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	if s.form != nil {
		s.form.SetSize(w, h)
	}
}
func (s *accountScreen) Dirty() bool     { return s.form != nil }
func (s *accountScreen) Capturing() bool { return s.form != nil }
func (s *accountScreen) Hint() string    { return "" }
func (s *accountScreen) ShortHelp() []key.Binding {
	if s.form != nil {
		return s.form.ShortHelp()
	}
	ak := s.c.Keys.Account
	out := []key.Binding{s.c.Keys.Nav.Up, s.c.Keys.Nav.Down, ak.Toggle}
	if s.c.changePassword != nil {
		out = append(out, ak.Password)
	}
	return out
}
func (s *accountScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

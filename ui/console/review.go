package console

import (
	"fmt"
	"gatehouse/domain"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// reviewScreen is the access review: administrators and superusers, users
// in several groups, memberships expiring or starting in 14 days (R13), inactive users
// still holding groups.
type reviewScreen struct {
	c  *Common
	sc *scroller
}

func newReviewScreen(c *Common) *reviewScreen {
	s := &reviewScreen{c: c, sc: &scroller{c: c}}
	return s
}

func (s *reviewScreen) Reload() tea.Cmd {
	now := s.c.Now()
	return s.c.load(s, func() func() tea.Cmd {
		r, err := s.c.Svc.AccessReview(s.c.Ctx, now)
		return func() tea.Cmd { s.apply(r, err); return nil }
	})
}

func (s *reviewScreen) apply(r domain.AccessReview, err error) {
	if err != nil {
		s.sc.lines = []string{s.c.Styles.Error.Render(errText(err))}
		s.c.Fail(err)
		return
	}
	st := s.c.Styles
	var l []string
	section := func(title string, n int) {
		if len(l) > 0 {
			l = append(l, "")
		}
		l = append(l, st.Title.Render(fmt.Sprintf("%s (%d)", title, n)))
		if n == 0 {
			l = append(l, st.Dim.Render("  none"))
		}
	}
	section("Administrators and superusers", len(r.Admins))
	for _, a := range r.Admins {
		l = append(l, fmt.Sprintf("  %-14s %-18s %s", a.Username, a.Name, a.Reason))
	}
	section("Users in several groups", len(r.Overlapping))
	for _, u := range r.Overlapping {
		l = append(l, fmt.Sprintf("  %-14s %-18s %s", u.Username, u.Name(), u.GroupColumn()))
	}
	section("Memberships expiring in the next 14 days (R13)", len(r.Expiring))
	now := s.c.Now()
	for _, m := range r.Expiring {
		days := int(m.Until.Sub(now).Round(24*time.Hour) / (24 * time.Hour))
		l = append(l, fmt.Sprintf("  %-14s %-18s %s (%s) %s", m.Username, m.GroupName, s.c.through(m.Until), plural(days, "day"), dash(m.Reason)))
	}
	section("Memberships starting in the next 14 days", len(r.Starting))
	for _, m := range r.Starting {
		l = append(l, fmt.Sprintf("  %-14s %-18s from %s, %s %s", m.Username, m.GroupName,
			s.c.date(m.From), s.c.through(m.Until), dash(m.Reason)))
	}
	section("Deactivated users still holding groups", len(r.Inactive))
	for _, u := range r.Inactive {
		l = append(l, fmt.Sprintf("  %-14s %-18s %s", u.Username, u.Name(), u.GroupColumn()))
	}
	s.sc.lines = l
	s.sc.clamp()
}

func (s *reviewScreen) Update(msg tea.Msg) tea.Cmd { s.sc.Update(msg); return nil }
func (s *reviewScreen) View() string               { return strings.TrimRight(s.sc.View(), "\n") }
func (s *reviewScreen) SetSize(w, h int)           { s.sc.SetSize(w, h) }
func (s *reviewScreen) Dirty() bool                { return false }
func (s *reviewScreen) Capturing() bool            { return false }
func (s *reviewScreen) Hint() string               { return "" }
func (s *reviewScreen) ShortHelp() []key.Binding {
	n := s.c.Keys.Nav
	return []key.Binding{n.Up, n.Down, n.PageDown}
}
func (s *reviewScreen) FullHelp() [][]key.Binding { return nil }

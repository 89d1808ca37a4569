package console

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
)

// scroller shows lines in a fixed height with j/k, pgup/pgdn, g/G.
type scroller struct {
	c     *Common
	lines []string
	top   int
	w, h  int
}

func (s *scroller) SetSize(w, h int) {
	s.w, s.h = w, h
	s.clamp()
}

func (s *scroller) clamp() { s.top = max(0, min(s.top, len(s.lines)-s.h)) }

func (s *scroller) Update(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return false
	}
	n := s.c.Keys.Nav
	switch {
	case key.Matches(k, n.Up):
		s.top--
	case key.Matches(k, n.Down):
		s.top++
	case key.Matches(k, n.PageUp):
		s.top -= s.h
	case key.Matches(k, n.PageDown):
		s.top += s.h
	case key.Matches(k, n.Home):
		s.top = 0
	case key.Matches(k, n.End):
		s.top = len(s.lines)
	default:
		return false
	}
	s.clamp()
	return true
}

func (s *scroller) View() string {
	end := min(len(s.lines), s.top+s.h)
	return strings.Join(s.lines[s.top:end], "\n")
}

// homeScreen greets the user with their access, their notices (R16) and
// what waits for them.
type homeScreen struct {
	c      *Common
	sc     *scroller
	charts homeCharts
	data   *homeData // nil until the first load arrives
}

// homeData is what Home reads from the service, off the Update loop.
type homeData struct {
	actor      domain.User
	governance []string
	tickets    []string
	notices    []domain.Notice
	noticesErr error
}

// readHome does Home's service reads on a copy of Common taken in Update,
// so the command shares no field Update writes.
func readHome(c *Common) *homeData {
	d := &homeData{actor: c.Svc.Actor(c.Ctx), governance: governanceHomeLines(c), tickets: homeTicketLines(c)}
	d.notices, d.noticesErr = c.Svc.MyNotices(c.Ctx, c.Now())
	return d
}

func newHomeScreen(c *Common) *homeScreen {
	s := &homeScreen{c: c, sc: &scroller{c: c}}
	return s
}

func (s *homeScreen) render() {
	c, a := s.c, &s.c.Access
	st := c.Styles
	if s.data == nil {
		s.sc.lines = []string{st.Dim.Render("loading…")}
		s.sc.clamp()
		return
	}
	d := s.data
	u := d.actor
	lines := []string{st.Title.Render("Welcome, "+u.Name()) + st.Dim.Render("  ·  : commands · ? help · 1…9 screens"), ""}
	switch {
	case a.Superuser:
		lines = append(lines, "You are a superuser: you hold every privilege and edit built-in groups (R12).")
	case a.Admin:
		lines = append(lines, "You are a full administrator: "+a.AdminVia+".")
	case a.BuildingAdmin:
		lines = append(lines, "You are a Building Administrator: you see the tickets of your buildings (R5).")
	}
	var mods []string
	for m := domain.Module(0); m < domain.NumModules; m++ {
		if l := a.Level(m); l > domain.LevelNone {
			mods = append(mods, m.String()+":"+l.String())
		}
	}
	lines = append(lines, fmt.Sprintf("You hold %d of %d flag privileges.", a.Flags.Len(), domain.NumFlags))
	if len(mods) > 0 {
		// wrapped at the width: no level is cut off at 80 columns
		wrapped := ansi.Wrap("Module levels: "+strings.Join(mods, " "), max(20, s.sc.w), "")
		lines = append(lines, strings.Split(wrapped, "\n")...)
	}
	lines = append(lines, "Effective access, with the source of each privilege: press : and type \"access\".",
		"Your notifications and password: press "+c.Keys.Account.Open.Help().Key+" for My account.", "")
	lines = append(lines, d.governance...)
	lines = append(lines, d.tickets...)
	lines = append(lines, s.charts.lines(c, s.sc.w)...)
	lines = append(lines, st.Title.Render("Notices"))
	notices, err := d.notices, d.noticesErr
	switch {
	case err != nil:
		lines = append(lines, st.Error.Render(errText(err)))
	case len(notices) == 0:
		lines = append(lines, st.Dim.Render("no notices for your teams today"))
	}
	for _, n := range notices {
		l := "• " + domain.Printable(n.Title) + " (until " + c.date(n.End) + ")"
		if n.Description != "" {
			l += ": " + domain.Printable(n.Description)
		}
		if n.URL != "" {
			l += " — " + dash(n.URLTitle) + " " + n.URL
		}
		lines = append(lines, l)
	}
	s.sc.lines = lines
	s.sc.clamp()
}

func (s *homeScreen) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(homeChartsMsg); ok {
		if s.charts.apply(m) {
			s.render()
		}
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, s.c.Keys.Account.Open) {
		return switchTo("account", "")
	}
	s.sc.Update(msg)
	return nil
}
func (s *homeScreen) View() string     { return s.sc.View() }
func (s *homeScreen) SetSize(w, h int) { s.sc.SetSize(w, h) }
func (s *homeScreen) Dirty() bool      { return false }
func (s *homeScreen) Capturing() bool  { return false }

func (s *homeScreen) Hint() string { return "" }
func (s *homeScreen) ShortHelp() []key.Binding {
	return []key.Binding{s.c.Keys.Global.Screens, s.c.Keys.Account.Open}
}
func (s *homeScreen) FullHelp() [][]key.Binding { return nil }

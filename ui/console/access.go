package console

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// accessScreen is effective access: for one user, every privilege with
// its source or why not (the engine of `gatehouse can`), what they see, and
// per privilege the reverse lookup (`gatehouse who`).
type accessScreen struct {
	c       *Common
	user    string
	acc     domain.Access
	expl    []domain.Explanation
	grants  []domain.Grant
	table   *table
	summary []string
	input   textinput.Model
	inputOn bool
	who     *table
	whoOf   string
	whoRows []domain.WhoRow
	w, h    int
}

func newAccessScreen(c *Common) *accessScreen {
	s := &accessScreen{c: c,
		table: newTable(c, "",
			column{title: "", width: 1},
			column{title: "Privilege", width: 20},
			column{title: "Label", width: 24, flex: 1},
			column{title: "Source / why not", width: 20, flex: 2}),
		who: newTable(c, "nobody holds it",
			column{title: "User", width: 14},
			column{title: "Name", width: 18},
			column{title: "Reason", width: 20, flex: 1}),
	}
	s.input = textinput.New()
	s.input.Prompt = "user: "
	st := s.input.Styles()
	st.Cursor.Blink = false
	s.input.SetStyles(st)
	s.user = c.Access.Username // Reload explains it
	return s
}

// load returns the command that explains every catalog privilege for a
// user.
func (s *accessScreen) load(username string) tea.Cmd {
	return s.c.load(s, func() func() tea.Cmd {
		sub, err := s.c.Svc.Subject(s.c.Ctx, username)
		bs, bErr := s.c.Svc.Buildings(s.c.Ctx, "")
		ts, tErr := s.c.Svc.Teams(s.c.Ctx, "")
		return func() tea.Cmd {
			if bErr != nil {
				bs = nil
			}
			if tErr != nil {
				ts = nil
			}
			s.apply(sub, err, bs, ts)
			return nil
		}
	})
}

func (s *accessScreen) apply(sub domain.Subject, err error, bs []domain.Building, ts []domain.TeamInfo) {
	if err != nil {
		s.c.Fail(err)
		return
	}
	s.user = sub.User.Username
	s.whoOf = ""
	now := s.c.Now()
	s.acc = domain.Resolve(sub, now)
	s.grants, s.expl = s.grants[:0], s.expl[:0]
	keys := make([]string, 0, len(domain.Catalog))
	rows := make([][]string, 0, len(domain.Catalog))
	for i := range domain.Catalog {
		p := &domain.Catalog[i]
		g := domain.Grant{Priv: p}
		if p.IsModule {
			g.Level = max(s.acc.Level(p.Module), domain.LevelView)
		}
		e := domain.Explain(sub, g, now)
		mark := "✗"
		if e.Granted {
			mark = "✓"
		}
		s.grants = append(s.grants, g)
		s.expl = append(s.expl, e)
		keys = append(keys, g.String())
		rows = append(rows, []string{mark, g.String(), p.Label, strings.Join(e.Reasons, "; ")})
	}
	s.table.SetRows(keys, rows)
	s.summary = s.visibility(bs, ts)
}

// visibility says what the user sees: administrator or not, buildings, teams.
func (s *accessScreen) visibility(bs []domain.Building, ts []domain.TeamInfo) []string {
	a := &s.acc
	var out []string
	if err := a.LoginError(); err != nil {
		out = append(out, "Cannot log in: "+errText(err))
	}
	switch {
	case a.Admin:
		out = append(out, "Sees every ticket, building and team: full administrator ("+a.AdminVia+")")
	case a.Has(domain.VisibilityOverride):
		out = append(out, "Sees every ticket: Override Record Visibility")
	default:
		sees := "Sees tickets they reported, are assigned to, share a team or a visible-to group with"
		if a.BuildingAdmin {
			sees += ", and of their buildings (R5)"
		}
		out = append(out, sees+" (R11)")
	}
	var bnames, tnames []string
	for _, b := range bs {
		if slices.Contains(a.Buildings, b.ID) {
			bnames = append(bnames, b.Code)
		}
	}
	for _, t := range ts {
		if slices.Contains(a.Teams, t.ID) {
			tnames = append(tnames, t.Name)
		}
	}
	out = append(out, "Buildings: "+dash(strings.Join(bnames, ", "))+" · Teams: "+dash(strings.Join(tnames, ", ")))
	return out
}

func (s *accessScreen) startWho() tea.Cmd {
	s.c.Ok("highlight a privilege and press enter: every user who holds it, and why")
	return nil
}

// showWho returns the command that lists every user who holds the
// highlighted privilege (or the one listed, when reloading).
func (s *accessScreen) showWho() tea.Cmd {
	i := s.table.cursor
	if i >= len(s.grants) {
		return nil
	}
	g := s.grants[i]
	if g.Priv.IsModule {
		g.Level = domain.LevelView
	}
	return s.c.load(s, func() func() tea.Cmd {
		rows, err := s.c.Svc.Who(s.c.Ctx, g, "", 0)
		return func() tea.Cmd { s.applyWho(g, rows, err); return nil }
	})
}

func (s *accessScreen) applyWho(g domain.Grant, rows []domain.WhoRow, err error) {
	if err != nil {
		s.c.Fail(err)
		return
	}
	s.whoOf, s.whoRows = g.String(), rows
	keys := make([]string, len(rows))
	cells := make([][]string, len(rows))
	for j, r := range rows {
		keys[j] = r.Username
		cells[j] = []string{r.Username, r.Name, r.Reason}
	}
	s.who.SetRows(keys, cells)
}

func (s *accessScreen) Reload() tea.Cmd {
	var cmds []tea.Cmd
	if s.user != "" {
		cmds = append(cmds, s.load(s.user))
	}
	if s.whoOf != "" {
		cmds = append(cmds, s.showWho())
	}
	return tea.Batch(cmds...)
}

func (s *accessScreen) Dirty() bool     { return false }
func (s *accessScreen) Capturing() bool { return s.inputOn }

func (s *accessScreen) Hint() string {
	if s.whoOf != "" {
		return ""
	}
	i := s.table.cursor
	if i >= len(s.expl) {
		return ""
	}
	return s.grants[i].String() + ": " + s.expl[i].String()
}

func (s *accessScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.table.SetSize(w, h-1-len(s.summary))
	s.who.SetSize(w, h-1)
	s.input.SetWidth(max(10, w-10))
}

func (s *accessScreen) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	n := s.c.Keys.Nav
	if s.inputOn {
		switch {
		case key.Matches(k, n.Back):
			s.inputOn = false
		case key.Matches(k, n.Open):
			s.inputOn = false
			s.SetSize(s.w, s.h)
			return s.load(strings.TrimSpace(s.input.Value()))
		default:
			var cmd tea.Cmd
			s.input, cmd = s.input.Update(msg)
			return cmd
		}
		return nil
	}
	if s.whoOf != "" {
		if !s.who.Update(msg) && key.Matches(k, n.Back) {
			s.whoOf = ""
		}
		return nil
	}
	if s.table.Update(msg) {
		return nil
	}
	switch {
	case key.Matches(k, n.Filter):
		s.inputOn = true
		s.input.SetValue("")
		return s.input.Focus()
	case key.Matches(k, n.Open):
		return s.showWho()
	case key.Matches(k, s.c.Keys.Admin.ViewAs) && s.user != "":
		return viewAs(s.user)
	}
	return nil
}

func (s *accessScreen) View() string {
	st := s.c.Styles
	if s.whoOf != "" {
		return pad(st.Title.Render("Who holds "+s.whoOf)+fmt.Sprintf(" · %s (same engine as gatehouse who)", plural(len(s.whoRows), "user")), s.w) +
			"\n" + s.who.View()
	}
	head := st.Title.Render("Effective access of "+s.user) + fmt.Sprintf(" · %d of %d flags", s.acc.Flags.Len(), domain.NumFlags)
	if s.inputOn {
		head = s.input.View()
	}
	lines := []string{pad(head, s.w)}
	for _, l := range s.summary {
		lines = append(lines, pad(l, s.w))
	}
	return strings.Join(lines, "\n") + "\n" + s.table.View()
}

func (s *accessScreen) ShortHelp() []key.Binding {
	n := s.c.Keys.Nav
	if s.inputOn || s.whoOf != "" {
		return []key.Binding{n.Open, n.Back}
	}
	f, o := n.Filter, n.Open
	f.SetHelp("/", "other user")
	o.SetHelp("enter", "who holds it")
	return append([]key.Binding{f, o}, append(viewAsKeys(s.c), n.Up, n.Down)...)
}

func (s *accessScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

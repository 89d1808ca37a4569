package console

import (
	"sort"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// command is one palette entry: a screen to show and an optional action
// to run on it once shown.
type command struct {
	title  string
	screen string
	then   func(s Screen) tea.Cmd
}

// palette fuzzy-finds screens and actions (":" then type "new user").
type palette struct {
	m       *Model
	input   textinput.Model
	all     []command
	matches []command
	cursor  int
	w, h    int
}

func newPalette(m *Model) *palette {
	p := &palette{m: m}
	p.input = textinput.New()
	p.input.Prompt = ": "
	p.input.Placeholder = "go users, new group, grant, effective access…"
	st := p.input.Styles()
	st.Cursor.Blink = false
	p.input.SetStyles(st)
	p.all = p.commands()
	p.filter()
	return p
}

// commands lists what the acting user may do, so the palette never offers
// a screen they cannot open.
func (p *palette) commands() []command {
	a := &p.m.c.Access
	var out []command
	for _, d := range screens {
		if d.allowed(a) {
			out = append(out, command{title: "go " + strings.ToLower(d.title), screen: d.id})
		}
	}
	add := func(screen, title string, then func(s Screen) tea.Cmd) {
		if d, ok := screenByID(screen); ok && d.allowed(a) {
			out = append(out, command{title: title, screen: screen, then: then})
		}
	}
	add("account", "change my password", func(s Screen) tea.Cmd {
		s.(*accountScreen).openPassword()
		return nil
	})
	add("account", "my notifications (turn events off or on)", func(s Screen) tea.Cmd {
		s.(*accountScreen).openNotify()
		return nil
	})
	// only what the acting user can do: an action that would be refused
	// is not offered (the screen itself still explains a refusal)
	edit := func(m domain.Module) bool { return a.Level(m) >= domain.LevelEdit }
	if edit(domain.ModGroups) {
		add("groups", "new group", func(s Screen) tea.Cmd {
			s.(*groupsScreen).openForm(groupNew, domain.Group{})
			return nil
		})
		add("groups", "grant privileges to a group (open it, space ticks, ctrl+s saves)", nil)
	}
	if edit(domain.ModUsers) || edit(domain.ModTechnicians) {
		add("users", "new user", func(s Screen) tea.Cmd {
			s.(*usersScreen).openForm(userNew, domain.UserInfo{})
			return nil
		})
	}
	if edit(domain.ModUsers) || edit(domain.ModGroups) {
		add("users", "join a group (select users, J)", nil)
	}
	add("users", "find user", func(s Screen) tea.Cmd {
		u := s.(*usersScreen)
		u.filterOn = true
		return u.filter.Focus()
	})
	if edit(domain.ModTeams) {
		add("teams", "new team", func(s Screen) tea.Cmd {
			s.(*teamsScreen).openForm(teamNew, domain.TeamInfo{})
			return nil
		})
		add("teams", "repair teams", func(s Screen) tea.Cmd { return s.(*teamsScreen).repair() })
	}
	if edit(domain.ModBuildings) {
		add("buildings", "new building", func(s Screen) tea.Cmd {
			s.(*buildingsScreen).openForm()
			return nil
		})
	}
	if a.Has(domain.TicketReport) {
		add("tickets", "report a problem (new ticket)", func(s Screen) tea.Cmd { return s.(*ticketsScreen).openReport() })
	}
	if a.Has(domain.QueryRun) {
		add("tickets", "saved ticket queries", func(s Screen) tea.Cmd { s.(*ticketsScreen).openSaved(); return nil })
	}
	if edit(domain.ModSchedules) {
		add("schedules", "new scheduled task", func(s Screen) tea.Cmd { s.(*schedulesScreen).openForm(domain.ScheduledTask{}); return nil })
	}
	add("datafile", "back up the data file", func(s Screen) tea.Cmd { return s.(*dataFileScreen).startBackup() })
	add("datafile", "check the data file (and repair it)", func(s Screen) tea.Cmd { return s.(*dataFileScreen).check() })
	add("access", "effective access (can a user…? why not?)", nil)
	add("access", "who holds a privilege (reverse lookup)", func(s Screen) tea.Cmd { return s.(*accessScreen).startWho() })
	adminCommands(p.m, add)
	if a.Has(domain.Help) { // the full help is the Help privilege, as on ?
		out = append(out, command{title: "help (all keys)"})
	}
	out = append(out, command{title: "quit"})
	return out
}

// score is a fuzzy subsequence match: every rune of q in order, higher
// for matches at word starts and in a row; -1 for no match.
func score(q, s string) int {
	q, s = strings.ToLower(q), strings.ToLower(s)
	if q == "" {
		return 0
	}
	total, qi, prev := 0, 0, -2
	rs := []rune(s)
	qs := []rune(strings.ReplaceAll(q, " ", ""))
	for i, r := range rs {
		if qi < len(qs) && r == qs[qi] {
			total++
			if i == prev+1 {
				total += 2
			}
			if i == 0 || !unicode.IsLetter(rs[i-1]) {
				total += 3
			}
			prev = i
			qi++
		}
	}
	if qi < len(qs) {
		return -1
	}
	return total
}

func (p *palette) filter() {
	q := strings.TrimSpace(p.input.Value())
	type scored struct {
		c command
		s int
	}
	var hits []scored
	for _, c := range p.all {
		if s := score(q, c.title); s >= 0 {
			hits = append(hits, scored{c, s})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].s > hits[j].s })
	p.matches = p.matches[:0]
	for _, h := range hits {
		p.matches = append(p.matches, h.c)
	}
	p.cursor = min(p.cursor, max(0, len(p.matches)-1))
}

func (p *palette) SetSize(w, h int) {
	p.w, p.h = w, h
	p.input.SetWidth(max(10, w-4))
}

// Update returns the command to run and whether the palette closes.
func (p *palette) Update(k tea.KeyPressMsg) (tea.Cmd, bool) {
	pk := p.m.c.Keys.Picker
	switch {
	case key.Matches(k, pk.Close):
		return nil, true
	case key.Matches(k, pk.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(k, pk.Down):
		p.cursor = min(len(p.matches)-1, p.cursor+1)
	case key.Matches(k, pk.Choose):
		if len(p.matches) == 0 {
			return nil, true
		}
		return p.run(p.matches[p.cursor]), true
	default:
		var cmd tea.Cmd
		p.input, cmd = p.input.Update(k)
		p.filter()
		return cmd, false
	}
	return nil, false
}

func (p *palette) run(c command) tea.Cmd {
	m := p.m
	switch c.title {
	case "quit":
		return func() tea.Msg { return quitMsg{} }
	case "help (all keys)":
		m.showAll = true
		return nil
	}
	load := m.switchTo(c.screen, "")
	if c.then != nil && m.active == c.screen {
		s := m.screen()
		cmd := c.then(s)
		s.SetSize(m.w, m.mainHeight())
		return tea.Batch(load, cmd)
	}
	return load
}

func (p *palette) View() string {
	var b strings.Builder
	b.WriteString(p.input.View())
	// the list scrolls so the selection is always on screen
	rows := max(1, p.h-2)
	top := max(0, min(p.cursor-rows+1, len(p.matches)-rows))
	for i, c := range p.matches {
		if i < top {
			continue
		}
		if i >= top+rows {
			break
		}
		line := "  " + c.title
		if i == p.cursor {
			line = p.m.c.Styles.Cursor.Render(pad("▸ "+c.title, p.w))
		}
		b.WriteString("\n" + line)
	}
	if len(p.matches) == 0 {
		b.WriteString("\n" + p.m.c.Styles.Dim.Render("  nothing matches"))
	}
	return b.String()
}

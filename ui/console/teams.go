package console

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

type teamFormMode uint8

const (
	teamNew teamFormMode = iota
	teamDuplicate
	teamAddMember
	teamEdit
)

// teamsScreen lists teams by type; enter shows members marked Member or
// Member (reports-to) (R10).
type teamsScreen struct {
	c       *Common
	seq     uint64 // the newest list read; older ones are dropped
	table   *table
	teams   []domain.TeamInfo
	form    *form
	mode    teamFormMode
	source  domain.TeamInfo
	open    string // team whose members are shown
	members *table
	report  *scroller // the last repair's report
	// conflict shows a conflict of the edit form's save over the form
	conflict *conflictView
	// filter narrows the list as typed (R15: a prefix, % anywhere)
	filter   textinput.Model
	filterOn bool
	w, h     int
}

func newTeamsScreen(c *Common) *teamsScreen {
	s := &teamsScreen{c: c,
		table: newTable(c, "no teams",
			column{title: "Team", width: 18, flex: 2},
			column{title: "Type", width: 9},
			column{title: "Members", width: 7},
			column{title: "Owner", width: 12},
			column{title: "Notes", width: 10, flex: 1}),
		members: newTable(c, "no members: n adds one",
			column{title: "User", width: 14, flex: 1},
			column{title: "Name", width: 16, flex: 2},
			column{title: "Membership", width: 20},
			column{title: "Via", width: 12, flex: 1}),
	}
	s.filter = textinput.New()
	s.filter.Prompt = "/"
	s.filter.Placeholder = "team name: a prefix, % for anything (R15)"
	return s
}

// typeOrder lists global first, then standard, then private.
func typeOrder(t domain.TeamType) int {
	switch t {
	case domain.TeamGlobalType:
		return 0
	case domain.TeamStandard:
		return 1
	}
	return 2
}

// Reload returns the command that reads the list, and the members of the
// open team; only the newest read is shown (the filter reads on every key).
func (s *teamsScreen) Reload() tea.Cmd {
	search, open := strings.TrimSpace(s.filter.Value()), s.open
	s.seq++
	seq := s.seq
	return s.c.load(s, func() func() tea.Cmd {
		ts, err := s.c.Svc.Teams(s.c.Ctx, search)
		var ms []domain.TeamMember
		var mErr error
		if open != "" {
			_, ms, mErr = s.c.Svc.Team(s.c.Ctx, open)
		}
		return func() tea.Cmd {
			if seq == s.seq {
				s.apply(ts, err)
				if open != "" {
					s.applyMembers(open, ms, mErr)
				}
			}
			return nil
		}
	})
}

func (s *teamsScreen) apply(ts []domain.TeamInfo, err error) {
	if err != nil {
		s.c.Fail(err)
		return
	}
	// by type, then name: the list reads global, standard, private
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && typeOrder(ts[j].Type) < typeOrder(ts[j-1].Type); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
	s.teams = ts
	keys := make([]string, len(ts))
	rows := make([][]string, len(ts))
	for i, t := range ts {
		note := ""
		if t.Suppressed {
			note = "suppressed"
		}
		keys[i] = t.Name
		rows[i] = []string{t.Name, t.Type.String(), strconv.Itoa(t.Members), dash(t.Owner), note}
	}
	s.table.SetRows(keys, rows)
}

// openTeam shows a team's members: they are read in a command and shown
// when they arrive (the status line says loading… meanwhile).
func (s *teamsScreen) openTeam(team string) tea.Cmd {
	s.open = team
	s.members.SetRows(nil, nil)
	return s.c.open(s, func() func() tea.Cmd {
		_, ms, err := s.c.Svc.Team(s.c.Ctx, team)
		return func() tea.Cmd { s.applyMembers(team, ms, err); return nil }
	})
}

// applyMembers shows the members of team read off the Update loop, if that
// team is still the open one.
func (s *teamsScreen) applyMembers(team string, ms []domain.TeamMember, err error) {
	if s.open != team {
		return
	}
	if err != nil {
		s.open = ""
		s.c.Fail(err)
		return
	}
	keys := make([]string, len(ms))
	rows := make([][]string, len(ms))
	for i, m := range ms {
		keys[i] = m.User.Username
		rows[i] = []string{m.User.Username, m.User.Name(), m.Label(), dash(m.Via)}
	}
	s.members.SetRows(keys, rows)
}

func (s *teamsScreen) Dirty() bool     { return s.conflict != nil }
func (s *teamsScreen) Capturing() bool { return s.conflict == nil && (s.form != nil || s.filterOn) }
func (s *teamsScreen) Hint() string    { return "" }

func (s *teamsScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.table.SetSize(w, h-1)
	s.filter.SetWidth(max(10, w-4))
	s.members.SetSize(w, h-1)
	if s.form != nil {
		s.form.SetSize(w, h)
	}
	if s.report != nil {
		s.report.SetSize(w, h-1)
	}
	if s.conflict != nil {
		s.conflict.SetSize(w, h)
	}
}

func (s *teamsScreen) current() (domain.TeamInfo, bool) {
	for _, t := range s.teams {
		if t.Name == s.table.Key() {
			return t, true
		}
	}
	return domain.TeamInfo{}, false
}

func (s *teamsScreen) openForm(mode teamFormMode, src domain.TeamInfo) {
	if !s.c.canEdit(domain.ModTeams) {
		return
	}
	s.mode, s.source = mode, src
	name := func(v string) error { return domain.ValidateName("team name", v) }
	switch mode {
	case teamNew:
		s.form = newForm(s.c, "New team").text("Name", "", "", name).text("Description", "", "", nil)
	case teamDuplicate:
		s.form = newForm(s.c, "Duplicate team "+src.Name).text("Name", "Copy of "+src.Name, "", name)
		s.form.note = "The copy gets the same explicit members."
	case teamAddMember:
		s.form = newForm(s.c, "Add a member to "+s.open).pickText("Username", "", "type to narrow", domain.ValidateUsername, s.c.userChoices)
	case teamEdit:
		s.form = newForm(s.c, "Edit team "+src.Name).text("Name", src.Name, "", name).text("Description", src.Description, "", nil)
	}
	s.form.SetSize(s.w, s.h)
}

// submit saves the form off the Update loop (saveForm): a refusal keeps
// the form and its text; a save closes it and the cursor lands on the team.
func (s *teamsScreen) submit() tea.Cmd { return s.submitAs(resolution{}) }

// submitAs is submit with a conflict's answer (for an edit).
func (s *teamsScreen) submitAs(res resolution) tea.Cmd {
	f, svc, ctx := s.form, s.c.Svc, s.c.Ctx
	land := func(t domain.Team) tea.Cmd {
		s.table.Want(t.Name) // the cursor lands on the new or renamed team
		return s.Reload()
	}
	switch s.mode {
	case teamNew:
		t := domain.Team{Name: f.Value(0), Description: f.Value(1)}
		return saveForm(s.c, s, &s.form, func() (domain.Team, error) { return svc.CreateTeam(ctx, t) },
			func(t domain.Team) string { return "created team " + t.Name }, land)
	case teamDuplicate:
		source, name := s.source.Name, f.Value(0)
		return saveForm(s.c, s, &s.form, func() (domain.Team, error) { return svc.DuplicateTeam(ctx, source, name) },
			func(t domain.Team) string { return "duplicated " + source + " as " + t.Name }, land)
	case teamAddMember:
		team, user := s.open, f.Value(0)
		return saveForm(s.c, s, &s.form, func() (string, error) { return user, svc.AddTeamMember(ctx, team, user) },
			func(string) string { return "added " + user + " to " + team },
			func(string) tea.Cmd { s.members.Want(user); return s.Reload() })
	}
	// the fields the form changed, on the version it opened
	t := s.source.Team
	t.Name, t.Description = f.Value(0), f.Value(1)
	patch := domain.DiffTeam(s.source.Team, t)
	what := "team " + s.source.Name
	if res.onto(&patch.Base, &patch) {
		s.form = nil
		s.c.nothingLeft(what)
		return s.Reload()
	}
	e := edit{what: what, view: &s.conflict, w: s.w, h: s.h, res: res, resend: s.submitAs, discard: func() tea.Cmd { s.form = nil; return s.Reload() }}
	return saveEdit(s.c, s, &s.form, e, func() (domain.Team, error) { return svc.UpdateTeam(ctx, t.ID, patch) },
		func(t domain.Team) string { return s.c.savedNote(t.Name, t.Rev, "saved team "+t.Name, res) },
		func(t domain.Team) tea.Cmd { s.keep(t); return land(t) })
}

// keep puts a team a save returned into the list until it is read again:
// an edit opened meanwhile starts from the saved version.
func (s *teamsScreen) keep(t domain.Team) {
	for i := range s.teams {
		if s.teams[i].ID == t.ID {
			s.teams[i].Team = t
		}
	}
}

// repair rebuilds global membership, private teams and the hierarchy (R9)
// and shows what it changed.
func (s *teamsScreen) repair() tea.Cmd {
	return ask("Repair teams? Global membership, private teams and the reports-to hierarchy are rebuilt (R9).", func() tea.Msg {
		lines, err := s.c.Svc.RepairTeams(s.c.Ctx)
		return repairDoneMsg{lines: lines, err: err}
	})
}

type repairDoneMsg struct {
	lines []string
	err   error
}

func (s *teamsScreen) Update(msg tea.Msg) tea.Cmd {
	if r, ok := msg.(repairDoneMsg); ok {
		if r.err != nil {
			s.c.Fail(r.err)
			return nil
		}
		lines := r.lines
		if len(lines) == 0 {
			lines = []string{"nothing to repair: teams were consistent"}
		}
		s.report = &scroller{c: s.c, lines: lines}
		s.report.SetSize(s.w, s.h-1)
		s.c.Ok("repaired teams: %s", plural(len(r.lines), "change"))
		return s.Reload()
	}
	if cmd, ok := updateConflict(&s.conflict, msg); ok {
		return cmd
	}
	if s.form != nil {
		return updateForm(&s.form, msg, s.submit)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	n, l := s.c.Keys.Nav, s.c.Keys.List
	if s.filterOn {
		switch {
		case key.Matches(k, n.Back):
			// esc cancels the filter: the whole list again
			s.filterOn = false
			s.filter.SetValue("")
			s.filter.Blur()
			return s.Reload()
		case key.Matches(k, n.Open):
			s.filterOn = false
			s.filter.Blur()
			return nil
		}
		var cmd tea.Cmd
		s.filter, cmd = s.filter.Update(msg)
		return tea.Batch(cmd, s.Reload())
	}
	if s.report != nil {
		if !s.report.Update(msg) {
			s.report = nil
		}
		return nil
	}
	if s.open != "" {
		if s.members.Update(msg) {
			return nil
		}
		team, user := s.open, s.members.Key()
		if key.Matches(k, l.New, l.Delete) && !s.c.canEdit(domain.ModTeams) {
			return nil
		}
		switch {
		case key.Matches(k, n.Back):
			s.open = ""
		case key.Matches(k, l.New):
			s.openForm(teamAddMember, domain.TeamInfo{})
		case key.Matches(k, l.Delete) && user != "":
			if !s.c.canEdit(domain.ModTeams) {
				return nil
			}
			return ask(fmt.Sprintf("Remove %s from team %s?", user, team),
				act("removed "+user+" from "+team, func() error { return s.c.Svc.RemoveTeamMember(s.c.Ctx, team, user) }))
		}
		return nil
	}
	if s.table.Update(msg) {
		return nil
	}
	t, has := s.current()
	if key.Matches(k, l.New, l.Edit, l.Repair, l.Duplicate, l.Deactivate, l.Delete) && !s.c.canEdit(domain.ModTeams) {
		return nil
	}
	switch {
	case key.Matches(k, n.Filter):
		s.filterOn = true
		return s.filter.Focus()
	case key.Matches(k, l.New):
		s.openForm(teamNew, domain.TeamInfo{})
	case key.Matches(k, l.Repair):
		return s.repair()
	case key.Matches(k, s.c.Keys.Admin.Notices):
		return openScreen(s.c, "notices")
	case !has:
	case key.Matches(k, n.Open):
		return s.openTeam(t.Name)
	case key.Matches(k, l.Duplicate):
		s.openForm(teamDuplicate, t)
	case key.Matches(k, l.Edit):
		s.openForm(teamEdit, t)
	case (key.Matches(k, l.Deactivate) || key.Matches(k, l.Delete)) && !s.c.canEdit(domain.ModTeams):
	case (key.Matches(k, l.Deactivate) || key.Matches(k, l.Delete)) && t.Type == domain.TeamGlobalType:
		s.c.Fail(domain.Errorf(domain.EForbidden, "the Global team holds every user: it cannot be suppressed or deleted (R9)"))
	case key.Matches(k, l.Deactivate):
		name := t.Name
		return ask("Suppress team "+name+"? Its members no longer share its tickets.",
			act("suppressed "+name, func() error { return s.c.Svc.SuppressTeam(s.c.Ctx, name) }))
	case key.Matches(k, l.Delete):
		name := t.Name
		return ask("Delete team "+name+"?", act("deleted team "+name, func() error { return s.c.Svc.DeleteTeam(s.c.Ctx, name) }))
	}
	return nil
}

func (s *teamsScreen) View() string {
	switch {
	case s.conflict != nil:
		return s.conflict.View()
	case s.form != nil:
		return s.form.View()
	case s.report != nil:
		return s.c.Styles.Title.Render("Repair report") + "\n" + s.report.View()
	case s.open != "":
		return pad(s.c.Styles.Title.Render("Team "+s.open)+" · members, explicit and through reports-to (R10)", s.w) + "\n" + s.members.View()
	}
	head := fmt.Sprintf("Teams · %d", len(s.teams))
	if f := strings.TrimSpace(s.filter.Value()); f != "" {
		head += " · filter " + f
	}
	if s.filterOn {
		head = s.filter.View()
	}
	return pad(head, s.w) + "\n" + s.table.View()
}

func (s *teamsScreen) ShortHelp() []key.Binding {
	n, l := s.c.Keys.Nav, s.c.Keys.List
	switch {
	case s.conflict != nil:
		return s.conflict.ShortHelp()
	case s.form != nil:
		return s.form.ShortHelp()
	case s.report != nil:
		return []key.Binding{n.Down, n.Back}
	case s.open != "":
		return append(s.c.editKeys(domain.ModTeams, l.New, l.Delete), n.Back)
	}
	if s.filterOn {
		return []key.Binding{n.Open, n.Back}
	}
	dx := l.Deactivate
	dx.SetHelp("x", "suppress")
	return append(append([]key.Binding{n.Filter, n.Open}, s.c.editKeys(domain.ModTeams, l.New, l.Edit, l.Duplicate, dx, l.Delete, l.Repair)...), screenKey(s.c, "notices", s.c.Keys.Admin.Notices)...)
}

func (s *teamsScreen) FullHelp() [][]key.Binding {
	if s.conflict != nil {
		return s.conflict.FullHelp()
	}
	return [][]key.Binding{s.ShortHelp()}
}

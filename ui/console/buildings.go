package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

type buildingFormMode uint8

const (
	buildingNew buildingFormMode = iota
	buildingEdit
	buildingRule
)

// buildingsScreen lists buildings; enter shows rooms, region, assigned
// users and auto-assign rules, warning when a rule's technician is inactive.
type buildingsScreen struct {
	c         *Common
	table     *table
	buildings []domain.Building
	open      *domain.Building
	rules     *table
	users     map[domain.ID]domain.UserInfo
	form      *form
	mode      buildingFormMode
	// opened is the building the edit form opened with: its save is a
	// patch of the fields changed, based on this version (the detail
	// behind it follows the store meanwhile)
	opened   domain.Building
	conflict *conflictView
	w, h     int
}

func newBuildingsScreen(c *Common) *buildingsScreen {
	s := &buildingsScreen{c: c,
		table: newTable(c, "no buildings: n creates one",
			column{title: "Code", width: 8},
			column{title: "Name", width: 20, flex: 2},
			column{title: "Region", width: 10, flex: 1},
			column{title: "Rooms", width: 5},
			column{title: "Rules", width: 5}),
		rules: newTable(c, "no auto-assign rules: n adds one",
			column{title: "Problem type", width: 16, flex: 1},
			column{title: "Technician", width: 14},
			column{title: "Warning", width: 20, flex: 2}),
	}
	return s
}

func (s *buildingsScreen) Reload() tea.Cmd {
	return s.c.load(s, func() func() tea.Cmd {
		bs, err := s.c.Svc.Buildings(s.c.Ctx, "")
		page, uErr := s.c.Svc.Users(s.c.Ctx, domain.UserQuery{})
		return func() tea.Cmd { s.apply(bs, err, page, uErr); return nil }
	})
}

func (s *buildingsScreen) apply(bs []domain.Building, err error, page domain.UserPage, uErr error) {
	if err != nil {
		s.c.Fail(err)
		return
	}
	s.buildings = bs
	keys := make([]string, len(bs))
	rows := make([][]string, len(bs))
	for i, b := range bs {
		keys[i] = b.Code
		rows[i] = []string{b.Code, b.Name, dash(b.Region), strconv.Itoa(len(b.Rooms)), strconv.Itoa(len(b.Rules))}
	}
	s.table.SetRows(keys, rows)
	s.users = map[domain.ID]domain.UserInfo{}
	if uErr == nil {
		for _, u := range page.Users {
			s.users[u.ID] = u
		}
	}
	if s.open != nil {
		s.show(s.open.Code)
	}
}

// show opens a building's detail from the list last read (buildings come
// with their rules, so nothing is read in Update).
func (s *buildingsScreen) show(code string) {
	i := slices.IndexFunc(s.buildings, func(b domain.Building) bool { return b.Code == code })
	if i < 0 {
		s.open = nil
		s.c.Fail(domain.Errorf(domain.ENotFound, "building %s not found", code))
		return
	}
	b := s.buildings[i]
	s.open = &b
	keys := make([]string, len(b.Rules))
	rows := make([][]string, len(b.Rules))
	for i, r := range b.Rules {
		tech, warn := fmt.Sprintf("#%d", r.Tech), ""
		if u, ok := s.users[r.Tech]; ok {
			tech = u.Username
			switch {
			case u.Status == domain.StatusDeactivated:
				warn = "⚠ technician is deactivated"
			case u.Inactive != "":
				warn = "⚠ technician is inactive: " + u.Inactive
			case !u.Technician:
				warn = "⚠ no longer Can Be Assignee"
			}
		}
		keys[i] = r.ProblemType
		rows[i] = []string{r.ProblemType, tech, warn}
	}
	s.rules.SetRows(keys, rows)
}

func (s *buildingsScreen) Dirty() bool     { return s.conflict != nil }
func (s *buildingsScreen) Capturing() bool { return s.conflict == nil && s.form != nil }
func (s *buildingsScreen) Hint() string    { return "" }

func (s *buildingsScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.table.SetSize(w, h)
	s.rules.SetSize(w, h-5)
	if s.form != nil {
		s.form.SetSize(w, h)
	}
	if s.conflict != nil {
		s.conflict.SetSize(w, h)
	}
}

func (s *buildingsScreen) openForm() { s.openFormMode(buildingNew, domain.Building{}) }

func (s *buildingsScreen) openFormMode(mode buildingFormMode, b domain.Building) {
	if !s.c.canEdit(domain.ModBuildings) {
		return
	}
	s.mode, s.opened = mode, b
	required := func(field string) func(string) error {
		return func(v string) error { return domain.ValidateName(field, v) }
	}
	switch mode {
	case buildingNew, buildingEdit:
		title := "New building"
		if mode == buildingEdit {
			title = "Edit building " + b.Code
		}
		s.form = newForm(s.c, title).
			text("Code", b.Code, "e.g. EAST", required("code")).
			text("Name", b.Name, "", required("name")).
			text("Region", b.Region, "optional", nil).
			text("Rooms", strings.Join(b.Rooms, ", "), "comma-separated", nil)
	case buildingRule:
		s.form = newForm(s.c, "New auto-assign rule in "+s.open.Code).
			pickText("Problem type", "", "type to narrow", required("problem type"), s.c.problemTypeChoices).
			pickText("Technician", "", "username", domain.ValidateUsername, s.c.userChoices)
		s.form.note = "New tickets of this problem type in this building go to the technician at once."
	}
	s.form.SetSize(s.w, s.h)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// submit saves the form off the Update loop (saveForm): a refusal keeps
// the form and its text; a save closes it and reads the list again.
func (s *buildingsScreen) submit() tea.Cmd { return s.submitAs(resolution{}) }

// submitAs is submit with a conflict's answer (for an edit).
func (s *buildingsScreen) submitAs(res resolution) tea.Cmd {
	f, svc, ctx := s.form, s.c.Svc, s.c.Ctx
	switch s.mode {
	case buildingNew, buildingEdit:
		b, orig, mode := domain.Building{}, domain.Building{}, s.mode
		if mode == buildingEdit {
			b, orig = s.opened, s.opened
		}
		b.Code, b.Name, b.Region, b.Rooms = f.Value(0), f.Value(1), f.Value(2), splitList(f.Value(3))
		// an edit: the fields the form changed, on the version it opened
		patch := domain.DiffBuilding(orig, b)
		what := "building " + orig.Code
		if mode == buildingEdit && res.onto(&patch.Base, &patch) {
			s.form = nil
			s.c.nothingLeft(what)
			return s.Reload()
		}
		e := edit{what: what, view: &s.conflict, w: s.w, h: s.h, res: res, resend: s.submitAs, discard: func() tea.Cmd { s.form = nil; return s.Reload() }}
		return saveEdit(s.c, s, &s.form, e, func() (domain.Building, error) {
			if mode == buildingNew {
				return svc.CreateBuilding(ctx, b)
			}
			return svc.UpdateBuilding(ctx, b.ID, patch)
		}, func(b domain.Building) string {
			return s.c.savedNote(b.Code, b.Rev, "saved building "+b.Code, res)
		}, func(b domain.Building) tea.Cmd {
			if mode == buildingNew {
				s.table.Want(b.Code) // the cursor lands on the new building
			}
			// the saved building is the next edit's base, until the list
			// is read again
			for i := range s.buildings {
				if s.buildings[i].ID == b.ID {
					s.buildings[i] = b
				}
			}
			if s.open != nil {
				s.open = &b
			}
			return s.Reload()
		})
	}
	code, pt, tech := s.open.Code, f.Value(0), f.Value(1)
	return saveForm(s.c, s, &s.form, func() (string, error) { return pt, svc.AddRule(ctx, code, pt, tech) },
		func(string) string { return fmt.Sprintf("rule added: %s in %s goes to %s", pt, code, tech) },
		func(string) tea.Cmd { s.rules.Want(pt); return s.Reload() })
}

func (s *buildingsScreen) Update(msg tea.Msg) tea.Cmd {
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
	if s.open != nil {
		if s.rules.Update(msg) {
			return nil
		}
		code, pt := s.open.Code, s.rules.Key()
		if key.Matches(k, l.New, l.Edit, l.Delete) && !s.c.canEdit(domain.ModBuildings) {
			return nil
		}
		switch {
		case key.Matches(k, n.Back):
			s.open = nil
		case key.Matches(k, l.New):
			s.openFormMode(buildingRule, domain.Building{})
		case key.Matches(k, l.Edit):
			s.openFormMode(buildingEdit, *s.open)
		case key.Matches(k, l.Delete) && pt != "":
			if !s.c.canEdit(domain.ModBuildings) {
				return nil
			}
			return ask(fmt.Sprintf("Remove the auto-assign rule for %s in %s?", pt, code),
				act("removed rule "+code+"/"+pt, func() error { return s.c.Svc.RemoveRule(s.c.Ctx, code, pt) }))
		}
		return nil
	}
	if s.table.Update(msg) {
		return nil
	}
	code := s.table.Key()
	if key.Matches(k, l.New, l.Edit, l.Delete) && !s.c.canEdit(domain.ModBuildings) {
		return nil
	}
	switch {
	case key.Matches(k, l.New):
		s.openForm()
	case code == "":
	case key.Matches(k, n.Open):
		s.show(code)
	case key.Matches(k, l.Edit):
		s.show(code)
		if s.open != nil {
			s.openFormMode(buildingEdit, *s.open)
		}
	case key.Matches(k, l.Delete):
		if !s.c.canEdit(domain.ModBuildings) {
			return nil
		}
		return ask("Delete building "+code+"?", act("deleted building "+code, func() error { return s.c.Svc.DeleteBuilding(s.c.Ctx, code) }))
	}
	return nil
}

func (s *buildingsScreen) detailView() string {
	b := s.open
	st := s.c.Styles
	var assigned []string
	for _, u := range s.users {
		if slices.Contains(u.Buildings, b.Code) {
			assigned = append(assigned, u.Username)
		}
	}
	slices.Sort(assigned)
	lines := []string{
		st.Title.Render("Building "+domain.Printable(b.Code)) + " · " + domain.Printable(b.Name) + " · region " + dash(domain.Printable(b.Region)),
		pad("Rooms: "+dash(strings.Join(b.Rooms, ", ")), s.w),
		pad("Assigned users (building administrators see its tickets, R5): "+dash(strings.Join(assigned, ", ")), s.w),
		st.Title.Render("Auto-assign rules"),
	}
	return strings.Join(lines, "\n") + "\n" + s.rules.View()
}

func (s *buildingsScreen) View() string {
	switch {
	case s.conflict != nil:
		return s.conflict.View()
	case s.form != nil:
		return s.form.View()
	case s.open != nil:
		return s.detailView()
	}
	return s.table.View()
}

func (s *buildingsScreen) ShortHelp() []key.Binding {
	n, l := s.c.Keys.Nav, s.c.Keys.List
	switch {
	case s.conflict != nil:
		return s.conflict.ShortHelp()
	case s.form != nil:
		return s.form.ShortHelp()
	case s.open != nil:
		return append(s.c.editKeys(domain.ModBuildings, l.New, l.Edit, l.Delete), n.Back)
	}
	return append([]key.Binding{n.Open}, s.c.editKeys(domain.ModBuildings, l.New, l.Edit, l.Delete)...)
}

func (s *buildingsScreen) FullHelp() [][]key.Binding {
	if s.conflict != nil {
		return s.conflict.FullHelp()
	}
	return [][]key.Binding{s.ShortHelp()}
}

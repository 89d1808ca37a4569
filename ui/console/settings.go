package console

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// Field indexes of the settings form.
const (
	sfName = iota
	sfTimeZone
	sfOverdue
	sfVisibility
	sfPrefix
	sfPriorities
	sfProblemTypes
)

// settingsScreen shows the organization's settings; e edits them. The
// store checks each part against its module (organization, reporting,
// appearance), so a refusal names the part.
type settingsScreen struct {
	c    *Common
	org  domain.Organization
	form *form
	// formOrg is the organization the form opened with: its save is a
	// patch of the fields changed, based on this version (org follows
	// the store meanwhile)
	formOrg domain.Organization
	// conflict shows a conflict of either form's save over it
	conflict *conflictView
	w, h     int

	// the Email tab (tab/shift+tab): mail server and intake settings
	emailTab bool
	mail     domain.MailSettings
	mailErr  error // why the settings cannot be shown (organization:view)
	mailForm *form
	mailBase uint64 // the version of the mail settings the form opened
	saving   bool
}

func newSettingsScreen(c *Common) *settingsScreen {
	s := &settingsScreen{c: c}
	return s
}

func (s *settingsScreen) Reload() tea.Cmd {
	return s.c.load(s, func() func() tea.Cmd {
		o, err := s.c.Svc.Organization(s.c.Ctx)
		mail, mailErr := s.c.Svc.MailSettings(s.c.Ctx)
		return func() tea.Cmd {
			if err != nil {
				s.c.Fail(err)
				return nil
			}
			s.org = o
			s.mail, s.mailErr = mail, mailErr
			return nil
		}
	})
}

func typeNames(o domain.Organization) []string {
	out := make([]string, len(o.ProblemTypes))
	for i, p := range o.ProblemTypes {
		out[i] = p.Name
	}
	return out
}

func (s *settingsScreen) openForm() {
	o := s.org
	s.formOrg = o
	days := func(v string) error {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return domain.Errorf(domain.EInvalid, "overdue days %q: a whole number of days, 0 or more", v)
		}
		return nil
	}
	zone := func(v string) error {
		if _, err := time.LoadLocation(v); err != nil {
			return domain.Errorf(domain.EInvalid, "time zone %q: use an IANA name such as Europe/Paris or UTC", v)
		}
		return nil
	}
	s.form = newForm(s.c, "Organization settings").
		text("Name", o.Name, "", func(v string) error { return domain.ValidateName("organization name", v) }).
		text("Time zone", o.TimeZone, "UTC", zone).
		text("Overdue days", strconv.Itoa(o.OverdueDays), "", days).
		toggle("Record visibility", o.RecordVisibility).
		text("Ticket prefix", o.TicketPrefix, "T", nil).
		text("Priorities", strings.Join(o.Priorities, ", "), "comma-separated", nil).
		text("Problem types", strings.Join(typeNames(o), ", "), "comma-separated", nil)
	// one field per problem type for its common problems (field sfProblemTypes+1+i)
	for _, p := range o.ProblemTypes {
		s.form.text("  "+p.Name, strings.Join(p.CommonProblems, ", "), "common problems, comma-separated", nil)
	}
	s.form.note = "Each problem type's common problems are the line below it; a type added above gets its line after saving."
	s.form.SetSize(s.w, s.h)
}

func (s *settingsScreen) submit() tea.Cmd { return s.submitAs(resolution{}) }

// submitAs saves the form in a command: the fields changed, on the
// version it opened (res: a conflict's answer).
func (s *settingsScreen) submitAs(res resolution) tea.Cmd {
	f := s.form
	o := s.formOrg
	o.Name, o.TimeZone, o.TicketPrefix = f.Value(sfName), f.Value(sfTimeZone), f.Value(sfPrefix)
	o.OverdueDays, _ = strconv.Atoi(f.Value(sfOverdue))
	o.RecordVisibility = f.On(sfVisibility)
	o.Priorities = splitList(f.Value(sfPriorities))
	common := map[string][]string{}
	for i, p := range s.formOrg.ProblemTypes {
		common[strings.ToLower(p.Name)] = splitList(f.Value(sfProblemTypes + 1 + i))
	}
	o.ProblemTypes = nil
	for _, n := range splitList(f.Value(sfProblemTypes)) {
		o.ProblemTypes = append(o.ProblemTypes, domain.ProblemType{Name: n, CommonProblems: common[strings.ToLower(n)]})
	}
	patch := domain.DiffOrg(s.formOrg, o)
	if res.onto(&patch.Base, &patch) {
		s.form = nil
		s.c.nothingLeft("the organization settings")
		return s.Reload()
	}
	svc, ctx := s.c.Svc, s.c.Ctx
	return s.c.saving(s, func() tea.Msg {
		o, err := svc.UpdateOrganization(ctx, patch)
		return settingsSavedMsg{form: f, org: o, err: err, res: res}
	})
}

// settingsSavedMsg is the outcome of the settings form's save: on err the
// form stays with what was typed.
type settingsSavedMsg struct {
	form *form
	org  domain.Organization
	err  error
	res  resolution
}

func (s *settingsScreen) saved(m settingsSavedMsg) tea.Cmd {
	if m.err != nil {
		discard := func() tea.Cmd { s.form = nil; return s.Reload() }
		e := edit{what: "the organization settings", view: &s.conflict, w: s.w, h: s.h, res: m.res, resend: s.submitAs, discard: discard}
		if m.form != s.form || !catchConflict(s.c, m.err, e) {
			s.c.Fail(m.err)
		}
		return nil
	}
	if m.form == s.form {
		s.form = nil
	}
	s.org = m.org // the next edit's base, until the settings are read again
	s.c.Ok("%s", s.c.savedNote("The organization", m.org.Rev, "saved organization settings", m.res))
	return s.Reload()
}

func (s *settingsScreen) Dirty() bool { return s.conflict != nil }
func (s *settingsScreen) Capturing() bool {
	return s.conflict == nil && (s.form != nil || s.mailForm != nil)
}
func (s *settingsScreen) Hint() string { return "" }

func (s *settingsScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	if s.form != nil {
		s.form.SetSize(w, h)
	}
	if s.mailForm != nil {
		s.mailForm.SetSize(w, h)
	}
	if s.conflict != nil {
		s.conflict.SetSize(w, h)
	}
}

func (s *settingsScreen) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(settingsSavedMsg); ok {
		return s.saved(m)
	}
	if m, ok := msg.(mailSavedMsg); ok {
		return s.mailSaved(m)
	}
	if cmd, ok := updateConflict(&s.conflict, msg); ok {
		return cmd
	}
	if s.mailForm != nil {
		submit, cancel, cmd := s.mailForm.Update(msg)
		switch {
		case cancel:
			s.mailForm = nil
		case submit && !s.saving:
			return s.saveMail(resolution{})
		}
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && s.form == nil &&
		(key.Matches(k, s.c.Keys.Global.NextPane) || key.Matches(k, s.c.Keys.Global.PrevPane)) {
		s.emailTab = !s.emailTab
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && s.form == nil && s.emailTab && key.Matches(k, s.c.Keys.List.Edit) {
		if s.c.allow(s.mayEdit()) {
			s.openMailForm()
		}
		return nil
	}
	if s.form != nil {
		submit, cancel, cmd := s.form.Update(msg)
		switch {
		case cancel:
			s.form = nil
		case submit:
			return s.submit()
		}
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, s.c.Keys.List.Edit) && s.c.allow(s.mayEdit()) {
		s.openForm()
	}
	return nil
}

// mayEdit is nil when the actor may change something on the open tab:
// mail settings need organization:edit; the organization form needs edit
// on Organization, Reporting or Appearance (the store checks each part).
func (s *settingsScreen) mayEdit() error {
	a := &s.c.Access
	if s.emailTab {
		return a.RequireLevel(domain.ModOrganization, domain.LevelEdit)
	}
	for _, m := range []domain.Module{domain.ModOrganization, domain.ModReporting, domain.ModAppearance} {
		if a.Level(m) >= domain.LevelEdit {
			return nil
		}
	}
	return domain.Errorf(domain.EForbidden, "%s lacks Manage Organization, Advanced Reporting Options or Customize Application edit (organization:edit, reporting:edit or appearance:edit)", a.Username)
}

func (s *settingsScreen) View() string {
	if s.conflict != nil {
		return s.conflict.View()
	}
	if s.form != nil {
		return s.form.View()
	}
	if s.mailForm != nil {
		return s.mailForm.View()
	}
	if s.emailTab {
		return s.tabs() + "\n" + s.mailView()
	}
	o := s.org
	st := s.c.Styles
	vis := "off"
	if o.RecordVisibility {
		vis = "on"
	}
	lines := []string{
		s.tabs(),
		st.Title.Render("Organization"),
		"  Name               " + o.Name,
		"  Time zone          " + o.TimeZone,
		"  Overdue after      " + plural(o.OverdueDays, "day"),
		"  Record visibility  " + vis,
		"",
		st.Title.Render("Numbering and priorities"),
		"  Ticket prefix      " + o.TicketPrefix + " (next " + o.FormatTicket(max(o.NextTicket, 1)) + ")",
		"  Priorities         " + dash(strings.Join(o.Priorities, ", ")),
		"",
		st.Title.Render("Problem types and common problems"),
	}
	for _, p := range o.ProblemTypes {
		lines = append(lines, "  "+pad(p.Name, 18)+" "+dash(strings.Join(p.CommonProblems, ", ")))
	}
	return strings.Join(lines, "\n")
}

func (s *settingsScreen) ShortHelp() []key.Binding {
	if s.conflict != nil {
		return s.conflict.ShortHelp()
	}
	if s.form != nil {
		return s.form.ShortHelp()
	}
	if s.mailForm != nil {
		return s.mailForm.ShortHelp()
	}
	if s.mayEdit() != nil {
		return []key.Binding{s.c.Keys.Global.NextPane}
	}
	return []key.Binding{s.c.Keys.List.Edit, s.c.Keys.Global.NextPane}
}

func (s *settingsScreen) FullHelp() [][]key.Binding {
	if s.conflict != nil {
		return s.conflict.FullHelp()
	}
	return [][]key.Binding{s.ShortHelp()}
}

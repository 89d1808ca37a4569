package console

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// Field indexes of the scheduled task form.
const (
	stTitle = iota
	stDescription
	stBuilding
	stType
	stPriority
	stEvery
	stInterval
	stNext
	stEnabled
)

const runLayout = "2006-01-02 15:04"

// schedulesScreen lists the recurring tasks that create tickets when due
// (Schedule Tasks module): view needs schedules:view, changes schedules:edit.
type schedulesScreen struct {
	c *Common
	// selectAfter is the row to land on when the next load arrives
	selectAfter string
	table       *table
	tasks       []domain.ScheduledTask
	blds        []domain.Building
	org         domain.Organization
	loc         *time.Location
	form        *form
	edit        domain.ScheduledTask // the task the form edits, as it opened; ID 0 for a new one
	// conflict shows a conflict of the edit form's save over the form
	conflict *conflictView
	w, h     int
}

func newSchedulesScreen(c *Common) *schedulesScreen {
	s := &schedulesScreen{c: c, loc: time.UTC, table: newTable(c, "no scheduled tasks: n creates one",
		column{title: "Title", width: 14, flex: 2},
		column{title: "Bldg", width: 6},
		column{title: "Type", width: 9, flex: 1},
		column{title: "Priority", width: 8},
		column{title: "Every", width: 12},
		column{title: "Next run", width: 16},
		column{title: "On", width: 3})}
	return s
}

func (s *schedulesScreen) Reload() tea.Cmd {
	return s.c.load(s, func() func() tea.Cmd {
		o, oErr := s.c.Svc.Organization(s.c.Ctx)
		bs, bErr := s.c.Svc.Buildings(s.c.Ctx, "")
		tasks, err := s.c.Svc.Schedules(s.c.Ctx)
		return func() tea.Cmd { s.apply(o, oErr, bs, bErr, tasks, err); return nil }
	})
}

func (s *schedulesScreen) apply(o domain.Organization, oErr error, bs []domain.Building, bErr error, tasks []domain.ScheduledTask, err error) {
	if oErr == nil {
		s.org = o
		if loc, err := time.LoadLocation(o.TimeZone); err == nil {
			s.loc = loc
		}
	}
	if bErr == nil {
		s.blds = bs
	}
	if err != nil {
		s.c.Fail(err)
		return
	}
	s.tasks = tasks
	keys := make([]string, len(tasks))
	rows := make([][]string, len(tasks))
	for i, t := range tasks {
		on := "no"
		if t.Enabled {
			on = "yes"
		}
		keys[i] = strconv.FormatUint(t.ID, 10)
		rows[i] = []string{t.Title, s.code(t.Building), dash(t.ProblemType), dash(t.Priority), every(t),
			t.NextRun.In(s.loc).Format(runLayout), on}
	}
	s.table.SetRows(keys, rows)
	if s.selectAfter != "" {
		s.table.SelectKey(s.selectAfter)
		s.selectAfter = ""
	}
}

func every(t domain.ScheduledTask) string {
	if t.Interval <= 1 {
		return string(t.Every)
	}
	return fmt.Sprintf("%d × %s", t.Interval, t.Every)
}

func (s *schedulesScreen) code(id domain.ID) string {
	for _, b := range s.blds {
		if b.ID == id {
			return b.Code
		}
	}
	return "—"
}

func (s *schedulesScreen) current() (domain.ScheduledTask, bool) {
	for _, t := range s.tasks {
		if strconv.FormatUint(t.ID, 10) == s.table.Key() {
			return t, true
		}
	}
	return domain.ScheduledTask{}, false
}

func (s *schedulesScreen) parseRun(v string) (time.Time, error) {
	t, err := time.ParseInLocation(runLayout, v, s.loc)
	if err != nil {
		return t, domain.Errorf(domain.EInvalid, "next run %q: use YYYY-MM-DD HH:MM", v)
	}
	return t, nil
}

func validInterval(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return domain.Errorf(domain.EInvalid, "interval %q: a whole number from 1 to 1000", v)
	}
	return nil
}

func (s *schedulesScreen) openForm(t domain.ScheduledTask) {
	codes := make([]string, len(s.blds))
	for i, b := range s.blds {
		codes[i] = b.Code
	}
	if len(codes) == 0 {
		s.c.Fail(domain.Errorf(domain.EInvalid, "building: there are no buildings yet"))
		return
	}
	types := []string{""}
	for _, p := range s.org.ProblemTypes {
		types = append(types, p.Name)
	}
	title := "New scheduled task"
	next := s.c.Now().In(s.loc).Truncate(time.Hour).Add(time.Hour)
	if t.ID != 0 {
		title = "Edit scheduled task " + t.Title
		next = t.NextRun.In(s.loc)
	} else {
		t.Every, t.Interval, t.Enabled = domain.Weekly, 1, true
	}
	s.edit = t
	s.form = newForm(s.c, title).
		text("Title", t.Title, "becomes the ticket's title", func(v string) error { return domain.ValidateName("title", v) }).
		text("Description", t.Description, "optional", nil).
		choose("Building", codes, s.code(t.Building)).
		choose("Problem type", types, t.ProblemType).
		choose("Priority", append([]string{""}, s.org.Priorities...), t.Priority).
		choose("Every", []string{string(domain.Daily), string(domain.Weekly), string(domain.Monthly), string(domain.Yearly)}, string(t.Every)).
		text("Interval", strconv.Itoa(max(1, t.Interval)), "1 = every period, 2 = every other…", validInterval).
		text("Next run", next.Format(runLayout), "YYYY-MM-DD HH:MM ("+s.loc.String()+")", func(v string) error { _, err := s.parseRun(v); return err }).
		toggle("Enabled", t.Enabled)
	s.form.SetSize(s.w, s.h)
}

func (s *schedulesScreen) submit() tea.Cmd { return s.submitAs(resolution{}) }

// submitAs saves the form in a command; an edit is a patch of the fields
// the form changed, on the version it opened (res: a conflict's answer).
func (s *schedulesScreen) submitAs(res resolution) tea.Cmd {
	f := s.form
	t := s.edit
	t.Title, t.Description = f.Value(stTitle), f.Value(stDescription)
	for _, b := range s.blds {
		if b.Code == f.Value(stBuilding) {
			t.Building = b.ID
		}
	}
	t.ProblemType, t.Priority = f.Value(stType), f.Value(stPriority)
	t.Every = domain.Recurrence(f.Value(stEvery))
	t.Interval, _ = strconv.Atoi(f.Value(stInterval))
	if f.fieldChanged(stNext) || t.ID == 0 {
		// unchanged, the stored run stays exactly (the form shows minutes)
		t.NextRun, _ = s.parseRun(f.Value(stNext))
	}
	t.Enabled = f.On(stEnabled)
	patch := domain.DiffSchedule(s.edit, t)
	if t.ID != 0 && res.onto(&patch.Base, &patch) {
		s.form = nil
		s.c.nothingLeft("scheduled task " + s.edit.Title)
		return s.Reload()
	}
	svc, ctx := s.c.Svc, s.c.Ctx
	return s.c.saving(s, func() tea.Msg {
		var err error
		if t.ID == 0 {
			t, err = svc.CreateSchedule(ctx, t)
		} else {
			t, err = svc.UpdateSchedule(ctx, t.ID, patch)
		}
		return scheduleSavedMsg{form: f, task: t, err: err, res: res}
	})
}

// scheduleSavedMsg is the outcome of the task form's save: on err the
// form keeps every value.
type scheduleSavedMsg struct {
	form *form
	task domain.ScheduledTask
	err  error
	res  resolution
}

func (s *schedulesScreen) saved(m scheduleSavedMsg) tea.Cmd {
	if m.err != nil {
		discard := func() tea.Cmd { s.form = nil; return s.Reload() }
		e := edit{what: "scheduled task " + s.edit.Title, view: &s.conflict, w: s.w, h: s.h, res: m.res, resend: s.submitAs, discard: discard}
		if s.edit.ID == 0 || m.form != s.form || !catchConflict(s.c, m.err, e) {
			s.c.Fail(m.err)
		}
		return nil
	}
	s.c.Ok("%s", s.c.savedNote(m.task.Title, m.task.Rev, "saved scheduled task "+m.task.Title, m.res))
	if m.form == s.form {
		s.form = nil
	}
	// the saved task is the next edit's base, until the list is read again
	for i := range s.tasks {
		if s.tasks[i].ID == m.task.ID {
			s.tasks[i] = m.task
		}
	}
	s.table.Want(strconv.FormatUint(m.task.ID, 10))
	s.selectAfter = strconv.FormatUint(m.task.ID, 10)
	return s.Reload()
}

func (s *schedulesScreen) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(scheduleSavedMsg); ok {
		return s.saved(m)
	}
	if cmd, ok := updateConflict(&s.conflict, msg); ok {
		return cmd
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
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || s.table.Update(k) {
		return nil
	}
	n, l := s.c.Keys.Nav, s.c.Keys.List
	switch {
	case key.Matches(k, l.New):
		if err := s.c.Access.RequireLevel(domain.ModSchedules, domain.LevelEdit); err != nil {
			s.c.Fail(err)
			return nil
		}
		s.openForm(domain.ScheduledTask{})
	case key.Matches(k, l.Edit), key.Matches(k, n.Open):
		if t, ok := s.current(); ok {
			if err := s.c.Access.RequireLevel(domain.ModSchedules, domain.LevelEdit); err != nil {
				s.c.Fail(err)
				return nil
			}
			s.openForm(t)
		}
	case key.Matches(k, l.Delete):
		if t, ok := s.current(); ok {
			if err := s.c.Access.RequireLevel(domain.ModSchedules, domain.LevelEdit); err != nil {
				s.c.Fail(err)
				return nil
			}
			svc, id, title := s.c.Svc, t.ID, t.Title
			return ask(fmt.Sprintf("Delete the scheduled task %q? Tickets it made stay.", title),
				act("deleted scheduled task "+title, func() error { return svc.DeleteSchedule(s.c.Ctx, id) }))
		}
	}
	return nil
}

func (s *schedulesScreen) View() string {
	if s.conflict != nil {
		return s.conflict.View()
	}
	if s.form != nil {
		return s.form.View()
	}
	head := fmt.Sprintf("Scheduled tasks: %d · times in %s", len(s.tasks), s.loc)
	return pad(head, s.w) + "\n" + s.table.View()
}

func (s *schedulesScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.table.SetSize(w, h-1)
	if s.form != nil {
		s.form.SetSize(w, h)
	}
	if s.conflict != nil {
		s.conflict.SetSize(w, h)
	}
}

func (s *schedulesScreen) Dirty() bool     { return s.form != nil }
func (s *schedulesScreen) Capturing() bool { return s.conflict == nil && s.form != nil }

func (s *schedulesScreen) Hint() string {
	if t, ok := s.current(); ok && s.form == nil && t.Description != "" {
		return t.Title + ": " + strings.TrimSpace(t.Description)
	}
	return ""
}

func (s *schedulesScreen) ShortHelp() []key.Binding {
	if s.conflict != nil {
		return s.conflict.ShortHelp()
	}
	if s.form != nil {
		return s.form.ShortHelp()
	}
	l := s.c.Keys.List
	return s.c.editKeys(domain.ModSchedules, l.New, l.Edit, l.Delete)
}

func (s *schedulesScreen) FullHelp() [][]key.Binding {
	if s.conflict != nil {
		return s.conflict.FullHelp()
	}
	return nil
}

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

// Field indexes of the notice form.
const (
	nfTitle = iota
	nfDescription
	nfURLTitle
	nfURL
	nfStart
	nfEnd
	nfTeams
	nfVisible
)

// noticesScreen lists team notices (R16) and creates, edits and deletes
// them. The URL is checked by the store (http:// or https:// only) and its
// message is shown as it is; a refused form keeps what was typed.
type noticesScreen struct {
	c       *Common
	table   *table
	notices []domain.Notice
	teams   map[domain.ID]string
	form    *form
	editing domain.Notice // ID 0: a new notice; else the version the form opened
	// conflict shows a conflict of the edit form's save over the form
	conflict *conflictView
	w, h     int
}

func newNoticesScreen(c *Common) *noticesScreen {
	s := &noticesScreen{c: c, table: newTable(c, "no notices",
		column{title: "Title", width: 16, flex: 2},
		column{title: "Start", width: 10},
		column{title: "End", width: 10},
		column{title: "Status", width: 8},
		column{title: "Teams", width: 10, flex: 1},
		column{title: "Link", width: 10, flex: 1})}
	return s
}

func (s *noticesScreen) Reload() tea.Cmd {
	return s.c.load(s, func() func() tea.Cmd {
		ts, tErr := s.c.Svc.Teams(s.c.Ctx, "")
		ns, err := s.c.Svc.Notices(s.c.Ctx, "")
		return func() tea.Cmd { s.apply(ts, tErr, ns, err); return nil }
	})
}

func (s *noticesScreen) apply(ts []domain.TeamInfo, tErr error, ns []domain.Notice, err error) {
	s.teams = map[domain.ID]string{}
	if tErr == nil {
		for _, t := range ts {
			s.teams[t.ID] = t.Name
		}
	}
	if err != nil {
		s.c.Fail(err)
		return
	}
	s.notices = ns
	keys := make([]string, len(ns))
	rows := make([][]string, len(ns))
	for i, n := range ns {
		link := n.URL
		if n.URLTitle != "" {
			link = n.URLTitle + " " + n.URL
		}
		keys[i] = strconv.FormatUint(n.ID, 10)
		rows[i] = []string{n.Title, s.c.date(n.Start), s.c.date(n.End), s.status(n), dash(s.teamNames(n.Teams)), dash(link)}
	}
	s.table.SetRows(keys, rows)
}

// status says whether members of the notice's teams see it today (R16).
func (s *noticesScreen) status(n domain.Notice) string {
	now := s.c.Now()
	switch {
	case !n.Visible:
		return "hidden"
	case now.Before(n.Start):
		return "upcoming"
	case !now.Before(n.End.AddDate(0, 0, 1)):
		return "ended"
	}
	return "showing"
}

func (s *noticesScreen) teamNames(ids []domain.ID) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		if n, ok := s.teams[id]; ok {
			names[i] = n
		} else {
			names[i] = fmt.Sprintf("#%d", id)
		}
	}
	return strings.Join(names, ", ")
}

// teamIDs resolves comma-separated team names (case-insensitive).
func (s *noticesScreen) teamIDs(list string) ([]domain.ID, error) {
	var ids []domain.ID
	for _, name := range splitList(list) {
		found := false
		for id, n := range s.teams {
			if strings.EqualFold(n, name) {
				ids, found = append(ids, id), true
				break
			}
		}
		if !found {
			return nil, domain.Errorf(domain.ENotFound, "team %q not found (teams: comma-separated names)", name)
		}
	}
	return ids, nil
}

func (s *noticesScreen) Dirty() bool     { return s.conflict != nil }
func (s *noticesScreen) Capturing() bool { return s.conflict == nil && s.form != nil }

// Hint shows the highlighted notice's description and link in full.
func (s *noticesScreen) Hint() string {
	n, ok := s.current()
	if !ok || s.form != nil {
		return ""
	}
	h := n.Title
	if n.Description != "" {
		h += ": " + n.Description
	}
	if n.URL != "" {
		h += " — " + n.URL
	}
	return h
}

func (s *noticesScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.table.SetSize(w, h-1)
	if s.form != nil {
		s.form.SetSize(w, h)
	}
	if s.conflict != nil {
		s.conflict.SetSize(w, h)
	}
}

func (s *noticesScreen) current() (domain.Notice, bool) {
	k := s.table.Key()
	for _, n := range s.notices {
		if strconv.FormatUint(n.ID, 10) == k {
			return n, true
		}
	}
	return domain.Notice{}, false
}

// parseDay reads a YYYY-MM-DD day in the organization's zone; "" is the
// zero time (the store then says a notice needs both dates).
func (s *noticesScreen) parseDay(field, v string) (time.Time, error) {
	return domain.ParseDay(field, v, s.c.zone())
}

func (s *noticesScreen) canEdit() bool {
	return s.c.Access.Level(domain.ModNotices) >= domain.LevelEdit
}

func (s *noticesScreen) openForm(n domain.Notice) {
	if err := s.c.Access.RequireLevel(domain.ModNotices, domain.LevelEdit); err != nil {
		s.c.Fail(err)
		return
	}
	s.editing = n
	title := "New notice"
	if n.ID != 0 {
		title = "Edit notice " + n.Title
	} else {
		n.Start, n.End, n.Visible = s.c.Now(), s.c.Now().AddDate(0, 0, 14), true
	}
	day := func(field string) func(string) error {
		return func(v string) error { _, err := s.parseDay(field, v); return err }
	}
	s.form = newForm(s.c, title).
		text("Title", n.Title, "", func(v string) error { return domain.ValidateName("notice title", v) }).
		text("Description", n.Description, "optional", nil).
		text("URL title", n.URLTitle, "optional", nil).
		text("URL", n.URL, "http:// or https:// (optional)", nil).
		text("Start", s.c.date(n.Start), "YYYY-MM-DD", day("start")).
		text("End", s.c.date(n.End), "YYYY-MM-DD (inclusive)", day("end")).
		pickMany("Teams", s.teamNames(n.Teams), "comma-separated team names", nil, s.c.teamChoices).
		toggle("Visible", n.Visible)
	s.form.note = "Members of these teams see the notice on Home between the dates, when visible (R16)."
	s.form.SetSize(s.w, s.h)
}

// noticeFromForm builds the notice the form describes.
func (s *noticesScreen) noticeFromForm() (domain.Notice, error) {
	f := s.form
	n := s.editing
	n.Title, n.Description, n.URLTitle, n.URL = f.Value(nfTitle), f.Value(nfDescription), f.Value(nfURLTitle), f.Value(nfURL)
	n.Visible = f.On(nfVisible)
	var err error
	if n.Start, err = s.parseDay("start", strings.TrimPrefix(f.Value(nfStart), "—")); err != nil {
		return n, err
	}
	if n.End, err = s.parseDay("end", strings.TrimPrefix(f.Value(nfEnd), "—")); err != nil {
		return n, err
	}
	n.Teams, err = s.teamIDs(f.Value(nfTeams))
	return n, err
}

// submit saves the form off the Update loop (saveForm): a refusal keeps
// the form and its text; a save closes it and the cursor lands on the
// notice.
func (s *noticesScreen) submit() tea.Cmd { return s.submitAs(resolution{}) }

// submitAs is submit with a conflict's answer (for an edit): the fields the
// form changed, on the version it opened.
func (s *noticesScreen) submitAs(res resolution) tea.Cmd {
	n, err := s.noticeFromForm()
	if err != nil {
		s.c.Fail(err) // the form stays, with what was typed
		return nil
	}
	svc, ctx, patch := s.c.Svc, s.c.Ctx, domain.DiffNotice(s.editing, n)
	what := "notice " + s.editing.Title
	if n.ID != 0 && res.onto(&patch.Base, &patch) {
		s.form = nil
		s.c.nothingLeft(what)
		return s.Reload()
	}
	e := edit{what: what, view: &s.conflict, w: s.w, h: s.h, res: res, resend: s.submitAs, discard: func() tea.Cmd { s.form = nil; return s.Reload() }}
	return saveEdit(s.c, s, &s.form, e, func() (domain.Notice, error) {
		if n.ID == 0 {
			return svc.CreateNotice(ctx, n)
		}
		return svc.UpdateNotice(ctx, n.ID, patch)
	}, func(n domain.Notice) string {
		return s.c.savedNote(n.Title, n.Rev, "saved notice "+n.Title, res)
	}, func(n domain.Notice) tea.Cmd {
		// the saved notice is the next edit's base, until the list is
		// read again
		for i := range s.notices {
			if s.notices[i].ID == n.ID {
				s.notices[i] = n
			}
		}
		s.table.Want(strconv.FormatUint(n.ID, 10))
		return s.Reload()
	})
}

func (s *noticesScreen) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := updateConflict(&s.conflict, msg); ok {
		return cmd
	}
	if s.form != nil {
		return updateForm(&s.form, msg, s.submit)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || s.table.Update(msg) {
		return nil
	}
	n, l := s.c.Keys.Nav, s.c.Keys.List
	cur, has := s.current()
	switch {
	case key.Matches(k, l.New):
		s.openForm(domain.Notice{})
	case key.Matches(k, n.Back):
		return switchTo("teams", "")
	case !has:
	case key.Matches(k, l.Edit), key.Matches(k, n.Open):
		s.openForm(cur)
	case key.Matches(k, l.Delete):
		if err := s.c.Access.RequireLevel(domain.ModNotices, domain.LevelEdit); err != nil {
			s.c.Fail(err)
			return nil
		}
		id, title := cur.ID, cur.Title
		return ask("Delete notice "+title+"?", act("deleted notice "+title, func() error { return s.c.Svc.DeleteNotice(s.c.Ctx, id) }))
	}
	return nil
}

func (s *noticesScreen) View() string {
	if s.conflict != nil {
		return s.conflict.View()
	}
	if s.form != nil {
		return s.form.View()
	}
	head := s.c.Styles.Title.Render("Team notices") + fmt.Sprintf(" · %d · shown on Home to members of their teams (R16)", len(s.notices))
	return pad(head, s.w) + "\n" + s.table.View()
}

func (s *noticesScreen) ShortHelp() []key.Binding {
	if s.conflict != nil {
		return s.conflict.ShortHelp()
	}
	if s.form != nil {
		return s.form.ShortHelp()
	}
	n, l := s.c.Keys.Nav, s.c.Keys.List
	if !s.canEdit() {
		return []key.Binding{n.Up, n.Down, n.Back}
	}
	return []key.Binding{n.Open, l.New, l.Edit, l.Delete, n.Back}
}

func (s *noticesScreen) FullHelp() [][]key.Binding {
	if s.conflict != nil {
		return s.conflict.FullHelp()
	}
	return [][]key.Binding{s.ShortHelp()}
}

package console

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// savedQueries lists the actor's and their groups' saved queue queries:
// enter runs one, n saves the current query line, d deletes.
type savedQueries struct {
	s       *ticketsScreen
	table   *table
	queries []domain.SavedQuery
	w, h    int
	out     *form                     // the path, format and layout of a custom report (R), while typed
	formats []domain.ReportFormatInfo // the formats out offers
	busy    bool
}

func (s *ticketsScreen) openSaved() tea.Cmd {
	s.saved = &savedQueries{s: s, table: newTable(s.c, "no saved queries: n saves the current query line",
		column{title: "Name", width: 14, flex: 1},
		column{title: "For", width: 14},
		column{title: "Query", width: 20, flex: 3})}
	s.saved.SetSize(s.w, s.h)
	return s.saved.reload()
}

// reload returns the command that reads the saved queries again.
func (p *savedQueries) reload() tea.Cmd {
	return p.s.c.load(p, func() func() tea.Cmd {
		qs, err := p.s.c.Svc.SavedQueries(p.s.c.Ctx)
		return func() tea.Cmd { p.apply(qs, err); return nil }
	})
}

func (p *savedQueries) apply(qs []domain.SavedQuery, err error) {
	if err != nil {
		p.s.c.Fail(err)
		qs = nil
	}
	p.queries = qs
	keys := make([]string, len(qs))
	rows := make([][]string, len(qs))
	for i, q := range qs {
		keys[i] = strconv.FormatUint(q.ID, 10)
		who := "me"
		if q.GroupOf != "" {
			who = "group " + q.GroupOf
		}
		rows[i] = []string{q.Name, who, q.Query}
	}
	p.table.SetRows(keys, rows)
}

func (p *savedQueries) current() (domain.SavedQuery, bool) {
	k := p.table.Key()
	for _, q := range p.queries {
		if strconv.FormatUint(q.ID, 10) == k {
			return q, true
		}
	}
	return domain.SavedQuery{}, false
}

func (p *savedQueries) SetSize(w, h int) {
	p.w, p.h = w, h
	p.table.SetSize(w, h-2)
}

func (p *savedQueries) update(k tea.KeyPressMsg) tea.Cmd {
	n, l := p.s.c.Keys.Nav, p.s.c.Keys.List
	if p.out != nil {
		return p.updateReport(k)
	}
	if p.table.Update(k) {
		return nil
	}
	switch {
	case key.Matches(k, n.Back):
		p.s.saved = nil
	case key.Matches(k, l.New):
		return p.s.openSaveQuery()
	case key.Matches(k, p.s.c.Keys.Collab.Report):
		return p.openReport()
	case key.Matches(k, n.Open):
		q, ok := p.current()
		if !ok {
			return nil
		}
		parsed, err := domain.ParseQuery(q.Query)
		if err != nil {
			p.s.c.Fail(err)
			return nil
		}
		p.s.saved = nil
		p.s.c.Ok("query %s", q.Name)
		return p.s.setQuery(parsed)
	case key.Matches(k, l.Delete):
		q, ok := p.current()
		if !ok {
			return nil
		}
		svc := p.s.c.Svc
		return ask("Delete the saved query "+strconv.Quote(q.Name)+"?", func() tea.Msg {
			if err := svc.DeleteSavedQuery(p.s.c.Ctx, q.ID); err != nil {
				return ticketDoneMsg{err: err}
			}
			return ticketDoneMsg{ok: "deleted saved query " + q.Name}
		})
	}
	return nil
}

func (p *savedQueries) View() string {
	st := p.s.c.Styles
	if p.out != nil {
		return p.reportView()
	}
	head := st.Title.Render("Saved queries") + st.Dim.Render(" · current: "+dash(p.s.line.Value()))
	return pad(head, p.w) + "\n" + st.Dim.Render("enter runs · n saves the current query · d deletes"+p.reportHint()+" · esc back") + "\n" + p.table.View()
}

func (p *savedQueries) ShortHelp() []key.Binding {
	n, l := p.s.c.Keys.Nav, p.s.c.Keys.List
	if p.out != nil {
		return p.out.ShortHelp()
	}
	return append([]key.Binding{n.Open, l.New, l.Delete}, append(p.reportKeys(), n.Back)...)
}

package console

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
)

const auditLimit = 1000

// auditScreen shows the audit trail, newest first, filtered by actor,
// entity and dates ("actor:alice entity:group since:2025-01-01").
type auditScreen struct {
	c        *Common
	table    *table
	events   []domain.AuditEvent
	query    domain.AuditQuery
	filter   textinput.Model
	filterOn bool
	// filterWas is the filter in force when / was pressed
	filterWas string
	entry     *scroller // the opened event: what changed, as a diff
	w, h      int
}

func newAuditScreen(c *Common) *auditScreen {
	s := &auditScreen{c: c, table: newTable(c, "no audit events match",
		column{title: "When", width: 16},
		column{title: "Actor", width: 10},
		column{title: "Entity", width: 8},
		column{title: "Name", width: 12, flex: 1},
		column{title: "Action", width: 10},
		column{title: "Change", width: 10, flex: 3})}
	s.filter = textinput.New()
	s.filter.Prompt = "/"
	s.filter.Placeholder = "actor:NAME entity:group|user|… since:YYYY-MM-DD until:YYYY-MM-DD"
	st := s.filter.Styles()
	st.Cursor.Blink = false
	s.filter.SetStyles(st)
	return s
}

// parseAuditQuery reads "actor:x entity:y since:d until:d"; a bare word is
// an actor. Days are the organization's (loc): since its start, until its end.
func parseAuditQuery(s string, loc *time.Location) (domain.AuditQuery, error) {
	q := domain.AuditQuery{Limit: auditLimit}
	for _, tok := range strings.Fields(s) {
		k, v, ok := strings.Cut(tok, ":")
		if !ok {
			k, v = "actor", tok
		}
		switch strings.ToLower(k) {
		case "actor":
			q.Actor = v
		case "entity":
			q.Entity = v
		case "since":
			t, err := domain.ParseDay("since", v, loc)
			if err != nil {
				return q, err
			}
			q.Since = t
		case "until":
			t, err := domain.ParseThrough("until", v, loc, time.Time{})
			if err != nil {
				return q, err
			}
			q.Until = t
		default:
			return q, domain.Errorf(domain.EInvalid, "filter %q: use actor:, entity:, since: or until:", tok)
		}
	}
	return q, nil
}

func (s *auditScreen) Reload() tea.Cmd {
	q := s.query
	q.Limit = auditLimit
	return s.c.load(s, func() func() tea.Cmd {
		evs, err := s.c.Svc.Audit(s.c.Ctx, q)
		return func() tea.Cmd { s.apply(evs, err); return nil }
	})
}

func (s *auditScreen) apply(evs []domain.AuditEvent, err error) {
	if err != nil {
		s.c.Fail(err)
		return
	}
	s.events = evs
	keys := make([]string, len(evs))
	rows := make([][]string, len(evs))
	for i, e := range evs {
		change := e.ChangeText()
		keys[i] = fmt.Sprint(e.ID)
		rows[i] = []string{s.c.stamp(e.At), e.ActorName, e.Entity, e.Name, e.Action, oneLine(change)}
	}
	s.table.SetRows(keys, rows)
}

// open shows event e whole: who, when, and what changed as a diff
// ("+technicians:edit", "-ticket.close"), then both summaries in full.
func (s *auditScreen) open(e domain.AuditEvent) {
	st := s.c.Styles
	lines := []string{
		st.Title.Render(fmt.Sprintf("Audit event #%d", e.ID)),
		fmt.Sprintf("%s · %s · %s %s · %s", s.c.stamp(e.At), e.ActorName, e.Entity, domain.Printable(e.Name), e.Action),
		"",
	}
	if len(e.Changes) > 0 {
		// an update since versions: each field with its before and after
		lines = append(lines, st.Title.Render("What changed"))
		for _, c := range e.Changes {
			if !c.Set {
				lines = append(lines, domain.Printable(c.Field)+": "+st.Error.Render(domain.Printable(orDash(c.Before)))+" → "+st.OK.Render(domain.Printable(orDash(c.After))))
				continue
			}
			lines = append(lines, domain.Printable(c.Field)+":")
			added, removed := c.Diff()
			for _, a := range added {
				lines = append(lines, "  "+st.OK.Render("+"+domain.Printable(a)))
			}
			for _, r := range removed {
				lines = append(lines, "  "+st.Error.Render("−"+domain.Printable(r)))
			}
		}
		s.entry = &scroller{c: s.c, lines: lines}
		s.entry.SetSize(s.w, s.h)
		return
	}
	added, removed := domain.ChangeDiff(e.Before, e.After)
	if e.Before != "" && e.After != "" {
		lines = append(lines, st.Title.Render("What changed"))
		for _, a := range added {
			lines = append(lines, st.OK.Render("+"+domain.Printable(a)))
		}
		for _, r := range removed {
			lines = append(lines, st.Error.Render("-"+domain.Printable(r)))
		}
		if len(added)+len(removed) == 0 {
			lines = append(lines, st.Dim.Render("nothing the summaries show"))
		}
		lines = append(lines, "")
	}
	wrap := func(title, text string) {
		if text == "" {
			return
		}
		lines = append(lines, st.Title.Render(title))
		lines = append(lines, strings.Split(ansi.Wrap(domain.Printable(text), max(s.w, 20), ""), "\n")...)
		lines = append(lines, "")
	}
	wrap("Before", e.Before)
	wrap("After", e.After)
	s.entry = &scroller{c: s.c, lines: lines}
	s.entry.SetSize(s.w, s.h)
}

func (s *auditScreen) Dirty() bool     { return false }
func (s *auditScreen) Capturing() bool { return s.filterOn }

// Hint shows the whole change of the highlighted event.
func (s *auditScreen) Hint() string {
	i := s.table.cursor
	if i >= len(s.events) || s.entry != nil {
		return ""
	}
	return s.events[i].ChangeText()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (s *auditScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	if s.entry != nil {
		s.entry.SetSize(w, h)
	}
	s.table.SetSize(w, h-1)
	s.filter.SetWidth(max(10, w-4))
}

func (s *auditScreen) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	n := s.c.Keys.Nav
	if s.entry != nil {
		if key.Matches(k, n.Back) || key.Matches(k, n.Open) {
			s.entry = nil
			return nil
		}
		s.entry.Update(msg)
		return nil
	}
	if s.filterOn {
		switch {
		case key.Matches(k, n.Back):
			// esc cancels the edit: the line shows the filter in force
			s.filterOn = false
			s.filter.Blur()
			s.filter.SetValue(s.filterWas)
			return nil
		case key.Matches(k, n.Open):
			q, err := parseAuditQuery(s.filter.Value(), s.c.zone())
			if err != nil {
				s.c.Fail(err) // the filter text stays for fixing
				return nil
			}
			s.query, s.filterOn = q, false
			s.filter.Blur()
			return s.Reload()
		}
		var cmd tea.Cmd
		s.filter, cmd = s.filter.Update(msg)
		return cmd
	}
	if s.table.Update(msg) {
		return nil
	}
	switch {
	case key.Matches(k, n.Open):
		if i := s.table.cursor; i < len(s.events) {
			s.open(s.events[i])
		}
	case key.Matches(k, n.Filter):
		s.filterOn, s.filterWas = true, s.filter.Value()
		return s.filter.Focus()
	case key.Matches(k, n.Back):
		s.query = domain.AuditQuery{}
		s.filter.SetValue("")
		return s.Reload()
	}
	return nil
}

func (s *auditScreen) View() string {
	if s.entry != nil {
		return s.entry.View()
	}
	head := "Audit trail · " + plural(len(s.events), "event")
	if f := strings.TrimSpace(s.filter.Value()); f != "" {
		head += " · filter " + f
	}
	if s.filterOn {
		head = s.filter.View()
	}
	return pad(head, s.w) + "\n" + s.table.View()
}

func (s *auditScreen) ShortHelp() []key.Binding {
	n := s.c.Keys.Nav
	if s.filterOn {
		return []key.Binding{n.Open, n.Back}
	}
	if s.entry != nil {
		return []key.Binding{n.Back, n.Up, n.Down}
	}
	return []key.Binding{n.Open, n.Filter, n.Back, n.Up, n.Down, n.PageDown}
}

func (s *auditScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

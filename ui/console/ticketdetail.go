package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"gatehouse/domain"
)

// ticketPane is one tab of the ticket detail. It gets the ticket on every
// (re)load and the keys the detail does not use for ticket actions.
type ticketPane interface {
	Component
	Load(t *domain.TicketDetail)
	// Capturing reports a focused text field: every key goes to the pane.
	Capturing() bool
}

// paneReader is a pane whose Load shows service data. reader runs in
// Update (it decides what the actor may see), the function it returns runs
// in the load command (the service reads) and the last one runs in Update
// again, before Load, to set what was read.
type paneReader interface {
	reader(n domain.TicketNumber) func() func()
}

// keyClaimer is a pane that takes some keys before the ticket actions do
// (the work reports pane takes e to edit the highlighted report).
type keyClaimer interface {
	Claims(k tea.KeyPressMsg) bool
}

// ticketTab registers a tab of the ticket detail. More panes (Discussion,
// Attachments, Alerts) are added with one line each in ticketTabs; allowed
// may hide a tab from users who could never use it (nil: always shown).
type ticketTab struct {
	title   string
	allowed func(a *domain.Access) bool
	build   func(c *Common) ticketPane
}

var ticketTabs = []ticketTab{
	{title: "Fields", build: func(c *Common) ticketPane { return newFieldsPane(c) }},
	{title: "History", build: func(c *Common) ticketPane { return newHistoryPane(c) }},
	{title: "Work", build: func(c *Common) ticketPane { return newWorkPane(c) }},
	{title: "Clones", build: func(c *Common) ticketPane { return newClonesPane(c) }},
	{title: "Visibility", build: func(c *Common) ticketPane { return newVisibilityPane(c) }},
	{title: "Discussion", build: func(c *Common) ticketPane { return newDiscussionPane(c) }},
	{title: "Attachments", build: func(c *Common) ticketPane { return newAttachmentsPane(c) }},
	{title: "Alerts", build: func(c *Common) ticketPane { return newAlertsPane(c) }},
}

// ticketDetail shows one ticket in tabs; the ticket action keys work here
// as in the queue.
type ticketDetail struct {
	s      *ticketsScreen
	c      *Common
	t      domain.TicketDetail
	panes  []ticketPane
	titles []string
	tab    int
	w, h   int
}

// newTicketDetail builds the detail of a ticket; it shows once fetch's
// command delivers the ticket.
func newTicketDetail(s *ticketsScreen, number domain.TicketNumber) *ticketDetail {
	d := &ticketDetail{s: s, c: s.c}
	d.t.Number = number
	for _, tt := range ticketTabs {
		if tt.allowed == nil || tt.allowed(&s.c.Access) {
			d.panes = append(d.panes, tt.build(s.c))
			d.titles = append(d.titles, tt.title)
		}
	}
	return d
}

// fetch returns the command that reads the ticket and its panes' data off
// the Update loop; apply shows them. A ticket that is gone or no longer
// visible closes the detail and says so.
func (d *ticketDetail) fetch() tea.Cmd { return d.read(d.c.load) }

// read is fetch through load (a reload) or open (the first read, which
// holds the queue's keys until the detail shows).
func (d *ticketDetail) read(load func(owner any, read func() func() tea.Cmd) tea.Cmd) tea.Cmd {
	n := d.t.Number
	var reads []func() func()
	for _, p := range d.panes {
		if r, ok := p.(paneReader); ok {
			reads = append(reads, r.reader(n))
		}
	}
	return load(d, func() func() tea.Cmd {
		t, err := d.c.Svc.Ticket(d.c.Ctx, n)
		sets := make([]func(), 0, len(reads))
		if err == nil {
			for _, r := range reads {
				sets = append(sets, r())
			}
		}
		return func() tea.Cmd {
			if err != nil {
				if d.s.detail == d {
					d.s.detail = nil
				}
				if d.s.opening == d {
					d.s.opening = nil
				}
				d.c.Fail(err)
				return nil
			}
			for _, set := range sets {
				set()
			}
			d.load(t)
			if d.s.opening == d {
				// the ticket asked for last: its detail shows now
				d.s.opening, d.s.detail = nil, d
			}
			return nil
		}
	})
}

func (d *ticketDetail) load(t domain.TicketDetail) {
	if r, ok := d.s.byKey[strconv.FormatUint(uint64(t.Number), 10)]; ok && t.Overdue == 0 && t.Status.Open() {
		t.Overdue = r.Overdue // Ticket does not compute the overdue level; the queue row did
	}
	d.t = t
	for _, p := range d.panes {
		p.Load(&d.t)
	}
}

// reload reads the ticket again (fetch).
func (d *ticketDetail) reload() tea.Cmd { return d.fetch() }

func (d *ticketDetail) capturing() bool { return d.panes[d.tab].Capturing() }

func (d *ticketDetail) SetSize(w, h int) {
	d.w, d.h = w, h
	for _, p := range d.panes {
		p.SetSize(w, max(1, h-3))
	}
}

func (d *ticketDetail) update(k tea.KeyPressMsg) tea.Cmd {
	p := d.panes[d.tab]
	if p.Capturing() {
		return p.Update(k)
	}
	if cl, ok := p.(keyClaimer); ok && cl.Claims(k) {
		return p.Update(k)
	}
	g, n := d.c.Keys.Global, d.c.Keys.Nav
	switch {
	case key.Matches(k, g.NextPane):
		d.tab = (d.tab + 1) % len(d.panes)
		return nil
	case key.Matches(k, g.PrevPane):
		d.tab = (d.tab + len(d.panes) - 1) % len(d.panes)
		return nil
	case key.Matches(k, n.Back):
		d.s.detail = nil
		return nil
	}
	if cmd, ok := d.s.actOn(k, d.t.TicketRow); ok {
		return cmd
	}
	return p.Update(k)
}

func (d *ticketDetail) View() string {
	st := d.c.Styles
	t := d.t
	head := st.Title.Render(t.Label) + " " + domain.Printable(t.Title)
	facts := []string{t.Status.String()}
	if !t.FieldsHidden {
		facts = append(facts, dash(t.Priority), strings.TrimSpace(t.Building+" "+t.Room), dash(t.ProblemType))
	}
	facts = append(facts, "assignee "+dash(t.Assignee), "reported by "+dash(t.Reporter), age(t.Created, d.c.Now())+" old")
	if t.Overdue > 0 {
		facts = append(facts, st.Warn.Render(fmt.Sprintf("overdue: notice %d of 3", t.Overdue)))
	}
	tabs := make([]string, len(d.titles))
	for i, title := range d.titles {
		s := st.Tab
		if i == d.tab {
			s = st.TabActive
		}
		tabs[i] = s.Render(" " + title + " ")
	}
	bar := strings.Join(tabs, "│")
	if lipgloss.Width(bar) > d.w {
		bar = strings.Join(tabs, "")
	}
	return pad(head, d.w) + "\n" + pad(strings.Join(facts, " · "), d.w) + "\n" + bar + "\n" + d.panes[d.tab].View()
}

func (d *ticketDetail) ShortHelp() []key.Binding {
	g, n, tk := d.c.Keys.Global, d.c.Keys.Nav, d.c.Keys.Tickets
	p := d.panes[d.tab]
	if p.Capturing() {
		return p.ShortHelp()
	}
	var out []key.Binding
	seen := map[string]bool{}
	// the ticket's actions only when the engine says this user may take
	// them on this ticket in its state (R11, the task gate, the flag)
	acts := []struct {
		k   key.Binding
		act domain.Action
	}{{tk.Edit, domain.ActEdit}, {tk.Assign, domain.ActAssign}, {tk.Reassign, domain.ActReassign},
		{tk.Start, domain.ActStart}, {tk.Work, domain.ActWorkWrite}, {tk.Close, domain.ActClose}, {tk.Reopen, domain.ActReopen}}
	var can []key.Binding
	for _, a := range acts {
		if d.c.Access.Can(a.act, &d.t.Ticket, &d.s.org) == nil {
			can = append(can, a.k)
		}
	}
	for _, b := range append(append([]key.Binding{g.NextPane, n.Back}, p.ShortHelp()...), can...) {
		if k := b.Help().Key; !seen[k] {
			seen[k] = true
			out = append(out, b)
		}
	}
	return out
}

// hiddenLine says which privilege a hidden section needs.
func hiddenLine(c *Common, what string, f domain.Flag) string {
	return c.Styles.Dim.Render(fmt.Sprintf("%s hidden: needs %s (%s)", what, f.Info().Label, f))
}

// fieldsPane lists the ticket's fields.
type fieldsPane struct {
	c  *Common
	sc *scroller
}

func newFieldsPane(c *Common) *fieldsPane { return &fieldsPane{c: c, sc: &scroller{c: c}} }

func (p *fieldsPane) Load(t *domain.TicketDetail) {
	if t.FieldsHidden {
		p.sc.lines = []string{"Number " + t.Label + " · Status " + t.Status.String(), "Title " + domain.Printable(t.Title), "",
			hiddenLine(p.c, "other fields", domain.TicketView)}
		p.sc.clamp()
		return
	}
	person := func(name, email string) string {
		if email != "" {
			return dash(name) + " <" + email + ">"
		}
		return dash(name)
	}
	// a field the actor's groups withhold is shown as hidden, not as empty
	hidden := p.c.Styles.Dim.Render("hidden (field visibility)")
	show := func(f domain.TicketField, v string) string {
		if slices.Contains(t.HiddenFields, f) {
			return hidden
		}
		return dash(v)
	}
	lines := []string{
		"Number        " + t.Label,
		"Status        " + t.Status.String(),
		"Priority      " + show(domain.FieldPriority, t.Priority),
		"Building      " + dash(t.Building),
		"Room          " + show(domain.FieldRoom, domain.Printable(t.Room)),
		"Problem type  " + show(domain.FieldProblemType, t.ProblemType),
		"Common        " + show(domain.FieldProblemType, t.CommonProblem),
		"Reporter      " + person(t.Reporter, t.ReporterEmail),
		"Assignee      " + person(t.Assignee, t.AssigneeEmail),
		"Created       " + p.c.stamp(t.Created),
		"Updated       " + p.c.stamp(t.Updated),
		"Closed        " + p.c.stamp(t.Closed),
	}
	if t.ReassignAsked != "" {
		lines = append(lines, p.c.Styles.Warn.Render("Reassignment asked by "+t.Assignee+": "+domain.Printable(t.ReassignAsked)+" (R: answer)"))
	}
	lines = append(lines, "", p.c.Styles.Title.Render("Description"))
	if slices.Contains(t.HiddenFields, domain.FieldDescription) {
		lines = append(lines, hidden)
	} else if strings.TrimSpace(t.Description) == "" {
		lines = append(lines, p.c.Styles.Dim.Render("none"))
	} else {
		lines = append(lines, strings.Split(domain.PrintableText(t.Description), "\n")...)
	}
	p.sc.lines = lines
	p.sc.clamp()
}

func (p *fieldsPane) Update(msg tea.Msg) tea.Cmd { p.sc.Update(msg); return nil }
func (p *fieldsPane) View() string               { return p.sc.View() }
func (p *fieldsPane) SetSize(w, h int)           { p.sc.SetSize(w, h) }
func (p *fieldsPane) Capturing() bool            { return false }
func (p *fieldsPane) ShortHelp() []key.Binding   { return nil }
func (p *fieldsPane) FullHelp() [][]key.Binding  { return nil }

// historyPane lists who changed what, with View Record History.
type historyPane struct {
	c      *Common
	table  *table
	hidden bool
}

func newHistoryPane(c *Common) *historyPane {
	return &historyPane{c: c, table: newTable(c, "no history",
		column{title: "When", width: 16},
		column{title: "Who", width: 10},
		column{title: "Action", width: 10},
		column{title: "Detail", width: 12, flex: 2},
		column{title: "Comment", width: 10, flex: 2})}
}

func (p *historyPane) Load(t *domain.TicketDetail) {
	p.hidden = t.HistoryHidden
	keys := make([]string, len(t.History))
	rows := make([][]string, len(t.History))
	for i, h := range t.History {
		keys[i] = strconv.Itoa(i)
		rows[i] = []string{p.c.stamp(h.At), dash(t.ActorNames[h.Actor]), h.Action, dash(h.Detail), dash(h.Comment)}
	}
	p.table.SetRows(keys, rows)
}

func (p *historyPane) Update(msg tea.Msg) tea.Cmd { p.table.Update(msg); return nil }
func (p *historyPane) View() string {
	if p.hidden {
		return hiddenLine(p.c, "history", domain.TicketHistory)
	}
	return p.table.View()
}
func (p *historyPane) SetSize(w, h int)          { p.table.SetSize(w, h) }
func (p *historyPane) Capturing() bool           { return false }
func (p *historyPane) ShortHelp() []key.Binding  { return nil }
func (p *historyPane) FullHelp() [][]key.Binding { return nil }

// workPane lists work reports; e edits one's own (Edit Work Report).
type workPane struct {
	c      *Common
	table  *table
	work   []domain.WorkReport
	hidden bool
	noMins bool // minutes withheld by field visibility: shown as "-"
}

func newWorkPane(c *Common) *workPane {
	return &workPane{c: c, table: newTable(c, "no work reports: w adds one",
		column{title: "When", width: 16},
		column{title: "Author", width: 10},
		column{title: "Min", width: 5},
		column{title: "Text", width: 16, flex: 1},
		column{title: "Edited", width: 16})}
}

func (p *workPane) Load(t *domain.TicketDetail) {
	p.hidden, p.work = t.FieldsHidden, t.Work
	p.noMins = slices.Contains(t.HiddenFields, domain.FieldWorkMinutes)
	keys := make([]string, len(t.Work))
	rows := make([][]string, len(t.Work))
	for i, w := range t.Work {
		keys[i] = strconv.FormatUint(w.ID, 10)
		mins := strconv.Itoa(w.Minutes)
		if p.noMins {
			mins = "-"
		}
		rows[i] = []string{p.c.stamp(w.Created), dash(t.ActorNames[w.Author]), mins, oneLine(w.Text), p.c.stamp(w.Edited)}
	}
	p.table.SetRows(keys, rows)
}

func (p *workPane) Claims(k tea.KeyPressMsg) bool {
	return !p.hidden && key.Matches(k, p.c.Keys.Tickets.Edit)
}

func (p *workPane) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && p.Claims(k) {
		for _, w := range p.work {
			if strconv.FormatUint(w.ID, 10) == p.table.Key() {
				return func() tea.Msg { return editWorkMsg{report: w} }
			}
		}
		return nil
	}
	p.table.Update(msg)
	return nil
}

func (p *workPane) View() string {
	if p.hidden {
		return hiddenLine(p.c, "work reports", domain.TicketView)
	}
	total := 0
	for _, w := range p.work {
		total += w.Minutes
	}
	summary := fmt.Sprintf("%s, %s · e edits your own", plural(len(p.work), "report"), plural(total, "minute"))
	if p.noMins {
		summary = fmt.Sprintf("%s, minutes hidden (field visibility) · e edits your own", plural(len(p.work), "report"))
	}
	return p.c.Styles.Dim.Render(summary) + "\n" + p.table.View()
}
func (p *workPane) SetSize(w, h int) { p.table.SetSize(w, h-1) }
func (p *workPane) Capturing() bool  { return false }
func (p *workPane) ShortHelp() []key.Binding {
	return []key.Binding{p.c.Keys.Tickets.Edit}
}
func (p *workPane) FullHelp() [][]key.Binding { return nil }

// clonesPane shows the parent and children (View Clone Information);
// enter opens one, C clones this ticket.
type clonesPane struct {
	c      *Common
	table  *table
	hidden bool
}

func newClonesPane(c *Common) *clonesPane {
	return &clonesPane{c: c, table: newTable(c, "no clones: C clones this ticket",
		column{title: "Relation", width: 10},
		column{title: "Ticket", width: 10, flex: 1})}
}

func (p *clonesPane) Load(t *domain.TicketDetail) {
	p.hidden = t.CloneHidden
	var keys []string
	var rows [][]string
	if t.Parent != "" {
		keys, rows = append(keys, t.Parent), append(rows, []string{"parent", t.Parent})
	}
	for _, c := range t.Children {
		keys, rows = append(keys, c), append(rows, []string{"child", c})
	}
	p.table.SetRows(keys, rows)
}

func (p *clonesPane) Claims(k tea.KeyPressMsg) bool {
	return !p.hidden && key.Matches(k, p.c.Keys.Nav.Open)
}

func (p *clonesPane) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && p.Claims(k) {
		n, err := domain.ParseTicketNumber(p.table.Key())
		if err != nil {
			return nil
		}
		return func() tea.Msg { return openTicketMsg{number: n} }
	}
	p.table.Update(msg)
	return nil
}

func (p *clonesPane) View() string {
	if p.hidden {
		return hiddenLine(p.c, "clone links", domain.TicketCloneInfo)
	}
	return p.table.View()
}
func (p *clonesPane) SetSize(w, h int) { p.table.SetSize(w, h) }
func (p *clonesPane) Capturing() bool  { return false }
func (p *clonesPane) ShortHelp() []key.Binding {
	return []key.Binding{p.c.Keys.Nav.Open, p.c.Keys.Tickets.Clone}
}
func (p *clonesPane) FullHelp() [][]key.Binding { return nil }

// visibilityPane lists the groups the ticket is visible to (record
// visibility); v edits them.
type visibilityPane struct {
	c     *Common
	lines []string
}

func newVisibilityPane(c *Common) *visibilityPane { return &visibilityPane{c: c} }

func (p *visibilityPane) Load(t *domain.TicketDetail) {
	st := p.c.Styles
	p.lines = []string{st.Title.Render("Visible to groups")}
	if len(t.VisibleTo) == 0 {
		p.lines = append(p.lines, st.Dim.Render("no groups: the reporter, the assignee, its teams and administrators see it (R11)"))
	}
	for _, g := range t.VisibleTo {
		p.lines = append(p.lines, "• "+g)
	}
	p.lines = append(p.lines, "", st.Title.Render("Teams"))
	if len(t.TeamNames) == 0 {
		p.lines = append(p.lines, st.Dim.Render("on no team"))
	}
	for _, n := range t.TeamNames {
		p.lines = append(p.lines, "• "+n)
	}
	p.lines = append(p.lines, "")
	if err := p.c.Access.Require(domain.VisibilityEdit); err != nil {
		p.lines = append(p.lines, st.Dim.Render("editing needs "+domain.VisibilityEdit.Info().Label+" ("+domain.VisibilityEdit.String()+")"))
	} else {
		p.lines = append(p.lines, st.Dim.Render("v edits the groups"))
	}
}

func (p *visibilityPane) Update(tea.Msg) tea.Cmd { return nil }
func (p *visibilityPane) View() string           { return strings.Join(p.lines, "\n") }
func (p *visibilityPane) SetSize(int, int)       {}
func (p *visibilityPane) Capturing() bool        { return false }
func (p *visibilityPane) ShortHelp() []key.Binding {
	return []key.Binding{p.c.Keys.Tickets.Visibility}
}
func (p *visibilityPane) FullHelp() [][]key.Binding { return nil }

package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// defaultTicketQuery is what the queue shows first: the work still to do.
const defaultTicketQuery = "status:open"

// ticketsScreen is the triage queue: a dense, paged table of the tickets the
// store lets the actor see (R11), driven by a query line that runs as a
// command so typing never waits on the store, with single keys acting on
// the highlighted ticket and bulk actions on the selected ones.
type ticketsScreen struct {
	c       *Common
	opening *ticketDetail // the detail asked for, shown when its ticket arrives
	refetch bool          // the page size changed: pendingLoad reads again
	org     domain.Organization
	table   *table
	page    domain.TicketPage
	byKey   map[string]domain.TicketRow
	query   domain.TicketQuery // the last query line that parsed, without paging
	offset  int
	seq     uint64 // bumped by every fetch; older results are dropped
	running latest // the newest fetch's context; a newer fetch cancels it
	loading bool
	land    int // where the cursor lands after a page turn
	// pending counts the up/down keys that came while a page loaded; they
	// move the cursor on the new page, so a burst across a page boundary
	// moves exactly as many rows as keys.
	pending int
	sel     map[domain.TicketNumber]bool
	line    textinput.Model
	lineOn  bool
	lineWas string // the query when / was pressed: esc goes back to it
	lineErr string

	form     *form
	formKind ticketFormKind
	formFor  domain.TicketRow
	formWork domain.ID
	formBusy bool
	// conflict shows a conflict of the edit form's save over the form
	conflict *conflictView
	blds     []domain.Building // for the report and edit forms
	pick     *chooser
	detail   *ticketDetail
	saved    *savedQueries
	results  *table // per-ticket outcome of the last bulk action
	resTitle string
	w, h     int
}

const (
	landKeep = iota
	landTop
	landBottom
)

// Messages of the tickets screen; the shell passes them to the visible screen.
type (
	// ticketsMsg is one page of the queue for the fetch numbered seq.
	ticketsMsg struct {
		seq  uint64
		page domain.TicketPage
		err  error
	}
	// ticketDoneMsg reports a ticket action run as a command; a refusal
	// leaves form open with everything typed in it.
	ticketDoneMsg struct {
		ok     string
		err    error
		form   *form
		closed domain.TicketNumber // a deleted ticket: its detail closes
		open   domain.TicketNumber // a new ticket (clone) to show
		// edit is set by the edit form's save: a conflict opens the
		// conflict view; saved is the ticket read after it landed
		edit  bool
		res   resolution
		saved *domain.TicketDetail
		onTop *domain.Rev // the change the edit of label landed on top of
		label string
	}
	// bulkMsg carries the per-ticket results of a bulk action.
	bulkMsg struct {
		what    string
		results []domain.BulkResult
		err     error
	}
	// openTicketMsg asks the screen to show a ticket's detail.
	openTicketMsg struct{ number domain.TicketNumber }
	// editWorkMsg asks for the work report form on an existing report.
	editWorkMsg struct{ report domain.WorkReport }
)

func newTicketsScreen(c *Common) *ticketsScreen {
	s := &ticketsScreen{c: c, sel: map[domain.TicketNumber]bool{}, byKey: map[string]domain.TicketRow{},
		table: newTable(c, "no tickets match: / edits the query, f opens the filters",
			column{title: "Ticket", width: 8},
			column{title: "!", width: 4},
			column{title: "Age", width: 4},
			column{title: "Prio", width: 6},
			column{title: "Status", width: 11},
			column{title: "Bldg", width: 6},
			column{title: "Room", width: 4, hideBelow: 100},
			column{title: "Type", width: 8, hideBelow: 100},
			column{title: "Assignee", width: 8, flex: 1},
			column{title: "Title", width: 9, flex: 5}),
	}
	s.line = textinput.New()
	s.line.Prompt = "/ "
	s.line.Placeholder = "status:open building:EAST assignee:me priority:High overdue:yes team:NAME sort:age text"
	st := s.line.Styles()
	st.Cursor.Blink = false
	s.line.SetStyles(st)
	s.line.SetValue(defaultTicketQuery)
	s.query, _ = domain.ParseQuery(defaultTicketQuery)
	return s
}

// pendingLoad reads the page again after a resize (asyncLoader).
func (s *ticketsScreen) pendingLoad() tea.Cmd {
	if !s.refetch {
		return nil
	}
	s.refetch = false
	return s.fetch()
}

// loadOrg returns the command that reads the organization (ticket labels,
// priorities, the rules actions check).
func (s *ticketsScreen) loadOrg() tea.Cmd {
	return s.c.load(s, func() func() tea.Cmd {
		o, err := s.c.Svc.Organization(s.c.Ctx)
		return func() tea.Cmd {
			if err == nil {
				s.org = o
			}
			return nil
		}
	})
}

func (s *ticketsScreen) pageSize() int { return max(1, s.h-3) }

// fetch returns the command that reads the current page; only the newest
// fetch's result is shown.
func (s *ticketsScreen) fetch() tea.Cmd {
	s.seq++
	s.loading = true
	seq, svc, q := s.seq, s.c.Svc, s.query
	q.Offset, q.Limit = s.offset, s.pageSize()
	ctx := s.running.next(s.c.Ctx)
	return func() tea.Msg {
		page, err := svc.Tickets(ctx, q)
		return ticketsMsg{seq: seq, page: page, err: err}
	}
}

// Reload returns the commands that read the page, the organization, the
// open detail and saved queries again (the shell runs it after a change);
// forms, choosers and the open detail keep what was typed.
func (s *ticketsScreen) Reload() tea.Cmd {
	s.refetch = false
	cmds := []tea.Cmd{s.loadOrg(), s.fetch()}
	if s.detail != nil {
		cmds = append(cmds, s.detail.reload())
	}
	if s.saved != nil {
		cmds = append(cmds, s.saved.reload())
	}
	return tea.Batch(cmds...)
}

// apply shows a fetched page unless a newer fetch superseded it.
func (s *ticketsScreen) apply(m ticketsMsg) tea.Cmd {
	if m.seq != s.seq {
		return nil
	}
	s.loading = false
	if m.err != nil {
		s.lineErr = errText(m.err)
		s.c.Fail(m.err)
		return nil
	}
	s.lineErr = ""
	if len(m.page.Tickets) == 0 && s.offset > 0 && m.page.Total > 0 {
		s.offset = max(0, (m.page.Total-1)/s.pageSize()*s.pageSize())
		s.land = landBottom
		return s.fetch()
	}
	s.page = m.page
	keys := make([]string, len(m.page.Tickets))
	rows := make([][]string, len(m.page.Tickets))
	s.byKey = make(map[string]domain.TicketRow, len(m.page.Tickets))
	now := s.c.Now()
	for i, t := range m.page.Tickets {
		k := strconv.FormatUint(uint64(t.Number), 10)
		keys[i] = k
		s.byKey[k] = t
		rows[i] = []string{t.Label, overdueMark(t.Overdue) + reassignMark(t), age(t.Created, now), t.Priority, t.Status.String(),
			dash(t.Building), dash(t.Room), dash(t.ProblemType), dash(t.Assignee), t.Title}
	}
	s.table.SetRows(keys, rows)
	for _, k := range keys {
		if n, _ := strconv.ParseUint(k, 10, 64); s.sel[domain.TicketNumber(n)] {
			s.table.selected[k] = true
		}
	}
	switch s.land {
	case landTop:
		s.table.cursor = 0
	case landBottom:
		s.table.cursor = len(rows) - 1
	}
	s.land = landKeep
	s.table.clamp()
	if d := s.pending; d != 0 {
		s.pending = 0
		return s.moveBy(d)
	}
	return nil
}

// moveBy moves the cursor d rows, turning pages as needed: what goes past
// the page's edge is carried to the next page as pending moves.
func (s *ticketsScreen) moveBy(d int) tea.Cmd {
	ps, last := s.pageSize(), len(s.table.rows)-1
	to := s.table.cursor + d
	switch {
	case to > last && s.offset+len(s.page.Tickets) < s.page.Total:
		s.offset += ps
		s.land, s.pending = landTop, to-last-1
		return s.fetch()
	case to < 0 && s.offset > 0:
		s.offset = max(0, s.offset-ps)
		s.land, s.pending = landBottom, to+1
		return s.fetch()
	}
	s.table.move(d)
	return nil
}

// reassignMark flags a ticket whose assignee asked to be reassigned.
func reassignMark(t domain.TicketRow) string {
	if t.ReassignAsked != "" {
		return "↻"
	}
	return ""
}

// overdueMark shows the overdue level reached: ! first, !! second, !!! third notice.
func overdueMark(level int) string { return strings.Repeat("!", min(max(level, 0), 3)) }

// age is a short "how long open": 45m, 5h, 12d.
func age(created, now time.Time) string {
	d := now.Sub(created)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", max(0, int(d.Minutes())))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func (s *ticketsScreen) Dirty() bool {
	return s.conflict != nil || s.form != nil && s.formKind != formFilters
}

func (s *ticketsScreen) Capturing() bool {
	switch {
	case s.conflict != nil:
		return false
	case s.form != nil, s.pick != nil, s.lineOn:
		return true
	case s.saved != nil:
		return s.saved.out != nil
	case s.detail != nil:
		return s.detail.capturing()
	}
	return false
}

// Hint tells the whole title and the overdue notice of the highlighted ticket.
func (s *ticketsScreen) Hint() string {
	if s.conflict != nil || s.form != nil || s.pick != nil || s.results != nil || s.saved != nil || s.detail != nil {
		return ""
	}
	r, ok := s.current()
	if !ok {
		return ""
	}
	h := r.Label + " " + r.Title
	if r.Overdue > 0 {
		h += fmt.Sprintf(" — overdue, notice %d of 3", r.Overdue)
	}
	return h
}

func (s *ticketsScreen) SetSize(w, h int) {
	resized := h != s.h
	s.w, s.h = w, h
	s.table.SetSize(w, h-2)
	s.line.SetWidth(max(10, w-4))
	if s.form != nil {
		s.form.SetSize(w, h)
	}
	if s.conflict != nil {
		s.conflict.SetSize(w, h)
	}
	if s.pick != nil {
		s.pick.SetSize(w, h)
	}
	if s.results != nil {
		s.results.SetSize(w, h-2)
	}
	if s.detail != nil {
		s.detail.SetSize(w, h)
	}
	if s.saved != nil {
		s.saved.SetSize(w, h)
	}
	if resized {
		s.refetch = true // SetSize returns no command: pendingLoad reads
	}
}

func (s *ticketsScreen) current() (domain.TicketRow, bool) {
	r, ok := s.byKey[s.table.Key()]
	return r, ok
}

// selection is the selected tickets, or the highlighted one.
func (s *ticketsScreen) selection() []domain.TicketNumber {
	var out []domain.TicketNumber
	for n, on := range s.sel {
		if on {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		if r, ok := s.current(); ok {
			out = []domain.TicketNumber{r.Number}
		}
	}
	return out
}

func (s *ticketsScreen) toggleSelect() {
	r, ok := s.current()
	if !ok {
		return
	}
	if s.sel[r.Number] {
		delete(s.sel, r.Number)
	} else {
		s.sel[r.Number] = true
	}
	s.table.ToggleSelect()
}

func (s *ticketsScreen) clearSelection() {
	s.sel = map[domain.TicketNumber]bool{}
	s.table.ClearSelection()
}

// setQuery puts q in the query line and runs it from the first page.
func (s *ticketsScreen) setQuery(q domain.TicketQuery) tea.Cmd {
	s.line.SetValue(q.String())
	s.line.CursorEnd()
	s.query, s.offset, s.lineErr = q, 0, ""
	s.land = landTop
	return s.fetch()
}

// requery parses the query line after a keystroke; a query that does not
// parse says why and keeps the last good results.
func (s *ticketsScreen) requery() tea.Cmd {
	q, err := domain.ParseQuery(s.line.Value())
	if err != nil {
		s.lineErr = errText(err)
		return nil
	}
	s.query, s.offset, s.lineErr = q, 0, ""
	s.land = landTop
	return s.fetch()
}

var sortCycle = []domain.Sort{domain.SortNewest, domain.SortAge, domain.SortPriority, domain.SortUpdated}

func (s *ticketsScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case ticketsMsg:
		return s.apply(m)
	case choicesMsg:
		if s.pick != nil && m.to == s.pick {
			s.pick.loaded(m)
		}
		return nil
	case ticketDoneMsg:
		return s.done(m)
	case collabDoneMsg:
		return s.collabDone(m)
	case reportFormatsMsg:
		if s.saved != nil {
			s.saved.reportFormats(m)
		}
		return nil
	case bulkMsg:
		return s.bulkDone(m)
	case openTicketMsg:
		return s.open(m.number)
	case editWorkMsg:
		s.openEditWork(m.report)
		return nil
	}
	if cmd, ok := updateConflict(&s.conflict, msg); ok {
		return cmd
	}
	if s.form != nil {
		return s.updateForm(msg)
	}
	if s.pick != nil {
		p := s.pick
		done, cmd := p.Update(msg)
		if done && s.pick == p {
			s.pick = nil
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		// pastes and other input go to whatever has a text field
		switch {
		case s.lineOn:
			return s.updateLine(msg)
		case s.saved == nil && s.detail != nil && s.detail.capturing():
			return s.detail.panes[s.detail.tab].Update(msg)
		}
		return nil
	}
	switch {
	case s.results != nil:
		if key.Matches(k, s.c.Keys.Nav.Back) {
			s.results = nil
		} else {
			s.results.Update(k)
		}
		return nil
	case s.saved != nil:
		return s.saved.update(k)
	case s.detail != nil:
		return s.detail.update(k)
	case s.lineOn:
		return s.updateLine(k)
	}
	return s.updateQueue(k)
}

func (s *ticketsScreen) updateLine(msg tea.Msg) tea.Cmd {
	n := s.c.Keys.Nav
	if k, ok := msg.(tea.KeyPressMsg); ok && (key.Matches(k, n.Open) || key.Matches(k, n.Back)) {
		// enter keeps the query as typed; esc cancels the edit, back to
		// the query from before /
		s.lineOn = false
		s.line.Blur()
		if key.Matches(k, n.Back) && s.line.Value() != s.lineWas {
			s.line.SetValue(s.lineWas)
			s.line.CursorEnd()
			return s.requery()
		}
		return nil
	}
	before := s.line.Value()
	var cmd tea.Cmd
	s.line, cmd = s.line.Update(msg)
	if s.line.Value() == before {
		return cmd
	}
	return tea.Batch(cmd, s.requery())
}

func (s *ticketsScreen) updateQueue(k tea.KeyPressMsg) tea.Cmd {
	n, tk := s.c.Keys.Nav, s.c.Keys.Tickets
	ps := s.pageSize()
	last := len(s.table.rows) - 1
	switch {
	case s.loading && s.land != landKeep && key.Matches(k, n.Down):
		s.pending++ // a page is turning: move once it is here
		return nil
	case s.loading && s.land != landKeep && key.Matches(k, n.Up):
		s.pending--
		return nil
	case key.Matches(k, n.Down) && s.table.cursor >= last && s.offset+len(s.page.Tickets) < s.page.Total:
		s.offset += ps
		s.land = landTop
		return s.fetch()
	case key.Matches(k, n.Up) && s.table.cursor == 0 && s.offset > 0:
		s.offset = max(0, s.offset-ps)
		s.land = landBottom
		return s.fetch()
	case key.Matches(k, n.PageDown) && s.offset+ps < s.page.Total:
		s.offset += ps
		return s.fetch()
	case key.Matches(k, n.PageUp) && s.offset > 0:
		s.offset = max(0, s.offset-ps)
		return s.fetch()
	case key.Matches(k, n.Home) && s.offset > 0:
		s.offset, s.land = 0, landTop
		return s.fetch()
	case key.Matches(k, n.End) && s.offset+ps < s.page.Total:
		s.offset, s.land = (s.page.Total-1)/ps*ps, landBottom
		return s.fetch()
	case s.table.Update(k):
		return nil
	case key.Matches(k, n.Filter):
		s.lineOn, s.lineWas = true, s.line.Value()
		s.line.CursorEnd()
		return s.line.Focus()
	case key.Matches(k, tk.Report):
		return s.openReport()
	case key.Matches(k, tk.Filters):
		return s.openFilters()
	case key.Matches(k, tk.Sort):
		q := s.query
		q.Sort = sortCycle[(slices.Index(sortCycle, q.Sort)+1)%len(sortCycle)]
		return s.setQuery(q)
	case key.Matches(k, tk.Mine), key.Matches(k, tk.Unassigned):
		q, want := s.query, "me"
		if key.Matches(k, tk.Unassigned) {
			want = "none"
		}
		if strings.EqualFold(q.Assignee, want) {
			q.Assignee = ""
		} else {
			q.Assignee = want
		}
		return s.setQuery(q)
	case key.Matches(k, tk.Overdue):
		q := s.query
		q.Overdue = !q.Overdue
		return s.setQuery(q)
	case key.Matches(k, tk.Saved):
		return s.openSaved()
	case key.Matches(k, tk.Bulk):
		return s.openBulk()
	case key.Matches(k, tk.Select):
		s.toggleSelect()
		return nil
	case key.Matches(k, n.Back):
		s.clearSelection()
		return nil
	}
	r, ok := s.current()
	if !ok {
		return nil
	}
	if key.Matches(k, n.Open) {
		return s.open(r.Number)
	}
	cmd, _ := s.actOn(k, r)
	return cmd
}

// open shows a ticket's detail.
// open returns the command that reads a ticket; its detail shows when
// the ticket arrives (a refusal says why in the status line).
func (s *ticketsScreen) open(number domain.TicketNumber) tea.Cmd {
	d := newTicketDetail(s, number)
	d.SetSize(s.w, s.h)
	s.opening = d
	return d.read(s.c.open)
}

// owns reports that owner is the detail being opened or shown: keys typed
// while it is read wait for it (enter then e edits the ticket opened, not
// the queue's row).
func (s *ticketsScreen) owns(owner any) bool {
	return owner != nil && (owner == any(s.opening) || owner == any(s.detail))
}

// can checks an action with the same rule the store applies, so a form is
// not offered for what would be refused; the store decides again on save.
func (s *ticketsScreen) can(act domain.Action, r domain.TicketRow) bool {
	if err := s.c.Access.Can(act, &r.Ticket, &s.org); err != nil {
		s.c.Fail(err)
		return false
	}
	return true
}

// do runs a ticket action as a command; ok is the success message.
func (s *ticketsScreen) do(f *form, fn func() (string, error)) tea.Cmd {
	cmd := func() tea.Msg {
		ok, err := fn()
		return ticketDoneMsg{ok: ok, err: err, form: f}
	}
	if f != nil {
		// a form's save: keys typed meanwhile wait for its outcome
		s.formBusy = true
		return s.c.saving(s, cmd)
	}
	return cmd
}

// done shows an action's outcome; a refusal keeps the form and reloads, so
// the screen shows what the store holds now (a ticket someone else
// assigned a moment ago, for instance).
func (s *ticketsScreen) done(m ticketDoneMsg) tea.Cmd {
	if m.form != nil && m.form == s.form {
		s.formBusy = false
	}
	if m.err != nil {
		discard := func() tea.Cmd {
			s.form = nil
			if s.detail != nil {
				return tea.Batch(s.fetch(), s.detail.reload())
			}
			return s.fetch()
		}
		e := edit{what: s.formFor.Label, view: &s.conflict, w: s.w, h: s.h, res: m.res, resend: s.submitEdit, discard: discard}
		if !m.edit || m.form == nil || m.form != s.form || !catchConflict(s.c, m.err, e) {
			s.c.Fail(m.err)
		}
	} else {
		if m.edit {
			m.ok = s.c.savedNote(m.label, domain.Rev{OnTopOf: m.onTop}, m.ok, m.res)
		}
		s.c.Ok("%s", m.ok)
		if m.form != nil && m.form == s.form {
			s.form = nil
		}
		if t := m.saved; t != nil {
			// the ticket as saved is the next edit's base, until the
			// queue and the detail are read again
			k := strconv.FormatUint(uint64(t.Number), 10)
			if _, ok := s.byKey[k]; ok {
				s.byKey[k] = t.TicketRow
			}
			if s.detail != nil && s.detail.t.Number == t.Number {
				s.detail.t.TicketRow = t.TicketRow
			}
		}
		if m.closed != 0 && s.detail != nil && s.detail.t.Number == m.closed {
			s.detail = nil
		}
		delete(s.sel, m.closed)
	}
	cmds := []tea.Cmd{s.fetch()}
	if s.detail != nil {
		cmds = append(cmds, s.detail.reload())
	}
	if s.saved != nil {
		cmds = append(cmds, s.saved.reload())
	}
	if m.err == nil && m.open != 0 {
		cmds = append(cmds, s.open(m.open))
	}
	return tea.Batch(cmds...)
}

// actOn runs the single-key actions on one ticket, from the queue or the
// detail; it reports whether the key was one of them.
func (s *ticketsScreen) actOn(k tea.KeyPressMsg, r domain.TicketRow) (tea.Cmd, bool) {
	tk := s.c.Keys.Tickets
	svc, n, label := s.c.Svc, r.Number, r.Label
	switch {
	case key.Matches(k, tk.Assign):
		if s.can(domain.ActAssign, r) {
			return s.pickTech("Assign "+label+" to", func(u string) tea.Cmd {
				return s.do(nil, func() (string, error) {
					return "assigned " + label + " to " + u, svc.Assign(s.c.Ctx, n, u, "")
				})
			}), true
		}
	case key.Matches(k, tk.Reassign):
		if s.can(domain.ActReassign, r) {
			return s.pickTech("Reassign "+label+" (now "+dash(r.Assignee)+") to", func(u string) tea.Cmd {
				return s.do(nil, func() (string, error) {
					return "reassigned " + label + " to " + u, svc.Reassign(s.c.Ctx, n, u, "")
				})
			}), true
		}
	case key.Matches(k, tk.AskReassign):
		s.openReassignRequest(r)
		return nil, true
	case key.Matches(k, tk.Start):
		// the store decides (assignee, or Task All Records) and says why not
		return s.do(nil, func() (string, error) { return "started " + label, svc.Start(s.c.Ctx, n, "") }), true
	case key.Matches(k, tk.Work):
		if s.can(domain.ActWorkWrite, r) {
			s.openWork(r)
		}
	case key.Matches(k, tk.Close):
		if s.can(domain.ActClose, r) {
			s.openComment(formClose, r)
		}
	case key.Matches(k, tk.Reopen):
		if s.can(domain.ActReopen, r) {
			s.openComment(formReopen, r)
		}
	case key.Matches(k, tk.Priority):
		if s.can(domain.ActEdit, r) {
			return s.pickPriority("Priority of "+label+" (now "+dash(r.Priority)+")", func(p string) tea.Cmd {
				return s.do(nil, func() (string, error) {
					return label + " priority " + p, svc.EditTicket(s.c.Ctx, n, domain.TicketChange{Priority: &p})
				})
			}), true
		}
	case key.Matches(k, tk.Delete):
		if s.can(domain.ActDelete, r) {
			return ask(fmt.Sprintf("Delete %s %q? It is closed; its history and work reports go with it. This cannot be undone.", label, r.Title),
				func() tea.Msg {
					if err := svc.DeleteTicket(s.c.Ctx, n); err != nil {
						return ticketDoneMsg{err: err}
					}
					return ticketDoneMsg{ok: "deleted " + label, closed: n}
				}), true
		}
	case key.Matches(k, tk.Edit):
		if s.can(domain.ActEdit, r) {
			return s.openEdit(r), true
		}
	case key.Matches(k, tk.Clone):
		if s.can(domain.ActClone, r) {
			org := s.org
			return func() tea.Msg {
				t, err := svc.Clone(s.c.Ctx, n)
				if err != nil {
					return ticketDoneMsg{err: err}
				}
				return ticketDoneMsg{ok: fmt.Sprintf("cloned %s as %s", label, org.FormatTicket(t.Number)), open: t.Number}
			}, true
		}
	case key.Matches(k, tk.Visibility):
		if s.can(domain.ActSetVisibility, r) {
			return s.openVisibility(r), true
		}
	default:
		return nil, false
	}
	return nil, true
}

// pickTech opens a chooser of technicians (users who hold Can Be
// Assignee); an actor who may not list users types a username instead.
func (s *ticketsScreen) pickTech(title string, choose func(string) tea.Cmd) tea.Cmd {
	s.pick = newChooser(s.c, title, nil, choose)
	s.pick.SetSize(s.w, s.h)
	svc := s.c.Svc
	return s.pick.load(func() choicesMsg {
		page, err := svc.Users(s.c.Ctx, domain.UserQuery{})
		if err != nil {
			return choicesMsg{free: true, note: errText(err) + ": type a username"}
		}
		var items []choice
		for _, u := range page.Users {
			if u.Technician && u.Inactive == "" {
				items = append(items, choice{value: u.Username, label: u.Name()})
			}
		}
		return choicesMsg{items: items}
	})
}

// pickPriority opens a chooser of the organization's priorities.
func (s *ticketsScreen) pickPriority(title string, choose func(string) tea.Cmd) tea.Cmd {
	items := make([]choice, len(s.org.Priorities))
	for i, p := range s.org.Priorities {
		items[i] = choice{value: p}
	}
	s.pick = newChooser(s.c, title, items, choose)
	s.pick.SetSize(s.w, s.h)
	return nil
}

// openBulk offers the bulk actions on the selection (Edit Query Result
// Set); one confirmation covers every ticket.
func (s *ticketsScreen) openBulk() tea.Cmd {
	if err := s.c.Access.Require(domain.QueryBulkEdit); err != nil {
		s.c.Fail(err)
		return nil
	}
	nums := s.selection()
	if len(nums) == 0 {
		s.c.Fail(domain.Errorf(domain.EInvalid, "no tickets selected: space selects rows"))
		return nil
	}
	labels := make([]string, len(nums))
	for i, n := range nums {
		labels[i] = s.org.FormatTicket(n)
	}
	list := strings.Join(labels, ", ")
	run := func(what string, a domain.BulkAction) tea.Cmd {
		svc := s.c.Svc
		q := fmt.Sprintf("%s %s: %s?", what, plural(len(nums), "ticket"), list)
		if len(nums) == 1 {
			q = fmt.Sprintf("%s %s?", what, list)
		}
		return ask(q, func() tea.Msg {
			// assign, close and priority: one transaction, all or nothing
			// (a refusal names the ticket and changes none); delete keeps
			// the open tickets and deletes the rest (R7)
			bulk := svc.BulkAtomic
			if a.Kind == domain.BulkDelete {
				bulk = svc.Bulk
			}
			res, err := bulk(s.c.Ctx, nums, a)
			return bulkMsg{what: strings.ToLower(what), results: res, err: err}
		})
	}
	choices := []choice{
		{value: "assign", label: "assign or reassign to a technician"},
		{value: "close", label: "close every ticket"},
		{value: "priority", label: "set the priority"},
	}
	if s.c.Access.Has(domain.TicketDelete) {
		choices = append(choices, choice{value: "delete", label: "delete the closed tickets (R7; cannot be undone)"})
	}
	s.pick = newChooser(s.c, "Bulk action on "+plural(len(nums), "ticket"), choices, func(kind string) tea.Cmd {
		switch kind {
		case "delete":
			return run("Delete (closed only, cannot be undone)", domain.BulkAction{Kind: domain.BulkDelete})
		case "assign":
			return s.pickTech("Bulk assign to", func(u string) tea.Cmd {
				return run("Assign to "+u, domain.BulkAction{Kind: "assign", Value: u})
			})
		case "priority":
			return s.pickPriority("Bulk priority", func(p string) tea.Cmd {
				return run("Set priority "+p+" on", domain.BulkAction{Kind: "priority", Value: p})
			})
		}
		return run("Close", domain.BulkAction{Kind: "close"})
	})
	s.pick.note = "on " + list
	s.pick.SetSize(s.w, s.h)
	return nil
}

// bulkDone lists every ticket's outcome.
func (s *ticketsScreen) bulkDone(m bulkMsg) tea.Cmd {
	if m.err != nil {
		s.c.Fail(m.err)
		return s.fetch()
	}
	s.results = newTable(s.c, "no tickets", column{title: "Ticket", width: 9}, column{title: "Result", width: 20, flex: 1})
	keys := make([]string, len(m.results))
	rows := make([][]string, len(m.results))
	failed := 0
	for i, r := range m.results {
		keys[i] = r.Label
		rows[i] = []string{r.Label, "✓ done"}
		if r.Err != nil {
			failed++
			rows[i][1] = "✗ " + errText(r.Err)
		}
	}
	s.results.SetRows(keys, rows)
	s.results.SetSize(s.w, s.h-2)
	s.resTitle = fmt.Sprintf("Bulk %s: %d done", m.what, len(m.results)-failed)
	if failed > 0 {
		s.resTitle += fmt.Sprintf(", %d refused", failed)
		s.c.Fail(domain.Errorf(domain.EConflict, "%s", s.resTitle))
	} else {
		s.c.Ok("%s", s.resTitle)
	}
	s.clearSelection()
	return s.fetch()
}

func (s *ticketsScreen) View() string {
	switch {
	case s.conflict != nil:
		return s.conflict.View()
	case s.form != nil:
		return s.form.View()
	case s.pick != nil:
		return s.pick.View()
	case s.results != nil:
		return s.c.Styles.Title.Render(s.resTitle) + "\n" + s.c.Styles.Dim.Render("esc back to the queue") + "\n" + s.results.View()
	case s.saved != nil:
		return s.saved.View()
	case s.detail != nil:
		return s.detail.View()
	}
	var line string
	if s.lineOn {
		line = s.line.View()
	} else {
		v := s.line.Value()
		if v == "" {
			v = s.c.Styles.Dim.Render("press / to query")
		}
		line = "/ " + v
	}
	head := fmt.Sprintf("Tickets 0 of %d", s.page.Total)
	if len(s.page.Tickets) > 0 {
		head = fmt.Sprintf("Tickets %d–%d of %d", s.offset+1, s.offset+len(s.page.Tickets), s.page.Total)
	}
	if s.query.Sort != "" {
		head += " · sort " + string(s.query.Sort)
	}
	if n := len(s.sel); n > 0 {
		head += fmt.Sprintf(" · %d selected", n)
	}
	if s.loading {
		head += " · loading…"
	}
	if s.lineErr != "" {
		head = s.c.Styles.Error.Render("✗ "+s.lineErr) + " · " + head
	}
	return pad(line, s.w) + "\n" + pad(head, s.w) + "\n" + s.table.View()
}

func (s *ticketsScreen) ShortHelp() []key.Binding {
	n, tk := s.c.Keys.Nav, s.c.Keys.Tickets
	switch {
	case s.conflict != nil:
		return s.conflict.ShortHelp()
	case s.form != nil:
		return s.form.ShortHelp()
	case s.pick != nil:
		return s.pick.ShortHelp()
	case s.results != nil:
		return []key.Binding{n.Up, n.Down, n.Back}
	case s.saved != nil:
		return s.saved.ShortHelp()
	case s.detail != nil:
		return s.detail.ShortHelp()
	case s.lineOn:
		return []key.Binding{n.Open, n.Back}
	}
	return s.offered(n.Filter, n.Open, tk.Assign, tk.Start, tk.Work, tk.Close, tk.Report, tk.Filters)
}

func (s *ticketsScreen) FullHelp() [][]key.Binding {
	if s.conflict != nil {
		return s.conflict.FullHelp()
	}
	n, tk := s.c.Keys.Nav, s.c.Keys.Tickets
	return [][]key.Binding{
		s.offered(n.Filter, tk.Filters, tk.Mine, tk.Unassigned, tk.Overdue, tk.Sort, tk.Saved),
		s.offered(n.Open, tk.Assign, tk.Reassign, tk.Start, tk.Work, tk.Close, tk.Reopen, tk.Priority),
		s.offered(tk.Report, tk.Edit, tk.Clone, tk.Visibility, tk.Delete, tk.Select, tk.Bulk),
	}
}

// offered keeps the keys whose privilege the actor holds, so the help
// offers only what they may do (the store still decides per ticket).
func (s *ticketsScreen) offered(keys ...key.Binding) []key.Binding {
	tk := s.c.Keys.Tickets
	needs := []struct {
		k key.Binding
		f domain.Flag
	}{{tk.Assign, domain.TicketAssign}, {tk.Reassign, domain.TicketReassign}, {tk.Work, domain.WorkWrite},
		{tk.Close, domain.TicketClose}, {tk.Reopen, domain.TicketReopen}, {tk.Priority, domain.TicketEdit},
		{tk.Edit, domain.TicketEdit}, {tk.Report, domain.TicketReport}, {tk.Clone, domain.TicketClone},
		{tk.Visibility, domain.VisibilityEdit}, {tk.Delete, domain.TicketDelete}, {tk.Bulk, domain.QueryBulkEdit},
		{tk.Select, domain.QueryBulkEdit}, {tk.Saved, domain.QueryRun}}
	out := keys[:0:0]
	for _, k := range keys {
		ok := true
		for _, n := range needs {
			if n.k.Help().Key == k.Help().Key && n.k.Help().Desc == k.Help().Desc {
				ok = s.c.Access.Has(n.f)
			}
		}
		if ok {
			out = append(out, k)
		}
	}
	return out
}

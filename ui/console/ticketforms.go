package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// ticketFormKind says what the open form of the tickets screen does.
type ticketFormKind uint8

const (
	formReport ticketFormKind = iota
	formEdit
	formWork
	formEditWork
	formClose
	formReopen
	formVisibility
	formFilters
	formSaveQuery
	formAskReassign
	formDeclineReassign
)

// Field indexes of the report form.
const (
	rfTitle = iota
	rfDescription
	rfBuilding
	rfRoom
	rfType
	rfCommon
	rfPriority
	rfTeams
	rfVisibleTo // only with Edit Record Visibility
)

// Field indexes of the edit form.
const (
	efTitle = iota
	efDescription
	efBuilding
	efRoom
	efType
	efPriority
	efComment
)

// Field indexes of the work report form.
const (
	wfMinutes = iota
	wfText
)

// Field indexes of the filter bar.
const (
	ffStatus = iota
	ffBuilding
	ffAssignee
	ffPriority
	ffTeam
	ffOverdue
	ffReassign
)

// Field indexes of the save-query form.
const (
	sqName = iota
	sqGroup
)

const anyValue = "any"

func validTitle(v string) error {
	switch {
	case v == "":
		return domain.Errorf(domain.EInvalid, "title is required")
	case len(v) > 200:
		return domain.Errorf(domain.EInvalid, "title is longer than 200 characters")
	}
	return nil
}

func parseMinutes(v string) (int, error) {
	m, err := strconv.Atoi(v)
	if err != nil || m < 0 || m > 100000 {
		return 0, domain.Errorf(domain.EInvalid, "minutes %q: enter a whole number from 0 to 100000", v)
	}
	return m, nil
}

func validMinutes(v string) error { _, err := parseMinutes(v); return err }

func validWorkText(v string) error {
	if v == "" {
		return domain.Errorf(domain.EInvalid, "work report text is required")
	}
	return nil
}

func (s *ticketsScreen) openForm(kind ticketFormKind, r domain.TicketRow, f *form) {
	s.form, s.formKind, s.formFor, s.formBusy = f, kind, r, false
	f.SetSize(s.w, s.h)
}

// withBuildings returns the command that reads the buildings (codes and
// rooms to choose from) off the Update loop, then runs open in Update; the
// screen's keys wait for it, so what is typed next lands in the form.
func (s *ticketsScreen) withBuildings(open func()) tea.Cmd {
	svc, ctx := s.c.Svc, s.c.Ctx
	return s.c.open(s, func() func() tea.Cmd {
		bs, err := svc.Buildings(ctx, "")
		return func() tea.Cmd {
			if err != nil {
				s.c.Fail(err)
				return nil
			}
			s.blds = bs
			open()
			return nil
		}
	})
}

func (s *ticketsScreen) buildingCodes() []string {
	out := make([]string, len(s.blds))
	for i, b := range s.blds {
		out[i] = b.Code
	}
	return out
}

func (s *ticketsScreen) rooms(code string) []string {
	for _, b := range s.blds {
		if b.Code == code {
			return append([]string{""}, b.Rooms...)
		}
	}
	return []string{""}
}

func (s *ticketsScreen) problemTypes() []string {
	out := []string{""}
	for _, p := range s.org.ProblemTypes {
		out = append(out, p.Name)
	}
	return out
}

func (s *ticketsScreen) commonProblems(ptype string) []string {
	pt, _ := s.org.ProblemTypeNamed(ptype)
	return append([]string{""}, pt.CommonProblems...)
}

// setOptions replaces a choice's options, keeping the chosen one if it is
// still offered (a room list follows the building).
func setOptions(fl *field, opts []string) {
	cur := ""
	if fl.choice < len(fl.options) {
		cur = fl.options[fl.choice]
	}
	if len(opts) == 0 {
		opts = []string{""}
	}
	fl.options, fl.choice = opts, max(0, slices.Index(opts, cur))
}

// withCurrent makes sure a choice offers the ticket's current value, so an
// edit never changes a field the user did not touch.
func withCurrent(opts []string, cur string) []string {
	if cur != "" && !slices.Contains(opts, cur) {
		return append(opts, cur)
	}
	return opts
}

// syncForm keeps dependent choices in step: rooms follow the building,
// common problems the problem type.
func (s *ticketsScreen) syncForm() {
	f := s.form
	switch s.formKind {
	case formReport:
		setOptions(f.fields[rfRoom], s.rooms(f.Value(rfBuilding)))
		setOptions(f.fields[rfCommon], s.commonProblems(f.Value(rfType)))
	case formEdit:
		opts := s.rooms(f.Value(efBuilding))
		if f.Value(efBuilding) == s.formFor.Building {
			opts = withCurrent(opts, s.formFor.Room)
		}
		setOptions(f.fields[efRoom], opts)
	}
}

// openReport is the report form (n): title, description, building and
// room, problem type and common problem, priority.
func (s *ticketsScreen) openReport() tea.Cmd {
	if err := s.c.Access.Require(domain.TicketReport); err != nil {
		s.c.Fail(err)
		return nil
	}
	if len(s.org.Priorities) == 0 {
		// the queue's first read brings the organization's choices
		s.c.Fail(domain.Errorf(domain.EConflict, "the queue is still loading: press n again in a moment"))
		return nil
	}
	return s.withBuildings(s.showReport)
}

// showReport opens the report form on the buildings read.
func (s *ticketsScreen) showReport() {
	codes := s.buildingCodes()
	if len(codes) == 0 {
		s.c.Fail(domain.Errorf(domain.EInvalid, "building: there are no buildings to report in yet"))
		return
	}
	prio := ""
	if p, ok := s.org.HasPriority("Normal"); ok {
		prio = p
	}
	f := newForm(s.c, "Report a problem").
		text("Title", "", "what is wrong", validTitle).
		area("Description", "", "optional details (enter: new line)", nil).
		choose("Building", codes, codes[0]).
		choose("Room", s.rooms(codes[0]), "").
		choose("Problem type", s.problemTypes(), "").
		choose("Common problem", []string{""}, "").
		choose("Priority", s.org.Priorities, prio).
		pickMany("Teams", "", "optional: team names, comma-separated", nil, s.c.teamChoices)
	if s.c.Access.Has(domain.VisibilityEdit) {
		f.pickMany("Visible to", "", "optional: group names, comma-separated", nil, s.c.groupChoices)
	}
	f.note = "type to narrow a choice, space or ←/→ cycle it · a matching auto-assign rule of the building assigns the ticket at once · a team shares the ticket with its members; visible-to groups limit who sees it (Edit Record Visibility)"
	s.openForm(formReport, domain.TicketRow{}, f)
}

// openEdit edits a ticket's fields in place (Edit Problem Reports).
func (s *ticketsScreen) openEdit(r domain.TicketRow) tea.Cmd {
	return s.withBuildings(func() { s.showEdit(r) })
}

// showEdit opens the edit form on the buildings read.
func (s *ticketsScreen) showEdit(r domain.TicketRow) {
	f := newForm(s.c, "Edit "+r.Label).
		text("Title", r.Title, "", validTitle).
		area("Description", r.Description, "", nil).
		choose("Building", withCurrent(s.buildingCodes(), r.Building), r.Building).
		choose("Room", withCurrent(s.rooms(r.Building), r.Room), r.Room).
		choose("Problem type", withCurrent(s.problemTypes(), r.ProblemType), r.ProblemType).
		choose("Priority", withCurrent(slices.Clone(s.org.Priorities), r.Priority), r.Priority).
		text("Comment", "", "why (kept in the history)", nil)
	s.openForm(formEdit, r, f)
}

// openReassignRequest is R: the assignee asks to be taken off the
// ticket; on a ticket whose assignee asked, a holder of Reassign declines
// (r reassigns, which answers the request too).
func (s *ticketsScreen) openReassignRequest(r domain.TicketRow) {
	switch {
	case r.ReassignAsked != "" && s.can(domain.ActReassign, r):
		f := newForm(s.c, "Decline to reassign "+r.Label).text("Reason", "", "told to "+r.Assignee, nil)
		f.note = r.Assignee + " asked: " + r.ReassignAsked + " · r reassigns instead"
		s.openForm(formDeclineReassign, r, f)
	case r.Assignee == s.c.Access.Username && r.Status != domain.StatusClosed:
		f := newForm(s.c, "Ask for "+r.Label+" to be reassigned").text("Reason", "", "why someone else should take it", nil)
		s.openForm(formAskReassign, r, f)
	case r.ReassignAsked != "":
		s.c.Fail(domain.Errorf(domain.EForbidden, "%s asked to be taken off %s; answering needs %s (%s)", r.Assignee, r.Label,
			domain.TicketReassign.Info().Label, domain.TicketReassign))
	default:
		s.c.Fail(domain.Errorf(domain.EForbidden, "only the assignee of %s asks for it to be reassigned", r.Label))
	}
}

func (s *ticketsScreen) openWork(r domain.TicketRow) {
	f := newForm(s.c, "Work report on "+r.Label+" "+r.Title).
		text("Minutes", "", "time spent", validMinutes).
		area("Text", "", "what was done", validWorkText)
	s.openForm(formWork, r, f)
}

// openEditWork edits one's own work report (Edit Work Report).
func (s *ticketsScreen) openEditWork(w domain.WorkReport) {
	if s.detail == nil {
		return
	}
	d := s.detail.t
	if err := s.c.Access.CanEditWorkReport(&d.Ticket, &w, &s.org); err != nil {
		s.c.Fail(err)
		return
	}
	f := newForm(s.c, fmt.Sprintf("Edit work report on %s (%s)", d.Label, s.c.stamp(w.Created))).
		text("Minutes", strconv.Itoa(w.Minutes), "time spent", validMinutes).
		area("Text", w.Text, "what was done", validWorkText)
	s.openForm(formEditWork, d.TicketRow, f)
	s.formWork = w.ID
}

func (s *ticketsScreen) openComment(kind ticketFormKind, r domain.TicketRow) {
	verb := "Close"
	if kind == formReopen {
		verb = "Reopen"
	}
	f := newForm(s.c, verb+" "+r.Label+" "+r.Title+"?").text("Comment", "", "optional, kept in the history", nil)
	f.note = "enter " + strings.ToLower(verb) + "s · esc cancels"
	s.openForm(kind, r, f)
}

// openVisibility edits the groups a ticket is visible to (Edit Record
// Visibility; other groups than one's own need Override Record Visibility).
// The ticket (unless its detail is open) and the actor's groups are read
// off the Update loop; the form opens when they arrive.
func (s *ticketsScreen) openVisibility(r domain.TicketRow) tea.Cmd {
	svc, ctx, me := s.c.Svc, s.c.Ctx, s.c.Access.Username
	var known []string
	have := s.detail != nil && s.detail.t.Number == r.Number
	if have {
		known = s.detail.t.VisibleTo
	}
	return s.c.open(s, func() func() tea.Cmd {
		current := strings.Join(known, ", ")
		if !have {
			if d, err := svc.Ticket(ctx, r.Number); err == nil {
				current = strings.Join(d.VisibleTo, ", ")
			}
		}
		var mine []string
		if ui, err := svc.User(ctx, me); err == nil {
			mine = ui.Groups
		}
		return func() tea.Cmd { s.showVisibility(r, current, mine); return nil }
	})
}

// showVisibility opens the visibility form with the ticket's groups and
// the actor's own.
func (s *ticketsScreen) showVisibility(r domain.TicketRow, current string, mine []string) {
	f := newForm(s.c, "Visible to: "+r.Label).pickMany("Groups", current, "group names, comma-separated; empty: none", nil, s.c.groupChoices)
	note := "Without Override Record Visibility you may choose only your own groups."
	if len(mine) > 0 {
		note += " Yours: " + strings.Join(mine, ", ") + "."
	}
	if !s.org.RecordVisibility {
		note += " Record visibility is off in the organization settings."
	}
	f.note = note
	s.openForm(formVisibility, r, f)
}

func withAny(opts ...string) []string { return append([]string{anyValue}, opts...) }

// openFilters is the filter bar: each choice rewrites its term of the query
// line; free text and sort stay.
// The buildings and teams to choose from are read off the Update loop;
// the form opens when they arrive.
func (s *ticketsScreen) openFilters() tea.Cmd {
	svc, ctx := s.c.Svc, s.c.Ctx
	return s.c.open(s, func() func() tea.Cmd {
		bs, _ := svc.Buildings(ctx, "")
		teams, tErr := svc.Teams(ctx, "")
		return func() tea.Cmd { s.showFilters(bs, teams, tErr); return nil }
	})
}

// showFilters opens the filter bar with the buildings and teams read.
func (s *ticketsScreen) showFilters(bs []domain.Building, teams []domain.TeamInfo, tErr error) {
	q := s.query
	status := anyValue
	switch {
	case q.OpenOnly:
		status = "open"
	case len(q.Status) == 1:
		status = q.Status[0].String()
	}
	statuses := withAny("open")
	for _, st := range domain.AllStatuses {
		statuses = append(statuses, st.String())
	}
	codes := withAny()
	for _, b := range bs {
		codes = append(codes, b.Code)
	}
	assignee := strings.ToLower(q.Assignee)
	if assignee == "" {
		assignee = "anyone"
	}
	f := newForm(s.c, "Filters").
		choose("Status", statuses, status).
		choose("Building", withCurrent(codes, q.Building), orAny(q.Building)).
		choose("Assignee", withCurrent([]string{"anyone", "me", "none"}, assignee), assignee).
		choose("Priority", withCurrent(withAny(s.org.Priorities...), q.Priority), orAny(q.Priority))
	if tErr == nil {
		names := withAny()
		for _, t := range teams {
			names = append(names, t.Name)
		}
		f.choose("Team", withCurrent(names, q.Team), orAny(q.Team))
	} else {
		f.pickText("Team", q.Team, "team name (optional)", nil, s.c.teamChoices)
	}
	f.toggle("Overdue only", q.Overdue)
	f.toggle("Reassign asked", q.Reassign)
	f.note = "space or ←/→ cycle · enter applies · the query line shows the result"
	s.openForm(formFilters, domain.TicketRow{}, f)
}

func orAny(v string) string {
	if v == "" {
		return anyValue
	}
	return v
}

func fromAny(v string) string {
	if v == anyValue || v == "anyone" {
		return ""
	}
	return v
}

// openSaveQuery reads the actor's groups off the Update loop; the form
// opens when they arrive.
func (s *ticketsScreen) openSaveQuery() tea.Cmd {
	svc, ctx, me := s.c.Svc, s.c.Ctx, s.c.Access.Username
	return s.c.open(s, func() func() tea.Cmd {
		var mine []string
		if ui, err := svc.User(ctx, me); err == nil {
			mine = ui.Groups
		}
		return func() tea.Cmd {
			f := newForm(s.c, "Save the query "+strconv.Quote(s.line.Value())).
				text("Name", "", "what to call it", func(v string) error { return domain.ValidateName("name", v) }).
				pickText("Group", "", "empty: for you only; a group name shares it", nil, s.c.groupChoices)
			if len(mine) > 0 {
				f.note = "Group queries need Save Group Queries and a group you are in: " + strings.Join(mine, ", ")
			}
			s.openForm(formSaveQuery, domain.TicketRow{}, f)
			return nil
		}
	})
}

func (s *ticketsScreen) updateForm(msg tea.Msg) tea.Cmd {
	submit, cancel, cmd := s.form.Update(msg)
	switch {
	case cancel:
		s.form, s.formBusy = nil, false
		return nil
	case submit:
		if s.formBusy {
			return nil
		}
		return s.submit()
	}
	s.syncForm()
	return cmd
}

// submit sends the form to the store as a command; the form stays open
// until the store accepts it.
func (s *ticketsScreen) submit() tea.Cmd {
	f, r, svc := s.form, s.formFor, s.c.Svc
	n, label := r.Number, r.Label
	switch s.formKind {
	case formReport:
		nt := domain.NewTicket{Title: f.Value(rfTitle), Description: f.Value(rfDescription), Building: f.Value(rfBuilding),
			Room: f.Value(rfRoom), ProblemType: f.Value(rfType), CommonProblem: f.Value(rfCommon), Priority: f.Value(rfPriority),
			Teams: splitList(f.Value(rfTeams))}
		if len(f.fields) > rfVisibleTo {
			nt.VisibleTo = splitList(f.Value(rfVisibleTo))
		}
		org := s.org
		return s.do(f, func() (string, error) {
			t, err := svc.CreateTicket(s.c.Ctx, nt)
			if err != nil {
				return "", err
			}
			ok := "reported " + org.FormatTicket(t.Number)
			if t.Status == domain.StatusAssigned {
				ok += " (assigned at once by the building's rule)"
			}
			return ok, nil
		})
	case formEdit:
		return s.submitEdit(resolution{})
	case formWork:
		m, _ := parseMinutes(f.Value(wfMinutes))
		text := f.Value(wfText)
		return s.do(f, func() (string, error) {
			_, err := svc.AddWork(s.c.Ctx, n, m, text)
			return fmt.Sprintf("work report added to %s (%d min)", label, m), err
		})
	case formEditWork:
		m, _ := parseMinutes(f.Value(wfMinutes))
		text, id := f.Value(wfText), s.formWork
		return s.do(f, func() (string, error) { return "work report saved on " + label, svc.EditWork(s.c.Ctx, n, id, m, text) })
	case formClose:
		c := f.Value(0)
		return s.do(f, func() (string, error) { return "closed " + label, svc.Close(s.c.Ctx, n, c) })
	case formReopen:
		c := f.Value(0)
		return s.do(f, func() (string, error) { return "reopened " + label, svc.Reopen(s.c.Ctx, n, c) })
	case formAskReassign:
		reason := f.Value(0)
		return s.do(f, func() (string, error) {
			return "asked for " + label + " to be reassigned", svc.RequestReassign(s.c.Ctx, n, reason)
		})
	case formDeclineReassign:
		reason := f.Value(0)
		return s.do(f, func() (string, error) {
			return "declined to reassign " + label, svc.DeclineReassign(s.c.Ctx, n, reason)
		})
	case formVisibility:
		var groups []string
		for _, g := range strings.Split(f.Value(0), ",") {
			if g = strings.TrimSpace(g); g != "" {
				groups = append(groups, g)
			}
		}
		return s.do(f, func() (string, error) {
			return label + " visible to " + dash(strings.Join(groups, ", ")), svc.SetVisibility(s.c.Ctx, n, groups)
		})
	case formFilters:
		q := s.query
		q.OpenOnly, q.Status = false, nil
		switch st := f.Value(ffStatus); st {
		case anyValue:
		case "open":
			q.OpenOnly = true
		default:
			if v, ok := domain.ParseStatus(st); ok {
				q.Status = []domain.Status{v}
			}
		}
		q.Building = fromAny(f.Value(ffBuilding))
		q.Assignee = fromAny(f.Value(ffAssignee))
		q.Priority = fromAny(f.Value(ffPriority))
		q.Team = fromAny(f.Value(ffTeam))
		q.Overdue = f.On(ffOverdue)
		q.Reassign = f.On(ffReassign)
		s.form = nil
		return s.setQuery(q)
	case formSaveQuery:
		name, group, query := f.Value(sqName), f.Value(sqGroup), s.line.Value()
		return s.do(f, func() (string, error) {
			_, err := svc.SaveQuery(s.c.Ctx, name, query, group)
			if group != "" {
				return "saved query " + name + " for group " + group, err
			}
			return "saved query " + name, err
		})
	}
	return nil
}

// submitEdit saves the edit form: the fields changed, on the version of
// the ticket the form opened (res: a conflict's answer). The command reads
// the ticket before the edit, to say who changed it since the form opened
// when the edit lands on top of that, and after, for the next edit's base
// (EditTicket returns no ticket).
func (s *ticketsScreen) submitEdit(res resolution) tea.Cmd {
	f, r, svc, ctx := s.form, s.formFor, s.c.Svc, s.c.Ctx
	n, label := r.Number, r.Label
	ch := domain.TicketChange{Base: r.Version}
	str := func(i int, old string, dst **string) {
		if v := f.Value(i); v != old {
			*dst = &v
		}
	}
	str(efTitle, r.Title, &ch.Title)
	str(efDescription, r.Description, &ch.Description)
	str(efBuilding, r.Building, &ch.Building)
	str(efRoom, r.Room, &ch.Room)
	str(efType, r.ProblemType, &ch.ProblemType)
	str(efPriority, r.Priority, &ch.Priority)
	ch.Comment = f.Value(efComment)
	if res.onto(&ch.Base, ticketPatch{&ch}) {
		s.form = nil
		s.c.nothingLeft(label)
		return s.fetch()
	}
	s.formBusy = true
	return s.c.saving(s, func() tea.Msg {
		before, bErr := svc.Ticket(ctx, n)
		if err := svc.EditTicket(ctx, n, ch); err != nil {
			return ticketDoneMsg{err: err, form: f, edit: true, res: res}
		}
		m := ticketDoneMsg{ok: "saved " + label, form: f, edit: true, res: res, label: label}
		if bErr == nil && before.Version > ch.Base {
			m.onTop = &before.Rev
		}
		if after, err := svc.Ticket(ctx, n); err == nil {
			m.saved = &after
		}
		return m
	})
}

// ticketPatch is a TicketChange as a resolution drops fields from it: a
// conflict's field key (domain.TicketFields) names the change's field. The
// common problem follows the problem type (a new type clears it), so
// taking theirs for it keeps the type as stored too.
type ticketPatch struct{ c *domain.TicketChange }

func (p ticketPatch) Drop(keys ...string) {
	c := p.c
	for _, k := range keys {
		switch k {
		case "title":
			c.Title = nil
		case "description":
			c.Description = nil
		case "problem_type", "common_problem":
			c.ProblemType = nil
		case "priority":
			c.Priority = nil
		case "building":
			c.Building = nil
		case "room":
			c.Room = nil
		}
	}
}

func (p ticketPatch) Empty() bool {
	c := p.c
	return c.Title == nil && c.Description == nil && c.ProblemType == nil && c.Priority == nil && c.Building == nil && c.Room == nil
}

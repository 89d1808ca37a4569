package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gatehouse/domain"
)

func ticketCommands() []*command {
	n := func(path, args string, run func(*call) error) *command {
		return &command{path: path, args: args, min: len(strings.Fields(args)), max: len(strings.Fields(args)),
			opts: "[--comment T]", flags: []flagSpec{{"comment", true}}, run: run}
	}
	return []*command{
		{path: "ticket list", opts: "[--status S] [--building C] [--assignee U|me|none] [--query Q]",
			flags: []flagSpec{{"status", true}, {"building", true}, {"assignee", true}, {"query", true}}, run: ticketList},
		{path: "ticket show", args: "N", min: 1, max: 1, run: ticketShow},
		{path: "ticket create", opts: "--title T --building C [--room R] [--type TYPE] [--priority P] [--description T] [--team T,T] [--visible-to G,G]",
			flags: []flagSpec{{"title", true}, {"building", true}, {"room", true}, {"type", true}, {"priority", true}, {"description", true},
				{"team", true}, {"visible-to", true}},
			required: []string{"title", "building"}, run: ticketCreate},
		n("ticket assign", "N U", func(c *call) error {
			return c.transition("assigned %s to %s", func(ctx context.Context, num domain.TicketNumber, comment string) error {
				return c.svc.Assign(ctx, num, c.pos(1), comment)
			})
		}),
		{path: "ticket reassign-request", args: "N", opts: "--reason T [--decline]", min: 1, max: 1,
			flags: []flagSpec{{"reason", true}, {"decline", false}}, required: []string{"reason"}, run: ticketReassignRequest},
		n("ticket reassign", "N U", func(c *call) error {
			return c.transition("reassigned %s to %s", func(ctx context.Context, num domain.TicketNumber, comment string) error {
				return c.svc.Reassign(ctx, num, c.pos(1), comment)
			})
		}),
		n("ticket start", "N", func(c *call) error { return c.transition("started %s", c.svc.Start) }),
		n("ticket close", "N", func(c *call) error { return c.transition("closed %s", c.svc.Close) }),
		n("ticket reopen", "N", func(c *call) error { return c.transition("reopened %s", c.svc.Reopen) }),
		{path: "ticket delete", args: "[N]", opts: "[--query Q]", min: 0, max: 1,
			flags: []flagSpec{{"query", true}}, run: ticketDelete},
		{path: "ticket work", args: "N", opts: "--minutes M --text T", min: 1, max: 1,
			flags: []flagSpec{{"minutes", true}, {"text", true}}, required: []string{"minutes", "text"}, run: ticketWork},
	}
}

// ticketJSON is a ticket row as scripts read it.
type ticketJSON struct {
	Number        domain.TicketNumber `json:"number"`
	Label         string              `json:"label"`
	Title         string              `json:"title"`
	Status        string              `json:"status"`
	Priority      string              `json:"priority"`
	ProblemType   string              `json:"problem_type"`
	CommonProblem string              `json:"common_problem"`
	Building      string              `json:"building"`
	Room          string              `json:"room"`
	Assignee      string              `json:"assignee"`
	Reporter      string              `json:"reporter"`
	Created       string              `json:"created,omitempty"`
	Updated       string              `json:"updated,omitempty"`
	Closed        string              `json:"closed,omitempty"`
	Description   string              `json:"description,omitempty"`
	FieldsHidden  bool                `json:"fields_hidden,omitempty"`
	HiddenFields  []string            `json:"hidden_fields,omitempty"` // withheld by field visibility: blank, not empty
	ReporterEmail string              `json:"reporter_email,omitempty"`
	AssigneeEmail string              `json:"assignee_email,omitempty"`
	Parent        string              `json:"parent,omitempty"`
	Children      []string            `json:"children,omitempty"`
	VisibleTo     []string            `json:"visible_to,omitempty"`
	Work          []workJSON          `json:"work"`
	History       []historyJSON       `json:"history"`
	Version       uint64              `json:"version"`
}

// workJSON is one work report.
type workJSON struct {
	ID      domain.ID `json:"id,omitempty"` // for ticket work-edit
	Author  string    `json:"author"`
	Minutes int       `json:"minutes"`
	Text    string    `json:"text"`
	Created string    `json:"created,omitempty"`
	Edited  string    `json:"edited,omitempty"`
}

// historyJSON is one ticket history entry.
type historyJSON struct {
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Detail  string `json:"detail"`
	Comment string `json:"comment"`
}

// ticketRowJSON keeps list output free of the detail-only arrays.
type ticketRowJSON struct {
	Number      domain.TicketNumber `json:"number"`
	Label       string              `json:"label"`
	Title       string              `json:"title"`
	Status      string              `json:"status"`
	Priority    string              `json:"priority"`
	ProblemType string              `json:"problem_type"`
	Building    string              `json:"building"`
	Room        string              `json:"room"`
	Assignee    string              `json:"assignee"`
	Reporter    string              `json:"reporter"`
	Overdue     int                 `json:"overdue"` // overdue notice level reached, 0 when not overdue
	Created     string              `json:"created,omitempty"`
	Updated     string              `json:"updated,omitempty"`
	Version     uint64              `json:"version"`
}

func toTicketRowJSON(r domain.TicketRow) ticketRowJSON {
	return ticketRowJSON{Version: r.Version, Number: r.Number, Label: r.Label, Title: r.Title, Status: r.Status.String(), Priority: r.Priority, Overdue: r.Overdue,
		ProblemType: r.ProblemType, Building: r.Building, Room: r.Room, Assignee: r.Assignee, Reporter: r.Reporter,
		Created: jsonTime(r.Created), Updated: jsonTime(r.Updated)}
}

// ticketQuery reads the list filters.
func (c *call) ticketQuery() (domain.TicketQuery, error) {
	// --query is the queue's query line (field:value terms and free text);
	// the other flags narrow it further.
	q, err := domain.ParseQuery(c.args.str("query"))
	if err != nil {
		return q, err
	}
	if b := strings.TrimSpace(c.args.str("building")); b != "" {
		q.Building = b
	}
	if a := strings.TrimSpace(c.args.str("assignee")); a != "" {
		q.Assignee = a
	}
	if c.args.has("status") {
		q.Status, q.OpenOnly = nil, false
		words := splitList(c.args.str("status"))
		if len(words) == 0 {
			return q, domain.Errorf(domain.EInvalid, "--status needs a status: new, assigned, in_progress, closed, reopened or open")
		}
		for _, w := range words {
			if strings.EqualFold(w, "open") {
				q.OpenOnly = true
				continue
			}
			st, ok := domain.ParseStatus(w)
			if !ok {
				return q, domain.Errorf(domain.EInvalid, "--status %q: use new, assigned, in_progress, closed, reopened or open", w)
			}
			q.Status = append(q.Status, st)
		}
		if q.OpenOnly && len(q.Status) > 0 {
			// "open,new" means open ones among the named: keep the named open states.
			var open []domain.Status
			for _, st := range q.Status {
				if st.Open() {
					open = append(open, st)
				}
			}
			if len(open) == 0 {
				return q, domain.Errorf(domain.EInvalid, "--status %s: closed tickets are never open", c.args.str("status"))
			}
			q.Status, q.OpenOnly = open, false
		}
	}
	return q, nil
}

func ticketList(c *call) error {
	q, err := c.ticketQuery()
	if err != nil {
		return err
	}
	page, err := c.svc.Tickets(c.ctx, q)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]ticketRowJSON, 0, len(page.Tickets))
		for _, t := range page.Tickets {
			out = append(out, toTicketRowJSON(t))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(page.Tickets))
	for _, t := range page.Tickets {
		status := t.Status.String()
		if t.Overdue > 0 {
			status += fmt.Sprintf(" (overdue %d)", t.Overdue)
		}
		rows = append(rows, []string{t.Label, status, orDash(t.Priority), orDash(t.Building),
			orDash(t.Assignee), c.stamp(t.Updated), t.Title})
	}
	return c.table([]string{"TICKET", "STATUS", "PRIORITY", "BUILDING", "ASSIGNEE", "UPDATED", "TITLE"}, rows)
}

func ticketShow(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	d, err := c.svc.Ticket(c.ctx, n)
	if err != nil {
		return err
	}
	name := func(id domain.ID) string {
		if s, ok := d.ActorNames[id]; ok {
			return s
		}
		return "user #" + strconv.FormatUint(id, 10)
	}
	if c.opts.JSON {
		out := ticketJSON{Version: d.Version, Number: d.Number, Label: d.Label, Title: d.Title, Status: d.Status.String(), Priority: d.Priority,
			ProblemType: d.ProblemType, CommonProblem: d.CommonProblem, Building: d.Building, Room: d.Room,
			Assignee: d.Assignee, Reporter: d.Reporter, Created: jsonTime(d.Created), Updated: jsonTime(d.Updated),
			Closed: jsonTime(d.Closed), Description: d.Description, FieldsHidden: d.FieldsHidden,
			ReporterEmail: d.ReporterEmail, AssigneeEmail: d.AssigneeEmail, Parent: d.Parent, Children: d.Children,
			VisibleTo: d.VisibleTo, Work: []workJSON{}, History: []historyJSON{}}
		for _, f := range d.HiddenFields {
			out.HiddenFields = append(out.HiddenFields, f.String())
		}
		for _, w := range d.Work {
			out.Work = append(out.Work, workJSON{ID: w.ID, Author: name(w.Author), Minutes: w.Minutes, Text: w.Text,
				Created: jsonTime(w.Created), Edited: jsonTime(w.Edited)})
		}
		for _, h := range d.History {
			out.History = append(out.History, historyJSON{At: jsonTime(h.At), Actor: name(h.Actor), Action: h.Action,
				Detail: h.Detail, Comment: h.Comment})
		}
		return c.json(out)
	}
	pairs := []string{"Ticket", d.Label, "Title", d.Title, "Status", d.Status.String()}
	// a field withheld by field visibility reads "hidden", not "-"
	show := func(f domain.TicketField, v string) string {
		if slices.Contains(d.HiddenFields, f) {
			return "hidden (field visibility)"
		}
		return orDash(v)
	}
	if d.FieldsHidden {
		pairs = append(pairs, "Fields", "hidden: needs View Fields (ticket.view)")
	} else {
		reporter, assignee := orDash(d.Reporter), orDash(d.Assignee)
		if d.ReporterEmail != "" {
			reporter += " <" + d.ReporterEmail + ">"
		}
		if d.AssigneeEmail != "" {
			assignee += " <" + d.AssigneeEmail + ">"
		}
		pairs = append(pairs,
			"Priority", show(domain.FieldPriority, d.Priority),
			"Problem type", show(domain.FieldProblemType, problemText(d.ProblemType, d.CommonProblem)),
			"Building", orDash(d.Building),
			"Room", show(domain.FieldRoom, d.Room),
			"Reporter", reporter,
			"Assignee", assignee,
			"Created", c.stamp(d.Created),
			"Updated", c.stamp(d.Updated))
		if !d.Closed.IsZero() {
			pairs = append(pairs, "Closed", c.stamp(d.Closed))
		}
		if len(d.VisibleTo) > 0 {
			pairs = append(pairs, "Visible to", strings.Join(d.VisibleTo, ", "))
		}
		if len(d.TeamNames) > 0 {
			pairs = append(pairs, "Teams", strings.Join(d.TeamNames, ", "))
		}
		if !d.CloneHidden {
			if d.Parent != "" {
				pairs = append(pairs, "Cloned from", d.Parent)
			}
			if len(d.Children) > 0 {
				pairs = append(pairs, "Clones", strings.Join(d.Children, ", "))
			}
		}
		pairs = append(pairs, "Description", show(domain.FieldDescription, d.Description))
	}
	if err := c.fields(pairs...); err != nil {
		return err
	}
	if len(d.Work) > 0 {
		fmt.Fprintln(c.out)
		rows := make([][]string, 0, len(d.Work))
		for _, w := range d.Work {
			mins := strconv.Itoa(w.Minutes)
			if slices.Contains(d.HiddenFields, domain.FieldWorkMinutes) {
				mins = "hidden"
			}
			rows = append(rows, []string{c.stamp(w.Created), name(w.Author), mins, w.Text, strconv.FormatUint(w.ID, 10)})
		}
		if err := c.table([]string{"WORK", "BY", "MINUTES", "TEXT", "ID"}, rows); err != nil {
			return err
		}
	}
	if d.HistoryHidden {
		_, err := fmt.Fprintln(c.out, "\nHistory hidden: needs View Record History (ticket.history)")
		return err
	}
	if len(d.History) > 0 {
		fmt.Fprintln(c.out)
		rows := make([][]string, 0, len(d.History))
		for _, h := range d.History {
			rows = append(rows, []string{c.stamp(h.At), name(h.Actor), h.Action, orDash(h.Detail), orDash(h.Comment)})
		}
		return c.table([]string{"HISTORY", "BY", "ACTION", "DETAIL", "COMMENT"}, rows)
	}
	return nil
}

func ticketCreate(c *call) error {
	t, err := c.svc.CreateTicket(c.ctx, domain.NewTicket{Title: c.args.str("title"), Description: c.args.str("description"),
		Building: strings.TrimSpace(c.args.str("building")), Room: c.args.str("room"),
		ProblemType: c.args.str("type"), Priority: c.args.str("priority"),
		// a team shares the ticket with its members (ProTracker); visible-to
		// groups need Edit Record Visibility (NetResults), checked in the store
		Teams: splitList(c.args.str("team")), VisibleTo: splitList(c.args.str("visible-to"))})
	if err != nil {
		return err
	}
	label := c.ticketLabel(t.Number)
	if c.opts.JSON {
		if d, err := c.svc.Ticket(c.ctx, t.Number); err == nil {
			return c.json(toTicketRowJSON(d.TicketRow))
		}
		return c.json(ticketRowJSON{Version: t.Version, Number: t.Number, Label: label, Title: t.Title, Status: t.Status.String(),
			Priority: t.Priority, ProblemType: t.ProblemType, Room: t.Room,
			Building: strings.ToUpper(c.args.str("building")), Created: jsonTime(t.Created), Updated: jsonTime(t.Updated)})
	}
	msg := "created " + label
	if t.Assignee != 0 {
		if d, err := c.svc.Ticket(c.ctx, t.Number); err == nil && d.Assignee != "" {
			msg += ", assigned to " + d.Assignee + " by the building's auto-assign rule"
		}
	}
	return c.result("%s", msg)
}

// transition runs a workflow step on ticket N and reports it.
func (c *call) transition(format string, step func(context.Context, domain.TicketNumber, string) error) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	if err := step(c.ctx, n, c.args.str("comment")); err != nil {
		return err
	}
	args := []any{c.ticketLabel(n)}
	if len(c.args.pos) > 1 {
		args = append(args, c.pos(1))
	}
	return c.result(format, args...)
}

func ticketDelete(c *call) error {
	if c.args.has("query") {
		if len(c.args.pos) > 0 {
			return domain.Errorf(domain.EInvalid, "give a ticket N or --query Q, not both")
		}
		return ticketDeleteQuery(c)
	}
	if len(c.args.pos) == 0 {
		return domain.Errorf(domain.EInvalid, "ticket delete needs a ticket N or --query Q")
	}
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	if err := c.svc.DeleteTicket(c.ctx, n); err != nil {
		return err
	}
	return c.result("deleted %s", c.ticketLabel(n))
}

// bulkRowJSON is one ticket's outcome in a bulk delete.
type bulkRowJSON struct {
	Ticket  string `json:"ticket"`
	Deleted bool   `json:"deleted"`
	Error   string `json:"error,omitempty"`
}

// ticketDeleteQuery deletes the closed tickets of a query result (Edit
// Query Result Set and Delete) in one transaction. Without --yes it lists
// the tickets and deletes nothing, as the console asks before it deletes.
func ticketDeleteQuery(c *call) error {
	q, err := domain.ParseQuery(c.args.str("query"))
	if err != nil {
		return err
	}
	q.Offset, q.Limit = 0, 0
	page, err := c.svc.Tickets(c.ctx, q)
	if err != nil {
		return err
	}
	if len(page.Tickets) == 0 {
		return domain.Errorf(domain.ENotFound, "no ticket matches %q", c.args.str("query"))
	}
	if !c.opts.Yes {
		// a refusal prints nothing on stdout, so the list is in the message
		var b strings.Builder
		for _, t := range page.Tickets {
			fmt.Fprintf(&b, "\n  %s  %s  %s", t.Label, t.Status, t.Title)
		}
		return domain.Errorf(domain.EInvalid, "%s match; add --yes to delete the closed ones (open tickets are kept, R7):%s",
			plural(len(page.Tickets), "ticket"), b.String())
	}
	nums := make([]domain.TicketNumber, len(page.Tickets))
	for i, t := range page.Tickets {
		nums[i] = t.Number
	}
	res, err := c.svc.DeleteTickets(c.ctx, nums)
	if err != nil {
		return err
	}
	if len(res) > 0 && len(res) == countErrs(res) {
		var b strings.Builder
		for _, r := range res {
			fmt.Fprintf(&b, "\n  %s: %v", r.Label, r.Err)
		}
		return domain.Errorf(domain.EConflict, "nothing deleted:%s", b.String())
	}
	kept := 0
	out := make([]bulkRowJSON, 0, len(res))
	rows := make([][]string, 0, len(res))
	for _, r := range res {
		row := bulkRowJSON{Ticket: r.Label, Deleted: r.Err == nil}
		what := "deleted"
		if r.Err != nil {
			kept++
			row.Error, what = r.Err.Error(), "kept: "+r.Err.Error()
		}
		out = append(out, row)
		rows = append(rows, []string{r.Label, what})
	}
	if c.opts.JSON {
		if err := c.json(out); err != nil {
			return err
		}
	} else if err := c.table([]string{"TICKET", "RESULT"}, rows); err != nil {
		return err
	}
	if kept > 0 && !c.opts.JSON {
		// what was deleted stays deleted, so this is a success that names the rest
		fmt.Fprintf(c.out, "deleted %d, kept %d of %s\n", len(res)-kept, kept, plural(len(res), "ticket"))
	}
	return nil
}

func ticketWork(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	minutes, err := positive("minutes", c.args.str("minutes"))
	if err != nil {
		return err
	}
	text := strings.TrimSpace(c.args.str("text"))
	if text == "" {
		return domain.Errorf(domain.EInvalid, "--text must say what was done")
	}
	w, err := c.svc.AddWork(c.ctx, n, minutes, text)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(workJSON{ID: w.ID, Author: c.svc.Actor(c.ctx).Username, Minutes: w.Minutes, Text: w.Text,
			Created: jsonTime(w.Created)})
	}
	return c.result("recorded %d minute(s) of work on %s", w.Minutes, c.ticketLabel(n))
}

// problemText is "Hardware / Printer jam", or whichever part is set.
func problemText(pt, common string) string {
	if pt != "" && common != "" {
		return pt + " / " + common
	}
	return pt + common
}

// ticketReassignRequest is the assignee asking to be taken off a ticket,
// or, with --decline, a holder of Reassign answering no with a reason.
func ticketReassignRequest(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	label := c.ticketLabel(n)
	if c.args.has("decline") {
		if err := c.svc.DeclineReassign(c.ctx, n, c.args.str("reason")); err != nil {
			return err
		}
		return c.result("declined to reassign %s; the assignee is told why", label)
	}
	if err := c.svc.RequestReassign(c.ctx, n, c.args.str("reason")); err != nil {
		return err
	}
	return c.result("asked for %s to be reassigned", label)
}

// countErrs counts the rows of a bulk result that failed.
func countErrs(res []domain.BulkResult) int {
	n := 0
	for _, r := range res {
		if r.Err != nil {
			n++
		}
	}
	return n
}

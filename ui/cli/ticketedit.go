package cli

import (
	"strconv"
	"strings"

	"gatehouse/domain"
)

// ticketEditCommands are the console's ticket edits as commands: fields,
// clone, visibility and a work report's correction.
func ticketEditCommands() []*command {
	return []*command{
		{path: "ticket edit", args: "N", opts: "[--title T] [--description T] [--building C] [--room R] [--type TYPE] [--priority P] [--comment T]",
			min: 1, max: 1, flags: []flagSpec{{"title", true}, {"description", true}, {"building", true}, {"room", true},
				{"type", true}, {"priority", true}, {"comment", true}}, run: ticketEdit},
		{path: "ticket clone", args: "N", min: 1, max: 1, run: ticketClone},
		{path: "ticket visibility", args: "N G,G|all", min: 2, max: 2, run: ticketVisibility},
		{path: "ticket work-edit", args: "N ID", opts: "--minutes M --text T", min: 2, max: 2,
			flags: []flagSpec{{"minutes", true}, {"text", true}}, required: []string{"minutes", "text"}, run: ticketWorkEdit},
	}
}

// ticketRow prints a ticket as `ticket list --json` does, or msg.
func (c *call) ticketRow(n domain.TicketNumber, msg string) error {
	if c.opts.JSON {
		d, err := c.svc.Ticket(c.ctx, n)
		if err != nil {
			return err
		}
		return c.json(toTicketRowJSON(d.TicketRow))
	}
	return c.result("%s", msg)
}

// ticketEdit changes the fields given; the others keep their values.
func ticketEdit(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	var e domain.TicketChange
	set := func(flag string, p **string) {
		if c.args.has(flag) {
			v := c.args.str(flag)
			*p = &v
		}
	}
	set("title", &e.Title)
	set("description", &e.Description)
	set("building", &e.Building)
	set("room", &e.Room)
	set("type", &e.ProblemType)
	set("priority", &e.Priority)
	if e.Title == nil && e.Description == nil && e.Building == nil && e.Room == nil && e.ProblemType == nil && e.Priority == nil {
		return usageErr(c.cmd, "nothing to change: give --title, --description, --building, --room, --type or --priority")
	}
	e.Comment = c.args.str("comment")
	if err := c.svc.EditTicket(c.ctx, n, e); err != nil {
		return err
	}
	return c.ticketRow(n, "updated "+c.ticketLabel(n))
}

// ticketClone copies a ticket into a new one (Clone Tickets).
func ticketClone(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	t, err := c.svc.Clone(c.ctx, n)
	if err != nil {
		return err
	}
	return c.ticketRow(t.Number, "cloned "+c.ticketLabel(n)+" as "+c.ticketLabel(t.Number))
}

// ticketVisibility limits a ticket to groups (Edit Record Visibility);
// "all" lifts the limit.
func ticketVisibility(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	var groups []string
	if arg := strings.TrimSpace(c.pos(1)); !strings.EqualFold(arg, "all") {
		if groups = splitList(arg); len(groups) == 0 {
			return usageErr(c.cmd, "name the groups that may see the ticket, or all")
		}
	}
	if err := c.svc.SetVisibility(c.ctx, n, groups); err != nil {
		return err
	}
	msg := c.ticketLabel(n) + " is visible to everyone who may see it otherwise"
	if len(groups) > 0 {
		msg = c.ticketLabel(n) + " is visible to " + strings.Join(groups, ", ") + " only"
	}
	if c.opts.JSON {
		d, err := c.svc.Ticket(c.ctx, n)
		if err != nil {
			return err
		}
		return c.json(struct {
			Number    domain.TicketNumber `json:"number"`
			Label     string              `json:"label"`
			VisibleTo []string            `json:"visible_to"`
		}{n, c.ticketLabel(n), list(d.VisibleTo)})
	}
	return c.result("%s", msg)
}

// ticketWorkEdit corrects a work report (its ID is in `ticket show`).
func ticketWorkEdit(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(strings.TrimSpace(c.pos(1)), 10, 64)
	if err != nil || id == 0 {
		return domain.Errorf(domain.EInvalid, "work report ID %q: a number from `gatehouse ticket show %s`", c.pos(1), c.pos(0))
	}
	minutes, err := positive("minutes", c.args.str("minutes"))
	if err != nil {
		return err
	}
	text := strings.TrimSpace(c.args.str("text"))
	if text == "" {
		return domain.Errorf(domain.EInvalid, "--text must say what was done")
	}
	if err := c.svc.EditWork(c.ctx, n, id, minutes, text); err != nil {
		return err
	}
	if c.opts.JSON {
		d, err := c.svc.Ticket(c.ctx, n)
		if err != nil {
			return err
		}
		for _, w := range d.Work {
			if w.ID == id {
				return c.json(workJSON{ID: w.ID, Minutes: w.Minutes, Text: w.Text, Created: jsonTime(w.Created), Edited: jsonTime(w.Edited)})
			}
		}
	}
	return c.result("corrected work report %d on %s: %d minute(s)", id, c.ticketLabel(n), minutes)
}

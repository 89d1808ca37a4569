package cli

import (
	"fmt"
	"strconv"
	"strings"

	"gatehouse/domain"
)

func accessCommands() []*command {
	return []*command{
		{path: "can", args: "U PRIV", opts: "[--ticket N]", min: 2, max: 2,
			flags: []flagSpec{{"ticket", true}}, run: canCmd},
		{path: "who", args: "PRIV", opts: "[--building C] [--ticket N]", min: 1, max: 1,
			flags: []flagSpec{{"building", true}, {"ticket", true}}, run: whoCmd},
		{path: "audit", opts: "[--actor U] [--entity E] [--limit N]",
			flags: []flagSpec{{"actor", true}, {"entity", true}, {"limit", true}}, run: auditCmd},
	}
}

// optTicket reads an optional --ticket N (0 when absent).
func (c *call) optTicket() (domain.TicketNumber, error) {
	if !c.args.has("ticket") {
		return 0, nil
	}
	return c.ticketArg(c.args.str("ticket"))
}

// canCmd answers "can U do PRIV?" with every reason; the answer is output,
// not failure, so both yes and no exit 0.
func canCmd(c *call) error {
	g, err := domain.ParseGrant(c.pos(1))
	if err != nil {
		return err
	}
	n, err := c.optTicket()
	if err != nil {
		return err
	}
	e, err := c.svc.Explain(c.ctx, c.pos(0), g, n)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := struct {
			Username  string   `json:"username"`
			Privilege string   `json:"privilege"`
			Ticket    string   `json:"ticket,omitempty"`
			Granted   bool     `json:"granted"`
			Reasons   []string `json:"reasons"`
		}{Username: c.pos(0), Privilege: g.String(), Granted: e.Granted, Reasons: list(e.Reasons)}
		if n != 0 {
			out.Ticket = c.ticketLabel(n)
		}
		return c.json(out)
	}
	fmt.Fprintln(c.out, yesNo(e.Granted))
	for _, r := range e.Reasons {
		fmt.Fprintln(c.out, "  "+oneLine(r))
	}
	return nil
}

// whoCmd resolves a privilege into people, each with the reason (reverse lookup).
func whoCmd(c *call) error {
	g, err := domain.ParseGrant(c.pos(0))
	if err != nil {
		return err
	}
	n, err := c.optTicket()
	if err != nil {
		return err
	}
	rows, err := c.svc.Who(c.ctx, g, strings.TrimSpace(c.args.str("building")), n)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		type whoJSON struct {
			Username string `json:"username"`
			Name     string `json:"name"`
			Reason   string `json:"reason"`
		}
		out := make([]whoJSON, 0, len(rows))
		for _, r := range rows {
			out = append(out, whoJSON{r.Username, r.Name, r.Reason})
		}
		return c.json(out)
	}
	tr := make([][]string, 0, len(rows))
	for _, r := range rows {
		tr = append(tr, []string{r.Username, r.Name, r.Reason})
	}
	return c.table([]string{"USERNAME", "NAME", "WHY"}, tr)
}

// auditCmd lists the audit trail, newest first; the store enforces History.
func auditCmd(c *call) error {
	q := domain.AuditQuery{Actor: strings.TrimSpace(c.args.str("actor")), Entity: strings.TrimSpace(c.args.str("entity"))}
	if c.args.has("limit") {
		l, err := positive("limit", c.args.str("limit"))
		if err != nil {
			return err
		}
		q.Limit = l
	}
	evs, err := c.svc.Audit(c.ctx, q)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		type auditJSON struct {
			ID       uint64 `json:"id"`
			At       string `json:"at"`
			Actor    string `json:"actor"`
			Entity   string `json:"entity"`
			EntityID uint64 `json:"entity_id"`
			Name     string `json:"name"`
			Action   string `json:"action"`
			Before   string `json:"before"`
			After    string `json:"after"`
			// Changes are an update's fields with their before and after
			// values (events before versions existed have none).
			Changes []domain.FieldChange `json:"changes,omitempty"`
		}
		out := make([]auditJSON, 0, len(evs))
		for _, e := range evs {
			out = append(out, auditJSON{e.ID, jsonTime(e.At), e.ActorName, e.Entity, e.EntityID, e.Name, e.Action, e.Before, e.After, e.Changes})
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(evs))
	for _, e := range evs {
		change := e.ChangeText()
		name := e.Name
		if name == "" {
			name = "#" + strconv.FormatUint(e.EntityID, 10)
		}
		rows = append(rows, []string{c.stamp(e.At), orDash(e.ActorName), e.Entity, name, e.Action, orDash(truncate(change, 100))})
	}
	return c.table([]string{"AT", "ACTOR", "ENTITY", "NAME", "ACTION", "CHANGE"}, rows)
}

// truncate shortens long text for a table cell (JSON keeps it whole).
func truncate(s string, n int) string {
	r := []rune(oneLine(s))
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

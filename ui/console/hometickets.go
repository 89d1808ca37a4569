package console

import (
	"fmt"
	"slices"

	"gatehouse/domain"
)

// homeListed is how many tickets each home section lists before "…".
const homeListed = 5

// homeTicketLines is the home screen's ticket summary: my open tickets,
// the unassigned ones I look after (my buildings, or everything for those
// who see every ticket), and the overdue counts by notice level.
func homeTicketLines(c *Common) []string {
	st := c.Styles
	a := &c.Access
	all, err := c.Svc.Tickets(c.Ctx, domain.TicketQuery{OpenOnly: true, Limit: 1})
	if err != nil {
		return []string{st.Error.Render(errText(err)), ""}
	}
	lines := []string{fmt.Sprintf("Open tickets you can see: %d · press 2 for the queue", all.Total), ""}
	list := func(title string, q domain.TicketQuery) {
		q.OpenOnly, q.Limit = true, homeListed
		page, err := c.Svc.Tickets(c.Ctx, q)
		if err != nil {
			lines = append(lines, st.Title.Render(title), st.Error.Render(errText(err)), "")
			return
		}
		lines = append(lines, st.Title.Render(fmt.Sprintf("%s (%d)", title, page.Total)))
		lines = append(lines, homeRows(c, page.Tickets)...)
		if page.Total > len(page.Tickets) {
			lines = append(lines, st.Dim.Render(fmt.Sprintf("  … %d more", page.Total-len(page.Tickets))))
		}
		lines = append(lines, "")
	}
	list("My open tickets", domain.TicketQuery{Assignee: "me"})
	switch {
	case a.Admin || a.Has(domain.VisibilityOverride):
		list("Unassigned overall", domain.TicketQuery{Assignee: "none"})
	case a.BuildingAdmin:
		lines = append(lines, unassignedInMyBuildings(c)...)
	}
	over, err := c.Svc.Tickets(c.Ctx, domain.TicketQuery{OpenOnly: true, Overdue: true})
	if err == nil {
		var levels [4]int
		for _, t := range over.Tickets {
			levels[min(max(t.Overdue, 0), 3)]++
		}
		lines = append(lines, fmt.Sprintf("Overdue: %d · first notice %d · second %d · third %d", over.Total, levels[1], levels[2], levels[3]), "")
	}
	return lines
}

// unassignedInMyBuildings lists, for a Building Administrator, the open
// unassigned tickets of their buildings (R5).
func unassignedInMyBuildings(c *Common) []string {
	st := c.Styles
	bs, err := c.Svc.Buildings(c.Ctx, "")
	if err != nil {
		return []string{st.Error.Render(errText(err)), ""}
	}
	var rows []domain.TicketRow
	total := 0
	for _, b := range bs {
		if !slices.Contains(c.Access.Buildings, b.ID) {
			continue
		}
		page, err := c.Svc.Tickets(c.Ctx, domain.TicketQuery{OpenOnly: true, Assignee: "none", Building: b.Code, Limit: homeListed})
		if err != nil {
			continue
		}
		total += page.Total
		rows = append(rows, page.Tickets...)
	}
	slices.SortFunc(rows, func(x, y domain.TicketRow) int { return int(y.Number) - int(x.Number) })
	shown := rows[:min(len(rows), homeListed)]
	lines := []string{st.Title.Render(fmt.Sprintf("Unassigned in my buildings (%d)", total))}
	lines = append(lines, homeRows(c, shown)...)
	if total > len(shown) {
		lines = append(lines, st.Dim.Render(fmt.Sprintf("  … %d more", total-len(shown))))
	}
	return append(lines, "")
}

func homeRows(c *Common, ts []domain.TicketRow) []string {
	if len(ts) == 0 {
		return []string{c.Styles.Dim.Render("  none")}
	}
	out := make([]string, len(ts))
	now := c.Now()
	for i, t := range ts {
		out[i] = fmt.Sprintf("  %s %-3s %4s %-6s %-6s %s", t.Label, overdueMark(t.Overdue), age(t.Created, now), t.Priority, dash(t.Building), t.Title)
	}
	return out
}

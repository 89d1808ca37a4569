package cli

import (
	"fmt"
	"strings"

	"gatehouse/domain"
)

func accessReviewCommands() []*command {
	return []*command{
		{path: "access review", run: accessReview},
	}
}

// accessReviewJSON is the access review (R13) as scripts read it.
type accessReviewJSON struct {
	Admins      []adminJSON  `json:"admins"`
	Overlapping []userJSON   `json:"overlapping"`
	Expiring    []memberJSON `json:"expiring"`
	Starting    []memberJSON `json:"starting"`
	Inactive    []userJSON   `json:"inactive"`
}

type adminJSON struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Reason   string `json:"reason"`
}

// accessReview prints what the console's Access review screen shows:
// administrators, users in several groups, memberships ending or starting
// in the next 14 days, and deactivated users still holding groups.
func accessReview(c *call) error {
	rv, err := c.svc.AccessReview(c.ctx, c.opts.Now())
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := accessReviewJSON{Admins: []adminJSON{}, Overlapping: []userJSON{}, Expiring: []memberJSON{},
			Starting: []memberJSON{}, Inactive: []userJSON{}}
		for _, a := range rv.Admins {
			out.Admins = append(out.Admins, adminJSON{Username: a.Username, Name: a.Name, Reason: a.Reason})
		}
		for _, u := range rv.Overlapping {
			out.Overlapping = append(out.Overlapping, toUserJSON(u))
		}
		for _, m := range rv.Expiring {
			out.Expiring = append(out.Expiring, toMemberJSON(m))
		}
		for _, m := range rv.Starting {
			out.Starting = append(out.Starting, toMemberJSON(m))
		}
		for _, u := range rv.Inactive {
			out.Inactive = append(out.Inactive, toUserJSON(u))
		}
		return c.json(out)
	}
	section := func(title string, n int, header []string, rows [][]string, first bool) error {
		if !first {
			fmt.Fprintln(c.out)
		}
		fmt.Fprintf(c.out, "%s (%d)\n", title, n)
		if n == 0 {
			_, err := fmt.Fprintln(c.out, "  none")
			return err
		}
		return c.table(header, rows)
	}
	var rows [][]string
	for _, a := range rv.Admins {
		rows = append(rows, []string{a.Username, orDash(a.Name), a.Reason})
	}
	if err := section("Administrators and superusers", len(rv.Admins), []string{"USERNAME", "NAME", "HOW"}, rows, true); err != nil {
		return err
	}
	rows = nil
	for _, u := range rv.Overlapping {
		rows = append(rows, []string{u.Username, orDash(u.Name()), strings.Join(u.Groups, ", ")})
	}
	if err := section("Users in several groups", len(rv.Overlapping), []string{"USERNAME", "NAME", "GROUPS"}, rows, false); err != nil {
		return err
	}
	rows = nil
	for _, m := range rv.Expiring {
		rows = append(rows, []string{m.Username, m.GroupName, c.untilText(m.Until), orDash(m.Reason)})
	}
	if err := section("Memberships expiring in the next 14 days (R13)", len(rv.Expiring), []string{"USERNAME", "GROUP", "UNTIL", "REASON"}, rows, false); err != nil {
		return err
	}
	rows = nil
	for _, m := range rv.Starting {
		rows = append(rows, []string{m.Username, m.GroupName, m.From.In(c.zone()).Format(domain.DateLayout), c.untilText(m.Until), orDash(m.Reason)})
	}
	if err := section("Memberships starting in the next 14 days", len(rv.Starting), []string{"USERNAME", "GROUP", "FROM", "UNTIL", "REASON"}, rows, false); err != nil {
		return err
	}
	rows = nil
	for _, u := range rv.Inactive {
		rows = append(rows, []string{u.Username, orDash(u.Name()), strings.Join(u.Groups, ", ")})
	}
	return section("Deactivated users still holding groups", len(rv.Inactive), []string{"USERNAME", "NAME", "GROUPS"}, rows, false)
}

package cli

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/safefile"
)

// reportCommands are the custom reports (Create Custom Reports).
func reportCommands() []*command {
	return []*command{
		{path: "ticket report", args: "ID", opts: "--out PATH", min: 1, max: 1,
			flags: []flagSpec{{"out", true}}, required: []string{"out"}, run: ticketReport},
	}
}

// reportHeader is the CSV header of a custom report; the console's R on a
// saved query writes the same columns.
var reportHeader = []string{"ticket", "status", "priority", "building", "room", "problem_type", "assignee", "reporter",
	"created", "updated", "closed", "overdue", "title"}

// savedQueryArg resolves a saved query by id or, failing that, by name.
func (c *call) savedQueryArg(s string) (domain.SavedQuery, error) {
	qs, err := c.svc.SavedQueries(c.ctx)
	if err != nil {
		return domain.SavedQuery{}, err
	}
	id, numErr := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	names := make([]string, 0, len(qs))
	for _, q := range qs {
		if numErr == nil && q.ID == id || numErr != nil && strings.EqualFold(q.Name, s) {
			return q, nil
		}
		names = append(names, strconv.FormatUint(q.ID, 10)+" "+q.Name)
	}
	if len(names) == 0 {
		return domain.SavedQuery{}, domain.Errorf(domain.ENotFound, "saved query %q not found: %s has no saved queries", s, c.svc.Actor(c.ctx).Username)
	}
	return domain.SavedQuery{}, domain.Errorf(domain.ENotFound, "saved query %q not found (saved queries: %s)", s, strings.Join(names, ", "))
}

// ticketReport runs a saved query as a custom report and writes every row
// as CSV to --out; an existing file is never overwritten.
func ticketReport(c *call) error {
	// the privilege first: a refusal names it, not a missing query
	acc := c.svc.Access(c.ctx)
	if err := acc.Require(domain.ReportsCustom); err != nil {
		return err
	}
	q, err := c.savedQueryArg(c.pos(0))
	if err != nil {
		return err
	}
	rows, err := c.svc.Report(c.ctx, q.ID)
	if err != nil {
		return err
	}
	out := c.args.str("out")
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	err = safefile.WriteNew(out, func(f io.Writer) error {
		w := csv.NewWriter(f)
		if err := w.Write(reportHeader); err != nil {
			return err
		}
		for _, r := range rows {
			// cells pass domain.CSVCell: a title such as =HYPERLINK(…) stays text
			if err := w.Write(domain.CSVRow([]string{r.Label, r.Status.String(), r.Priority, r.Building, r.Room, r.ProblemType, r.Assignee, r.Reporter,
				ts(r.Created), ts(r.Updated), ts(r.Closed), strconv.Itoa(r.Overdue), r.Title})); err != nil {
				return err
			}
		}
		w.Flush()
		return w.Error()
	})
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(map[string]any{"query": q.Name, "rows": len(rows), "out": out})
	}
	return c.result("report %q: %d rows written to %s", q.Name, len(rows), out)
}

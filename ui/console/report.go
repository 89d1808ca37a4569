package console

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// Custom reports (Create Custom Reports): R on a saved query runs it as a
// report and writes every row as CSV to a new file.

func (p *savedQueries) reportKeys() []key.Binding {
	if p.s.c.Access.Has(domain.ReportsCustom) {
		return []key.Binding{p.s.c.Keys.Collab.Report}
	}
	return nil
}

func (p *savedQueries) reportHint() string {
	if p.s.c.Access.Has(domain.ReportsCustom) {
		return " · R report to CSV"
	}
	return ""
}

func (p *savedQueries) openReport() {
	if err := p.s.c.Access.Require(domain.ReportsCustom); err != nil {
		p.s.c.Fail(err)
		return
	}
	q, ok := p.current()
	if !ok {
		return
	}
	p.out = newForm(p.s.c, "Report "+strconv.Quote(q.Name)+" to CSV").text("Path", "", "report.csv", func(s string) error {
		if s == "" {
			return domain.Errorf(domain.EInvalid, "a path is required")
		}
		return nil
	})
	p.out.note = "query " + q.Query + " · every matching ticket, one row each; an existing file is never overwritten"
	p.busy = false
	p.out.SetSize(p.w, p.h)
}

func (p *savedQueries) updateReport(msg tea.Msg) tea.Cmd {
	var run tea.Cmd
	cmd := updateForm(&p.out, msg, func() tea.Cmd {
		if p.busy {
			return nil
		}
		q, ok := p.current()
		if !ok {
			return nil
		}
		path, err := p.s.c.localFile(p.out.Value(0))
		if err != nil {
			p.s.c.Fail(err)
			return nil
		}
		p.busy = true
		f, svc := p.out, p.s.c.Svc
		run = collabDo(f, func() (string, error) {
			rows, err := svc.Report(p.s.c.Ctx, q.ID)
			if err != nil {
				return "", err
			}
			if err := writeNew(path, reportCSV(rows)); err != nil {
				return "", err
			}
			return fmt.Sprintf("report %s: %d rows written to %s", strconv.Quote(q.Name), len(rows), path), nil
		})
		return nil
	})
	return tea.Batch(cmd, run)
}

func (p *savedQueries) finish(f *form, err error) {
	if f == nil || f != p.out {
		return
	}
	p.busy = false
	if err == nil {
		p.out = nil
	}
}

func (p *savedQueries) reportView() string {
	v := p.out.View()
	if p.busy {
		v += "\n" + p.s.c.Styles.Dim.Render("running the report…")
	}
	return v
}

// reportHeader is the CSV header of a custom report; the CLI's
// `ticket report` writes the same columns.
var reportHeader = []string{"ticket", "status", "priority", "building", "room", "problem_type", "assignee", "reporter",
	"created", "updated", "closed", "overdue", "title"}

// reportCSV renders report rows as CSV under reportHeader.
func reportCSV(rows []domain.TicketRow) []byte {
	records := make([][]string, 0, len(rows)+1)
	records = append(records, reportHeader)
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, r := range rows {
		records = append(records, domain.CSVRow([]string{r.Label, r.Status.String(), r.Priority, r.Building, r.Room, r.ProblemType, r.Assignee, r.Reporter,
			ts(r.Created), ts(r.Updated), ts(r.Closed), strconv.Itoa(r.Overdue), r.Title}))
	}
	var b bytes.Buffer
	// a bytes.Buffer grows or panics, it never returns a write error, and
	// the default comma is valid: WriteAll cannot fail here
	_ = csv.NewWriter(&b).WriteAll(records)
	return b.Bytes()
}

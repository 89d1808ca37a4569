package console

import (
	"bytes"
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// Custom reports (Create Custom Reports): R on a saved query runs it as a
// report and writes every row to a new file, as CSV or a plain-text table,
// in every column or laid out by one of the actor's groups' report formats.

func (p *savedQueries) reportKeys() []key.Binding {
	if p.s.c.Access.Has(domain.ReportsCustom) {
		return []key.Binding{p.s.c.Keys.Collab.Report}
	}
	return nil
}

func (p *savedQueries) reportHint() string {
	if p.s.c.Access.Has(domain.ReportsCustom) {
		return " · R report"
	}
	return ""
}

// reportFormatsMsg brings the report formats the actor may use, loaded
// when R opens the report form.
type reportFormatsMsg struct {
	query   domain.SavedQuery
	formats []domain.ReportFormatInfo
	err     error
}

// everyColumn is the format choice that writes every column in the
// report's order (no saved format).
const everyColumn = "every column"

// Report layouts the form offers.
const (
	layoutCSV  = "CSV"
	layoutText = "text table"
)

// openReport loads the formats the actor may use; the form opens when
// they arrive (reportFormats).
func (p *savedQueries) openReport() tea.Cmd {
	if err := p.s.c.Access.Require(domain.ReportsCustom); err != nil {
		p.s.c.Fail(err)
		return nil
	}
	q, ok := p.current()
	if !ok {
		return nil
	}
	svc, ctx := p.s.c.Svc, p.s.c.Ctx
	return func() tea.Msg {
		fs, err := svc.ReportFormats(ctx)
		return reportFormatsMsg{query: q, formats: fs, err: err}
	}
}

// formatLabel names a format in the form's choice: GROUP/NAME.
func formatLabel(f domain.ReportFormatInfo) string { return f.GroupName + "/" + f.Name }

// reportFormats opens the report form with the formats loaded: the path,
// the format (every column, or one of the actor's groups' formats) and
// CSV or a plain-text table.
func (p *savedQueries) reportFormats(m reportFormatsMsg) {
	if m.err != nil {
		p.s.c.Fail(m.err)
		return
	}
	p.formats = m.formats
	names := []string{everyColumn}
	for _, f := range m.formats {
		names = append(names, formatLabel(f))
	}
	p.out = newForm(p.s.c, "Report "+strconv.Quote(m.query.Name)).text("Path", "", "report.csv", func(s string) error {
		if s == "" {
			return domain.Errorf(domain.EInvalid, "a path is required")
		}
		return nil
	}).choose("Format", names, everyColumn).choose("Layout", []string{layoutCSV, layoutText}, layoutCSV)
	p.out.note = "query " + m.query.Query + " · every matching ticket, one row each; an existing file is never overwritten"
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
		var format domain.ID
		name := p.out.Value(1)
		for _, f := range p.formats {
			if formatLabel(f) == name {
				format = f.ID
			}
		}
		text := p.out.Value(2) == layoutText
		p.busy = true
		f, svc, ctx := p.out, p.s.c.Svc, p.s.c.Ctx
		run = collabDo(f, func() (string, error) {
			table, err := svc.FormatReport(ctx, q.ID, format)
			if err != nil {
				return "", err
			}
			var b bytes.Buffer
			if text {
				err = table.WriteText(&b)
			} else {
				err = table.WriteCSV(&b)
			}
			if err != nil {
				return "", err
			}
			if err := writeNew(path, b.Bytes()); err != nil {
				return "", err
			}
			in := ""
			if table.Format != "" {
				in = " in format " + strconv.Quote(table.Format)
			}
			return fmt.Sprintf("report %s%s: %d rows written to %s", strconv.Quote(q.Name), in, len(table.Rows), path), nil
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

package domain

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ReportColumns are the columns of a custom report, in the order a report
// without a format writes them (ticket report, the console's R).
var ReportColumns = []string{"ticket", "status", "priority", "building", "room", "problem_type", "assignee", "reporter",
	"created", "updated", "closed", "overdue", "title"}

// ReportFormat is a group's saved report format (NetResults' Save Group
// Report Formats): which report columns, in which order, sorted and
// grouped by which column. A format scoped to regions (TrackTik's
// region-level report templates) is created and used only by users whose
// scope covers every one of them: superusers, full administrators (R4) and
// users assigned those regions.
type ReportFormat struct {
	Rev
	ID      ID        `json:"id"`
	Group   ID        `json:"group"`
	Name    string    `json:"name"`
	Columns []string  `json:"columns"`
	Sort    string    `json:"sort,omitempty"` // a report column; "" keeps the query's order
	Desc    bool      `json:"desc,omitempty"`
	GroupBy string    `json:"group_by,omitempty"` // a report column: rows of one value together
	Regions []string  `json:"regions,omitempty"`
	Creator ID        `json:"creator"`
	Created time.Time `json:"created"`
}

// ReportFormatInfo is a format with its group's and creator's names.
type ReportFormatInfo struct {
	ReportFormat
	GroupName   string `json:"group_name"`
	CreatorName string `json:"creator_name"`
}

// ReportTable is a report laid out by a format: its columns, and its rows
// in order; with GroupBy, rows of one value are together and Groups marks
// where each group starts.
type ReportTable struct {
	Format  string     `json:"format,omitempty"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	GroupBy string     `json:"group_by,omitempty"`
	Groups  []RowGroup `json:"groups,omitempty"`
}

// RowGroup is one group of a grouped report: its value and rows [Start, End).
type RowGroup struct {
	Value string `json:"value"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

func isReportColumn(c string) bool { return slices.Contains(ReportColumns, c) }

// ParseReportColumns reads a comma-separated column list, case-insensitive.
func ParseReportColumns(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Validate checks a format's name, columns, sort and grouping; every
// problem names the field and the allowed columns.
func (f *ReportFormat) Validate() error {
	if err := ValidateName("report format name", f.Name); err != nil {
		return err
	}
	if len(f.Name) > 80 {
		return Errorf(EInvalid, "report format name is longer than 80 characters")
	}
	if len(f.Columns) == 0 {
		return Errorf(EInvalid, "a report format needs at least one column (columns: %s)", strings.Join(ReportColumns, ", "))
	}
	seen := map[string]bool{}
	for _, c := range f.Columns {
		if !isReportColumn(c) {
			return Errorf(EInvalid, "column %q is not a report column (columns: %s)", c, strings.Join(ReportColumns, ", "))
		}
		if seen[c] {
			return Errorf(EInvalid, "column %q is listed twice", c)
		}
		seen[c] = true
	}
	for _, c := range []struct{ field, v string }{{"sort", f.Sort}, {"group by", f.GroupBy}} {
		if c.v != "" && !isReportColumn(c.v) {
			return Errorf(EInvalid, "%s column %q is not a report column (columns: %s)", c.field, c.v, strings.Join(ReportColumns, ", "))
		}
	}
	for _, r := range f.Regions {
		if strings.TrimSpace(r) == "" {
			return Errorf(EInvalid, "a region of a report format is empty")
		}
		if err := CheckLine("region", r); err != nil {
			return err
		}
	}
	return nil
}

// ReportCell is one column of one report row, as CSV and tables show it:
// times in UTC RFC 3339 (so they sort as text), overdue as its level.
func ReportCell(r *TicketRow, col string) string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	switch col {
	case "ticket":
		return r.Label
	case "status":
		return r.Status.String()
	case "priority":
		return r.Priority
	case "building":
		return r.Building
	case "room":
		return r.Room
	case "problem_type":
		return r.ProblemType
	case "assignee":
		return r.Assignee
	case "reporter":
		return r.Reporter
	case "created":
		return ts(r.Created)
	case "updated":
		return ts(r.Updated)
	case "closed":
		return ts(r.Closed)
	case "overdue":
		return strconv.Itoa(r.Overdue)
	case "title":
		return r.Title
	}
	return ""
}

// ApplyFormat lays rows out by f; a nil f gives every column in the
// report's order. Sorting is stable (ties keep the query's order) and
// grouping orders groups by value, each group sorted within.
func ApplyFormat(rows []TicketRow, f *ReportFormat) ReportTable {
	t := ReportTable{Columns: ReportColumns}
	var sortBy, groupBy string
	desc := false
	if f != nil {
		t.Format, t.Columns, t.GroupBy = f.Name, f.Columns, f.GroupBy
		sortBy, groupBy, desc = f.Sort, f.GroupBy, f.Desc
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if groupBy != "" {
			if c := cmp.Compare(ReportCell(&rows[a], groupBy), ReportCell(&rows[b], groupBy)); c != 0 {
				return c
			}
		}
		if sortBy == "" {
			return 0
		}
		c := cmp.Compare(ReportCell(&rows[a], sortBy), ReportCell(&rows[b], sortBy))
		if sortBy == "ticket" {
			c = cmp.Compare(rows[a].Number, rows[b].Number)
		}
		if desc {
			return -c
		}
		return c
	})
	t.Rows = make([][]string, len(rows))
	for i, k := range idx {
		cells := make([]string, len(t.Columns))
		for j, c := range t.Columns {
			cells[j] = ReportCell(&rows[k], c)
		}
		t.Rows[i] = cells
		if groupBy != "" {
			v := ReportCell(&rows[k], groupBy)
			if n := len(t.Groups); n == 0 || t.Groups[n-1].Value != v {
				t.Groups = append(t.Groups, RowGroup{Value: v, Start: i})
			}
			t.Groups[len(t.Groups)-1].End = i + 1
		}
	}
	return t
}

// WriteCSV writes the table as CSV: a header, then the rows in order
// (grouped rows together); cells pass CSVCell (CSVWriter), so a title
// such as =HYPERLINK(…) stays text in a spreadsheet.
func (t ReportTable) WriteCSV(w io.Writer) error {
	cw := NewCSVWriter(w, false)
	if err := cw.Write(t.Columns...); err != nil {
		return err
	}
	for _, r := range t.Rows {
		if err := cw.Write(r...); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// WriteText writes the table as plain text: columns padded to their
// widest cell (titles cut at 60 characters), and with grouping a heading
// line before each group's rows with its count. Control characters in
// cells are shown escaped (Printable).
func (t ReportTable) WriteText(w io.Writer) error {
	const maxWidth = 60
	cell := func(s string) string {
		s = Printable(s)
		if utf8.RuneCountInString(s) > maxWidth {
			r := []rune(s)
			s = string(r[:maxWidth-1]) + "…"
		}
		return s
	}
	widths := make([]int, len(t.Columns))
	for j, c := range t.Columns {
		widths[j] = utf8.RuneCountInString(c)
	}
	for _, r := range t.Rows {
		for j, c := range r {
			widths[j] = max(widths[j], utf8.RuneCountInString(cell(c)))
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		for j, c := range cells {
			c = cell(c)
			b.WriteString(c)
			if j < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c)+2))
			}
		}
		return strings.TrimRight(b.String(), " ") + "\n"
	}
	var b strings.Builder
	b.WriteString(line(t.Columns))
	if len(t.Groups) == 0 {
		for _, r := range t.Rows {
			b.WriteString(line(r))
		}
	}
	for _, g := range t.Groups {
		v := g.Value
		if v == "" {
			v = "(none)"
		}
		fmt.Fprintf(&b, "\n%s: %s (%d)\n", t.GroupBy, cell(v), g.End-g.Start)
		for _, r := range t.Rows[g.Start:g.End] {
			b.WriteString(line(r))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

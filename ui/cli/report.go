package cli

import (
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
		{path: "ticket report", args: "ID", opts: "--out PATH [--format-name N] [--text]", min: 1, max: 1,
			flags: []flagSpec{{"out", true}, {"format-name", true}, {"text", false}}, required: []string{"out"}, run: ticketReport},
		{path: "report-format list", max: 0, run: reportFormatList},
		{path: "report-format show", args: "N", min: 1, max: 1, run: reportFormatShow},
		{path: "report-format add", args: "N", opts: "--group G --columns C,C [--sort C] [--desc] [--group-by C] [--regions R,R]",
			min: 1, max: 1, flags: []flagSpec{{"group", true}, {"columns", true}, {"sort", true}, {"desc", false}, {"group-by", true}, {"regions", true}},
			required: []string{"group", "columns"}, run: reportFormatAdd},
		{path: "report-format remove", args: "N", min: 1, max: 1, run: reportFormatRemove},
	}
}

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
	var format domain.ID
	if n := c.args.str("format-name"); c.args.has("format-name") {
		f, err := c.reportFormatArg(n)
		if err != nil {
			return err
		}
		format = f.ID
	}
	table, err := c.svc.FormatReport(c.ctx, q.ID, format)
	if err != nil {
		return err
	}
	out := c.args.str("out")
	err = safefile.WriteNew(out, func(f io.Writer) error {
		if c.args.has("text") {
			return table.WriteText(f)
		}
		// cells pass domain.CSVCell: a title such as =HYPERLINK(…) stays text
		return table.WriteCSV(f)
	})
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(map[string]any{"query": q.Name, "format": table.Format, "rows": len(table.Rows), "out": out})
	}
	if table.Format != "" {
		return c.result("report %q in format %q: %d rows written to %s", q.Name, table.Format, len(table.Rows), out)
	}
	return c.result("report %q: %d rows written to %s", q.Name, len(table.Rows), out)
}

// reportFormatArg resolves a report format the actor may use by id, by
// name, or as GROUP/NAME when two of their groups use the same name.
func (c *call) reportFormatArg(s string) (domain.ReportFormatInfo, error) {
	fs, err := c.svc.ReportFormats(c.ctx)
	if err != nil {
		return domain.ReportFormatInfo{}, err
	}
	id, numErr := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	var hits []domain.ReportFormatInfo
	names := make([]string, 0, len(fs))
	for _, f := range fs {
		full := f.GroupName + "/" + f.Name
		if numErr == nil && f.ID == id || numErr != nil && (strings.EqualFold(f.Name, s) || strings.EqualFold(full, s)) {
			hits = append(hits, f)
		}
		names = append(names, full)
	}
	switch {
	case len(hits) == 1:
		return hits[0], nil
	case len(hits) > 1:
		both := make([]string, len(hits))
		for i, h := range hits {
			both[i] = h.GroupName + "/" + h.Name
		}
		return domain.ReportFormatInfo{}, domain.Errorf(domain.EInvalid, "report format %q is in several of your groups: name it as %s", s, strings.Join(both, " or "))
	case len(names) == 0:
		return domain.ReportFormatInfo{}, domain.Errorf(domain.ENotFound, "report format %q not found: %s may use no report formats", s, c.svc.Actor(c.ctx).Username)
	}
	return domain.ReportFormatInfo{}, domain.Errorf(domain.ENotFound, "report format %q not found (report formats: %s)", s, strings.Join(names, ", "))
}

type reportFormatJSON struct {
	ID      domain.ID `json:"id"`
	Group   string    `json:"group"`
	Name    string    `json:"name"`
	Columns []string  `json:"columns"`
	Sort    string    `json:"sort,omitempty"`
	Desc    bool      `json:"desc,omitempty"`
	GroupBy string    `json:"group_by,omitempty"`
	Regions []string  `json:"regions"`
	Creator string    `json:"creator"`
	Created time.Time `json:"created"`
	Version uint64    `json:"version"`
}

func formatJSON(f domain.ReportFormatInfo) reportFormatJSON {
	regions := f.Regions
	if regions == nil {
		regions = []string{}
	}
	return reportFormatJSON{Version: f.Version, ID: f.ID, Group: f.GroupName, Name: f.Name, Columns: f.Columns, Sort: f.Sort, Desc: f.Desc,
		GroupBy: f.GroupBy, Regions: regions, Creator: f.CreatorName, Created: f.Created}
}

func sortText(f domain.ReportFormat) string {
	if f.Sort == "" {
		return "-"
	}
	if f.Desc {
		return f.Sort + " (descending)"
	}
	return f.Sort
}

func reportFormatList(c *call) error {
	fs, err := c.svc.ReportFormats(c.ctx)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]reportFormatJSON, len(fs))
		for i, f := range fs {
			out[i] = formatJSON(f)
		}
		return c.json(out)
	}
	rows := make([][]string, len(fs))
	for i, f := range fs {
		rows[i] = []string{strconv.FormatUint(f.ID, 10), f.GroupName, f.Name, strings.Join(f.Columns, ","), sortText(f.ReportFormat),
			orDash(f.GroupBy), orDash(strings.Join(f.Regions, ","))}
	}
	return c.table([]string{"ID", "GROUP", "NAME", "COLUMNS", "SORT", "GROUP BY", "REGIONS"}, rows)
}

func reportFormatShow(c *call) error {
	f, err := c.reportFormatArg(c.pos(0))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(formatJSON(f))
	}
	return c.fields("id", strconv.FormatUint(f.ID, 10), "group", f.GroupName, "name", f.Name,
		"columns", strings.Join(f.Columns, ", "), "sort", sortText(f.ReportFormat), "group by", orDash(f.GroupBy),
		"regions", orDash(strings.Join(f.Regions, ", ")), "created", c.stamp(f.Created)+" by "+f.CreatorName)
}

func reportFormatAdd(c *call) error {
	f := domain.ReportFormat{Name: c.pos(0), Columns: domain.ParseReportColumns(c.args.str("columns")),
		Sort: strings.ToLower(strings.TrimSpace(c.args.str("sort"))), Desc: c.args.has("desc"),
		GroupBy: strings.ToLower(strings.TrimSpace(c.args.str("group-by")))}
	if f.Desc && f.Sort == "" {
		return domain.Errorf(domain.EInvalid, "--desc needs --sort: it reverses the sort column's order")
	}
	for _, r := range strings.Split(c.args.str("regions"), ",") {
		if r = strings.TrimSpace(r); r != "" {
			f.Regions = append(f.Regions, r)
		}
	}
	saved, err := c.svc.SaveReportFormat(c.ctx, c.args.str("group"), f)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(map[string]any{"id": saved.ID, "name": saved.Name, "group": c.args.str("group")})
	}
	return c.result("report format %q (#%d) saved for group %s", saved.Name, saved.ID, c.args.str("group"))
}

func reportFormatRemove(c *call) error {
	f, err := c.reportFormatArg(c.pos(0))
	if err != nil {
		return err
	}
	if err := c.svc.DeleteReportFormat(c.ctx, f.ID); err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(map[string]any{"removed": f.ID, "name": f.Name, "group": f.GroupName})
	}
	return c.result("report format %q of group %s removed", f.Name, f.GroupName)
}

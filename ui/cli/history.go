package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/safefile"
)

func historyCommands() []*command {
	return []*command{
		{path: "access diff", opts: "--since DATE [--until DATE] [--user U | --group G]",
			flags:    []flagSpec{{"since", true}, {"until", true}, {"user", true}, {"group", true}},
			required: []string{"since"}, run: accessDiffCmd},
		{path: "access as-of", args: "DATE", opts: "[--format csv|json] [--out FILE]", min: 1, max: 1,
			flags: []flagSpec{{"format", true}, {"out", true}}, run: accessAsOfCmd},
	}
}

// moment reads DATE for history: an RFC 3339 time is that instant; a
// YYYY-MM-DD day means its start for --since, and its end (or now, for
// today) for --until and as-of: "what was held on that day" is the state
// the day ended with.
func (c *call) moment(flag, s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := domain.ParseDay(flag, s, c.zone())
	if err != nil || d.IsZero() {
		return time.Time{}, domain.Errorf(domain.EInvalid, "%s %q: expected YYYY-MM-DD or an RFC 3339 time such as 2026-06-30T17:00:00Z", flag, s)
	}
	if !end {
		return d, nil
	}
	d = d.AddDate(0, 0, 1).Add(-time.Nanosecond)
	if now := c.opts.Now(); d.After(now) {
		return now, nil
	}
	return d, nil
}

func accessDiffCmd(c *call) error {
	if c.args.has("user") && c.args.has("group") {
		return domain.Errorf(domain.EInvalid, "access diff: give --user or --group, not both")
	}
	since, err := c.moment("--since", c.args.str("since"), false)
	if err != nil {
		return err
	}
	var until time.Time
	if c.args.has("until") {
		if until, err = c.moment("--until", c.args.str("until"), true); err != nil {
			return err
		}
	}
	rows, err := c.svc.AccessDiff(c.ctx, since, until, c.args.str("user"), c.args.str("group"))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(list(rows))
	}
	if len(rows) == 0 {
		return c.result("no change of effective access")
	}
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, []string{r.Username, strings.Join(r.Gained, ", "), strings.Join(r.Lost, ", ")})
	}
	return c.table([]string{"USER", "GAINED", "LOST"}, out)
}

func accessAsOfCmd(c *call) error {
	at, err := c.moment("DATE", c.pos(0), true)
	if err != nil {
		return err
	}
	format := c.args.str("format")
	if c.opts.JSON && format == "" {
		format = "json"
	}
	switch format {
	case "", "csv", "json":
	default:
		return usageErr(c.cmd, "--format %q: use csv or json", format)
	}
	rows, err := c.svc.AccessAsOf(c.ctx, at)
	if err != nil {
		return err
	}
	if format == "" && !c.args.has("out") {
		out := make([][]string, 0, len(rows))
		for _, r := range rows {
			state := "active"
			if !r.Active {
				state = "inactive"
			}
			out = append(out, []string{r.Username, state, strings.Join(r.Groups, ", "), r.Admin,
				strings.Join(r.Buildings, ","), strings.Join(r.Privileges, " ")})
		}
		return c.table([]string{"USER", "STATE", "GROUPS", "ADMIN", "BUILDINGS", "PRIVILEGES"}, out)
	}
	write := func(w io.Writer) error {
		if format == "json" {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(list(rows))
		}
		// every cell through CSVCell: a building code or a group name
		// typed as =… stays text in a spreadsheet
		cw := domain.NewCSVWriter(w, false)
		if err := cw.Write("as_of", "username", "active", "inactive", "superuser", "admin", "groups", "buildings", "privileges"); err != nil {
			return err
		}
		for _, r := range rows {
			if err := cw.Write(at.UTC().Format(time.RFC3339), r.Username, fmt.Sprint(r.Active), r.Inactive,
				fmt.Sprint(r.Superuser), r.Admin, strings.Join(r.Groups, ";"),
				strings.Join(r.Buildings, ";"), strings.Join(r.Privileges, " ")); err != nil {
				return err
			}
		}
		return cw.Flush()
	}
	path := c.args.str("out")
	if !c.args.has("out") || path == "-" {
		return write(c.raw)
	}
	if err := safefile.Write(path, write); err != nil {
		return err
	}
	return c.result("access as of %s: %d users written to %s", c.stamp(at), len(rows), path)
}

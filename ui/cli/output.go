package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"gatehouse/domain"
)

// table prints aligned columns with a header, one row per line.
func (c *call) table(header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(c.out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		for i := range r {
			r[i] = oneLine(r[i])
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// fields prints "label: value" pairs aligned, for show commands.
func (c *call) fields(pairs ...string) error {
	tw := tabwriter.NewWriter(c.out, 0, 8, 1, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(tw, "%s:\t%s\n", pairs[i], oneLine(pairs[i+1]))
	}
	return tw.Flush()
}

// oneLine keeps a cell on its row: tabs and newlines would break columns,
// and any other control character is shown escaped (domain.Printable).
func oneLine(s string) string {
	return domain.Printable(strings.NewReplacer("\t", " ", "\r\n", " ", "\n", " ").Replace(s))
}

// printableWriter is the CLI's stdout for people (not --json): whatever a
// command prints, stored text included, reaches the terminal with its
// control characters escaped (domain.PrintableText keeps newlines and tabs),
// so a title holding ESC [2J cannot erase an administrator's screen. A UTF-8
// sequence split across writes waits for its end.
type printableWriter struct {
	w    io.Writer
	pend []byte
}

func (p *printableWriter) Write(b []byte) (int, error) {
	buf := append(p.pend, b...)
	n := len(buf)
	// keep an incomplete trailing rune (at most 3 bytes) for the next write
	for back := 1; back <= 3 && back <= len(buf); back++ {
		i := len(buf) - back
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				n = i
			}
			break
		}
	}
	p.pend = append(p.pend[:0:0], buf[n:]...)
	if _, err := io.WriteString(p.w, domain.PrintableText(string(buf[:n]))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// flush writes what an unfinished rune left pending (escaped).
func (p *printableWriter) flush() error {
	if len(p.pend) == 0 {
		return nil
	}
	_, err := io.WriteString(p.w, domain.PrintableText(string(p.pend)))
	p.pend = nil
	return err
}

// json prints v as indented JSON on stdout.
func (c *call) json(v any) error {
	enc := json.NewEncoder(c.out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// result reports a change: the message as text, or as {"ok":true,"message":…}
// with --json.
func (c *call) result(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if c.opts.JSON {
		return c.json(struct {
			OK      bool   `json:"ok"`
			Message string `json:"message"`
		}{true, msg})
	}
	_, err := fmt.Fprintln(c.out, msg)
	return err
}

// stamp formats a time for people; "" for the zero time.
func (c *call) stamp(t time.Time) string { return domain.Stamp(t, c.zone()) }

// jsonTime formats a time for scripts; "" (omitted) for the zero time.
func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// orDash shows an empty cell as "-" so columns stay readable.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// list is a JSON array that is never null.
func list[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// org is the organization, read once per command; without access to it
// ticket numbers fall back to the default prefix.
func (c *call) orgInfo() *domain.Organization {
	if c.org == nil {
		o, err := c.svc.Organization(c.ctx)
		if err != nil {
			o = domain.Organization{}
		}
		c.org = &o
	}
	return c.org
}

// zone is where the command's days begin and end: the organization's time
// zone, as in the console (Options.Location overrides it).
func (c *call) zone() *time.Location {
	if c.opts.Location != nil {
		return c.opts.Location
	}
	return c.orgInfo().Zone()
}

// ticketLabel formats a ticket number with the organization's prefix.
func (c *call) ticketLabel(n domain.TicketNumber) string { return c.orgInfo().FormatTicket(n) }

// ticketArg reads a ticket number argument (with or without prefix).
func (c *call) ticketArg(s string) (domain.TicketNumber, error) { return domain.ParseTicketNumber(s) }

// grants reads privilege arguments: flag ids or module:level.
func grants(args []string) ([]domain.Grant, error) {
	out := make([]domain.Grant, 0, len(args))
	for _, a := range args {
		g, err := domain.ParseGrant(a)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// dateUntil reads --until YYYY-MM-DD: the membership is active through the
// end of that day in the organization's zone (domain.ParseThrough, as the
// console's form and the import's Until column).
func (c *call) dateUntil(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, domain.Errorf(domain.EInvalid, "--until: expected a date as YYYY-MM-DD, such as 2026-12-31")
	}
	return domain.ParseThrough("--until", s, c.zone(), c.opts.Now())
}

// dateFrom reads --from: the membership starts at the beginning of that
// day in the organization's zone (domain.ParseFrom).
func (c *call) dateFrom(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, domain.Errorf(domain.EInvalid, "--from: expected a date as YYYY-MM-DD, such as 2026-12-31")
	}
	return domain.ParseFrom("--from", s, c.zone())
}

// positive reads a whole number flag that must be above zero.
func positive(flag, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, domain.Errorf(domain.EInvalid, "--%s %q: expected a whole number above 0", flag, s)
	}
	return n, nil
}

// plural says "1 ticket" or "3 tickets".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

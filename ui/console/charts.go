package console

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
)

// Terminal charts for the Metrics and Home screens. Every mark is also a
// distinct character (█ open, ▒ closed, eighth blocks for columns), so the
// charts read the same with NO_COLOR and in goldens.

const (
	openGlyph   = "█"
	closedGlyph = "▒"
)

var eighths = []string{" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

// chartStyles colors open work amber and closed work green (the Warn and
// OK colors), columns in the accent color.
type chartStyles struct {
	open, closed, column, dim lipgloss.Style
	zone                      *time.Location // week starts are labelled in the organization's zone
}

func newChartStyles(c *Common) chartStyles {
	st := c.Styles
	return chartStyles{open: st.Warn.Bold(false), closed: st.OK, column: st.Title.Bold(false), dim: st.Dim, zone: c.zone()}
}

// legend explains the two-tone bars.
func (cs chartStyles) legend() string {
	return cs.open.Render(openGlyph) + " open  " + cs.closed.Render(closedGlyph) + " closed"
}

// barChart draws one two-tone bar per count, largest first as the store
// orders them, within w columns and rows lines; what does not fit is
// summed on a last line.
func barChart(cs chartStyles, counts []domain.Count, w, rows int) []string {
	if len(counts) == 0 {
		return []string{cs.dim.Render("no tickets in this range")}
	}
	rows = max(1, rows)
	shown := counts
	if len(counts) > rows {
		shown = counts[:max(1, rows-1)]
	}
	lw, maxTotal, digits := 4, 1, 1
	for _, c := range counts {
		maxTotal = max(maxTotal, c.Open+c.Closed)
		digits = max(digits, len(strconv.Itoa(max(c.Open, c.Closed))))
	}
	for _, c := range shown {
		lw = max(lw, ansi.StringWidth(c.Label))
	}
	lw = min(lw, max(8, w/4))
	nums := func(c domain.Count) string {
		return fmt.Sprintf("%*d open %*d closed", digits, c.Open, digits, c.Closed)
	}
	nw := len(nums(domain.Count{}))
	bw := min(72, max(4, w-lw-nw-3))
	out := make([]string, 0, rows)
	for _, c := range shown {
		o := cells(c.Open, maxTotal, bw)
		cl := cells(c.Closed, maxTotal, bw)
		if o+cl > bw {
			cl = bw - o
		}
		bar := cs.open.Render(strings.Repeat(openGlyph, o)) + cs.closed.Render(strings.Repeat(closedGlyph, cl)) + strings.Repeat(" ", bw-o-cl)
		out = append(out, pad(ansi.Truncate(c.Label, lw, "…"), lw)+" "+bar+" "+nums(c))
	}
	if len(shown) < len(counts) {
		rest, restOpen, restClosed := counts[len(shown):], 0, 0
		for _, c := range rest {
			restOpen += c.Open
			restClosed += c.Closed
		}
		out = append(out, cs.dim.Render(fmt.Sprintf("… %d more: %d open, %d closed", len(rest), restOpen, restClosed)))
	}
	return out
}

// cells scales v of max to width cells; anything above zero shows.
func cells(v, maxV, width int) int {
	if v <= 0 {
		return 0
	}
	return max(1, int(math.Round(float64(v)/float64(maxV)*float64(width))))
}

// columnChart draws a series over time as columns with eighth-block tops,
// a y axis with the maximum, values above the columns when they fit, and
// week dates under them, in w×h. Too many points for the width: the
// latest ones are shown.
func columnChart(cs chartStyles, pts []domain.Point, w, h int, format func(float64) string) []string {
	if len(pts) == 0 {
		return []string{cs.dim.Render("no weeks in this range")}
	}
	top := 0.0
	for _, p := range pts {
		top = math.Max(top, p.Value)
	}
	scaleTop := top
	if scaleTop <= 0 {
		scaleTop = 1
	}
	yw := max(len(format(scaleTop)), 1)
	pw := max(4, w-yw-1)
	cw, gap := 1, 0
	for _, try := range []int{5, 4, 3, 2} {
		if len(pts)*try+len(pts)-1 <= pw {
			cw, gap = try, 1
			break
		}
	}
	if len(pts) > pw {
		pts = pts[len(pts)-pw:]
	}
	bars := max(1, h-3) // rows of columns; one row above for values, two below for the axis and dates
	type cell struct {
		s     string
		style int // 0 plain, 1 column, 2 dim
	}
	grid := make([][]cell, bars+1)
	for r := range grid {
		grid[r] = make([]cell, pw)
		for x := range grid[r] {
			grid[r][x] = cell{s: " "}
		}
	}
	for i, p := range pts {
		x := i * (cw + gap)
		e := int(math.Round(p.Value / scaleTop * float64(bars*8)))
		if p.Value > 0 && e == 0 {
			e = 1
		}
		full, rem := e/8, e%8
		for r := 0; r < full; r++ {
			for dx := range cw {
				grid[bars-r][x+dx] = cell{s: "█", style: 1}
			}
		}
		height := full
		if rem > 0 {
			for dx := range cw {
				grid[bars-full][x+dx] = cell{s: eighths[rem], style: 1}
			}
			height++
		}
		if cw >= 2 && p.Value > 0 {
			label := format(p.Value)
			if len(label) <= cw+gap {
				row := bars - height
				for j, ch := range label {
					if x+j < pw {
						grid[row][x+j] = cell{s: string(ch), style: 2}
					}
				}
			}
		}
	}
	styles := []lipgloss.Style{lipgloss.NewStyle(), cs.column, cs.dim}
	out := make([]string, 0, h)
	for r, row := range grid {
		axis := strings.Repeat(" ", yw) + "│"
		switch r {
		case 1:
			axis = fmt.Sprintf("%*s┤", yw, format(scaleTop))
		case bars:
			axis = fmt.Sprintf("%*s┤", yw, format(0))
		}
		var b strings.Builder
		b.WriteString(cs.dim.Render(axis))
		for x := 0; x < len(row); {
			j := x
			var run strings.Builder
			for j < len(row) && row[j].style == row[x].style {
				run.WriteString(row[j].s)
				j++
			}
			b.WriteString(styles[row[x].style].Render(run.String()))
			x = j
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	out = append(out, cs.dim.Render(strings.Repeat(" ", yw)+"└"+strings.Repeat("─", min(pw, len(pts)*(cw+gap)))))
	dates := []byte(strings.Repeat(" ", pw+6))
	next := 0
	for i, p := range pts {
		x := i * (cw + gap)
		if x < next {
			continue
		}
		copy(dates[x:], p.Start.In(cs.zone).Format("01-02"))
		next = x + 6
	}
	out = append(out, cs.dim.Render(strings.TrimRight(strings.Repeat(" ", yw+1)+string(dates), " ")))
	return out
}

// sparkline is a series in one line of eighth blocks (the latest width points).
func sparkline(cs chartStyles, pts []domain.Point, width int) string {
	if len(pts) > width {
		pts = pts[len(pts)-width:]
	}
	top := 0.0
	for _, p := range pts {
		top = math.Max(top, p.Value)
	}
	var b strings.Builder
	for _, p := range pts {
		i := 0
		if top > 0 {
			i = int(math.Round(p.Value / top * 8))
			if p.Value > 0 && i == 0 {
				i = 1
			}
		}
		if i == 0 {
			b.WriteString("▁")
			continue
		}
		b.WriteString(eighths[i])
	}
	return cs.column.Render(b.String())
}

func countFormat(v float64) string { return strconv.Itoa(int(math.Round(v))) }

func daysFormat(v float64) string {
	if v == 0 {
		return "0"
	}
	if v >= 10 {
		return strconv.Itoa(int(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// chartKind describes one of domain.ChartKinds for people.
type chartKind struct {
	id    string
	tab   string
	title string
}

var chartKinds = []chartKind{
	{"by-building", "By building", "Open and closed tickets per building"},
	{"by-technician", "By technician", "Open and closed tickets per technician (assignee)"},
	{"by-type", "By type", "Open and closed tickets per problem type"},
	{"created", "Created", "Tickets created per week"},
	{"closed", "Closed", "Tickets closed per week"},
	{"days-to-close", "Days to close", "Average days to close, per week of closing"},
	{"overdue", "Overdue", "Open overdue tickets at the end of each week"},
}

func chartKindIndex(id string) int {
	for i, k := range chartKinds {
		if k.id == id {
			return i
		}
	}
	return 0
}

// renderChart draws one chart kind of m in w×h.
func renderChart(cs chartStyles, kind string, m *domain.Metrics, w, h int) []string {
	switch kind {
	case "by-building":
		return barChart(cs, m.ByBuilding, w, h)
	case "by-technician":
		return barChart(cs, m.ByTechnician, w, h)
	case "by-type":
		return barChart(cs, m.ByType, w, h)
	case "created":
		return columnChart(cs, m.Created, w, h, countFormat)
	case "closed":
		return columnChart(cs, m.Closed, w, h, countFormat)
	case "days-to-close":
		return columnChart(cs, m.DaysToClose, w, h, daysFormat)
	}
	return columnChart(cs, m.Overdue, w, h, countFormat)
}

// trendLines are the four weekly series as labelled sparklines with a summary.
func trendLines(cs chartStyles, m *domain.Metrics, w int) []string {
	sum := func(pts []domain.Point) float64 {
		t := 0.0
		for _, p := range pts {
			t += p.Value
		}
		return t
	}
	last := func(pts []domain.Point) float64 {
		if len(pts) == 0 {
			return 0
		}
		return pts[len(pts)-1].Value
	}
	avgDays, n := 0.0, 0.0
	for i, p := range m.DaysToClose {
		if i < len(m.Closed) && m.Closed[i].Value > 0 {
			avgDays += p.Value * m.Closed[i].Value
			n += m.Closed[i].Value
		}
	}
	if n > 0 {
		avgDays /= n
	}
	rows := []struct {
		label string
		pts   []domain.Point
		note  string
	}{
		{"Created", m.Created, fmt.Sprintf("%d total", int(sum(m.Created)))},
		{"Closed", m.Closed, fmt.Sprintf("%d total", int(sum(m.Closed)))},
		{"Days to close", m.DaysToClose, "avg " + daysFormat(avgDays) + " days"},
		{"Overdue", m.Overdue, fmt.Sprintf("%d latest week", int(last(m.Overdue)))},
	}
	sw := max(4, min(w-16-26, 60))
	long := 0
	for _, r := range rows {
		long = max(long, min(sw, len(r.pts)))
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		spark := sparkline(cs, r.pts, sw)
		out[i] = pad(r.label, 15) + " " + spark + strings.Repeat(" ", long-min(sw, len(r.pts))) + "  " + cs.dim.Render(r.note)
	}
	return out
}

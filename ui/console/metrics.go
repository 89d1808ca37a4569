package console

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"gatehouse/domain"
)

// metricsScreen draws the Metrics charts (metrics.run): open/closed bars
// per building, technician and problem type, and weekly columns of tickets
// created, closed, days to close and overdue, over a date range with
// building and problem type filters. The numbers are computed in a command
// (Service.Metrics scans every ticket), so keys never wait for them.
type metricsScreen struct {
	c        *Common
	kind     int // index in chartKinds
	days     int // the last N days; 0 when from/to were typed
	from, to time.Time
	building string
	ptype    string

	data    domain.Metrics
	have    bool
	err     error
	seq     uint64
	running latest // the newest fetch's context; a newer fetch cancels it
	loading bool
	stale   bool

	form     *form
	formKind int
	busy     bool
	panel    *chartsPanel
	w, h     int
}

const (
	metricsFilters = iota
	metricsSave
)

var rangePresets = []int{30, 90, 365}

type (
	// metricsMsg carries the numbers of the fetch numbered seq.
	metricsMsg struct {
		seq  uint64
		data domain.Metrics
		err  error
	}
	// metricsDoneMsg reports a chart or layout save; a refusal keeps form.
	metricsDoneMsg struct {
		ok   string
		err  error
		form *form
	}
)

func newMetricsScreen(c *Common) *metricsScreen {
	return &metricsScreen{c: c, days: 90, stale: true}
}

// Reload marks the numbers stale: the shell starts the command (pendingLoad).
func (s *metricsScreen) Reload() tea.Cmd {
	s.stale = true
	if s.panel != nil {
		return s.panel.reload()
	}
	return nil
}

func (s *metricsScreen) pendingLoad() tea.Cmd {
	if !s.stale {
		return nil
	}
	s.stale = false
	return s.fetch()
}

func (s *metricsScreen) query() domain.MetricsQuery {
	q := domain.MetricsQuery{Building: s.building, Type: s.ptype}
	if s.days > 0 {
		q.To = s.c.Now().In(s.c.zone()) // weeks and the span read in the organization's zone
		q.From = q.To.AddDate(0, 0, -s.days)
		return q
	}
	q.From, q.To = s.from, s.to.AddDate(0, 0, 1) // the typed end day is included
	return q
}

// rangeDays is the range as "the last N days", what a saved chart keeps.
func (s *metricsScreen) rangeDays() int {
	if s.days > 0 {
		return s.days
	}
	return max(1, min(730, int(s.to.AddDate(0, 0, 1).Sub(s.from).Hours()/24)))
}

func (s *metricsScreen) fetch() tea.Cmd {
	s.seq++
	s.loading = true
	seq, svc, q := s.seq, s.c.Svc, s.query()
	ctx := s.running.next(s.c.Ctx)
	return func() tea.Msg {
		m, err := svc.Metrics(ctx, q)
		return metricsMsg{seq: seq, data: m, err: err}
	}
}

func (s *metricsScreen) Dirty() bool     { return s.form != nil || s.panel != nil && s.panel.dirty }
func (s *metricsScreen) Capturing() bool { return s.form != nil }

func (s *metricsScreen) Hint() string {
	if s.form != nil || s.panel != nil {
		return ""
	}
	return fmt.Sprintf("chart %d of %d: %s · tab next chart", s.kind+1, len(chartKinds), chartKinds[s.kind].title)
}

func (s *metricsScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	if s.form != nil {
		s.form.SetSize(w, h)
	}
}

func (s *metricsScreen) Update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case metricsMsg:
		if m.seq == s.seq {
			s.loading = false
			s.err = m.err
			if m.err == nil {
				s.data, s.have = m.data, true
			}
		}
		return nil
	case layoutSavedMsg:
		s.c.Ok("saved the chart layout of %s", m.group)
		if s.panel != nil {
			s.panel.dirty = false
			return s.panel.reload()
		}
		return nil
	case metricsDoneMsg:
		if m.form != nil && m.form == s.form {
			s.busy = false
		}
		if m.err != nil {
			s.c.Fail(m.err)
			return nil
		}
		s.c.Ok("%s", m.ok)
		if m.form != nil && m.form == s.form {
			s.form = nil
		}
		if s.panel != nil {
			return s.panel.reload()
		}
		return nil
	}
	if s.form != nil {
		var run tea.Cmd
		cmd := updateForm(&s.form, msg, func() tea.Cmd { run = s.submit(); return nil })
		return tea.Batch(cmd, run)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if s.panel != nil {
		return s.panel.update(k)
	}
	g, n, ck := s.c.Keys.Global, s.c.Keys.Nav, s.c.Keys.Collab
	switch {
	case key.Matches(k, g.NextPane), key.Matches(k, n.Right):
		s.kind = (s.kind + 1) % len(chartKinds)
	case key.Matches(k, g.PrevPane), key.Matches(k, n.Left):
		s.kind = (s.kind + len(chartKinds) - 1) % len(chartKinds)
	case key.Matches(k, ck.Range):
		i := slices.Index(rangePresets, s.days)
		s.days = rangePresets[(i+1)%len(rangePresets)]
		return s.fetch()
	case key.Matches(k, ck.Filters):
		return s.openFilters()
	case key.Matches(k, ck.SaveChart):
		if err := s.c.Access.Require(domain.MetricsSaveCharts); err != nil {
			s.c.Fail(err)
			return nil
		}
		return s.openSave()
	case key.Matches(k, ck.Charts):
		return openChartsPanel(s)
	}
	return nil
}

const dateLayout = "2006-01-02"

func validDate(v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(dateLayout, v); err != nil {
		return domain.Errorf(domain.EInvalid, "%q: a date as YYYY-MM-DD", v)
	}
	return nil
}

// openFilters returns the command that reads the buildings and problem
// types to choose from; the form opens when they arrive.
func (s *metricsScreen) openFilters() tea.Cmd {
	svc, ctx := s.c.Svc, s.c.Ctx
	return s.c.open(s, func() func() tea.Cmd {
		blds := []string{"all"}
		if bs, err := svc.Buildings(ctx, ""); err == nil {
			for _, b := range bs {
				blds = append(blds, b.Code)
			}
		}
		types := []string{"all"}
		if o, err := svc.Organization(ctx); err == nil {
			for _, t := range o.ProblemTypes {
				types = append(types, t.Name)
			}
		}
		return func() tea.Cmd { s.showFilters(blds, types); return nil }
	})
}

// showFilters opens the range and filters form with the choices read.
func (s *metricsScreen) showFilters(blds, types []string) {
	from, to := "", ""
	if s.days == 0 {
		from, to = s.from.Format(dateLayout), s.to.Format(dateLayout)
	}
	cur := func(v string) string {
		if v == "" {
			return "all"
		}
		return v
	}
	s.form = newForm(s.c, "Metrics range and filters").
		text("From", from, "YYYY-MM-DD (empty: the last "+fmt.Sprint(max(s.days, 90))+" days)", validDate).
		text("To", to, "YYYY-MM-DD (empty: today)", validDate).
		choose("Building", blds, cur(s.building)).
		choose("Problem type", types, cur(s.ptype))
	s.form.note = "tickets created in the range; r cycles the last 30, 90 and 365 days"
	s.formKind = metricsFilters
	s.form.SetSize(s.w, s.h)
}

// myGroups are the actor's active groups with their ids, base group
// included when it can be read: the groups charts are saved for. It calls
// the service: run it in a command, with a copy of the actor's access.
func myGroups(ctx context.Context, svc domain.Service, a domain.Access, now time.Time) []groupRef {
	var out []groupRef
	seen := map[domain.ID]bool{}
	if ms, err := svc.Memberships(ctx, a.Username); err == nil {
		for _, m := range ms {
			if !m.Expired && m.Active(now) && !seen[m.GroupID] {
				seen[m.GroupID] = true
				out = append(out, groupRef{id: m.GroupID, name: m.GroupName})
			}
		}
	}
	base := domain.GroupUsers
	if a.Kind == domain.KindRestricted {
		base = domain.GroupRestrictedUsers
	}
	if g, err := svc.Group(ctx, base); err == nil && !seen[g.ID] && slices.Contains(a.Groups, g.ID) {
		out = append(out, groupRef{id: g.ID, name: g.Name})
	}
	slices.SortFunc(out, func(a, b groupRef) int { return strings.Compare(a.name, b.name) })
	return out
}

type groupRef struct {
	id   domain.ID
	name string
}

func groupNames(gs []groupRef) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.name
	}
	return out
}

// openSave returns the command that reads the actor's groups; the save
// form opens when they arrive.
func (s *metricsScreen) openSave() tea.Cmd {
	svc, ctx, a, now := s.c.Svc, s.c.Ctx, s.c.Access, s.c.Now()
	return s.c.open(s, func() func() tea.Cmd {
		groups := groupNames(myGroups(ctx, svc, a, now))
		return func() tea.Cmd { s.showSave(groups); return nil }
	})
}

// showSave opens the form that saves the chart for one of groups.
func (s *metricsScreen) showSave(groups []string) {
	if len(groups) == 0 {
		s.c.Fail(domain.Errorf(domain.EInvalid, "%s is in no group to save a chart for", s.c.Access.Username))
		return
	}
	k := chartKinds[s.kind]
	s.form = newForm(s.c, "Save the chart “"+k.tab+"” for a group").
		text("Name", "", "e.g. Open by building", func(v string) error {
			if v == "" {
				return domain.Errorf(domain.EInvalid, "a name is required")
			}
			return nil
		}).
		choose("Group", groups, groups[0])
	s.form.note = fmt.Sprintf("%s · the last %d days%s · members see it on Home", k.title, s.rangeDays(), s.filterText())
	s.formKind = metricsSave
	s.form.SetSize(s.w, s.h)
}

func (s *metricsScreen) filterText() string {
	var out string
	if s.building != "" {
		out += " · building " + s.building
	}
	if s.ptype != "" {
		out += " · type " + s.ptype
	}
	return out
}

func (s *metricsScreen) submit() tea.Cmd {
	f := s.form
	if s.formKind == metricsFilters {
		from, to := f.Value(0), f.Value(1)
		s.building, s.ptype = f.Value(2), f.Value(3)
		if s.building == "all" {
			s.building = ""
		}
		if s.ptype == "all" {
			s.ptype = ""
		}
		if from != "" || to != "" {
			// days typed are the organization's days, as everywhere (issue 13)
			zone := s.c.zone()
			now := s.c.Now().In(zone)
			s.to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)
			if to != "" {
				s.to, _ = time.ParseInLocation(dateLayout, to, zone)
			}
			s.from = s.to.AddDate(0, 0, -max(s.days, 90))
			if from != "" {
				s.from, _ = time.ParseInLocation(dateLayout, from, zone)
			}
			s.days = 0
		} else if s.days == 0 {
			s.days = 90
		}
		s.form = nil
		return s.fetch()
	}
	if s.busy {
		return nil
	}
	s.busy = true
	svc := s.c.Svc
	ch := domain.Chart{Name: f.Value(0), Kind: chartKinds[s.kind].id, Days: s.rangeDays(), Building: s.building, Type: s.ptype}
	group := f.Value(1)
	return s.c.saving(s, func() tea.Msg {
		c, err := svc.SaveChart(s.c.Ctx, group, ch)
		return metricsDoneMsg{ok: fmt.Sprintf("saved chart %q for %s", c.Name, group), err: err, form: f}
	})
}

func (s *metricsScreen) rangeText() string {
	q := s.query()
	span := q.From.Format(dateLayout) + " – " + q.To.AddDate(0, 0, -1).Format(dateLayout)
	if s.days > 0 {
		span = q.From.Format(dateLayout) + " – " + q.To.Format(dateLayout)
		return fmt.Sprintf("last %d days (%s)", s.days, span)
	}
	return span
}

func (s *metricsScreen) View() string {
	if s.form != nil {
		v := s.form.View()
		if s.busy {
			v += "\n" + s.c.Styles.Dim.Render("saving…")
		}
		return v
	}
	if s.panel != nil {
		return s.panel.View()
	}
	st := s.c.Styles
	cs := newChartStyles(s.c)
	head := st.Title.Render("Metrics") + " · " + s.rangeText()
	if s.have {
		head += " · " + plural(s.data.Total, "ticket")
	}
	head += s.filterText()
	if s.loading {
		head += st.Dim.Render(" · computing…")
	}
	tabs := make([]string, len(chartKinds))
	for i, k := range chartKinds {
		t := st.Tab
		if i == s.kind {
			t = st.TabActive
		}
		tabs[i] = t.Render(" " + k.tab + " ")
	}
	bar := strings.Join(tabs, "│")
	if lipgloss.Width(bar) > s.w {
		bar = strings.Join(tabs, "")
	}
	k := chartKinds[s.kind]
	title := st.Title.Render(k.title)
	if k.id == "by-building" || k.id == "by-technician" || k.id == "by-type" {
		title += "   " + cs.legend()
	}
	lines := []string{pad(head, s.w), bar, "", title}
	trends := s.h >= 18 && s.have && s.err == nil
	room := s.h - len(lines)
	if trends {
		room -= 6
	}
	switch {
	case s.err != nil:
		lines = append(lines, st.Error.Render("✗ "+errText(s.err)))
	case !s.have:
		lines = append(lines, st.Dim.Render("computing…"))
	default:
		chart := renderChart(cs, k.id, &s.data, s.w, max(3, room))
		lines = append(lines, chart...)
		// bars leave room on tall screens: the weekly columns fill it
		if extra := room - len(chart) - 1; extra >= 8 && s.w >= 60 {
			half := (s.w - 3) / 2
			left := append([]string{st.Title.Render(chartKinds[chartKindIndex("created")].title)}, columnChart(cs, s.data.Created, half, extra-1, countFormat)...)
			right := append([]string{st.Title.Render(chartKinds[chartKindIndex("closed")].title)}, columnChart(cs, s.data.Closed, half, extra-1, countFormat)...)
			lines = append(lines, "")
			lines = append(lines, sideBySide(left, right, half+3)...)
		}
	}
	if trends {
		for len(lines) < s.h-5 {
			lines = append(lines, "")
		}
		lines = append(lines, st.Title.Render("Weekly trends"))
		lines = append(lines, trendLines(cs, &s.data, s.w)...)
	}
	return strings.Join(lines, "\n")
}

// sideBySide joins two blocks of lines, the left one padded to lw columns.
func sideBySide(left, right []string, lw int) []string {
	out := make([]string, max(len(left), len(right)))
	for i := range out {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = pad(l, lw) + r
	}
	return out
}

func (s *metricsScreen) ShortHelp() []key.Binding {
	if s.form != nil {
		return s.form.ShortHelp()
	}
	if s.panel != nil {
		return s.panel.ShortHelp()
	}
	g, ck := s.c.Keys.Global, s.c.Keys.Collab
	out := []key.Binding{g.NextPane, ck.Range, ck.Filters}
	if s.c.Access.Has(domain.MetricsSaveCharts) {
		out = append(out, ck.SaveChart)
	}
	return append(out, ck.Charts)
}

func (s *metricsScreen) FullHelp() [][]key.Binding {
	ck := s.c.Keys.Collab
	return [][]key.Binding{{ck.Range, ck.Filters, ck.SaveChart, ck.Charts}, {ck.MoveUp, ck.MoveDown, ck.Delete, ck.Load}}
}

// chartsPanel lists a group's saved charts in its layout order: K/J move
// one (Save Group Chart Layouts) and ctrl+s saves the order, d deletes a
// chart (Save Group Charts), enter shows it on the Metrics screen.
type chartsPanel struct {
	s       *metricsScreen
	groups  []groupRef
	g       int
	charts  []domain.Chart
	layouts []domain.Layout
	order   []domain.Chart
	cursor  int
	dirty   bool
	err     error
}

// openChartsPanel returns the command that reads the actor's groups and
// the saved charts; the panel opens when they arrive.
func openChartsPanel(s *metricsScreen) tea.Cmd {
	svc, ctx, a, now := s.c.Svc, s.c.Ctx, s.c.Access, s.c.Now()
	return s.c.open(s, func() func() tea.Cmd {
		p := &chartsPanel{s: s, groups: myGroups(ctx, svc, a, now)}
		p.charts, p.layouts, p.err = svc.Charts(ctx)
		return func() tea.Cmd {
			p.arrange()
			s.panel = p
			return nil
		}
	})
}

// reload returns the command that reads the saved charts again; an order
// being changed (not yet saved) stays.
func (p *chartsPanel) reload() tea.Cmd {
	svc, ctx := p.s.c.Svc, p.s.c.Ctx
	return p.s.c.load(p.s, func() func() tea.Cmd {
		charts, layouts, err := svc.Charts(ctx)
		return func() tea.Cmd {
			p.charts, p.layouts, p.err = charts, layouts, err
			if !p.dirty {
				p.arrange()
			}
			return nil
		}
	})
}

// arrange orders the chosen group's charts by its layout, then by name.
func (p *chartsPanel) arrange() {
	p.order = nil
	if len(p.groups) == 0 {
		return
	}
	p.order = layoutOrder(p.groups[p.g].id, p.charts, p.layouts)
	p.cursor = max(0, min(p.cursor, len(p.order)-1))
}

// layoutOrder is a group's charts in its layout's order; charts the
// layout does not name follow by name.
func layoutOrder(group domain.ID, charts []domain.Chart, layouts []domain.Layout) []domain.Chart {
	var mine []domain.Chart
	for _, c := range charts {
		if c.Group == group {
			mine = append(mine, c)
		}
	}
	rank := map[string]int{}
	for _, l := range layouts {
		if l.Group == group {
			for i, n := range l.Charts {
				if _, ok := rank[n]; !ok {
					rank[n] = i
				}
			}
		}
	}
	slices.SortStableFunc(mine, func(a, b domain.Chart) int {
		ra, oka := rank[a.Name]
		rb, okb := rank[b.Name]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return mine
}

func (p *chartsPanel) update(k tea.KeyPressMsg) tea.Cmd {
	c := p.s.c
	n, ck := c.Keys.Nav, c.Keys.Collab
	switch {
	case key.Matches(k, n.Back):
		p.s.panel = nil
	case key.Matches(k, n.Left), key.Matches(k, n.Right):
		if len(p.groups) == 0 {
			return nil
		}
		d := 1
		if key.Matches(k, n.Left) {
			d = len(p.groups) - 1
		}
		p.g, p.cursor, p.dirty = (p.g+d)%len(p.groups), 0, false
		p.arrange()
	case key.Matches(k, ck.MoveUp), key.Matches(k, ck.MoveDown):
		if err := c.Access.Require(domain.MetricsSaveLayouts); err != nil {
			c.Fail(err)
			return nil
		}
		to := p.cursor - 1
		if key.Matches(k, ck.MoveDown) {
			to = p.cursor + 1
		}
		if to < 0 || to >= len(p.order) {
			return nil
		}
		p.order[p.cursor], p.order[to] = p.order[to], p.order[p.cursor]
		p.cursor, p.dirty = to, true
	case key.Matches(k, n.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(k, n.Down):
		p.cursor = max(0, min(len(p.order)-1, p.cursor+1))
	case key.Matches(k, n.Save):
		if err := c.Access.Require(domain.MetricsSaveLayouts); err != nil {
			c.Fail(err)
			return nil
		}
		if len(p.groups) == 0 {
			return nil
		}
		svc, group := c.Svc, p.groups[p.g].name
		names := make([]string, len(p.order))
		for i, ch := range p.order {
			names[i] = ch.Name
		}
		return func() tea.Msg {
			if err := svc.SaveLayout(c.Ctx, group, names); err != nil {
				return metricsDoneMsg{err: err}
			}
			return layoutSavedMsg{group: group}
		}
	case key.Matches(k, ck.Delete):
		if err := c.Access.Require(domain.MetricsSaveCharts); err != nil {
			c.Fail(err)
			return nil
		}
		if p.cursor >= len(p.order) {
			return nil
		}
		ch, svc := p.order[p.cursor], c.Svc
		return ask(fmt.Sprintf("Delete the saved chart %q of %s? Its members stop seeing it on Home.", ch.Name, p.groups[p.g].name), func() tea.Msg {
			return metricsDoneMsg{ok: "deleted chart " + ch.Name, err: svc.DeleteChart(c.Ctx, ch.ID)}
		})
	case key.Matches(k, ck.Load):
		if p.cursor >= len(p.order) {
			return nil
		}
		ch := p.order[p.cursor]
		s := p.s
		s.kind, s.days, s.building, s.ptype = chartKindIndex(ch.Kind), ch.Days, ch.Building, ch.Type
		s.panel = nil
		c.Ok("chart %q: %s", ch.Name, chartKinds[s.kind].title)
		return s.fetch()
	}
	return nil
}

// layoutSavedMsg: the order is saved; the panel is clean again.
type layoutSavedMsg struct{ group string }

func (p *chartsPanel) View() string {
	st := p.s.c.Styles
	lines := []string{st.Title.Render("Saved group charts")}
	if len(p.groups) == 0 {
		return strings.Join(append(lines, st.Dim.Render("you are in no group")), "\n")
	}
	state := "layout order"
	if p.dirty {
		state = "order changed: ctrl+s saves the layout"
	}
	lines = append(lines, fmt.Sprintf("group ‹ %s › (%d of %d, ←/→) · %s", p.groups[p.g].name, p.g+1, len(p.groups), state), "")
	if p.err != nil {
		lines = append(lines, st.Error.Render("✗ "+errText(p.err)))
	}
	if len(p.order) == 0 {
		lines = append(lines, st.Dim.Render("no saved charts for this group: s on a chart saves it"))
	}
	for i, ch := range p.order {
		l := fmt.Sprintf("%d. %s — %s · last %d days", i+1, ch.Name, chartKinds[chartKindIndex(ch.Kind)].tab, ch.Days)
		if ch.Building != "" {
			l += " · " + ch.Building
		}
		if ch.Type != "" {
			l += " · " + ch.Type
		}
		if i == p.cursor {
			l = st.Cursor.Render(pad("▸ "+l, p.s.w))
		} else {
			l = "  " + l
		}
		lines = append(lines, l)
	}
	var hints []string
	a := &p.s.c.Access
	if a.Has(domain.MetricsSaveLayouts) {
		hints = append(hints, "K/J move", "ctrl+s saves the layout")
	}
	if a.Has(domain.MetricsSaveCharts) {
		hints = append(hints, "d deletes")
	}
	hints = append(hints, "enter shows", "esc back")
	lines = append(lines, "", st.Dim.Render(strings.Join(hints, " · ")))
	return strings.Join(lines, "\n")
}

func (p *chartsPanel) ShortHelp() []key.Binding {
	n, ck := p.s.c.Keys.Nav, p.s.c.Keys.Collab
	a := &p.s.c.Access
	out := []key.Binding{ck.Load}
	if a.Has(domain.MetricsSaveLayouts) {
		out = append(out, ck.MoveUp, ck.MoveDown, n.Save)
	}
	if a.Has(domain.MetricsSaveCharts) {
		out = append(out, ck.Delete)
	}
	return append(out, n.Back)
}

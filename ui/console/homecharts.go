package console

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// asyncLoader is a screen whose data is computed in a command (metrics
// scan every ticket): after every message the shell runs what the visible
// screen asks for, so Reload never blocks a frame.
type asyncLoader interface {
	pendingLoad() tea.Cmd
}

// Update runs the shell's update, then the pending loads of the visible
// screen and, while viewing as someone, of the viewed console's screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	before := m.viewAs
	model, cmd := m.update(msg)
	cmds := []tea.Cmd{cmd}
	if in := m.viewAs; in != nil && in != before {
		// the viewed console was built outside any program: its first
		// load runs now
		cmds = append(cmds, in.boot)
		in.boot = nil
	}
	for _, mm := range []*Model{m, m.viewAs} {
		if mm == nil {
			continue
		}
		if l, ok := mm.screen().(asyncLoader); ok {
			cmds = append(cmds, l.pendingLoad())
		}
	}
	return model, tea.Batch(cmds...)
}

// homeCharts are the saved charts of the actor's groups on the Home screen,
// laid out by each group's layout: the only metrics Home Page Only users see.
type homeCharts struct {
	stale bool
	seq   uint64
	items []homeChart
	err   error
}

type homeChart struct {
	chart domain.Chart
	group string
	data  domain.Metrics
	err   error
}

// homeChartsMsg delivers the charts computed for the load numbered seq.
type homeChartsMsg struct {
	seq   uint64
	items []homeChart
	err   error
}

// load computes every chart in a command, the charts list included.
func (h *homeCharts) load(c *Common) tea.Cmd {
	h.stale = false
	h.seq++
	seq, svc, ctx, a, now := h.seq, c.Svc, c.Ctx, c.Access, c.Now()
	return func() tea.Msg {
		charts, layouts, err := svc.Charts(ctx)
		if err != nil || len(charts) == 0 {
			return homeChartsMsg{seq: seq, err: err}
		}
		groups := map[domain.ID]string{}
		for _, g := range myGroups(ctx, svc, a, now) {
			groups[g.id] = g.name
		}
		var ids []domain.ID
		for _, ch := range charts {
			if !slices.Contains(ids, ch.Group) {
				ids = append(ids, ch.Group)
			}
		}
		name := func(id domain.ID) string {
			if n, ok := groups[id]; ok {
				return n
			}
			return fmt.Sprintf("group %d", id)
		}
		slices.SortFunc(ids, func(a, b domain.ID) int { return strings.Compare(name(a), name(b)) })
		var items []homeChart
		for _, g := range ids {
			for _, ch := range layoutOrder(g, charts, layouts) {
				data, err := svc.ChartData(ctx, ch.ID)
				items = append(items, homeChart{chart: ch, group: name(g), data: data, err: err})
			}
		}
		return homeChartsMsg{seq: seq, items: items}
	}
}

// apply takes a load's result; it reports whether the screen must redraw.
func (h *homeCharts) apply(m homeChartsMsg) bool {
	if m.seq != h.seq {
		return false
	}
	h.items, h.err = m.items, m.err
	return true
}

// lines draws the charts compactly for the Home screen in width w.
func (h *homeCharts) lines(c *Common, w int) []string {
	st := c.Styles
	if h.err != nil {
		return []string{st.Title.Render("Charts of your groups"), st.Error.Render(errText(h.err)), ""}
	}
	if len(h.items) == 0 {
		return nil
	}
	if w <= 0 {
		w = minWidth
	}
	w = min(w, 100)
	cs := newChartStyles(c)
	out := []string{st.Title.Render("Charts of your groups")}
	for _, it := range h.items {
		ch := it.chart
		k := chartKinds[chartKindIndex(ch.Kind)]
		head := fmt.Sprintf("%s · %s · %s · last %d days", ch.Name, it.group, k.title, ch.Days)
		if ch.Building != "" {
			head += " · " + ch.Building
		}
		if ch.Type != "" {
			head += " · " + ch.Type
		}
		out = append(out, "▪ "+head)
		switch {
		case it.err != nil:
			out = append(out, st.Error.Render("  "+errText(it.err)))
		case ch.Kind == "by-building" || ch.Kind == "by-technician" || ch.Kind == "by-type":
			out = append(out, "  "+cs.legend())
			for _, l := range renderChart(cs, ch.Kind, &it.data, w-2, 5) {
				out = append(out, "  "+l)
			}
		default:
			for _, l := range renderChart(cs, ch.Kind, &it.data, w-2, 8) {
				out = append(out, "  "+l)
			}
		}
		out = append(out, "")
	}
	return out
}

// Reload reads the home screen again and marks the charts for a new load.
func (s *homeScreen) Reload() tea.Cmd {
	s.charts.stale = true
	s.render()
	c := *s.c // a copy: the command reads no field Update writes
	return s.c.load(s, func() func() tea.Cmd {
		d := readHome(&c)
		return func() tea.Cmd { s.data = d; s.render(); return nil }
	}) // the shell starts pendingLoad (the charts) after this message
}

func (s *homeScreen) pendingLoad() tea.Cmd {
	if !s.charts.stale {
		return nil
	}
	cmd := s.charts.load(s.c)
	s.render()
	return cmd
}

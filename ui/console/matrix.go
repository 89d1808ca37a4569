package console

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

const matrixCol = 38 // cell width: the longest label (28) plus box and level

// mline is one line of the matrix grid: a category header or a row of cells.
type mline struct {
	header string
	cells  []int
}

// matrix edits a draft group's privileges as a checkbox grid by category:
// flags as [x] / [+] implied / [-] disabled, modules as None/View/Edit. It
// applies R6 as you type, the same way the store will on save, so a box the
// store would refuse cannot be ticked and an implied box cannot be unticked
// alone.
type matrix struct {
	c      *Common
	draft  *domain.Group
	cells  []*domain.Privilege
	lines  []mline
	cursor int
	top    int
	w, h   int
	// custom holds the levels from before the first preset, restored when
	// `p` cycles past the last preset ("Customize").
	custom    domain.ModuleLevels
	presetIdx int
}

func newMatrix(c *Common, draft *domain.Group, categories ...string) *matrix {
	m := &matrix{c: c, draft: draft, presetIdx: -1}
	for _, cat := range categories {
		for i := range domain.Catalog {
			if domain.Catalog[i].Category == cat {
				m.cells = append(m.cells, &domain.Catalog[i])
			}
		}
	}
	m.layout()
	return m
}

func (m *matrix) modulesOnly() bool { return len(m.cells) > 0 && m.cells[0].IsModule }

func (m *matrix) SetSize(w, h int) {
	m.w, m.h = w, h
	m.layout()
}

func (m *matrix) columns() int { return max(1, m.w/matrixCol) }

func (m *matrix) layout() {
	m.lines = m.lines[:0]
	cols := m.columns()
	cat := ""
	var row []int
	flush := func() {
		if len(row) > 0 {
			m.lines = append(m.lines, mline{cells: row})
			row = nil
		}
	}
	for i, p := range m.cells {
		if p.Category != cat {
			flush()
			cat = p.Category
			m.lines = append(m.lines, mline{header: cat})
		}
		row = append(row, i)
		if len(row) == cols {
			flush()
		}
	}
	flush()
	m.scroll()
}

// pos finds the line and column of a cell.
func (m *matrix) pos(cell int) (line, col int) {
	for li, l := range m.lines {
		for ci, c := range l.cells {
			if c == cell {
				return li, ci
			}
		}
	}
	return 0, 0
}

func (m *matrix) vertical(d int) {
	li, col := m.pos(m.cursor)
	for li += d; li >= 0 && li < len(m.lines); li += d {
		if cells := m.lines[li].cells; len(cells) > 0 {
			m.cursor = cells[min(col, len(cells)-1)]
			return
		}
	}
}

func (m *matrix) gridHeight() int { return max(1, m.h-1) }

func (m *matrix) scroll() {
	li, _ := m.pos(m.cursor)
	if li > 0 && m.lines[li-1].header != "" {
		li-- // keep the category header in sight
	}
	if li < m.top {
		m.top = li
	}
	cur, _ := m.pos(m.cursor)
	if cur >= m.top+m.gridHeight() {
		m.top = cur - m.gridHeight() + 1
	}
	m.top = max(0, min(m.top, len(m.lines)-m.gridHeight()))
}

// state of a flag cell in the draft.
func (m *matrix) flagState(f domain.Flag) (box string, reason string) {
	if by, ok := domain.ImpliedBy(m.draft, f); ok {
		return "[+]", fmt.Sprintf("implied by %s (%s): untick that first (R6)", by.Info().Label, by)
	}
	if m.draft.Flags.Has(f) {
		return "[x]", ""
	}
	if r := domain.DisabledReason(m.draft, f); r != "" {
		return "[-]", r + " (R6)"
	}
	return "[ ]", ""
}

func (m *matrix) moduleReason(p *domain.Privilege) string {
	if m.draft.Kind == domain.KindRestricted {
		return "restricted groups hold no module levels (R3)"
	}
	return ""
}

// toggle flips a flag or cycles a module level, refusing what R6 forbids.
func (m *matrix) toggle(p *domain.Privilege) error {
	g := m.draft
	if p.IsModule {
		if r := m.moduleReason(p); r != "" {
			return domain.Errorf(domain.EInvalid, "%s: %s", p.Label, r)
		}
		g.Levels[p.Module] = (g.Levels[p.Module] + 1) % 3
		return nil
	}
	f := p.Flag
	if by, ok := domain.ImpliedBy(g, f); ok {
		return domain.Errorf(domain.EInvalid, "%s is implied by %s (%s): untick %s first (R6)", p.Label, by.Info().Label, by, by.Info().Label)
	}
	if g.Flags.Has(f) {
		g.Flags.Remove(f)
		cl := g.Flags.Closure()
		for _, other := range g.Flags.Flags() {
			for _, req := range other.Info().Requires {
				if !cl.Has(req) {
					g.Flags.Add(f)
					return domain.Errorf(domain.EInvalid, "%s requires %s: untick %s first (R6)", other.Info().Label, p.Label, other.Info().Label)
				}
			}
		}
		return nil
	}
	if r := domain.DisabledReason(g, f); r != "" {
		return domain.Errorf(domain.EInvalid, "%s cannot be ticked: %s (R6)", p.Label, r)
	}
	g.Flags.Add(f)
	return nil
}

// all ticks every cell of the cursor's category, or clears it when all are
// already held ("Enable All" for modules).
func (m *matrix) all() error {
	cat := m.cells[m.cursor].Category
	var inCat []*domain.Privilege
	for _, p := range m.cells {
		if p.Category == cat {
			inCat = append(inCat, p)
		}
	}
	g := m.draft
	if inCat[0].IsModule {
		if r := m.moduleReason(inCat[0]); r != "" {
			return domain.Errorf(domain.EInvalid, "%s", r)
		}
		lvl := domain.LevelEdit
		full := true
		for _, p := range inCat {
			full = full && g.Levels[p.Module] == domain.LevelEdit
		}
		if full {
			lvl = domain.LevelNone
		}
		for _, p := range inCat {
			g.Levels[p.Module] = lvl
		}
		return nil
	}
	cl := g.Flags.Closure()
	full := true
	for _, p := range inCat {
		if !cl.Has(p.Flag) && domain.DisabledReason(g, p.Flag) == "" {
			full = false
		}
	}
	if full {
		for _, p := range inCat {
			g.Flags.Remove(p.Flag)
		}
		return nil
	}
	for _, p := range inCat {
		if !g.Flags.Closure().Has(p.Flag) && domain.DisabledReason(g, p.Flag) == "" {
			g.Flags.Add(p.Flag)
		}
	}
	return nil
}

// preset cycles the module levels through the presets, then back to the
// levels the group had before ("Customize").
func (m *matrix) preset() (string, error) {
	if m.draft.Kind == domain.KindRestricted {
		return "", domain.Errorf(domain.EInvalid, "restricted groups hold no module levels (R3)")
	}
	if m.presetIdx < 0 {
		m.custom = m.draft.Levels
	}
	m.presetIdx++
	if m.presetIdx >= len(presets) {
		m.presetIdx = -1
		m.draft.Levels = m.custom
		return "Customize", nil
	}
	m.draft.Levels = presetLevels(presets[m.presetIdx])
	return presets[m.presetIdx].Name, nil
}

func (m *matrix) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || len(m.cells) == 0 {
		return nil
	}
	n, mk := m.c.Keys.Nav, m.c.Keys.Matrix
	switch {
	case key.Matches(k, n.Up):
		m.vertical(-1)
	case key.Matches(k, n.Down):
		m.vertical(1)
	case key.Matches(k, n.Left):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(k, n.Right):
		m.cursor = min(len(m.cells)-1, m.cursor+1)
	case key.Matches(k, n.PageUp):
		for range m.gridHeight() {
			m.vertical(-1)
		}
	case key.Matches(k, n.PageDown):
		for range m.gridHeight() {
			m.vertical(1)
		}
	case key.Matches(k, n.Home):
		m.cursor = 0
	case key.Matches(k, n.End):
		m.cursor = len(m.cells) - 1
	case key.Matches(k, mk.Toggle):
		m.c.Fail(m.toggle(m.cells[m.cursor]))
	case key.Matches(k, mk.All):
		m.c.Fail(m.all())
	case key.Matches(k, mk.Preset) && m.modulesOnly():
		name, err := m.preset()
		if err != nil {
			m.c.Fail(err)
		} else {
			m.c.Ok("preset %s applied to module levels (ctrl+s saves)", name)
		}
	}
	m.scroll()
	return nil
}

// Hint explains the highlighted cell: id, help and, when implied or
// disabled, why.
func (m *matrix) Hint() string {
	if len(m.cells) == 0 {
		return ""
	}
	p := m.cells[m.cursor]
	if p.IsModule {
		if r := m.moduleReason(p); r != "" {
			return p.ID + ": " + r
		}
		h := p.ID + ": " + p.Help
		if p.Elevates {
			h = p.ID + ": Edit makes members full administrators (R4). " + p.Help
		}
		return h
	}
	if _, reason := m.flagState(p.Flag); reason != "" {
		return p.ID + ": " + reason
	}
	if p.Flag == domain.TaskStates && m.draft.Flags.Has(p.Flag) {
		return p.ID + ": states " + statesText(m.draft.TaskStates) + " · s chooses them"
	}
	return p.ID + ": " + p.Help
}

func (m *matrix) cellView(i int) string {
	p := m.cells[i]
	var s string
	dim := false
	if p.IsModule {
		lvl := m.draft.Levels[p.Module]
		levels := []string{"None", "View", "Edit"}
		s = pad(p.Label, matrixCol-9) + " " + pad("["+levels[lvl]+"]", 6)
		dim = m.moduleReason(p) != ""
	} else {
		box, _ := m.flagState(p.Flag)
		s = box + " " + p.Label
		dim = box == "[-]"
	}
	cur := " "
	if i == m.cursor {
		cur = "▸"
	}
	s = pad(cur+s, matrixCol-1)
	switch {
	case i == m.cursor:
		s = m.c.Styles.Cursor.Render(s)
	case dim:
		s = m.c.Styles.Dim.Render(s)
	}
	return s + " "
}

func (m *matrix) summary() string {
	if m.modulesOnly() {
		s := "Preset: " + presetName(m.draft.Levels)
		if m.draft.Elevates() {
			s += " · " + m.c.Styles.Admin.Render("members are full administrators (R4)")
		}
		return s
	}
	return fmt.Sprintf("%d flags held (%d ticked, %d implied) · [x] ticked [+] implied [-] disabled",
		m.draft.Flags.Closure().Len(), m.draft.Flags.Len(), m.draft.Flags.Closure().Len()-m.draft.Flags.Len())
}

func (m *matrix) View() string {
	var b strings.Builder
	b.WriteString(pad(m.summary(), m.w))
	end := min(len(m.lines), m.top+m.gridHeight())
	for _, l := range m.lines[m.top:end] {
		b.WriteString("\n")
		if l.header != "" {
			b.WriteString(m.c.Styles.Title.Render(l.header))
			continue
		}
		for _, c := range l.cells {
			b.WriteString(m.cellView(c))
		}
	}
	return b.String()
}

func (m *matrix) ShortHelp() []key.Binding {
	mk := m.c.Keys.Matrix
	out := []key.Binding{mk.Toggle, mk.All}
	if m.modulesOnly() {
		out = append(out, mk.Preset)
	}
	return append(out, m.c.Keys.Nav.Save, mk.WhatIf)
}

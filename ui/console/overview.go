package console

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

const (
	overviewLabel = 30 // cursor, label (the longest is 28) and a space
	overviewCol   = 12 // one group column
)

// overviewScreen is the groups × privileges overview: every group side by
// side for one category at a time, so a whole column (one group) or a
// whole row (one privilege across groups) reads at a glance. Cells: ✓
// ticked, + implied (R6), blank not held; module levels as N/V/E.
type overviewScreen struct {
	c      *Common
	groups []domain.GroupInfo
	cat    int
	rows   []*domain.Privilege
	row    int
	col    int
	left   int // first group column shown
	top    int // first privilege row shown
	w, h   int
}

func newOverviewScreen(c *Common) *overviewScreen {
	s := &overviewScreen{c: c}
	s.setCategory(0)
	return s
}

func (s *overviewScreen) setCategory(i int) {
	n := len(domain.Categories)
	s.cat = (i%n + n) % n
	s.rows = s.rows[:0]
	for j := range domain.Catalog {
		if domain.Catalog[j].Category == domain.Categories[s.cat] {
			s.rows = append(s.rows, &domain.Catalog[j])
		}
	}
	s.row = min(s.row, len(s.rows)-1)
	s.top = 0
	s.scroll()
}

func (s *overviewScreen) Reload() tea.Cmd {
	return s.c.load(s, func() func() tea.Cmd {
		gs, err := s.c.Svc.Groups(s.c.Ctx, "")
		return func() tea.Cmd { s.apply(gs, err); return nil }
	})
}

func (s *overviewScreen) apply(gs []domain.GroupInfo, err error) {
	if err != nil {
		s.c.Fail(err)
		return
	}
	s.groups = gs
	s.col = min(s.col, max(0, len(gs)-1))
	s.scroll()
}

func (s *overviewScreen) Dirty() bool     { return false }
func (s *overviewScreen) Capturing() bool { return false }

func (s *overviewScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.scroll()
}

// visibleCols is how many group columns fit beside the labels.
func (s *overviewScreen) visibleCols() int { return max(1, (s.w-overviewLabel)/overviewCol) }

func (s *overviewScreen) scroll() {
	vc := s.visibleCols()
	if s.col < s.left {
		s.left = s.col
	}
	if s.col >= s.left+vc {
		s.left = s.col - vc + 1
	}
	s.left = max(0, min(s.left, len(s.groups)-vc))
	vr := max(1, s.h-3) // title and two header lines
	if s.row < s.top {
		s.top = s.row
	}
	if s.row >= s.top+vr {
		s.top = s.row - vr + 1
	}
	s.top = max(0, min(s.top, len(s.rows)-vr))
}

// cell is what group g holds of privilege p: the mark and, for the status
// line, how.
func cell(g *domain.Group, p *domain.Privilege) (mark, how string) {
	if p.IsModule {
		l := g.Levels[p.Module]
		return strings.ToUpper(l.String()[:1]), "level " + l.String()
	}
	switch {
	case g.Flags.Has(p.Flag):
		how = "ticked"
		if p.Flag == domain.TaskStates {
			how += " (states: " + statesText(g.TaskStates) + ")"
		}
		return "✓", how
	case g.Flags.Closure().Has(p.Flag):
		if by, ok := domain.ImpliedBy(g, p.Flag); ok {
			return "+", "implied by " + by.Info().Label + " (" + by.String() + ", R6)"
		}
		return "+", "implied (R6)"
	}
	if r := domain.DisabledReason(g, p.Flag); r != "" {
		return "", "not held: " + r
	}
	if g.Kind == domain.KindRestricted && !p.RestrictedOK {
		return "", "not offered to restricted groups (R3)"
	}
	return "", "not held"
}

// Hint names the group and privilege under the cursor and how it is held.
func (s *overviewScreen) Hint() string {
	if len(s.groups) == 0 || len(s.rows) == 0 {
		return ""
	}
	g, p := &s.groups[s.col].Group, s.rows[s.row]
	_, how := cell(g, p)
	return fmt.Sprintf("%s · %s (%s): %s", g.Name, p.Label, p.ID, how)
}

func (s *overviewScreen) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	n, a := s.c.Keys.Nav, s.c.Keys.Admin
	switch {
	case key.Matches(k, a.NextCat):
		s.setCategory(s.cat + 1)
	case key.Matches(k, a.PrevCat):
		s.setCategory(s.cat - 1)
	case key.Matches(k, n.Up):
		s.row = max(0, s.row-1)
	case key.Matches(k, n.Down):
		s.row = min(len(s.rows)-1, s.row+1)
	case key.Matches(k, n.Left):
		s.col = max(0, s.col-1)
	case key.Matches(k, n.Right):
		s.col = min(max(0, len(s.groups)-1), s.col+1)
	case key.Matches(k, n.Home):
		s.col = 0
	case key.Matches(k, n.End):
		s.col = max(0, len(s.groups)-1)
	case key.Matches(k, n.Back):
		return switchTo("groups", "")
	}
	s.scroll()
	return nil
}

// badge is the one-word kind of a group under its name.
func badge(g domain.GroupInfo) string {
	switch {
	case g.Admin:
		return "admin"
	case g.BuildingAdmin:
		return "bldg admin"
	case g.Kind == domain.KindRestricted:
		return "restricted"
	case g.Base:
		return "base"
	}
	return ""
}

func (s *overviewScreen) View() string {
	st := s.c.Styles
	vc := s.visibleCols()
	end := min(len(s.groups), s.left+vc)
	title := st.Title.Render("Groups × privileges") +
		fmt.Sprintf(" · %s (%d/%d) · ✓ ticked  + implied  N/V/E level", domain.Categories[s.cat], s.cat+1, len(domain.Categories))
	more := ""
	if s.left > 0 {
		more += fmt.Sprintf("‹ %d more ", s.left)
	}
	if end < len(s.groups) {
		more += fmt.Sprintf("%d more ›", len(s.groups)-end)
	}
	// each header cell is styled on its own: a style around text that
	// already holds escape codes would break them
	names := st.Column.Render(pad("  Privilege", overviewLabel))
	badges := pad("  "+st.Dim.Render(more), overviewLabel)
	for i := s.left; i < end; i++ {
		name := pad(" "+s.groups[i].Name, overviewCol)
		if i == s.col {
			name = st.TabActive.Render(name)
		} else {
			name = st.Column.Render(name)
		}
		names += name
		badges += st.Dim.Render(pad(" "+badge(s.groups[i]), overviewCol))
	}
	lines := []string{pad(title, s.w), names, badges}
	for r := s.top; r < len(s.rows) && len(lines) < s.h; r++ {
		p := s.rows[r]
		label := "  " + p.Label
		if r == s.row {
			label = "▸ " + p.Label
		}
		line := pad(label, overviewLabel)
		if r == s.row {
			line = st.Cursor.Render(line)
		}
		for i := s.left; i < end; i++ {
			mark, _ := cell(&s.groups[i].Group, p)
			c := pad(strings.Repeat(" ", (overviewCol-1)/2)+mark, overviewCol)
			if r == s.row && i == s.col {
				c = st.Cursor.Render(c)
			} else if p.IsModule && mark == "N" {
				c = st.Dim.Render(c)
			}
			line += c
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func (s *overviewScreen) ShortHelp() []key.Binding {
	a, n := s.c.Keys.Admin, s.c.Keys.Nav
	return []key.Binding{a.NextCat, a.PrevCat, n.Left, n.Right, n.Back}
}

func (s *overviewScreen) FullHelp() [][]key.Binding {
	a, n := s.c.Keys.Admin, s.c.Keys.Nav
	return [][]key.Binding{{a.NextCat, a.PrevCat, n.Up, n.Down, n.Left, n.Right, n.Home, n.End, n.Back}}
}

package console

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
)

// column of a table. width is the least it gets; a column grows towards
// the width of its content (at most maxContent cells) when there is room,
// and flex columns (weight > 0) share what is left after that, so the
// column that says most (a title) gets the slack. A column with hideBelow
// is left out of tables narrower than that.
type column struct {
	title     string
	width     int
	flex      int
	hideBelow int
}

// maxContent caps how far a column grows for its content.
const maxContent = 32

// table is the list component of every list screen: a header, rows, a
// cursor (▸) and an optional selection (*) for bulk actions.
type table struct {
	c        *Common
	cols     []column
	rows     [][]string
	keys     []string // one stable key per row (selection survives reloads)
	cursor   int
	offset   int
	selected map[string]bool
	w, h     int
	empty    string
	natural  []int  // widest cell (or title) of each column, set by SetRows
	want     string // a row to put the cursor on when it arrives (Want)
}

func newTable(c *Common, empty string, cols ...column) *table {
	return &table{c: c, cols: cols, empty: empty, selected: map[string]bool{}}
}

// SetRows replaces the rows, keeping the cursor in range and dropping
// selections of rows that are gone. The cursor follows its row when it is
// still there (a row added above does not move it off); when its row is
// gone (deleted) it stays at its place, on the row that came after.
// Cells are stored text: their control characters are shown escaped.
func (t *table) SetRows(keys []string, rows [][]string) {
	prev := t.Key()
	defer func() {
		switch {
		case t.want != "" && slices.Contains(keys, t.want):
			t.SelectKey(t.want)
		case prev != "":
			t.SelectKey(prev)
		}
		t.want = ""
	}()
	for _, r := range rows {
		for i, cell := range r {
			r[i] = domain.Printable(cell)
		}
	}
	t.keys, t.rows = keys, rows
	t.natural = make([]int, len(t.cols))
	for i, c := range t.cols {
		t.natural[i] = lipgloss.Width(c.title)
	}
	for _, r := range rows {
		for i, cell := range r {
			if i < len(t.natural) {
				t.natural[i] = max(t.natural[i], min(lipgloss.Width(cell), maxContent))
			}
		}
	}
	present := map[string]bool{}
	for _, k := range keys {
		present[k] = true
	}
	for k := range t.selected {
		if !present[k] {
			delete(t.selected, k)
		}
	}
	t.clamp()
}

// Key returns the key of the row under the cursor, or "".
func (t *table) Key() string {
	if t.cursor < 0 || t.cursor >= len(t.keys) {
		return ""
	}
	return t.keys[t.cursor]
}

// SelectKey moves the cursor to the row with key k, if present.
func (t *table) SelectKey(k string) {
	for i, kk := range t.keys {
		if kk == k {
			t.cursor = i
			t.clamp()
			return
		}
	}
}

// Want puts the cursor on the row with key k: now when it is there, else
// when the next rows arrive (a reload after a create or duplicate).
func (t *table) Want(k string) {
	t.want = k
	if slices.Contains(t.keys, k) {
		t.SelectKey(k)
		t.want = ""
	}
}

// Selected returns the selected keys in row order, or the cursor's row when
// nothing is selected.
func (t *table) Selected() []string {
	var out []string
	for _, k := range t.keys {
		if t.selected[k] {
			out = append(out, k)
		}
	}
	if len(out) == 0 && t.Key() != "" {
		out = []string{t.Key()}
	}
	return out
}

// ToggleSelect selects or unselects the row under the cursor and moves down.
func (t *table) ToggleSelect() {
	k := t.Key()
	if k == "" {
		return
	}
	if t.selected[k] {
		delete(t.selected, k)
	} else {
		t.selected[k] = true
	}
	t.move(1)
}

// ClearSelection forgets every selected row.
func (t *table) ClearSelection() { t.selected = map[string]bool{} }

func (t *table) SetSize(w, h int) {
	t.w, t.h = w, h
	t.clamp()
}

func (t *table) visible() int { return max(1, t.h-1) }

func (t *table) move(d int) {
	t.cursor += d
	t.clamp()
}

func (t *table) clamp() {
	t.cursor = min(max(t.cursor, 0), max(len(t.rows)-1, 0))
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+t.visible() {
		t.offset = t.cursor - t.visible() + 1
	}
	t.offset = max(0, min(t.offset, len(t.rows)-t.visible()))
}

// Update handles the navigation keys and reports whether it used the key.
func (t *table) Update(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return false
	}
	n := t.c.Keys.Nav
	switch {
	case key.Matches(k, n.Up):
		t.move(-1)
	case key.Matches(k, n.Down):
		t.move(1)
	case key.Matches(k, n.PageUp):
		t.move(-t.visible())
	case key.Matches(k, n.PageDown):
		t.move(t.visible())
	case key.Matches(k, n.Home):
		t.move(-len(t.rows))
	case key.Matches(k, n.End):
		t.move(len(t.rows))
	default:
		return false
	}
	return true
}

// widths resolves the column widths for the current size: -1 for a column
// hidden at this width. Every shown column gets its least width; then
// columns grow towards their content, flex columns first; what is left
// goes to the flex columns by weight.
func (t *table) widths() []int {
	out := make([]int, len(t.cols))
	shown := 0
	for i, c := range t.cols {
		if c.hideBelow > 0 && t.w < c.hideBelow {
			out[i] = -1
			continue
		}
		shown++
	}
	left := t.w - 2 - shown
	want := make([]int, len(t.cols))
	flex := 0
	for i, c := range t.cols {
		if out[i] < 0 {
			continue
		}
		out[i] = c.width
		left -= c.width
		want[i] = c.width
		if i < len(t.natural) {
			want[i] = max(c.width, t.natural[i])
		}
		flex += c.flex
	}
	// one cell a round to every column short of its content, flex
	// columns first in a round: short columns (a room, a state) reach
	// their content early and long ones share the rest
	order := make([]int, 0, len(t.cols))
	for i := range t.cols {
		if out[i] >= 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return t.cols[b].flex - t.cols[a].flex })
	for grew := true; grew && left > 0; {
		grew = false
		for _, i := range order {
			if left > 0 && out[i] < want[i] {
				out[i]++
				left--
				grew = true
			}
		}
	}
	if left > 0 && flex > 0 {
		extra := left
		for i, c := range t.cols {
			if out[i] >= 0 && c.flex > 0 {
				out[i] += extra * c.flex / flex
			}
		}
	}
	return out
}

func (t *table) line(cells []string, ws []int) string {
	parts := make([]string, 0, len(cells))
	for i, cell := range cells {
		if i >= len(ws) {
			break
		}
		if ws[i] >= 0 {
			parts = append(parts, pad(cell, ws[i]))
		}
	}
	return strings.Join(parts, " ")
}

func (t *table) View() string {
	ws := t.widths()
	var b strings.Builder
	titles := make([]string, len(t.cols))
	for i, c := range t.cols {
		titles[i] = c.title
	}
	b.WriteString(t.c.Styles.Column.Render(pad("  "+t.line(titles, ws), t.w)))
	if len(t.rows) == 0 {
		b.WriteString("\n" + t.c.Styles.Dim.Render("  "+t.empty))
		return b.String()
	}
	end := min(len(t.rows), t.offset+t.visible())
	for i := t.offset; i < end; i++ {
		mark := " "
		if t.selected[t.keys[i]] {
			mark = "*"
		}
		row := " " + mark + t.line(t.rows[i], ws)
		if i == t.cursor {
			row = t.c.Styles.Cursor.Render(pad("▸"+mark+t.line(t.rows[i], ws), t.w))
		}
		b.WriteString("\n" + row)
	}
	return b.String()
}

// pad truncates s to w cells (with …) and pads it with spaces.
func pad(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s)))
}

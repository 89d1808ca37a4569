package console

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// helpLines lays out the full help: one block per key group, blocks side
// by side while they fit the width and wrapping onto further rows when
// they do not, each binding shown once.
func (m *Model) helpLines(groups [][]key.Binding) []string {
	st := m.c.Styles.Help
	seen := map[string]bool{}
	var blocks [][]string
	for _, g := range groups {
		var keys, descs []string
		kw := 0
		for _, b := range g {
			h := b.Help()
			id := h.Key + "\x00" + h.Desc
			if !b.Enabled() || h.Key == "" || seen[id] {
				continue
			}
			seen[id] = true
			keys, descs = append(keys, h.Key), append(descs, h.Desc)
			kw = max(kw, lipgloss.Width(h.Key))
		}
		if len(keys) == 0 {
			continue
		}
		block := make([]string, len(keys))
		for i := range keys {
			block[i] = st.FullKey.Render(pad(keys[i], kw)) + " " + st.FullDesc.Render(descs[i])
		}
		blocks = append(blocks, block)
	}
	const gap = "   "
	var out []string
	var row [][]string
	width := func(b []string) int {
		w := 0
		for _, l := range b {
			w = max(w, lipgloss.Width(l))
		}
		return w
	}
	flush := func() {
		if len(row) == 0 {
			return
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		ws := make([]int, len(row))
		h := 0
		for i, b := range row {
			ws[i], h = width(b), max(h, len(b))
		}
		for li := range h {
			var parts []string
			for i, b := range row {
				cell := ""
				if li < len(b) {
					cell = b[li]
				}
				parts = append(parts, pad(cell, ws[i]))
			}
			out = append(out, strings.TrimRight(strings.Join(parts, gap), " "))
		}
		row = nil
	}
	used := 0
	for _, b := range blocks {
		w := width(b)
		if len(row) > 0 && used+len(gap)+w > m.w {
			flush()
			used = 0
		}
		if len(row) > 0 {
			used += len(gap)
		}
		row, used = append(row, b), used+w
	}
	flush()
	return out
}

// helpPage is how many help lines fit under the overlay's title.
func (m *Model) helpPage() int { return max(1, m.mainHeight()-2) }

// fullHelpView is the help overlay, paged when it is taller than the window.
func (m *Model) fullHelpView(groups [][]key.Binding) string {
	lines := m.helpLines(groups)
	m.helpTop = max(0, min(m.helpTop, len(lines)-m.helpPage()))
	end := min(len(lines), m.helpTop+m.helpPage())
	title := m.c.Styles.Title.Render("Keys")
	if len(lines) > m.helpPage() {
		title += m.c.Styles.Dim.Render("  (pgdn/pgup for more)")
	}
	return title + "\n\n" + strings.Join(lines[m.helpTop:end], "\n")
}

// scrollHelp pages the help overlay; any other key closes it.
func (m *Model) scrollHelp(k tea.KeyPressMsg) bool {
	n := m.c.Keys.Nav
	switch {
	case key.Matches(k, n.PageDown), key.Matches(k, n.Down):
		m.helpTop += m.helpPage()
	case key.Matches(k, n.PageUp), key.Matches(k, n.Up):
		m.helpTop = max(0, m.helpTop-m.helpPage())
	default:
		m.helpTop = 0
		return false
	}
	return true
}

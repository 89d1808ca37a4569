package console

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// statesText lists task states for people: "new, reopened", or "none".
func statesText(sts []domain.Status) string {
	if len(sts) == 0 {
		return "none"
	}
	names := make([]string, len(sts))
	for i, st := range sts {
		names[i] = st.String()
	}
	return strings.Join(names, ", ")
}

// statePicker chooses the states of Task Records in States for a group
// draft: members may act on tickets in the ticked states. It edits the
// draft in place; ctrl+s on the group saves it with everything else.
type statePicker struct {
	c      *Common
	g      *domain.Group
	cursor int
}

// Update handles one key and reports whether the picker closes.
func (p *statePicker) Update(k tea.KeyPressMsg) bool {
	n := p.c.Keys.Nav
	switch {
	case key.Matches(k, n.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(k, n.Down):
		p.cursor = min(len(domain.AllStatuses)-1, p.cursor+1)
	case key.Matches(k, p.c.Keys.Matrix.Toggle):
		st := domain.AllStatuses[p.cursor]
		if i := slices.Index(p.g.TaskStates, st); i >= 0 {
			p.g.TaskStates = slices.Delete(p.g.TaskStates, i, i+1)
		} else {
			p.g.TaskStates = append(p.g.TaskStates, st)
			slices.SortFunc(p.g.TaskStates, func(a, b domain.Status) int {
				return slices.Index(domain.AllStatuses, a) - slices.Index(domain.AllStatuses, b)
			})
		}
	case key.Matches(k, n.Open), key.Matches(k, n.Back):
		return true
	}
	return false
}

func (p *statePicker) View() string {
	st := p.c.Styles
	lines := []string{
		st.Title.Render("Task Records in States") + " · group " + p.g.Name,
		"Members may act on tickets whose status is ticked here (task.states).",
		"",
	}
	for i, s := range domain.AllStatuses {
		box := "[ ]"
		if slices.Contains(p.g.TaskStates, s) {
			box = "[x]"
		}
		line := " " + box + " " + s.String()
		if i == p.cursor {
			line = st.Cursor.Render("▸" + box + " " + s.String())
		}
		lines = append(lines, line)
	}
	return strings.Join(append(lines, "", st.Dim.Render("enter or esc returns to the matrix; ctrl+s saves the group")), "\n")
}

func (p *statePicker) ShortHelp() []key.Binding {
	n := p.c.Keys.Nav
	done := n.Open
	done.SetHelp("enter/esc", "done")
	return []key.Binding{p.c.Keys.Matrix.Toggle, n.Up, n.Down, done, n.Save}
}

// openStates opens the task-state picker when the draft holds Task
// Records in States, or says what to tick first.
func (d *groupDetail) openStates() {
	if !d.draft.Flags.Has(domain.TaskStates) {
		d.c.Fail(domain.Errorf(domain.EInvalid, "tick Task Records in States (task.states) first: the states say where it applies"))
		return
	}
	d.states = &statePicker{c: d.c, g: &d.draft}
}

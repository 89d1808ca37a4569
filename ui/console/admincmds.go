package console

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// adminCommands are the palette entries of view-as, the groups overview,
// notices and task states; add registers an entry when its screen is
// allowed for the acting user.
func adminCommands(m *Model, add func(screen, title string, then func(s Screen) tea.Cmd)) {
	add("overview", "groups × privileges overview (all groups side by side)", nil)
	a := &m.c.Access
	if a.Level(domain.ModNotices) >= domain.LevelEdit {
		add("notices", "new notice", func(s Screen) tea.Cmd {
			s.(*noticesScreen).openForm(domain.Notice{})
			return nil
		})
	}
	if a.Level(domain.ModGroups) >= domain.LevelEdit {
		add("groups", "task states of a group (open it, highlight Task Records in States, s)", nil)
	}
	if canViewAs(m.c) {
		add("users", "view as a user (highlight one, v; esc leaves)", nil)
	}
}

// openScreen switches to a palette screen from a key on another screen, or
// says why the acting user cannot open it (never a silent no-op).
func openScreen(c *Common, id string) tea.Cmd {
	d, ok := screenByID(id)
	if !ok {
		return nil
	}
	if !d.allowed(&c.Access) {
		c.Fail(d.refusal(&c.Access))
		return nil
	}
	return switchTo(id, "")
}

// screenKey is k for help bars when the screen id is allowed, else nothing.
func screenKey(c *Common, id string, k key.Binding) []key.Binding {
	if d, ok := screenByID(id); ok && d.allowed(&c.Access) {
		return []key.Binding{k}
	}
	return nil
}

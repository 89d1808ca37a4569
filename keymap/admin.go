package keymap

import "charm.land/bubbles/v2/key"

// Admin holds the keys of the admin extras: view-as, the groups ×
// privileges overview, team notices and task states.
type Admin struct {
	ViewAs      key.Binding // browse the console as the highlighted user
	LeaveViewAs key.Binding
	Overview    key.Binding // groups × privileges, from the Groups screen
	Notices     key.Binding // team notices, from the Teams screen
	NextCat     key.Binding // overview: next category
	PrevCat     key.Binding
	States      key.Binding // choose the task states of Task Records in States
}

func defaultAdmin() Admin {
	return Admin{
		ViewAs:      key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "view as")),
		LeaveViewAs: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "leave view-as")),
		Overview:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "overview")),
		Notices:     key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "notices")),
		NextCat:     key.NewBinding(key.WithKeys("tab", "]"), key.WithHelp("tab/]", "next category")),
		PrevCat:     key.NewBinding(key.WithKeys("shift+tab", "["), key.WithHelp("shift+tab/[", "previous category")),
		States:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "task states")),
	}
}

// Package keymap holds every key binding of the console with its help text,
// so the help bar, the help overlay and the handlers read one table and a
// key is never spelled twice (DESIGN.md, "Screens and keys").
package keymap

import "charm.land/bubbles/v2/key"

// Global keys work on every screen unless a text field has focus.
type Global struct {
	Screens   key.Binding // 1…9
	NextPane  key.Binding
	PrevPane  key.Binding
	Help      key.Binding
	Palette   key.Binding
	Quit      key.Binding
	ForceQuit key.Binding
}

// Nav moves through lists, grids and tabs.
type Nav struct {
	Up       key.Binding
	Down     key.Binding
	Left     key.Binding
	Right    key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
	Open     key.Binding
	Back     key.Binding
	Filter   key.Binding
	Save     key.Binding
}

// List acts on the rows of a list screen.
type List struct {
	New        key.Binding
	Edit       key.Binding
	Delete     key.Binding
	Select     key.Binding
	Deactivate key.Binding
	Duplicate  key.Binding
	Terminate  key.Binding
	Join       key.Binding
	Leave      key.Binding
	Repair     key.Binding
	Explain    key.Binding
}

// Matrix edits a group's privileges.
type Matrix struct {
	Toggle key.Binding
	All    key.Binding
	Preset key.Binding
	WhatIf key.Binding
}

// Form moves between fields and submits.
type Form struct {
	Next   key.Binding
	Prev   key.Binding
	Toggle key.Binding
	Submit key.Binding
	Cancel key.Binding
	// Newline breaks a line in a multi-line field, where Next/Prev's
	// arrows move between lines and only LeaveNext/LeavePrev leave it.
	Newline   key.Binding
	LeaveNext key.Binding
	LeavePrev key.Binding
}

// Confirm answers a yes/no dialog.
type Confirm struct {
	Yes key.Binding
	No  key.Binding
}

// Picker moves through the command palette's matches while typing.
type Picker struct {
	Up     key.Binding
	Down   key.Binding
	Choose key.Binding
	Close  key.Binding
	// Take puts a form picker's highlighted match into its field.
	Take key.Binding
}

// KeyMap is the whole console's bindings.
type KeyMap struct {
	Global   Global
	Nav      Nav
	List     List
	Matrix   Matrix
	Form     Form
	Confirm  Confirm
	Picker   Picker
	Admin    Admin
	Gov      Governance
	Account  Account
	Tickets  TicketKeys
	Collab   CollabKeys
	Import   ImportKeys
	File     FileKeys
	Conflict ConflictKeys
}

// Default is the binding set of DESIGN.md.
func Default() KeyMap {
	return KeyMap{
		Global: Global{
			Screens:   key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1…9", "screens")),
			NextPane:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
			PrevPane:  key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
			Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
			Palette:   key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "commands")),
			Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
			ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit now")),
		},
		Nav: Nav{
			Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
			Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
			Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
			Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
			PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
			PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
			Home:     key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first")),
			End:      key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last")),
			Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
			Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
			Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
			Save:     key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		},
		List: List{
			New:        key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new")),
			Edit:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
			Delete:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
			Select:     key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
			Deactivate: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "deactivate")),
			Duplicate:  key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "duplicate")),
			Terminate:  key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "terminate")),
			Join:       key.NewBinding(key.WithKeys("J"), key.WithHelp("J", "join group")),
			Leave:      key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "leave group")),
			Repair:     key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "repair")),
			Explain:    key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "effective access")),
		},
		Matrix: Matrix{
			Toggle: key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "toggle/cycle")),
			All:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all in category")),
			Preset: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "preset")),
			WhatIf: key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "what-if")),
		},
		Form: Form{
			Next:      key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next field")),
			Prev:      key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous field")),
			Toggle:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "toggle/cycle")),
			Submit:    key.NewBinding(key.WithKeys("ctrl+s", "enter"), key.WithHelp("enter/ctrl+s", "save")),
			Cancel:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
			Newline:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "new line")),
			LeaveNext: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
			LeavePrev: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		},
		Confirm: Confirm{
			Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
			No:  key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),
		},
		Picker: Picker{
			Up:     key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↑", "previous")),
			Down:   key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓", "next")),
			Choose: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
			Close:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
			Take:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "take")),
		},
		Admin:    defaultAdmin(),
		Gov:      defaultGovernance(),
		Account:  defaultAccount(),
		Tickets:  defaultTicketKeys(),
		Collab:   defaultCollabKeys(),
		Import:   defaultImportKeys(),
		File:     defaultFileKeys(),
		Conflict: defaultConflictKeys(),
	}
}

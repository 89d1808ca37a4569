package keymap

import "charm.land/bubbles/v2/key"

// FileKeys are the Data file screen's: back up, check and repair the file
// the console has open (only possible from inside the process that holds
// it).
type FileKeys struct {
	Backup key.Binding
	Check  key.Binding
	Repair key.Binding
}

func defaultFileKeys() FileKeys {
	return FileKeys{
		Backup: key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "back up")),
		Check:  key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "check")),
		Repair: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "repair")),
	}
}

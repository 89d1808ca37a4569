package keymap

import "charm.land/bubbles/v2/key"

// ImportKeys drive the bulk user import from the Users screen: type the
// CSV file's path, read it into a dry-run preview, fix the file and read
// it again, then confirm. Nothing is written before the confirmation.
type ImportKeys struct {
	Open    key.Binding // on the Users screen (users:edit)
	Read    key.Binding // in the path field: read the file, dry run
	Reread  key.Binding // in the preview: read the same path again
	Path    key.Binding // in the preview: back to the path field, path kept
	Confirm key.Binding // on a clean preview: asks "Import N users…?"
	Cancel  key.Binding // anywhere before the import starts
}

func defaultImportKeys() ImportKeys {
	return ImportKeys{
		Open:    key.NewBinding(key.WithKeys("I"), key.WithHelp("I", "import users (CSV)")),
		Read:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "read and preview")),
		Reread:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-read file")),
		Path:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit path")),
		Confirm: key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y/enter", "import")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

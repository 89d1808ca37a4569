package keymap

import "charm.land/bubbles/v2/key"

// ConflictKeys answer the conflict screen: a save refused because someone
// else changed, since the form or matrix opened, a field the edit changes
// too. Each such field keeps yours or takes theirs; then the edit is saved
// again, or dropped whole. The draft behind it is never touched until then.
type ConflictKeys struct {
	Mine      key.Binding // keep your value of the highlighted field
	Theirs    key.Binding // take theirs (the stored value)
	AllMine   key.Binding // keep yours for every field
	AllTheirs key.Binding // take theirs for every field
	Save      key.Binding // save again with the choices, on the version now stored
	Discard   key.Binding // drop the whole edit (asks) and read the record again
	Back      key.Binding // back to the draft, nothing saved
}

func defaultConflictKeys() ConflictKeys {
	return ConflictKeys{
		Mine:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "keep yours")),
		Theirs:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "take theirs")),
		AllMine:   key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "yours for all")),
		AllTheirs: key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "theirs for all")),
		Save:      key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Discard:   key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "discard edit")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to draft")),
	}
}

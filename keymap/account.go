package keymap

import "charm.land/bubbles/v2/key"

// AccountKeys are the My account screen's (own notification opt-outs and
// password) and the Home key that opens it.
type AccountKeys struct {
	Open     key.Binding // on Home
	Toggle   key.Binding
	Password key.Binding
}

func defaultAccountKeys() AccountKeys {
	return AccountKeys{
		Open:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "my account")),
		Toggle:   key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "notify on/off")),
		Password: key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "change password")),
	}
}

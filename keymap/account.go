package keymap

import "charm.land/bubbles/v2/key"

// Account holds the keys of the acting user's own account screen, and the
// Home key that opens it.
type Account struct {
	Open     key.Binding // on Home
	Password key.Binding // change one's own password
	Notify   key.Binding // one's own notification opt-outs
}

func defaultAccount() Account {
	return Account{
		Open:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "my account")),
		Password: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "change my password")),
		Notify:   key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "notifications")),
	}
}

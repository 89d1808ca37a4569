package keymap

import "charm.land/bubbles/v2/key"

// Account holds the keys of the acting user's own account screen.
type Account struct {
	Password key.Binding // change one's own password
}

func defaultAccount() Account {
	return Account{Password: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "change my password"))}
}

package keymap

import "charm.land/bubbles/v2/key"

// Governance holds the keys of guards, access requests and review
// campaigns (Access review screen).
type Governance struct {
	Approve key.Binding // approve the highlighted access request
	Deny    key.Binding // deny it, with a reason
	Keep    key.Binding // review checklist: keep the membership
	Revoke  key.Binding // review checklist: revoke it now
}

func defaultGovernance() Governance {
	return Governance{
		Approve: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "approve")),
		Deny:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "deny")),
		Keep:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "keep")),
		Revoke:  key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "revoke")),
	}
}

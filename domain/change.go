package domain

// Change is published after a write commits, so other screens and SSH
// sessions refresh (never before commit: a rolled-back write sends nothing).
type Change struct {
	Entity string // "group", "user", "team", "building", "ticket", "org", …
	ID     ID
	Action string
	Actor  ID
}

// ChangeFeed delivers changes to subscribers. Slow subscribers miss
// changes rather than block writers; a screen refreshes on any change.
type ChangeFeed interface {
	Subscribe() (changes <-chan Change, cancel func())
}

package keymap

import "charm.land/bubbles/v2/key"

// CollabKeys drive the ticket detail's Discussion, Attachments and Alerts
// tabs, the Metrics screen and custom reports. The detail's tabs claim their
// keys before the ticket actions, so r replies there instead of reassigning.
type CollabKeys struct {
	NewThread  key.Binding // discussion: start a thread
	Reply      key.Binding // discussion: post to the thread or reply to the message
	EditPost   key.Binding
	DeletePost key.Binding // a message, or a thread with its messages
	AddFile    key.Binding // attachments: attach a file by path
	SaveFile   key.Binding // attachments: write the highlighted one to a path
	DeleteFile key.Binding
	EditAlerts key.Binding

	Range     key.Binding // metrics: cycle last 30/90/365 days
	Filters   key.Binding // metrics: dates, building, problem type
	SaveChart key.Binding // metrics: save the current chart for a group
	Charts    key.Binding // metrics: the group's saved charts and layout
	MoveUp    key.Binding // layout: move the highlighted chart up
	MoveDown  key.Binding
	Delete    key.Binding // layout: delete a saved chart
	Load      key.Binding // layout: show the highlighted chart

	Report key.Binding // saved queries: run as a custom report (CSV or text, in a format)
}

func defaultCollabKeys() CollabKeys {
	return CollabKeys{
		NewThread:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new thread")),
		Reply:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reply")),
		EditPost:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit message")),
		DeletePost: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		AddFile:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "attach file")),
		SaveFile:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save to path")),
		DeleteFile: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		EditAlerts: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit alerts")),

		Range:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "30/90/365 days")),
		Filters:   key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "dates & filters")),
		SaveChart: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save for group")),
		Charts:    key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "group charts & layout")),
		MoveUp:    key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K", "move up")),
		MoveDown:  key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J", "move down")),
		Delete:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete chart")),
		Load:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "show")),

		Report: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "report")),
	}
}

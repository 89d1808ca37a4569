package keymap

import "charm.land/bubbles/v2/key"

// TicketKeys act on the highlighted ticket of the triage queue and the
// ticket detail, and drive the queue's filters (DESIGN.md "Tickets").
type TicketKeys struct {
	Assign   key.Binding
	Reassign key.Binding
	// AskReassign: the assignee asks to be taken off; a reassigner declines
	AskReassign key.Binding
	Start       key.Binding
	Work        key.Binding
	Close       key.Binding
	Reopen      key.Binding
	Priority    key.Binding
	Report      key.Binding
	Delete      key.Binding
	Select      key.Binding
	Edit        key.Binding
	Clone       key.Binding
	Visibility  key.Binding
	Filters     key.Binding
	Sort        key.Binding
	Saved       key.Binding
	Bulk        key.Binding
	Mine        key.Binding
	Unassigned  key.Binding
	Overdue     key.Binding
}

// defaultTicketKeys are the single keys technicians use all day.
func defaultTicketKeys() TicketKeys {
	return TicketKeys{
		Assign:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "assign")),
		Reassign:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reassign")),
		AskReassign: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "reassignment request")),
		Start:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "start")),
		Work:        key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "work report")),
		Close:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "close")),
		Reopen:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "reopen")),
		Priority:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "priority")),
		Report:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "report")),
		Delete:      key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete closed")),
		Select:      key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
		Edit:        key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Clone:       key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "clone")),
		Visibility:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "visible to")),
		Filters:     key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filters")),
		Sort:        key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "sort")),
		Saved:       key.NewBinding(key.WithKeys("Q"), key.WithHelp("Q", "saved queries")),
		Bulk:        key.NewBinding(key.WithKeys("B"), key.WithHelp("B", "bulk action")),
		Mine:        key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mine")),
		Unassigned:  key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unassigned")),
		Overdue:     key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "overdue")),
	}
}

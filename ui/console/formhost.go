package console

import tea "charm.land/bubbletea/v2"

// updateForm passes msg to the open form *fp, the block every list screen
// with a create/edit form repeats: esc closes the form, a valid submit runs
// submit (which closes it on success and keeps it, with the typed text, on
// a refusal).
func updateForm(fp **form, msg tea.Msg, submit func() tea.Cmd) tea.Cmd {
	submitted, cancel, cmd := (*fp).Update(msg)
	switch {
	case cancel:
		*fp = nil
	case submitted:
		return tea.Batch(cmd, submit())
	}
	return cmd
}

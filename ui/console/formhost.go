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

// formDone ends a form submit: on err the form stays open and the status
// line says why; otherwise the form closes, ok is reported and reload runs.
func formDone(c *Common, fp **form, ok string, err error, reload func() tea.Cmd) tea.Cmd {
	if err != nil {
		c.Fail(err)
		return nil
	}
	*fp = nil
	c.Ok("%s", ok)
	return reload()
}

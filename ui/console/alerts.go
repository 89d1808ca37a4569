package console

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// alertsPane shows a ticket's alert settings (View Alert Settings); e edits
// them (Edit Alert Settings, or Edit Own Alert Settings on one's tickets).
type alertsPane struct {
	c      *Common
	t      domain.TicketRow
	v      domain.AlertView
	hidden bool
	err    error
	w, h   int
	paneForm
}

func newAlertsPane(c *Common) *alertsPane { return &alertsPane{c: c} }

// mayView: any of the three alert privileges reads the settings; the
// store decides (an Edit Own holder reads only their tickets' settings).
func (p *alertsPane) mayView() bool {
	a := &p.c.Access
	return a.Has(domain.AlertsView) || a.Has(domain.AlertsEdit) || a.Has(domain.AlertsEditOwn)
}

// editRefusal is why the actor may not edit this ticket's alerts, or nil;
// the same rule the store applies, so the form is not offered in vain.
func (p *alertsPane) editRefusal() error {
	a := &p.c.Access
	switch {
	case a.Has(domain.AlertsEdit):
		return nil
	case a.Has(domain.AlertsEditOwn) && p.t.Ticket.Assignee == a.UserID:
		return nil
	case a.Has(domain.AlertsEditOwn):
		return domain.Errorf(domain.EForbidden, "%s may edit alert settings only on tickets assigned to them (Edit Own Alert Settings)", a.Username)
	}
	return a.Require(domain.AlertsEdit)
}

func (p *alertsPane) reader(n domain.TicketNumber) func() func() {
	return func() func() {
		// whether the actor may view depends on the ticket just read: read
		// anyway, Load hides it (the store refuses what is not allowed)
		v, err := p.c.Svc.Alerts(p.c.Ctx, n)
		return func() { p.v, p.err = v, err }
	}
}

func (p *alertsPane) Load(t *domain.TicketDetail) {
	p.t = t.TicketRow
	p.hidden = !p.mayView()
	if p.hidden {
		p.v, p.err = domain.AlertView{}, nil
	}
}

func (p *alertsPane) Capturing() bool { return p.form != nil }

func (p *alertsPane) Claims(k tea.KeyPressMsg) bool {
	return key.Matches(k, p.c.Keys.Collab.EditAlerts)
}

func (p *alertsPane) Update(msg tea.Msg) tea.Cmd {
	if p.form != nil {
		var submit tea.Cmd
		cmd := updateForm(&p.form, msg, func() tea.Cmd { submit = p.submit(); return nil })
		return tea.Batch(cmd, submit)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !key.Matches(k, p.c.Keys.Collab.EditAlerts) {
		return nil
	}
	if err := p.editRefusal(); err != nil {
		p.c.Fail(err)
		return nil
	}
	days := ""
	if p.v.Days > 0 {
		days = strconv.Itoa(p.v.Days)
	}
	on := p.v.Enabled || p.v.Days == 0
	p.form = newForm(p.c, "Alert settings of "+p.t.Label).
		text("Days", days, "days without a state change", func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 3650 {
				return domain.Errorf(domain.EInvalid, "days: a number from 1 to 3650")
			}
			return nil
		}).
		pickMany("Users", strings.Join(p.v.UserNames, ", "), "usernames, comma separated", nil, p.c.userChoices).
		pickMany("Groups", strings.Join(p.v.GroupNames, ", "), "group names, comma separated", nil, p.c.groupChoices).
		toggle("Enabled", on)
	p.form.note = "notify these users and groups when the ticket has not changed state for the days"
	p.busy = false
	p.form.SetSize(p.w, p.h)
	return nil
}

// splitNames reads a comma-separated list, dropping empty entries.
func splitNames(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func (p *alertsPane) submit() tea.Cmd {
	if p.busy {
		return nil
	}
	p.busy = true
	f, svc, t := p.form, p.c.Svc, p.t
	days, _ := strconv.Atoi(f.Value(0))
	users, groups, on := splitNames(f.Value(1)), splitNames(f.Value(2)), f.On(3)
	return collabDo(f, func() (string, error) {
		return "saved the alert settings of " + t.Label, svc.SetAlerts(p.c.Ctx, t.Number, days, users, groups, on)
	})
}

func (p *alertsPane) View() string {
	st := p.c.Styles
	if p.form != nil {
		v := p.form.View()
		if p.busy {
			v += "\n" + st.Dim.Render("saving…")
		}
		return v
	}
	if p.hidden {
		return hiddenLine(p.c, "alert settings", domain.AlertsView)
	}
	if p.err != nil {
		return st.Error.Render("✗ " + errText(p.err))
	}
	v := p.v
	lines := []string{st.Title.Render("Alert settings")}
	if v.Days == 0 {
		lines = append(lines, st.Dim.Render("no alert set on "+p.t.Label))
	} else {
		enabled := "no"
		if v.Enabled {
			enabled = "yes"
		}
		lines = append(lines,
			"Enabled   "+enabled,
			fmt.Sprintf("Days      %d  (alert when the ticket has not changed state for %s)", v.Days, plural(v.Days, "day")),
			"Users     "+dash(strings.Join(v.UserNames, ", ")),
			"Groups    "+dash(strings.Join(v.GroupNames, ", ")))
		if !v.SentFor.IsZero() {
			lines = append(lines, "Last sent for the state of "+p.c.stamp(v.SentFor))
		}
	}
	lines = append(lines, "")
	if err := p.editRefusal(); err != nil {
		lines = append(lines, st.Dim.Render("editing: "+errText(err)))
	} else {
		lines = append(lines, st.Dim.Render("e edits the alert settings"))
	}
	return strings.Join(lines, "\n")
}

func (p *alertsPane) SetSize(w, h int) {
	p.w, p.h = w, h
	if p.form != nil {
		p.form.SetSize(w, h)
	}
}

func (p *alertsPane) ShortHelp() []key.Binding {
	if p.form != nil {
		return p.form.ShortHelp()
	}
	if p.hidden || p.editRefusal() != nil {
		return nil
	}
	return []key.Binding{p.c.Keys.Collab.EditAlerts}
}

func (p *alertsPane) FullHelp() [][]key.Binding { return nil }

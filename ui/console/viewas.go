package console

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// View-as: an administrator browses the console as another user would see
// it. The shell runs a second console bound to that user's read-only
// service (Config.ViewAs: the store decides who may view as whom, records
// it, and refuses every change), draws a banner over its header, and leaves
// on esc once the viewed console has nothing left to back out of.

// viewAsMsg asks the shell to browse as user.
type viewAsMsg struct{ user string }

func viewAs(user string) tea.Cmd { return func() tea.Msg { return viewAsMsg{user: user} } }

// canViewAs: view-as is offered to holders of users:view and superusers,
// when the shell can open other users' sessions.
func canViewAs(c *Common) bool {
	a := &c.Access
	return c.viewAsOK && (a.Superuser || a.Level(domain.ModUsers) >= domain.LevelView)
}

// viewAsKeys is the view-as key for help bars, or nothing when not offered.
func viewAsKeys(c *Common) []key.Binding {
	if canViewAs(c) {
		return []key.Binding{c.Keys.Admin.ViewAs}
	}
	return nil
}

// startViewAs opens the viewed console in a command, or says why not. The
// store checks and audits view-as (a write) and the viewed console reads
// its user, so neither runs in Update: until they are done the status
// line says "opening view-as …" and the screen's own keys wait, as they
// do while a form opens, then act on what is shown (the viewed console).
func (m *Model) startViewAs(user string) tea.Cmd {
	a := &m.c.Access
	switch {
	case m.cfg.ViewAs == nil:
		m.c.Fail(domain.Errorf(domain.EForbidden, "view-as is not available here (already viewing as someone?)"))
		return nil
	case !canViewAs(m.c):
		m.c.Fail(domain.Errorf(domain.EForbidden, "%s cannot view as other users: view-as needs users:view", a.Username))
		return nil
	}
	open, ctx := m.cfg.ViewAs, m.c.Ctx
	cfg := Config{Now: m.cfg.Now, Context: ctx, NoColor: m.cfg.NoColor, Light: !m.dark, Keys: m.cfg.Keys}
	m.opening = domain.Printable(user)
	return m.c.open(m.screen(), func() func() tea.Cmd {
		svc, err := open(ctx, user)
		var in *Model
		if err == nil {
			cfg.Service = svc
			in = New(cfg).(*Model)
		}
		return func() tea.Cmd {
			m.opening = ""
			if err != nil {
				m.c.Fail(err)
				return nil
			}
			// the size may start a load of its own (Home's charts)
			_, cmd := in.Update(tea.WindowSizeMsg{Width: m.w, Height: m.h})
			m.viewAs = in // Update then runs its first load
			return cmd
		}
	})
}

// atRest reports that the viewed console has no dialog, palette, help or
// text field open: esc then belongs to the screen, or leaves.
func (m *Model) atRest() bool {
	return m.confirm == nil && m.pal == nil && !m.showAll && !m.screen().Capturing()
}

// updateViewAs routes msg while viewing as someone. It reports whether the
// message is used up; otherwise the shell handles it too (size, colors,
// live changes, quitting).
func (m *Model) updateViewAs(msg tea.Msg) (tea.Cmd, bool) {
	in := m.viewAs
	switch msg := msg.(type) {
	case tea.WindowSizeMsg, tea.BackgroundColorMsg, changeMsg:
		_, cmd := in.Update(msg)
		return cmd, false
	case feedClosedMsg, quitMsg, loadedMsg, actorMsg:
		// loads carry their own target: the shell applies them
		return nil, false
	case tea.KeyPressMsg:
		if key.Matches(msg, m.c.Keys.Global.ForceQuit) {
			return nil, false
		}
		if key.Matches(msg, m.c.Keys.Admin.LeaveViewAs) && in.atRest() {
			// esc first backs out inside the viewed screen (a detail, a
			// selection, a filter); when it changes nothing, it leaves.
			active, before := in.active, in.screen().View()
			_, cmd := in.Update(msg)
			if cmd == nil && in.active == active && in.screen().View() == before {
				in.stop() // its running work ends with it
				m.viewAs = nil
				m.c.Ok("left view-as %s", in.c.Access.Username)
				cmds := []tea.Cmd{cmd, m.refreshActor()}
				if s := m.screen(); s != nil {
					s.SetSize(m.w, m.mainHeight())
					cmds = append(cmds, s.Reload())
				}
				return tea.Batch(cmds...), true
			}
			return cmd, true
		}
	}
	_, cmd := in.Update(msg)
	return cmd, true
}

// viewAsBanner replaces the viewed console's header: whose eyes, read-only,
// and the key that leaves.
func (m *Model) viewAsBanner() string {
	in := m.viewAs
	u := in.actor
	who := u.Username
	if n := u.Name(); n != u.Username {
		who += " (" + n + ")"
	}
	text := " VIEWING AS " + who + " — read-only — " + m.c.Keys.Admin.LeaveViewAs.Help().Key + " to leave"
	if in.role != "" {
		text += " · " + in.role
	}
	return m.c.Styles.Warn.Reverse(true).Render(pad(text, m.w))
}

func (m *Model) viewAsView() tea.View {
	v := m.viewAs.View()
	if m.w < minWidth || m.h < minHeight {
		return v
	}
	lines := strings.SplitN(v.Content, "\n", 2)
	lines[0] = m.viewAsBanner()
	v.SetContent(safeFrame(strings.Join(lines, "\n")))
	return v
}

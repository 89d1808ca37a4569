// Package console is gatehouse's full-screen Bubble Tea console: a shell
// (header, tab bar, main pane, status line, help bar, help overlay, command
// palette) around screens that call domain.Service only. The same model runs
// on the local terminal (Run) and per SSH session (New).
package console

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
	"gatehouse/keymap"
)

// Config is what the console needs; zero values are sensible.
type Config struct {
	Service domain.Service    // acting user's service
	Feed    domain.ChangeFeed // live refresh; may be nil
	// Context ends live refresh when done (the SSH session's context);
	// nil means context.Background().
	Context context.Context
	// Now is the clock for expiry dates and the access review; default time.Now.
	Now func() time.Time
	// NoColor drops colors and keeps bold/faint/reverse (NO_COLOR). Run sets
	// it from the environment; the SSH server from the session's.
	NoColor bool
	// Light starts with light-background colors until the terminal answers
	// the background color query.
	Light bool
	// ViewAs opens another user's read-only service for "view as", for the
	// acting user: the store checks and audits it and refuses every change
	// (store.DB.ViewAs). nil turns view-as off.
	ViewAs func(ctx context.Context, username string) (domain.Service, error)
	// Remote is set for SSH sessions: the console then runs in the server,
	// where a typed file path would reach the server's files with the
	// server's permissions, so reading and writing files is refused.
	Remote bool
	// JobFailures lists the periodic jobs' latest failures, shown on the
	// Data file screen; nil shows none.
	JobFailures func() []string
	// StartOnHome opens Home whatever the user's start screen (the demo).
	StartOnHome bool
	// Keys are the bindings (keymap.Load: the defaults with the keymap
	// file's overrides); nil means keymap.Default().
	Keys *keymap.KeyMap
}

// screenDef describes a screen: its number key (0: palette only), whether
// the acting user may open it, and how to build it.
type screenDef struct {
	id      string
	num     int
	title   string
	short   string // the title in a narrow tab bar, when it differs
	needs   string // the privilege allowed checks, for refusals
	allowed func(a *domain.Access) bool
	build   func(c *Common) Screen
}

func levelAtLeast(m domain.Module) func(a *domain.Access) bool {
	return func(a *domain.Access) bool { return a.Level(m) >= domain.LevelView }
}

// screens in DESIGN.md order; number keys are fixed even when a screen is
// not offered to the acting user.
var screens = []screenDef{
	{id: "home", num: 1, title: "Home", allowed: func(*domain.Access) bool { return true }, build: func(c *Common) Screen { return newHomeScreen(c) }},
	{id: "tickets", num: 2, title: "Tickets", allowed: func(*domain.Access) bool { return true }, build: func(c *Common) Screen { return newTicketsScreen(c) }},
	{id: "outbox", title: "Outbox", allowed: func(*domain.Access) bool { return true }, build: func(c *Common) Screen { return newOutboxScreen(c) }},
	{id: "schedules", title: "Scheduled tasks", needs: "Schedules (schedules:view)", allowed: levelAtLeast(domain.ModSchedules), build: func(c *Common) Screen { return newSchedulesScreen(c) }},
	{id: "groups", num: 3, title: "Groups", needs: "Manage Groups (groups:view)", allowed: levelAtLeast(domain.ModGroups), build: func(c *Common) Screen { return newGroupsScreen(c) }},
	{id: "users", num: 4, title: "Users", needs: "Manage Users or Manage Technicians (users:view or technicians:view)", allowed: func(a *domain.Access) bool {
		return a.Level(domain.ModUsers) >= domain.LevelView || a.Level(domain.ModTechnicians) >= domain.LevelView
	}, build: func(c *Common) Screen { return newUsersScreen(c) }},
	{id: "importusers", title: "Import users", needs: "Manage Users (users:edit)", allowed: canImportUsers, build: func(c *Common) Screen { return newImportScreen(c) }},
	{id: "teams", num: 5, title: "Teams", needs: "Team Management (teams:view)", allowed: levelAtLeast(domain.ModTeams), build: func(c *Common) Screen { return newTeamsScreen(c) }},
	{id: "buildings", num: 6, title: "Buildings", short: "Bldgs", needs: "Manage Buildings (buildings:view)", allowed: levelAtLeast(domain.ModBuildings), build: func(c *Common) Screen { return newBuildingsScreen(c) }},
	{id: "review", num: 7, title: "Access review", short: "Access", needs: "Manage Users or Manage Groups (users:view or groups:view)", allowed: func(a *domain.Access) bool {
		return a.Level(domain.ModUsers) >= domain.LevelView || a.Level(domain.ModGroups) >= domain.LevelView
	}, build: func(c *Common) Screen { return newAccessReviewScreen(c) }},
	{id: "audit", num: 8, title: "Audit", needs: "History (history)", allowed: func(a *domain.Access) bool { return a.Has(domain.History) },
		build: func(c *Common) Screen { return newAuditScreen(c) }},
	{id: "settings", num: 9, title: "Settings", needs: "Manage Organization, Reporting or Appearance (organization:view, reporting:view or appearance:view)", allowed: func(a *domain.Access) bool {
		return a.Level(domain.ModOrganization) >= domain.LevelView || a.Level(domain.ModReporting) >= domain.LevelView ||
			a.Level(domain.ModAppearance) >= domain.LevelView
	}, build: func(c *Common) Screen { return newSettingsScreen(c) }},
	{id: "account", title: "My account", allowed: func(*domain.Access) bool { return true },
		build: func(c *Common) Screen { return newAccountScreen(c) }},
	{id: "requests", title: "Access requests", allowed: func(*domain.Access) bool { return true },
		build: func(c *Common) Screen { return newRequestsPane(c) }},
	{id: "access", title: "Effective access", allowed: func(*domain.Access) bool { return true },
		build: func(c *Common) Screen { return newAccessScreen(c) }},
	{id: "overview", title: "Groups overview", needs: "Manage Groups (groups:view)", allowed: levelAtLeast(domain.ModGroups), build: func(c *Common) Screen { return newOverviewScreen(c) }},
	{id: "notices", title: "Notices", needs: "Notices (notices:view)", allowed: levelAtLeast(domain.ModNotices), build: func(c *Common) Screen { return newNoticesScreen(c) }},
	{id: "metrics", title: "Metrics", needs: "Metrics (metrics.run)", allowed: func(a *domain.Access) bool { return a.Has(domain.MetricsRun) }, build: func(c *Common) Screen { return newMetricsScreen(c) }},
	{id: "datafile", title: "Data file", needs: "a superuser", allowed: func(a *domain.Access) bool { return a.Superuser }, build: func(c *Common) Screen { return newDataFileScreen(c) }},
}

// refusal says why a cannot open the screen, naming the privilege.
func (d screenDef) refusal(a *domain.Access) error {
	return domain.Errorf(domain.EForbidden, "%s cannot open %s: it needs %s", a.Username, d.title, d.needs)
}

func screenByID(id string) (screenDef, bool) {
	for _, d := range screens {
		if d.id == id {
			return d, true
		}
	}
	return screenDef{}, false
}

// Model is the whole console for one acting user.
type Model struct {
	c       *Common
	cfg     Config
	built   map[string]Screen
	active  string
	w, h    int
	help    help.Model
	showAll bool
	pal     *palette
	confirm *askMsg
	org     string
	role    string
	changes <-chan domain.Change
	cancel  func()
	stop    context.CancelFunc // cancels the root context of service calls
	dark    bool
	viewAs  *Model // the console of the user being viewed as, read-only
	opening string // the user whose view-as is being opened (startViewAs)
	actor   domain.User
	// fresh holds screens whose first load is still in flight: they show
	// "loading…" instead of an empty table that reads as "no data"
	fresh map[Screen]bool
	// held are each screen's own keys typed before its first load or
	// while its save was in flight: they act on its data once it is there
	// (never on an empty list, never in a form about to close), on that
	// screen only (navigation, help and quit are not held)
	held    map[Screen][]tea.KeyPressMsg
	helpTop int     // first line of the help overlay shown
	boot    tea.Cmd // the start screen's first load, run by Init
}

const (
	minWidth  = 80
	minHeight = 24
)

// New builds the console; it opens on the acting user's start screen.
func New(cfg Config) tea.Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	m := &Model{cfg: cfg, built: map[string]Screen{}, fresh: map[Screen]bool{}, held: map[Screen][]tea.KeyPressMsg{}, dark: !cfg.Light, w: minWidth, h: minHeight}
	ctx, stop := context.WithCancel(cfg.Context)
	m.stop = stop
	keys := keymap.Default()
	if cfg.Keys != nil {
		keys = *cfg.Keys
	}
	m.c = &Common{Svc: cfg.Service, Ctx: ctx, Keys: keys, Now: cfg.Now, viewAsOK: cfg.ViewAs != nil, remote: cfg.Remote,
		jobFailures: cfg.JobFailures}
	m.restyle()
	// before the program starts, outside Update: the first frame already
	// knows who is acting and what they may open
	m.applyActor(m.readActor(m.c.Svc, m.c.Ctx)())
	m.boot = m.switchTo(m.startScreen(), "")
	return m
}

// Run runs the console full-screen on the local terminal until the user
// quits or ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if os.Getenv("NO_COLOR") != "" {
		cfg.NoColor = true
	}
	cfg.Context = ctx
	_, err := tea.NewProgram(New(cfg), tea.WithContext(ctx)).Run()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (m *Model) restyle() {
	m.c.Styles = newStyles(m.dark, m.cfg.NoColor)
	m.help = help.New()
	m.help.Styles = m.c.Styles.Help
	m.help.SetWidth(m.w)
}

// actorMsg carries the acting user's access, organization and role
// summary read off the Update loop, for the console m.
type actorMsg struct {
	m      *Model
	access domain.Access
	actor  domain.User
	org    domain.Organization
	orgErr error
	user   domain.UserInfo
	uErr   error
}

// readActor returns the reads behind the header and Access, to run in a
// command (or once before the program starts).
func (m *Model) readActor(svc domain.Service, ctx context.Context) func() actorMsg {
	return func() actorMsg {
		msg := actorMsg{m: m, access: svc.Access(ctx), actor: svc.Actor(ctx)}
		msg.org, msg.orgErr = svc.Organization(ctx)
		msg.user, msg.uErr = svc.User(ctx, msg.access.Username)
		return msg
	}
}

// refreshActor returns the command that re-reads the actor's access,
// organization and role summary (a change elsewhere may have granted or
// revoked something); the header shows the cached actor meanwhile.
func (m *Model) refreshActor() tea.Cmd {
	read := m.readActor(m.c.Svc, m.c.Ctx)
	return func() tea.Msg { return read() }
}

// applyActor caches what refreshActor read; it returns the command that
// shows Home when the visible screen is no longer allowed.
func (m *Model) applyActor(msg actorMsg) tea.Cmd {
	m.c.Access = msg.access
	m.actor = msg.actor
	m.org = "gatehouse"
	if o, err := msg.org, msg.orgErr; err == nil {
		if o.Name != "" {
			m.org = o.Name
		}
		m.c.Zone = o.Zone()
	}
	a := &m.c.Access
	var role []string
	switch {
	case a.Superuser:
		role = append(role, "superuser")
	case a.Admin:
		role = append(role, "administrator")
	case a.BuildingAdmin:
		role = append(role, "building administrator")
	}
	if ui, err := msg.user, msg.uErr; err == nil {
		if len(ui.Groups) > 0 {
			role = append(role, strings.Join(ui.Groups, ", "))
		} else if len(role) == 0 {
			role = append(role, "no group")
		}
	}
	m.role = strings.Join(role, " · ")
	if d, ok := screenByID(m.active); ok && !d.allowed(a) {
		return m.switchTo("home", "")
	}
	return nil
}

// touchesActor reports whether a change may alter what the header and
// Access show: the actor's own account or memberships, any group (its
// privileges may be the actor's), the organization, or a whole import.
func (m *Model) touchesActor(c domain.Change) bool {
	switch c.Entity {
	case "user", "membership", "session":
		return c.ID == m.actor.ID
	case "group", "org", "organization", "file":
		return true
	}
	return false
}

// startScreen is the user's start screen when they may open it; otherwise
// Groups for those who manage groups, else Home.
func (m *Model) startScreen() string {
	if m.cfg.StartOnHome {
		return "home"
	}
	want := m.actor.StartScreen
	if d, ok := screenByID(want); ok && d.allowed(&m.c.Access) {
		return want
	}
	if d, _ := screenByID("groups"); d.allowed(&m.c.Access) {
		return "groups"
	}
	return "home"
}

func (m *Model) mainHeight() int { return m.h - 4 }

// holds reports whether k waits for the visible screen's first load: a
// screen key (not a screen number, help, the palette or quit) while the
// screen has no data yet.
func (m *Model) holds(k tea.KeyPressMsg) bool {
	s := m.screen()
	if s == nil || m.confirm != nil || m.pal != nil || m.showAll || m.viewAs != nil {
		return false
	}
	// a save or opening read in flight holds the screen's keys even in
	// its open form; a first load only those of a screen not typing into a
	// field
	if !m.waiting(s) && (!m.fresh[s] || s.Capturing()) {
		return false
	}
	g := m.c.Keys.Global
	return !key.Matches(k, g.Screens, g.Help, g.Palette, g.Quit, g.ForceQuit)
}

// waiting reports a save or an opening read in flight for screen s or one
// of its panes: its own keys wait for it.
func (m *Model) waiting(s Screen) bool {
	for owner := range m.c.holding {
		if owner == any(s) {
			return true
		}
		if o, ok := s.(paneOwner); ok && o.owns(owner) {
			return true
		}
	}
	return false
}

// capturing reports that the visible screen takes every key as text: not
// while its save is in flight (its keys wait, and navigation works).
func (m *Model) capturing(s Screen) bool { return s.Capturing() && !m.waiting(s) }

// replayHeld returns cmd followed by the keys held while the visible
// screen's first load, a save or an opening read was in flight, once none
// is.
func (m *Model) replayHeld(cmd tea.Cmd) tea.Cmd {
	s := m.screen()
	keys := m.held[s]
	if len(keys) == 0 || m.fresh[s] || m.waiting(s) {
		return cmd
	}
	delete(m.held, s)
	cmds := []tea.Cmd{cmd}
	for _, k := range keys {
		cmds = append(cmds, func() tea.Msg { return k })
	}
	return tea.Sequence(cmds...)
}

// switchTo shows a screen and returns the command that loads its data.
func (m *Model) switchTo(id, arg string) tea.Cmd {
	d, ok := screenByID(id)
	if !ok || !d.allowed(&m.c.Access) {
		return nil
	}
	s, ok := m.built[id]
	if !ok {
		s = d.build(m.c)
		m.built[id] = s
		switch s.(type) {
		case *homeScreen, *metricsScreen, *ticketsScreen:
			// they say "loading…" themselves, above what is already shown
		default:
			m.fresh[s] = true
		}
	}
	s.SetSize(m.w, m.mainHeight())
	if prev := m.screen(); prev != nil && prev != s {
		// keys held for the screen being left were meant for it: they do
		// not wait to act when it shows again, perhaps minutes later
		delete(m.held, prev)
	}
	m.active = id
	if a, ok := s.(*accessScreen); ok && arg != "" {
		return a.load(arg)
	}
	cmd := s.Reload()
	if cmd == nil {
		delete(m.fresh, s) // nothing to read (Data file, Import)
	}
	return cmd
}

func (m *Model) screen() Screen { return m.built[m.active] }

func (m *Model) waitFeed() tea.Cmd {
	if m.changes == nil {
		return nil
	}
	ch, ctx, cancel := m.changes, m.cfg.Context, m.cancel
	return func() tea.Msg {
		select {
		case c, ok := <-ch:
			if !ok {
				return feedClosedMsg{}
			}
			return changeMsg{c}
		case <-ctx.Done():
			// the session ended without quitting (an SSH disconnect)
			cancel()
			return feedClosedMsg{}
		}
	}
}

// Init subscribes to live changes and asks for the background color.
func (m *Model) Init() tea.Cmd {
	if m.cfg.Feed != nil && m.changes == nil {
		var cancel func()
		m.changes, cancel = m.cfg.Feed.Subscribe()
		m.cancel = sync.OnceFunc(cancel)
	}
	boot := m.boot
	m.boot = nil
	return tea.Batch(tea.RequestBackgroundColor, m.waitFeed(), boot)
}

func (m *Model) quit() tea.Cmd {
	if m.cancel != nil {
		m.cancel()
	}
	m.stop() // work still running for a screen stops
	return tea.Quit
}

func (m *Model) dirtyScreens() []string {
	var out []string
	for _, d := range screens {
		if s, ok := m.built[d.id]; ok && s.Dirty() {
			out = append(out, d.title)
		}
	}
	return out
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.viewAs != nil {
		cmd, used := m.updateViewAs(msg)
		if used {
			return m, cmd
		}
		// both handle it (a change, a resize): keep the viewed console's
		// command too, or a reload it started never delivers
		model, own := m.updateShell(msg)
		return model, tea.Batch(cmd, own)
	}
	return m.updateShell(msg)
}

// updateShell handles a message for the shell itself.
func (m *Model) updateShell(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.help.SetWidth(m.w)
		for _, s := range m.built {
			s.SetSize(m.w, m.mainHeight())
		}
		if m.pal != nil {
			m.pal.SetSize(m.w, m.mainHeight())
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.restyle()
		return m, nil
	case changeMsg:
		cmds := []tea.Cmd{m.waitFeed()}
		if m.touchesActor(msg.Change) {
			cmds = append(cmds, m.refreshActor())
		}
		if s := m.screen(); s != nil {
			cmds = append(cmds, s.Reload())
		}
		return m, tea.Batch(cmds...)
	case actorMsg:
		return m, msg.m.applyActor(msg)
	case loadedMsg:
		msg.c.loads--
		if msg.held {
			msg.c.release(msg.owner)
		}
		// a pane's load (Access review's tabs) ends its screen's first load
		// too; a load of another screen (Home, still arriving after a
		// switch) does not end the visible one's
		for _, mm := range []*Model{m, m.viewAs} {
			if mm != nil {
				if s, ok := msg.owner.(Screen); ok {
					delete(mm.fresh, s)
				}
				if o, ok := mm.screen().(paneOwner); ok && o.owns(msg.owner) {
					delete(mm.fresh, mm.screen())
				}
			}
		}
		return m, m.replayHeld(msg.apply())
	case savedMsg:
		msg.c.saves--
		msg.c.release(msg.owner)
		return m, m.replayHeld(msg.apply())
	case feedClosedMsg:
		return m, nil
	case quitMsg:
		return m, m.quit()
	case switchScreenMsg:
		return m, m.switchTo(msg.id, msg.arg)
	case viewAsMsg:
		return m, m.startViewAs(msg.user)
	case askMsg:
		m.confirm = &msg
		m.c.Fail(msg.err)
		return m, nil
	case doneMsg:
		if msg.err != nil {
			m.c.Fail(msg.err)
		} else {
			m.c.Ok("%s", msg.ok)
		}
		cmds := []tea.Cmd{m.refreshActor()}
		if s := m.screen(); s != nil {
			cmds = append(cmds, s.Reload())
		}
		return m, tea.Batch(cmds...)
	case tea.KeyPressMsg:
		if m.holds(msg) {
			s := m.screen()
			m.held[s] = append(m.held[s], msg)
			return m, nil
		}
		return m, m.key(msg)
	}
	if s := m.screen(); s != nil {
		return m, s.Update(msg)
	}
	return m, nil
}

func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	keys := m.c.Keys
	if key.Matches(k, keys.Global.ForceQuit) {
		return m.quit()
	}
	if m.confirm != nil {
		switch {
		case key.Matches(k, keys.Confirm.Yes):
			yes := m.confirm.yes
			m.confirm = nil
			m.c.ClearStatus()
			return yes
		case key.Matches(k, keys.Confirm.No):
			m.confirm = nil
			m.c.Ok("cancelled")
		case key.Matches(k, keys.Nav.Down):
			m.confirm.top++
		case key.Matches(k, keys.Nav.Up):
			m.confirm.top--
		case key.Matches(k, keys.Nav.PageDown):
			m.confirm.top += m.mainHeight() / 2
		case key.Matches(k, keys.Nav.PageUp):
			m.confirm.top -= m.mainHeight() / 2
		}
		return nil
	}
	m.c.ClearStatus()
	if m.pal != nil {
		cmd, done := m.pal.Update(k)
		if done {
			m.pal = nil
		}
		return cmd
	}
	if m.showAll {
		m.showAll = m.scrollHelp(k)
		return nil
	}
	s := m.screen()
	if !m.capturing(s) {
		g := keys.Global
		switch {
		case key.Matches(k, g.Quit):
			if m.c.saves > 0 {
				// quitting cancels the save's context: it may not be stored
				return ask("A save is still on its way to the store; quit anyway?", func() tea.Msg { return quitMsg{} })
			}
			if dirty := m.dirtyScreens(); len(dirty) > 0 {
				return ask("Quit and lose unsaved changes on "+strings.Join(dirty, ", ")+"?", func() tea.Msg { return quitMsg{} })
			}
			return m.quit()
		case key.Matches(k, g.Help):
			// the full help is NetResults' Help privilege; the help bar
			// below every screen stays for everyone
			if err := m.c.Access.Require(domain.Help); err != nil {
				m.c.Fail(err)
				return nil
			}
			m.showAll = true
			return nil
		case key.Matches(k, g.Palette):
			m.pal = newPalette(m)
			m.pal.SetSize(m.w, m.mainHeight())
			return m.pal.input.Focus()
		case key.Matches(k, g.Screens):
			for _, d := range screens {
				if d.num > 0 && k.String() == string(rune('0'+d.num)) {
					if !d.allowed(&m.c.Access) {
						m.c.Fail(d.refusal(&m.c.Access))
						return nil
					}
					return m.switchTo(d.id, "")
				}
			}
			return nil
		}
	}
	return s.Update(k)
}

// quitMsg quits after "lose unsaved changes?".
type quitMsg struct{}

// tabBar lists the screens the user may open, with their number keys;
// narrow windows get a tighter bar so every number stays visible.
func (m *Model) tabBar() string {
	type tab struct {
		label, short string
		active       bool
	}
	var tabs []tab
	for _, d := range screens {
		if d.num > 0 && d.allowed(&m.c.Access) {
			num := string(rune('0'+d.num)) + " "
			short := d.title
			if d.short != "" {
				short = d.short
			}
			tabs = append(tabs, tab{num + d.title, num + short, d.id == m.active})
		}
	}
	if d, ok := screenByID(m.active); ok && d.num == 0 {
		tabs = append(tabs, tab{d.title, d.title, true})
	}
	render := func(padding, sep string) string {
		parts := make([]string, len(tabs))
		for i, t := range tabs {
			st := m.c.Styles.Tab
			if t.active {
				st = m.c.Styles.TabActive
			}
			parts[i] = st.Render(padding + t.label + padding)
		}
		return strings.Join(parts, sep)
	}
	if bar := render(" ", ""); lipgloss.Width(bar) <= m.w {
		return bar
	}
	if bar := render("", " "); lipgloss.Width(bar) <= m.w {
		return bar
	}
	for i := range tabs {
		tabs[i].label = tabs[i].short
	}
	if bar := render("", " "); lipgloss.Width(bar) <= m.w {
		return bar
	}
	// narrower still: tabs from the right keep only their number until the
	// bar fits; the active tab keeps its title
	for i := len(tabs) - 1; i >= 0; i-- {
		if !tabs[i].active {
			tabs[i].label, _, _ = strings.Cut(tabs[i].label, " ")
		}
		if bar := render("", " "); lipgloss.Width(bar) <= m.w {
			return bar
		}
	}
	return render("", " ")
}

func (m *Model) header() string {
	left := m.c.Styles.Header.Render("gatehouse") + " · " + m.org
	u := m.actor
	right := u.Username
	if n := u.Name(); n != u.Username {
		right += " (" + n + ")"
	}
	right += " · " + m.role
	space := m.w - lipgloss.Width(left) - lipgloss.Width(right)
	if space < 1 {
		right = pad(right, max(0, m.w-lipgloss.Width(left)-1))
		space = 1
	}
	return left + strings.Repeat(" ", space) + m.c.Styles.HeaderDim.Render(right)
}

// statusLines are the status message (or the screen's hint) wrapped to the
// width, so the reason at the end of a long refusal is never cut off; up to
// maxStatusLines lines, taken from the bottom of the main area.
func (m *Model) statusLines() []string {
	msg, isErr := m.c.Status()
	style := m.c.Styles.Dim
	switch {
	case msg != "" && isErr:
		msg, style = "✗ "+oneLine(msg), m.c.Styles.Error
	case msg != "":
		msg, style = "✓ "+oneLine(msg), m.c.Styles.OK
	default:
		s := m.screen()
		if s == nil || m.confirm != nil {
			return []string{""}
		}
		if msg = oneLine(s.Hint()); msg == "" && m.c.loads == 0 && m.c.saves == 0 {
			return []string{style.Render(pad("", m.w))}
		}
	}
	if m.c.loads > 0 {
		// a read is in flight: keys still work, and the screen says so
		busy := "loading…"
		if m.opening != "" {
			busy = "opening view-as " + m.opening + ": loading…"
		}
		msg = strings.TrimPrefix(msg+" · "+busy, " · ")
	}
	if m.c.saves > 0 {
		msg = strings.TrimPrefix(msg+" · saving…", " · ")
	}
	lines := strings.Split(ansi.Wrap(msg, max(m.w, 1), ""), "\n")
	if len(lines) > maxStatusLines {
		lines = lines[:maxStatusLines]
		lines[maxStatusLines-1] = ansi.Truncate(lines[maxStatusLines-1], max(m.w-1, 1), "") + "…"
	}
	for i, l := range lines {
		lines[i] = style.Render(pad(l, m.w))
	}
	return lines
}

// maxStatusLines bounds a wrapped status message: longer ones end in "…"
// (the audit trail and the CLI have the whole text).
const maxStatusLines = 4

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// helpKeys is the help bar's key set: the screen's keys, then the global ones.
type helpKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding  { return h.short }
func (h helpKeys) FullHelp() [][]key.Binding { return h.full }

// confirmBox is the yes/no dialog. A question taller than the screen (an
// R4 warning listing everyone who gains) scrolls with ↑↓ and pgup/pgdn, and
// says how much is hidden: nothing is dropped unseen.
func (m *Model) confirmBox(statusLines int) string {
	width := min(m.w-4, 72)
	lines := strings.Split(ansi.Wrap(m.confirm.question, width-4, ""), "\n")
	room := max(3, m.mainHeight()-(statusLines-1)-5) // border, blank, footer
	footer := "y yes · n/esc no"
	if total := len(lines); total > room {
		top := max(0, min(m.confirm.top, total-room))
		m.confirm.top = top // clamped, so ↑ works at once after overshooting
		lines = lines[top : top+room]
		footer = "lines " + strconv.Itoa(top+1) + "–" + strconv.Itoa(top+room) + " of " + strconv.Itoa(total) + " · ↑↓ pgup/pgdn scroll · " + footer
	}
	return m.c.Styles.Dialog.Width(width).Render(strings.Join(lines, "\n") + "\n\n" + m.c.Styles.Dim.Render(footer))
}

func (m *Model) helpKeys() helpKeys {
	g := m.c.Keys.Global
	n := m.c.Keys.Nav
	s := m.screen()
	if m.confirm != nil {
		return helpKeys{short: []key.Binding{m.c.Keys.Confirm.Yes, m.c.Keys.Confirm.No}}
	}
	if m.pal != nil {
		p := m.c.Keys.Picker
		return helpKeys{short: []key.Binding{p.Choose, p.Up, p.Down, p.Close}}
	}
	short := s.ShortHelp()
	if !m.capturing(s) {
		short = append(short, g.Help, g.Palette, g.Quit)
	}
	full := append([][]key.Binding{{g.Screens, g.NextPane, g.PrevPane, g.Help, g.Palette, g.Quit, g.ForceQuit},
		{n.Up, n.Down, n.Left, n.Right, n.PageUp, n.PageDown, n.Home, n.End},
		{n.Open, n.Back, n.Filter, n.Save}}, s.FullHelp()...)
	return helpKeys{short: short, full: full}
}

// fit makes s exactly w×h: long lines are cut, missing lines added.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = pad(l, w)
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func (m *Model) View() tea.View {
	if m.viewAs != nil {
		return m.viewAsView()
	}
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "gatehouse"
	if m.w < minWidth || m.h < minHeight {
		v.SetContent(lipgloss.Place(max(m.w, 1), max(m.h, 1), lipgloss.Center, lipgloss.Center,
			"window too small (need 80x24)"))
		return v
	}
	hk := m.helpKeys()
	var main string
	switch {
	case m.showAll:
		main = m.fullHelpView(hk.full)
	case m.pal != nil:
		main = m.pal.View()
	case m.fresh[m.screen()]:
		main = m.c.Styles.Dim.Render("loading…")
	default:
		main = m.screen().View()
	}
	status := m.statusLines()
	main = fit(main, m.w, m.mainHeight()-(len(status)-1))
	if m.confirm != nil {
		main = fit(lipgloss.Place(m.w, m.mainHeight(), lipgloss.Center, lipgloss.Center, m.confirmBox(len(status))), m.w, m.mainHeight()-(len(status)-1))
	}
	helpLine := m.help.ShortHelpView(hk.short)
	if m.showAll {
		helpLine = m.c.Styles.Dim.Render("any key closes help")
	}
	v.SetContent(safeFrame(strings.Join([]string{
		fit(m.header(), m.w, 1),
		fit(m.tabBar(), m.w, 1),
		main,
		strings.Join(status, "\n"),
		fit(helpLine, m.w, 1),
	}, "\n")))
	return v
}

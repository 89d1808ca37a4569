package console

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

var groupTabs = []string{"Privileges", "Module levels", "Notifications", "Building Admin", "Fields", "Members"}

const (
	tabPrivileges = iota
	tabModules
	tabNotify
	tabBuildingAdmin
	tabFields
	tabMembers
)

// groupDetail edits one group: every tab changes one draft, saved at once
// with ctrl+s. The draft survives a refused save and a change elsewhere.
// orig is the group as last read and the draft is orig with the user's
// edits: a change elsewhere moves orig and the edits stay on top. The
// detail remembers the version the group opened at (base): the save is a
// patch of the fields the draft changes, based on it, so a field someone
// else changed since is a conflict (the conflict view shows both values),
// never silently overwritten.
type groupDetail struct {
	c       *Common
	orig    domain.Group
	draft   domain.Group
	tab     int
	flags   *matrix
	modules *matrix
	notify  *notifyPane
	fields  *fieldRulesPane
	members *table
	join    *form
	states  *statePicker // task states of Task Records in States
	whatIf  []string
	gone    bool
	w, h    int

	// base is the version the draft started from: the one the detail
	// opened, or the one the last save returned
	base     uint64
	conflict *conflictView
}

// saveGroupMsg drives the save: first the built-in question (R12), then
// the store, then the elevation question (R4) if the store warns. res is a
// conflict's answer (the zero value for the first save).
type saveGroupMsg struct {
	builtinOK, elevateOK bool
	res                  resolution
}

// newGroupDetail shows a group and its members read by the caller's load
// command.
func newGroupDetail(c *Common, gi domain.GroupInfo, ms []domain.MemberInfo, mErr error) *groupDetail {
	d := &groupDetail{c: c, orig: gi.Group, draft: cloneGroup(gi.Group), base: gi.Version}
	d.flags = newMatrix(c, &d.draft, domain.Categories[1:]...)
	d.modules = newMatrix(c, &d.draft, domain.Categories[0])
	d.notify = &notifyPane{c: c, g: &d.draft}
	d.fields = &fieldRulesPane{c: c, g: &d.draft}
	d.members = newTable(c, "no members: n adds one",
		column{title: "User", width: 14, flex: 1},
		column{title: "Granted by", width: 12},
		column{title: "Since", width: 10},
		column{title: "Through", width: 16},
		column{title: "Reason", width: 10, flex: 2})
	d.showMembers(ms, mErr)
	return d
}

// cloneGroup copies the slices so the draft never aliases the saved group.
func cloneGroup(g domain.Group) domain.Group {
	g.TaskStates = slices.Clone(g.TaskStates)
	g.Notify.Events = slices.Clone(g.Notify.Events)
	return g
}

// showMembers fills the members tab from what was read.
func (d *groupDetail) showMembers(ms []domain.MemberInfo, err error) {
	if err != nil {
		d.members.SetRows(nil, nil)
		return
	}
	keys := make([]string, len(ms))
	rows := make([][]string, len(ms))
	for i, m := range ms {
		until := d.c.lastDay(m.Until)
		if m.Expired {
			until += " expired"
		}
		keys[i] = m.Username
		rows[i] = []string{m.Username, dash(m.GrantedBy), d.c.date(m.GrantedAt), until, pendingReason(d.c, m)}
	}
	d.members.SetRows(keys, rows)
}

// Reload takes the saved group again; unsaved edits stay in the draft.
func (d *groupDetail) Reload() tea.Cmd { return d.read(false) }

// reopen drops the draft and reads the group again: the detail starts
// over from the version stored now (a conflict's discard).
func (d *groupDetail) reopen() tea.Cmd { return d.read(true) }

func (d *groupDetail) read(fresh bool) tea.Cmd {
	name := d.orig.Name
	return d.c.load(d, func() func() tea.Cmd {
		gi, err := d.c.Svc.Group(d.c.Ctx, name)
		ms, mErr := d.c.Svc.GroupMembers(d.c.Ctx, name)
		return func() tea.Cmd {
			if fresh && err == nil {
				d.orig, d.draft, d.base = gi.Group, cloneGroup(gi.Group), gi.Version
			}
			d.apply(gi, err, ms, mErr)
			return nil
		}
	})
}

// apply shows the group read again. The base stays the version the
// detail opened: what the user changes from here is checked against what
// others changed since. Unsaved edits stay, on top of the group as read
// (the fields nobody here touched show what is stored now); when they no
// longer apply to it (a flag they untick is implied now, R6), the draft
// stays as it was.
func (d *groupDetail) apply(gi domain.GroupInfo, err error, ms []domain.MemberInfo, mErr error) {
	if err != nil {
		d.gone = true
		d.c.Fail(err)
		return
	}
	if !d.Dirty() {
		d.orig, d.draft = gi.Group, cloneGroup(gi.Group)
	} else if g, err := domain.DiffGroup(d.orig, d.draft).Apply(gi.Group); err == nil {
		d.orig, d.draft = gi.Group, cloneGroup(g)
	}
	d.showMembers(ms, mErr)
}

func (d *groupDetail) Dirty() bool { return d.conflict != nil || !reflect.DeepEqual(d.orig, d.draft) }

func (d *groupDetail) Capturing() bool { return d.join != nil }

// busy reports a pane that uses esc itself (a form, the what-if list).
func (d *groupDetail) busy() bool {
	return d.join != nil || d.whatIf != nil || d.states != nil || d.conflict != nil
}

func (d *groupDetail) SetSize(w, h int) {
	d.w, d.h = w, h
	inner := max(1, h-2)
	d.flags.SetSize(w, inner)
	d.modules.SetSize(w, inner)
	d.members.SetSize(w, inner)
	if d.join != nil {
		d.join.SetSize(w, inner)
	}
	if d.conflict != nil {
		d.conflict.SetSize(w, h)
	}
}

func (d *groupDetail) Hint() string {
	if d.conflict != nil {
		return ""
	}
	switch d.tab {
	case tabPrivileges:
		return d.flags.Hint()
	case tabModules:
		return d.modules.Hint()
	case tabNotify:
		return d.notify.Hint()
	case tabFields:
		return d.fields.Hint()
	}
	return ""
}

// save runs one step of the save sequence; the store is written off the
// Update loop (Common.save) and saved applies the outcome.
func (d *groupDetail) save(m saveGroupMsg) tea.Cmd {
	if d.orig.BuiltIn && !m.builtinOK && d.c.Access.Superuser {
		m.builtinOK = true
		return ask(fmt.Sprintf("%s is a built-in group (R12): save changes to it?", d.orig.Name),
			func() tea.Msg { return m })
	}
	svc, ctx, draft := d.c.Svc, d.c.Ctx, cloneGroup(d.draft)
	// the fields the draft changes, on the version the detail opened
	patch := domain.DiffGroup(d.orig, draft)
	patch.Base = d.base
	if m.res.onto(&patch.Base, &patch) {
		d.c.nothingLeft("group " + d.orig.Name)
		return d.reopen()
	}
	return d.c.save(d, func() func() tea.Cmd {
		g, err := svc.UpdateGroup(ctx, draft.ID, patch, m.elevateOK)
		var lines []string
		if domain.IsWarning(err) {
			lines = whatIfLines(ctx, svc, draft) // the question shows what changes
		}
		return func() tea.Cmd { return d.saved(m, g, err, lines) }
	})
}

// saved applies a save's outcome: the R4 question (with what changes), the
// refusal (the draft stays: nothing typed is lost) or the saved group.
func (d *groupDetail) saved(m saveGroupMsg, g domain.Group, err error, whatIf []string) tea.Cmd {
	if domain.IsWarning(err) {
		m.elevateOK = true
		q := errText(err)
		if len(whatIf) > 0 {
			q += "\n\nWhat changes (everyone):\n" + strings.Join(whatIf, "\n")
		}
		return ask(q, func() tea.Msg { return m })
	}
	if err != nil {
		// a field someone changed since the detail opened: the conflict
		// view shows both values; the draft stays as it is meanwhile
		resend := func(r resolution) tea.Cmd {
			return d.save(saveGroupMsg{builtinOK: true, elevateOK: m.elevateOK, res: r})
		}
		e := edit{what: "group " + d.orig.Name, view: &d.conflict, w: d.w, h: d.h, res: m.res, resend: resend, discard: d.reopen}
		if !catchConflict(d.c, err, e) {
			d.c.Fail(err)
		}
		return nil
	}
	// the saved group is the new base: a second save is not a conflict
	// with the first
	d.orig, d.draft, d.base = g, cloneGroup(g), g.Version
	d.c.Ok("%s", d.c.savedNote(g.Name, g.Rev, "saved group "+g.Name, m.res))
	return nil
}

// showWhatIf returns the command that reads who gains and loses what if
// the draft is saved; the list opens when it arrives.
func (d *groupDetail) showWhatIf() tea.Cmd {
	svc, ctx, draft := d.c.Svc, d.c.Ctx, cloneGroup(d.draft)
	return d.c.open(d, func() func() tea.Cmd {
		lines := whatIfLines(ctx, svc, draft)
		return func() tea.Cmd { d.whatIf = lines; return nil }
	})
}

// whatIfLines lists who gains and loses what if draft is saved. It calls
// the service: run it in a command.
func whatIfLines(ctx context.Context, svc domain.Service, draft domain.Group) []string {
	changes, err := svc.WhatIf(ctx, draft)
	if err != nil {
		return []string{"what-if: " + errText(err)}
	}
	var gain, lose int
	var out []string
	for _, ch := range changes {
		var parts []string
		if len(ch.Gains) > 0 {
			gain++
			parts = append(parts, "gains "+strings.Join(ch.Gains, ", "))
		}
		if len(ch.Losses) > 0 {
			lose++
			parts = append(parts, "loses "+strings.Join(ch.Losses, ", "))
		}
		out = append(out, ch.Username+": "+strings.Join(parts, "; "))
	}
	head := []string{fmt.Sprintf("%s gain, %d lose", plural(gain, "user"), lose)}
	// guards (R17) the save would break: it will be refused, say so first
	if vs, err := svc.GuardsWhatIf(ctx, draft); err == nil {
		for _, v := range vs {
			head = append(head, "refused by "+v.String())
		}
	}
	return append(head, out...)
}

func (d *groupDetail) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := updateConflict(&d.conflict, msg); ok {
		return cmd
	}
	switch m := msg.(type) {
	case saveGroupMsg:
		return d.save(m)
	case joinedMsg:
		return d.joined(m)
	}
	if d.join != nil {
		submit, cancel, cmd := d.join.Update(msg)
		switch {
		case cancel:
			d.join = nil
		case submit:
			return d.c.saving(d, d.submitJoin())
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if d.states != nil {
		if key.Matches(k, d.c.Keys.Nav.Save) {
			d.states = nil
			return d.save(saveGroupMsg{})
		}
		if d.states.Update(k) {
			d.states = nil
		}
		return nil
	}
	if d.whatIf != nil {
		// any key closes the what-if list; ctrl+s also saves what it shows
		d.whatIf = nil
		if key.Matches(k, d.c.Keys.Nav.Save) {
			return d.save(saveGroupMsg{})
		}
		return nil
	}
	g, n := d.c.Keys.Global, d.c.Keys.Nav
	if d.changes(k) && !d.c.allow(d.mayChange()) {
		return nil
	}
	switch {
	case key.Matches(k, g.NextPane):
		d.tab = (d.tab + 1) % len(groupTabs)
		return nil
	case key.Matches(k, g.PrevPane):
		d.tab = (d.tab + len(groupTabs) - 1) % len(groupTabs)
		return nil
	case key.Matches(k, n.Save):
		return d.save(saveGroupMsg{})
	case key.Matches(k, d.c.Keys.Matrix.WhatIf) && d.tab != tabMembers:
		return d.showWhatIf()
	}
	switch d.tab {
	case tabPrivileges:
		if key.Matches(k, d.c.Keys.Admin.States) {
			d.openStates()
			return nil
		}
		if key.Matches(k, d.c.Keys.Matrix.Preset) {
			// presets set module levels: the Module levels tab shows them
			return d.modules.Update(msg)
		}
		return d.flags.Update(msg)
	case tabModules:
		return d.modules.Update(msg)
	case tabNotify:
		d.notify.Update(k)
	case tabFields:
		d.fields.Update(k)
	case tabBuildingAdmin:
		if key.Matches(k, d.c.Keys.Matrix.Toggle) {
			if d.draft.Kind == domain.KindRestricted {
				d.c.Fail(domain.Errorf(domain.EInvalid, "restricted group %s cannot be a Building Administrator group", d.draft.Name))
			} else {
				d.draft.BuildingAdmin = !d.draft.BuildingAdmin
			}
		}
	case tabMembers:
		return d.updateMembers(k)
	}
	return nil
}

// Field indexes of the join form.
const (
	jfUser = iota
	jfUntil
	jfReason
)

// parseUntil reads an optional end date: the membership lasts through
// that day in the organization's zone (domain.ParseThrough, as the CLI's
// --until and the import's Until column).
func (c *Common) parseUntil(s string) (time.Time, error) {
	return domain.ParseThrough("Until", s, c.zone(), c.Now())
}

func (c *Common) validUntil(s string) error {
	_, err := c.parseUntil(s)
	return err
}

func (d *groupDetail) updateMembers(k tea.KeyPressMsg) tea.Cmd {
	if d.members.Update(k) {
		return nil
	}
	l := d.c.Keys.List
	switch {
	case key.Matches(k, l.New):
		d.join = newForm(d.c, "Add a member to "+d.orig.Name).
			pickText("Username", "", "type to narrow", domain.ValidateUsername, d.c.userChoices).
			text("Until", "", "YYYY-MM-DD (optional)", d.c.validUntil).
			text("Reason", "", "optional", nil)
		d.join.SetSize(d.w, d.h-2)
	case key.Matches(k, l.Delete) && d.members.Key() != "":
		return leave(d.c, d.members.Key(), d.orig.Name)
	case key.Matches(k, l.Explain) && d.members.Key() != "":
		return switchTo("access", d.members.Key())
	}
	return nil
}

func (d *groupDetail) submitJoin() tea.Cmd {
	until, err := d.c.parseUntil(d.join.Value(jfUntil))
	if err != nil {
		d.c.Fail(err) // the form stays, with what was typed
		return nil
	}
	f, user, group, reason := d.join, d.join.Value(jfUser), d.orig.Name, d.join.Value(jfReason)
	return func() tea.Msg {
		return joinedMsg{form: f, user: user, group: group, err: d.c.Svc.Join(d.c.Ctx, user, group, until, reason)}
	}
}

// joinedMsg is the outcome of the join form's save: on err the form stays
// with what was typed; otherwise it closes and the members are read again.
type joinedMsg struct {
	form        *form
	user, group string
	err         error
}

func (d *groupDetail) joined(m joinedMsg) tea.Cmd {
	if m.err != nil {
		d.c.Fail(m.err)
		return nil
	}
	if m.form == d.join {
		d.join = nil
	}
	d.c.Ok("%s joined %s", m.user, m.group)
	return d.Reload()
}

func (d *groupDetail) tabBar() string {
	parts := make([]string, len(groupTabs))
	for i, t := range groupTabs {
		if i == d.tab {
			parts[i] = d.c.Styles.TabActive.Render("[" + t + "]")
		} else {
			parts[i] = d.c.Styles.Tab.Render(" " + t + " ")
		}
	}
	return pad(strings.Join(parts, ""), d.w)
}

func (d *groupDetail) title() string {
	g := d.draft
	s := d.c.Styles.Title.Render("Group " + domain.Printable(d.orig.Name))
	// unsaved comes first: it is what must not be cut off at 80 columns
	if d.Dirty() {
		s += " · " + d.c.Styles.Warn.Render("unsaved (ctrl+s)")
	}
	s += " · " + g.Kind.String()
	if g.BuiltIn {
		s += " · built-in"
	}
	if g.Elevates() {
		s += " · " + d.c.Styles.Admin.Render("admin (R4)")
	}
	return pad(s, d.w)
}

func (d *groupDetail) View() string {
	if d.conflict != nil {
		return d.conflict.View()
	}
	var body string
	switch {
	case d.whatIf != nil:
		body = d.c.Styles.Title.Render("What-if: saving this draft would change") + "\n" + strings.Join(d.whatIf, "\n")
	case d.join != nil:
		body = d.join.View()
	case d.states != nil:
		body = d.states.View()
	default:
		switch d.tab {
		case tabPrivileges:
			body = d.flags.View()
		case tabModules:
			body = d.modules.View()
		case tabNotify:
			body = d.notify.View()
		case tabBuildingAdmin:
			body = d.buildingAdminView()
		case tabFields:
			body = d.fields.View()
		case tabMembers:
			body = d.members.View()
		}
	}
	return d.title() + "\n" + d.tabBar() + "\n" + body
}

func (d *groupDetail) buildingAdminView() string {
	box := "[ ]"
	if d.draft.BuildingAdmin {
		box = "[x]"
	}
	lines := []string{
		d.c.Styles.Cursor.Render("▸" + box + " Building Administrator"),
		"",
		"Members see and are notified about tickets of their assigned buildings",
		"(or of buildings in their assigned regions) only (R5).",
	}
	if d.draft.Elevates() {
		lines = append(lines, "", d.c.Styles.Warn.Render("This group makes its members full administrators (R4):"),
			d.c.Styles.Warn.Render("the building restriction does not apply to them."))
	}
	return strings.Join(lines, "\n")
}

// changes reports whether k changes the group (toggle, all, preset, task
// states, save, join or remove a member): a viewer is refused before any
// of them, naming groups:edit.
func (d *groupDetail) changes(k tea.KeyPressMsg) bool {
	m, l := d.c.Keys.Matrix, d.c.Keys.List
	if d.tab == tabMembers {
		return key.Matches(k, l.New, l.Delete, d.c.Keys.Nav.Save)
	}
	return key.Matches(k, m.Toggle, m.All, m.Preset, d.c.Keys.Nav.Save, d.c.Keys.Admin.States)
}

// mayChange is nil when the actor may make the changes of the open tab:
// memberships need Manage Groups or Manage Users and no more than the
// actor holds (domain.CheckMembership, R12); the rest needs groups:edit.
func (d *groupDetail) mayChange() error {
	if d.tab == tabMembers {
		return domain.CheckMembership(&d.c.Access, &domain.User{Kind: d.orig.Kind}, &d.orig, false)
	}
	return d.c.Access.RequireLevel(domain.ModGroups, domain.LevelEdit)
}

func (d *groupDetail) ShortHelp() []key.Binding {
	if d.conflict != nil {
		return d.conflict.ShortHelp()
	}
	if d.join != nil {
		return d.join.ShortHelp()
	}
	if d.states != nil {
		return d.states.ShortHelp()
	}
	g, n, l := d.c.Keys.Global, d.c.Keys.Nav, d.c.Keys.List
	if d.whatIf != nil {
		return []key.Binding{n.Save, n.Back}
	}
	if d.mayChange() != nil {
		var ks []key.Binding
		switch d.tab {
		case tabPrivileges, tabModules:
			ks = append(ks, d.c.Keys.Matrix.WhatIf)
		case tabMembers:
			ks = append(ks, l.Explain)
		}
		return append(ks, g.NextPane, n.Back)
	}
	switch d.tab {
	case tabPrivileges:
		return append(d.flags.ShortHelp(), d.c.Keys.Matrix.Preset, d.c.Keys.Admin.States, g.NextPane, n.Back)
	case tabModules:
		return append(d.modules.ShortHelp(), g.NextPane, n.Back)
	case tabMembers:
		return []key.Binding{l.New, l.Delete, l.Explain, g.NextPane, n.Back}
	}
	return []key.Binding{d.c.Keys.Matrix.Toggle, n.Left, n.Right, n.Save, g.NextPane, n.Back}
}

// notifyPane edits a group's notification events and preferences.
type notifyPane struct {
	c      *Common
	g      *domain.Group
	cursor int
}

var eventLabels = map[domain.Event]string{
	domain.EventNew: "New ticket", domain.EventAssigned: "Ticket assigned", domain.EventWorkReport: "Work report added",
	domain.EventClosed: "Ticket closed", domain.EventReassigned: "Ticket reassigned", domain.EventOverdue: "Ticket overdue",
	domain.EventReassignRequest: "Reassignment requested",
}

// notifyRows: the events, then format, unassigned, overdue, days, second, third
var notifyRows = len(domain.AllEvents) + 6

func (p *notifyPane) rowLabel(i int) string {
	n := &p.g.Notify
	if i < len(domain.AllEvents) {
		box := "[ ]"
		if slices.Contains(n.Events, domain.AllEvents[i]) {
			box = "[x]"
		}
		return box + " Notify: " + eventLabels[domain.AllEvents[i]]
	}
	switch i - len(domain.AllEvents) {
	case 0:
		f := "HTML+Text"
		if n.TextOnly {
			f = "Text only"
		}
		return "Email format:        < " + f + " >"
	case 1:
		u := n.Unassigned
		if u == "" {
			u = "notify"
		}
		return "Unassigned tickets:  < " + u + " >"
	case 2:
		box := "[ ]"
		if n.Overdue {
			box = "[x]"
		}
		return box + " Overdue notices"
	case 3:
		return fmt.Sprintf("Days until overdue:  ◂ %d ▸", n.OverdueDays)
	case 4:
		return fmt.Sprintf("Second notice after: ◂ %d ▸ days", n.SecondAfter)
	default:
		return fmt.Sprintf("Third notice after:  ◂ %d ▸ days", n.ThirdAfter)
	}
}

func (p *notifyPane) Update(k tea.KeyPressMsg) {
	n, nav := &p.g.Notify, p.c.Keys.Nav
	delta := 0
	switch {
	case key.Matches(k, nav.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(k, nav.Down):
		p.cursor = min(notifyRows-1, p.cursor+1)
	case key.Matches(k, nav.Left):
		delta = -1
	case key.Matches(k, nav.Right):
		delta = 1
	case key.Matches(k, p.c.Keys.Matrix.Toggle):
		delta = 1
		if p.cursor < len(domain.AllEvents) {
			ev := domain.AllEvents[p.cursor]
			if i := slices.Index(n.Events, ev); i >= 0 {
				n.Events = slices.Delete(n.Events, i, i+1)
			} else {
				n.Events = append(n.Events, ev)
				slices.SortFunc(n.Events, func(a, b domain.Event) int {
					return slices.Index(domain.AllEvents, a) - slices.Index(domain.AllEvents, b)
				})
			}
			return
		}
	}
	if delta == 0 || p.cursor < len(domain.AllEvents) {
		return
	}
	switch p.cursor - len(domain.AllEvents) {
	case 0:
		n.TextOnly = !n.TextOnly
	case 1:
		if n.Unassigned == "ignore" {
			n.Unassigned = "notify"
		} else {
			n.Unassigned = "ignore"
		}
	case 2:
		n.Overdue = !n.Overdue
	case 3:
		n.OverdueDays = max(0, n.OverdueDays+delta)
	case 4:
		n.SecondAfter = max(0, n.SecondAfter+delta)
	case 5:
		n.ThirdAfter = max(0, n.ThirdAfter+delta)
	}
}

func (p *notifyPane) Hint() string {
	if p.cursor < len(domain.AllEvents) {
		return "members get an email when this happens to a ticket they may see"
	}
	switch p.cursor - len(domain.AllEvents) {
	case 3:
		return "a ticket open longer than this many days is overdue"
	case 4:
		return "the second notice also goes to the assignee's manager (reports-to)"
	case 5:
		return "the third notice also goes to the manager's manager"
	}
	return ""
}

func (p *notifyPane) View() string {
	var b strings.Builder
	for i := range notifyRows {
		if i == len(domain.AllEvents) {
			b.WriteString("\n")
		}
		line := " " + p.rowLabel(i)
		if i == p.cursor {
			line = p.c.Styles.Cursor.Render("▸" + p.rowLabel(i))
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
	"gatehouse/keymap"
)

// Component is a piece of the console: a screen, a tab or a widget. It is
// tea.Model-like but mutable in place (pointer receivers), sized by its
// parent and able to describe its own keys for the help bar and overlay.
type Component interface {
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// Screen is a top-level page of the tab bar or the palette.
type Screen interface {
	Component
	// Reload returns the command that reads the screen's data again from
	// the service (after a change elsewhere, or when the screen is shown):
	// the reads run off the Update loop and a loadedMsg applies them, so a
	// slow read never freezes keys. A screen with unsaved edits keeps them.
	Reload() tea.Cmd
	// Dirty reports unsaved changes (q and leaving ask first).
	Dirty() bool
	// Capturing reports that a text field has focus: the shell then passes
	// every key to the screen instead of reading 1…9, q, ? and :.
	Capturing() bool
	// Hint is shown in the status line when there is no message, e.g. why
	// the highlighted matrix cell is implied or disabled.
	Hint() string
}

// Common is the context every component shares: the acting user's service,
// the keys, the styles, the clock and the status line.
type Common struct {
	Svc domain.Service
	// Ctx is the root of every service call: cancelled when the console
	// quits or its Config.Context ends (an SSH disconnect). Queries a newer
	// keystroke supersedes run in a child context cancelled then.
	Ctx    context.Context
	Keys   keymap.KeyMap
	Styles Styles
	Now    func() time.Time
	Access domain.Access
	// Zone is the organization's time zone: dates typed are days there and
	// times shown are in it (refreshed with the actor).
	Zone *time.Location

	viewAsOK bool // the shell can open view-as (Config.ViewAs is set)
	remote   bool // an SSH session: no file paths (Config.Remote)
	// jobFailures lists failed periodic jobs (Config.JobFailures); may be nil
	jobFailures func() []string
	status      string
	statusErr   bool
	loads       int // loads started and not yet applied
	saves       int // saves in flight: the status line says "saving…"
	// holding counts, by owner, the saves and the opening reads (open) in
	// flight: the owner's own keys wait for them (the shell holds them)
	holding map[any]int
}

// Ok puts a success message in the status line.
func (c *Common) Ok(format string, args ...any) {
	c.status, c.statusErr = domain.Printable(fmt.Sprintf(format, args...)), false
}

// Fail puts the exact error from the store in the status line; a refused
// action always says why.
func (c *Common) Fail(err error) {
	if err == nil {
		return
	}
	c.status, c.statusErr = domain.Printable(err.Error()), true
}

// editKeys is ks when the actor may change module m, else nothing:
// footers offer only what the user can do.
func (c *Common) editKeys(m domain.Module, ks ...key.Binding) []key.Binding {
	if c.Access.RequireLevel(m, domain.LevelEdit) != nil {
		return nil
	}
	return ks
}

// ClearStatus forgets the last message (each key press starts fresh).
func (c *Common) ClearStatus() { c.status, c.statusErr = "", false }

// Status returns the current message and whether it is an error.
func (c *Common) Status() (string, bool) { return c.status, c.statusErr }

// Messages passed upward to the shell.
type (
	// changeMsg carries one change from the feed: the visible screen reloads.
	changeMsg struct{ domain.Change }
	// feedClosedMsg ends live refresh.
	feedClosedMsg struct{}
	// switchScreenMsg asks the shell to show a screen.
	switchScreenMsg struct {
		id  string
		arg string // e.g. a username for the access screen
	}
	// askMsg opens a yes/no dialog; yes runs when confirmed.
	askMsg struct {
		question string
		yes      tea.Cmd
		err      error // shown in the status line while asking (e.g. the R8 refusal)
		top      int   // first line shown of a question taller than the screen
	}
	// loadedMsg carries what a screen (or a pane of one) read off the
	// Update loop; the shell runs apply in Update, which sets the data.
	loadedMsg struct {
		c     *Common
		owner any
		apply func() tea.Cmd
		held  bool // an opening read (Common.open): the owner's keys waited
	}
	// savedMsg carries the outcome of a save run off the Update loop
	// (Common.save); the shell runs apply in Update, then the keys typed
	// meanwhile.
	savedMsg struct {
		c     *Common
		owner any
		apply func() tea.Cmd
	}
	// doneMsg reports the result of an asynchronous action and reloads the
	// visible screen.
	doneMsg struct {
		ok  string
		err error
	}
)

// ask returns a command that opens a confirm dialog.
func ask(question string, yes tea.Cmd) tea.Cmd {
	return func() tea.Msg { return askMsg{question: question, yes: yes} }
}

// act runs fn when the command runs and reports ok or its error.
func act(ok string, fn func() error) tea.Cmd {
	return func() tea.Msg {
		if err := fn(); err != nil {
			return doneMsg{err: err}
		}
		return doneMsg{ok: ok}
	}
}

// load returns the command that runs read off the Update loop: read does
// only service calls, on values captured before (never fields Update
// changes), and returns the function that applies the results in Update.
// Loads in flight are counted: the status line says "loading…" meanwhile.
func (c *Common) load(owner any, read func() func() tea.Cmd) tea.Cmd {
	c.loads++
	return func() tea.Msg { return loadedMsg{c: c, owner: owner, apply: read()} }
}

// save returns the command that runs write off the Update loop, the way
// load runs reads: write does only service calls, on values captured
// before, and returns the function that applies the outcome in Update
// (close the form or keep it with the refusal, report, reload). Until it
// arrives the status line says "saving…" and the shell holds the owner's
// own keys, replaying them after apply: a key typed meanwhile never lands
// in a form that is about to close, and a second ctrl+s never saves twice.
// Navigation, help and quit are not held, so a save that hangs blocks
// nothing else.
func (c *Common) save(owner any, write func() func() tea.Cmd) tea.Cmd {
	c.saves++
	c.hold(owner)
	return func() tea.Msg { return savedMsg{c: c, owner: owner, apply: write()} }
}

// open is load for a read that opens something the next keys are meant
// for (a form that needs the buildings, a detail): until it arrives the
// owner's own keys wait, so "n" then typing a title never lets the title's
// letters act on the list behind the form.
func (c *Common) open(owner any, read func() func() tea.Cmd) tea.Cmd {
	c.loads++
	c.hold(owner)
	return func() tea.Msg { return loadedMsg{c: c, owner: owner, apply: read(), held: true} }
}

// saving is save for a command that already writes off the Update loop
// and reports with a message of its own (settingsSavedMsg, ticketDoneMsg):
// the owner's keys wait for that message, which the screen then gets as
// before.
func (c *Common) saving(owner any, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return c.save(owner, func() func() tea.Cmd {
		msg := cmd()
		return func() tea.Cmd {
			if msg == nil {
				return nil
			}
			return func() tea.Msg { return msg }
		}
	})
}

// hold counts one more save or opening read in flight for owner.
func (c *Common) hold(owner any) {
	if c.holding == nil {
		c.holding = map[any]int{}
	}
	c.holding[owner]++
}

// release ends one save or opening read of owner.
func (c *Common) release(owner any) {
	if c.holding[owner]--; c.holding[owner] <= 0 {
		delete(c.holding, owner)
	}
}

// saveForm is save for a form *fp: call runs off the Update loop; on its
// error the form stays open with what was typed and the status line says
// why; otherwise the form closes (if it is still the one saved), ok(result)
// is reported and then(result) runs (a reload, the cursor on a new row).
func saveForm[T any](c *Common, owner any, fp **form, call func() (T, error), ok func(T) string, then func(T) tea.Cmd) tea.Cmd {
	return saveEdit(c, owner, fp, edit{}, call, ok, then)
}

// saveEdit is saveForm for an edit: a conflict (someone changed, since the
// form opened, a field the form changes too) opens the conflict view over
// the form, which stays as it is; discarding it closes the form.
func saveEdit[T any](c *Common, owner any, fp **form, e edit, call func() (T, error), ok func(T) string, then func(T) tea.Cmd) tea.Cmd {
	f := *fp
	return c.save(owner, func() func() tea.Cmd {
		v, err := call()
		return func() tea.Cmd {
			if err != nil {
				if e.view == nil || *fp != f || !catchConflict(c, err, e) {
					c.Fail(err)
				}
				return nil
			}
			if *fp == f {
				*fp = nil
			}
			c.Ok("%s", ok(v))
			return then(v)
		}
	})
}

// switchTo asks the shell to show another screen.
func switchTo(id, arg string) tea.Cmd {
	return func() tea.Msg { return switchScreenMsg{id: id, arg: arg} }
}

// allow refuses, before any question or form, what the acting user's
// access does not allow: the status line names the rule or privilege, and
// nothing is asked that the store would refuse after "y".
func (c *Common) allow(err error) bool {
	if err != nil {
		c.Fail(err)
		return false
	}
	return true
}

// canEdit is allow for a module at Edit.
func (c *Common) canEdit(m domain.Module) bool {
	return c.allow(c.Access.RequireLevel(m, domain.LevelEdit))
}

// mayManage refuses a change to another user the acting user's modules do
// not cover: Manage Technicians for technicians, Manage Users for the rest
// (the store also applies R12's subset rule).
func (c *Common) mayManage(u domain.UserInfo) bool {
	if strings.EqualFold(u.Username, c.Access.Username) {
		return true
	}
	if u.Technician {
		return c.canEdit(domain.ModTechnicians)
	}
	return c.canEdit(domain.ModUsers)
}

// errText is the message of an error for people.
func errText(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}

// dash shows "—" for an empty value.
func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// zone is where the organization's days begin and end: every time the
// console shows is in it, as the CLI's are (domain.Organization.Zone).
func (c *Common) zone() *time.Location {
	if c.Zone == nil {
		return time.UTC
	}
	return c.Zone
}

// date shows the day of t in the organization's zone, or "—".
func (c *Common) date(t time.Time) string { return dash(domain.Day(t, c.zone())) }

// stamp shows t to the minute in the organization's zone, or "—".
func (c *Common) stamp(t time.Time) string { return dash(domain.Stamp(t, c.zone())) }

// through shows a membership's end ("through 2026-12-31"), or "—".
func (c *Common) through(t time.Time) string { return dash(domain.Through(t, c.zone())) }

// lastDay is through for a column titled "Through": "2026-12-31", or "—".
func (c *Common) lastDay(t time.Time) string { return dash(domain.LastDay(t, c.zone())) }

// rulesNaming lists "CODE/problem type" of the auto-assign rules whose
// technician is the user (R8), or nothing when they cannot be read.
func rulesNaming(c *Common, username string) []string {
	u, err := c.Svc.User(c.Ctx, username)
	if err != nil {
		return nil
	}
	bs, err := c.Svc.Buildings(c.Ctx, "")
	if err != nil {
		return nil
	}
	var out []string
	for _, b := range bs {
		for _, r := range b.Rules {
			if r.Tech == u.ID {
				out = append(out, b.Code+"/"+r.ProblemType)
			}
		}
	}
	return out
}

// leave asks before ending a membership; when auto-assign rules name the
// user, the question says so and the rules go in the same transaction if
// the user stops being a technician (R8).
// The rules are read in the command, off the Update loop.
func leave(c *Common, user, group string) tea.Cmd {
	return func() tea.Msg { return leaveAsk(c, user, group)() }
}

func leaveAsk(c *Common, user, group string) tea.Cmd {
	rules := rulesNaming(c, user)
	q := fmt.Sprintf("Remove %s from group %s?", user, group)
	if len(rules) > 0 {
		q += "\nIf they stop being a technician, these auto-assign rules are removed too (R8): " + strings.Join(rules, ", ")
	}
	return ask(q, func() tea.Msg {
		removed, err := c.Svc.Leave(c.Ctx, user, group, len(rules) > 0)
		if err != nil {
			return doneMsg{err: err}
		}
		ok := fmt.Sprintf("%s left %s", user, group)
		if len(removed) > 0 {
			var names []string
			for _, r := range removed {
				names = append(names, r.Building+"/"+r.ProblemType)
			}
			if len(rules) > 0 {
				ok += "; removed auto-assign rules " + strings.Join(names, ", ")
			} else {
				ok += "; auto-assign rules still name them: " + strings.Join(names, ", ")
			}
		}
		return doneMsg{ok: ok}
	})
}

// latest keeps one query of a screen running at a time: starting the next
// cancels the one it supersedes, so a keystroke that changes the query
// stops the scan the previous keystroke started.
type latest struct{ cancel context.CancelFunc }

// next cancels the previous query and returns the context of the next,
// a child of root.
func (l *latest) next(root context.Context) context.Context {
	if l.cancel != nil {
		l.cancel()
	}
	ctx, cancel := context.WithCancel(root)
	l.cancel = cancel
	return ctx
}

// paneOwner is a screen made of panes that load on their own (Access
// review's tabs): a pane's load is the screen's.
type paneOwner interface {
	owns(owner any) bool
}

package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// accessReviewScreen is screen 7: the access review, and the governance
// built on it: guards checked on every save (R17), access requests (R18)
// and review campaigns (R19), one tab each.
type accessReviewScreen struct {
	c     *Common
	tab   int
	panes []Screen
	w, h  int
}

var accessTabs = []string{"Review", "Guards", "Requests", "Campaigns"}

func newAccessReviewScreen(c *Common) *accessReviewScreen {
	return &accessReviewScreen{c: c, panes: []Screen{newReviewScreen(c), newGuardsPane(c), newRequestsPane(c), newReviewsPane(c)}}
}

func (s *accessReviewScreen) pane() Screen { return s.panes[s.tab] }

// owns says a load came from one of the tabs, so it ends the screen's
// first load.
func (s *accessReviewScreen) owns(owner any) bool {
	for _, p := range s.panes {
		if p == owner {
			return true
		}
	}
	return false
}

func (s *accessReviewScreen) Reload() tea.Cmd { return s.pane().Reload() }
func (s *accessReviewScreen) Dirty() bool     { return s.pane().Dirty() }
func (s *accessReviewScreen) Capturing() bool { return s.pane().Capturing() }
func (s *accessReviewScreen) Hint() string    { return s.pane().Hint() }

func (s *accessReviewScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	for _, p := range s.panes {
		p.SetSize(w, h-1)
	}
}

func (s *accessReviewScreen) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && !s.pane().Capturing() {
		g := s.c.Keys.Global
		switch {
		case key.Matches(k, g.NextPane):
			s.tab = (s.tab + 1) % len(s.panes)
			return s.pane().Reload()
		case key.Matches(k, g.PrevPane):
			s.tab = (s.tab + len(s.panes) - 1) % len(s.panes)
			return s.pane().Reload()
		}
	}
	return s.pane().Update(msg)
}

func (s *accessReviewScreen) View() string {
	parts := make([]string, len(accessTabs))
	for i, t := range accessTabs {
		if i == s.tab {
			parts[i] = s.c.Styles.TabActive.Render("[" + t + "]")
		} else {
			parts[i] = s.c.Styles.Tab.Render(" " + t + " ")
		}
	}
	return pad(strings.Join(parts, ""), s.w) + "\n" + s.pane().View()
}

func (s *accessReviewScreen) ShortHelp() []key.Binding {
	return append(s.pane().ShortHelp(), s.c.Keys.Global.NextPane)
}

func (s *accessReviewScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{s.ShortHelp()}
}

// govPane is the part the three governance panes share: a title line, a
// table, an optional form and the screen plumbing.
type govPane struct {
	c     *Common
	table *table
	form  *form
	w, h  int
	// saving is the save a submitted form started: the form stays open
	// (and keeps what was typed) until it succeeds
	saving tea.Cmd
	// owner is the screen or pane embedding this one: its keys wait for a
	// save (Common.saving)
	owner any
}

// govSavedMsg reports a governance save back to its pane.
type govSavedMsg struct {
	pane *govPane
	ok   string
	err  error
}

// save runs fn as a command; the form closes when it succeeds, and stays
// with the store's refusal in the status line when it does not.
func (p *govPane) save(ok string, fn func() error) {
	p.saving = func() tea.Msg { return govSavedMsg{pane: p, ok: ok, err: fn()} }
}

// updateForm passes msg to the open form and returns the save a submit
// started; saved handles the save's result.
func (p *govPane) updateForm(msg tea.Msg, submit func()) tea.Cmd {
	if m, ok := msg.(govSavedMsg); ok && m.pane == p {
		if m.err != nil {
			p.c.Fail(m.err)
			return nil
		}
		p.form = nil
		return func() tea.Msg { return doneMsg{ok: m.ok} }
	}
	cmd := updateForm(&p.form, msg, func() tea.Cmd { submit(); return nil })
	if p.saving != nil {
		cmd, p.saving = tea.Batch(cmd, p.c.saving(p.owner, p.saving)), nil
	}
	return cmd
}

func (p *govPane) Dirty() bool     { return false }
func (p *govPane) Capturing() bool { return p.form != nil }

func (p *govPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.table.SetSize(w, h-1)
	if p.form != nil {
		p.form.SetSize(w, h)
	}
}

func (p *govPane) view(head string) string {
	if p.form != nil {
		return p.form.View()
	}
	return pad(head, p.w) + "\n" + p.table.View()
}

func (p *govPane) FullHelp() [][]key.Binding { return nil }

// needGroupsEdit refuses, before any form, what needs Manage Groups.
func (p *govPane) needGroupsEdit() bool {
	if err := p.c.Access.RequireLevel(domain.ModGroups, domain.LevelEdit); err != nil {
		p.c.Fail(err)
		return false
	}
	return true
}

// --- Guards (R17) ---------------------------------------------------------

type guardsPane struct {
	govPane
	guards []domain.Guard
	broken map[string]domain.GuardViolation
}

// Field indexes of the guard form.
const (
	guardFName = iota
	guardFKind
	guardFPrivs
	guardFNumber
	guardFBuilding
)

func newGuardsPane(c *Common) *guardsPane {
	p := &guardsPane{govPane: govPane{c: c, table: newTable(c, "no guards: n adds one",
		column{title: "Name", width: 14},
		column{title: "Rule", width: 30, flex: 1},
		column{title: "Now", width: 20, flex: 2})}}
	p.owner = p
	return p
}

func (p *guardsPane) Reload() tea.Cmd {
	return p.c.load(p, func() func() tea.Cmd {
		gs, err := p.c.Svc.Guards(p.c.Ctx)
		var vs []domain.GuardViolation
		if err == nil {
			vs, err = p.c.Svc.CheckGuards(p.c.Ctx)
		}
		return func() tea.Cmd { p.apply(gs, vs, err); return nil }
	})
}

func (p *guardsPane) apply(gs []domain.Guard, vs []domain.GuardViolation, err error) {
	if err != nil {
		p.c.Fail(err)
		return
	}
	p.guards, p.broken = gs, map[string]domain.GuardViolation{}
	for _, v := range vs {
		p.broken[v.Guard] = v
	}
	keys := make([]string, len(gs))
	rows := make([][]string, len(gs))
	for i, g := range gs {
		now := "holds"
		if v, ok := p.broken[g.Name]; ok {
			now = "BROKEN: " + v.Why
		}
		keys[i], rows[i] = g.Name, []string{g.Name, g.Rule(), now}
	}
	p.table.SetRows(keys, rows)
}

// Hint shows why the highlighted guard is broken, in full.
func (p *guardsPane) Hint() string {
	if v, ok := p.broken[p.table.Key()]; ok && p.form == nil {
		return v.String()
	}
	return ""
}

func (p *guardsPane) openForm() {
	if !p.needGroupsEdit() {
		return
	}
	p.form = newForm(p.c, "New guard").
		text("Name", "", "e.g. two admins", func(v string) error { return domain.ValidateName("guard name", v) }).
		choose("Rule", []string{string(domain.GuardNeverTogether), string(domain.GuardMaxHolders), string(domain.GuardMinHolders)}, string(domain.GuardNeverTogether)).
		text("Privileges", "", "ids, comma-separated: ticket.assign,ticket.close or groups:edit", nil).
		text("Number", "", "holders, for max- and min-holders", nil).
		pickText("Building", "", "code, for max-holders (optional)", nil, p.c.buildingChoices)
	p.form.note = "Every save that changes access is checked against the guards and refused when it breaks one more than before (R17)."
	p.form.SetSize(p.w, p.h)
}

func (p *guardsPane) submit() {
	f := p.form
	g := domain.Guard{Name: f.Value(guardFName), Kind: domain.GuardKind(f.Value(guardFKind)), Building: strings.TrimSpace(f.Value(guardFBuilding))}
	g.Privs = splitList(f.Value(guardFPrivs))
	if g.Kind != domain.GuardNeverTogether {
		n, err := strconv.Atoi(strings.TrimSpace(f.Value(guardFNumber)))
		if err != nil {
			p.c.Fail(domain.Errorf(domain.EInvalid, "number: how many holders, as a whole number"))
			return
		}
		g.Limit = n
	}
	p.save("added guard "+g.Name, func() error { _, err := p.c.Svc.AddGuard(p.c.Ctx, g); return err })
}

func (p *guardsPane) Update(msg tea.Msg) tea.Cmd {
	if p.form != nil {
		return p.updateForm(msg, p.submit)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || p.table.Update(msg) {
		return nil
	}
	l := p.c.Keys.List
	switch {
	case key.Matches(k, l.New):
		p.openForm()
	case key.Matches(k, l.Delete) && p.table.Key() != "":
		if !p.needGroupsEdit() {
			return nil
		}
		name := p.table.Key()
		return ask("Remove guard "+name+"? Saves are no longer checked against it.",
			act("removed guard "+name, func() error { return p.c.Svc.RemoveGuard(p.c.Ctx, name) }))
	}
	return nil
}

func (p *guardsPane) View() string {
	head := p.c.Styles.Title.Render("Guards") + fmt.Sprintf(" · %d · %d broken · checked on every save that changes access (R17)", len(p.guards), len(p.broken))
	return p.view(head)
}

func (p *guardsPane) ShortHelp() []key.Binding {
	if p.form != nil {
		return p.form.ShortHelp()
	}
	if p.c.Access.Level(domain.ModGroups) < domain.LevelEdit {
		return []key.Binding{p.c.Keys.Nav.Up, p.c.Keys.Nav.Down}
	}
	return []key.Binding{p.c.Keys.List.New, p.c.Keys.List.Delete}
}

// --- Access requests (R18) ------------------------------------------------

type requestsPane struct {
	govPane
	reqs       []domain.AccessRequest
	requesting []domain.Group // the new-request form's groups
	denying    domain.ID      // the deny form's request
}

// Field indexes of the request form.
const (
	rfGroup = iota
	rfHours
	rfReason
)

func newRequestsPane(c *Common) *requestsPane {
	p := &requestsPane{govPane: govPane{c: c, table: newTable(c, "no access requests: n asks for a requestable group",
		column{title: "#", width: 4},
		column{title: "User", width: 10, flex: 1},
		column{title: "Group", width: 12, flex: 1},
		column{title: "Hours", width: 5},
		column{title: "Status", width: 8},
		column{title: "Asked", width: 16},
		column{title: "Reason", width: 10, flex: 2})}}
	p.owner = p
	return p
}

func (p *requestsPane) Reload() tea.Cmd {
	return p.c.load(p, func() func() tea.Cmd {
		rs, err := p.c.Svc.AccessRequests(p.c.Ctx, false)
		return func() tea.Cmd { p.apply(rs, err); return nil }
	})
}

func (p *requestsPane) apply(rs []domain.AccessRequest, err error) {
	if err != nil {
		p.c.Fail(err)
		return
	}
	// pending first, then newest first
	slices.SortStableFunc(rs, func(a, b domain.AccessRequest) int {
		if (a.Status == domain.RequestPending) != (b.Status == domain.RequestPending) {
			if a.Status == domain.RequestPending {
				return -1
			}
			return 1
		}
		return int(b.ID) - int(a.ID)
	})
	p.reqs = rs
	keys := make([]string, len(rs))
	rows := make([][]string, len(rs))
	for i, r := range rs {
		status := string(r.Status)
		if r.Status == domain.RequestApproved {
			status = "approved, until " + stampIn(p.c, r.Until)
		}
		keys[i] = strconv.FormatUint(r.ID, 10)
		rows[i] = []string{keys[i], r.Username, r.GroupName, strconv.Itoa(r.Hours), status, stampIn(p.c, r.RequestedAt), r.Reason}
	}
	p.table.SetRows(keys, rows)
}

func (p *requestsPane) current() (domain.AccessRequest, bool) {
	k := p.table.Key()
	for _, r := range p.reqs {
		if strconv.FormatUint(r.ID, 10) == k {
			return r, true
		}
	}
	return domain.AccessRequest{}, false
}

func (p *requestsPane) Hint() string {
	r, ok := p.current()
	if !ok || p.form != nil {
		return ""
	}
	h := r.Label() + ": " + r.Reason
	if r.DecidedBy != "" {
		h += " · " + string(r.Status) + " by " + r.DecidedBy
		if r.Decision != "" {
			h += ": " + r.Decision
		}
	}
	return h
}

// decider says why the acting user may not decide r, or "" when they may
// (the store decides again; this refuses before the question).
func (p *requestsPane) decider(r domain.AccessRequest) string {
	a := &p.c.Access
	switch {
	case r.Status != domain.RequestPending:
		return fmt.Sprintf("request #%d was %s already", r.ID, r.Status)
	case r.User == a.UserID:
		return "nobody decides their own request (R18)"
	case a.Level(domain.ModGroups) < domain.LevelEdit && a.Level(domain.ModUsers) < domain.LevelEdit:
		return "deciding requests needs Manage Groups or Manage Users (groups:edit or users:edit)"
	}
	return ""
}

// openRequest reads the requestable groups off the Update loop; the form
// opens when they arrive.
func (p *requestsPane) openRequest() tea.Cmd {
	svc, ctx := p.c.Svc, p.c.Ctx
	return p.c.open(p, func() func() tea.Cmd {
		gs, err := svc.RequestableGroups(ctx)
		return func() tea.Cmd { p.showRequest(gs, err); return nil }
	})
}

// showRequest opens the request form on the groups read.
func (p *requestsPane) showRequest(gs []domain.Group, err error) {
	if err != nil {
		p.c.Fail(err)
		return
	}
	if len(gs) == 0 {
		p.c.Fail(domain.Errorf(domain.ENotFound, "no group can be requested: someone who manages groups marks one with `gatehouse group requestable`"))
		return
	}
	p.requesting = gs
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = g.Name
	}
	p.form = newForm(p.c, "Request access").
		choose("Group", names, names[0]).
		text("Hours", strconv.Itoa(gs[0].RequestHours), "at most the group's limit", nil).
		text("Reason", "", "why you need it", nil)
	var limits []string
	for _, g := range gs {
		limits = append(limits, fmt.Sprintf("%s ≤ %dh", g.Name, g.RequestHours))
	}
	p.form.note = "Someone else who may add you approves; the hours start then (R18). Limits: " + strings.Join(limits, ", ")
	p.form.SetSize(p.w, p.h)
}

func (p *requestsPane) openDeny(r domain.AccessRequest) {
	p.denying = r.ID
	p.form = newForm(p.c, "Deny "+r.Label()).text("Reason", "", "told to "+r.Username, nil)
	p.form.SetSize(p.w, p.h)
}

func (p *requestsPane) submit() {
	f := p.form
	if p.denying != 0 {
		id, reason := p.denying, f.Value(0)
		p.save(fmt.Sprintf("denied request #%d", id), func() error {
			_, err := p.c.Svc.DecideRequest(p.c.Ctx, id, false, reason)
			return err
		})
	} else {
		hours, err := strconv.Atoi(strings.TrimSpace(f.Value(rfHours)))
		if err != nil {
			p.c.Fail(domain.Errorf(domain.EInvalid, "hours: a whole number of hours"))
			return
		}
		group, reason := f.Value(rfGroup), f.Value(rfReason)
		p.save("asked for "+group, func() error {
			_, err := p.c.Svc.RequestAccess(p.c.Ctx, group, hours, reason)
			return err
		})
	}
}

func (p *requestsPane) Update(msg tea.Msg) tea.Cmd {
	if p.form != nil {
		cmd := p.updateForm(msg, p.submit)
		if p.form == nil {
			p.denying = 0
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || p.table.Update(msg) {
		return nil
	}
	g := p.c.Keys.Gov
	r, has := p.current()
	switch {
	case key.Matches(k, p.c.Keys.List.New):
		return p.openRequest()
	case !has:
	case key.Matches(k, g.Approve):
		if why := p.decider(r); why != "" {
			p.c.Fail(domain.Errorf(domain.EForbidden, "%s", why))
			return nil
		}
		id := r.ID
		return ask(fmt.Sprintf("Approve %s? %s joins %s for %d hours from now, then it ends by itself.", r.Label(), r.Username, r.GroupName, r.Hours),
			act(fmt.Sprintf("approved request #%d", id), func() error {
				_, err := p.c.Svc.DecideRequest(p.c.Ctx, id, true, "")
				return err
			}))
	case key.Matches(k, g.Deny):
		if why := p.decider(r); why != "" {
			p.c.Fail(domain.Errorf(domain.EForbidden, "%s", why))
			return nil
		}
		p.openDeny(r)
	}
	return nil
}

func (p *requestsPane) View() string {
	pending := 0
	for _, r := range p.reqs {
		if r.Status == domain.RequestPending {
			pending++
		}
	}
	head := p.c.Styles.Title.Render("Access requests") + fmt.Sprintf(" · %d pending · time-boxed, approved by someone else (R18)", pending)
	return p.view(head)
}

func (p *requestsPane) ShortHelp() []key.Binding {
	if p.form != nil {
		return p.form.ShortHelp()
	}
	a := &p.c.Access
	if a.Level(domain.ModGroups) >= domain.LevelEdit || a.Level(domain.ModUsers) >= domain.LevelEdit {
		return []key.Binding{p.c.Keys.List.New, p.c.Keys.Gov.Approve, p.c.Keys.Gov.Deny}
	}
	return []key.Binding{p.c.Keys.List.New}
}

// --- Review campaigns (R19) -----------------------------------------------

type reviewsPane struct {
	govPane
	reviews []domain.Review
	open    *domain.Review // the checklist shown, or nil for the list
	items   *table
}

// Field indexes of the campaign form.
const (
	cfGroup = iota
	cfReviewer
	cfDue
	cfOnMiss
)

func newReviewsPane(c *Common) *reviewsPane {
	p := &reviewsPane{govPane: govPane{c: c, table: newTable(c, "no review campaigns: n starts one",
		column{title: "#", width: 4},
		column{title: "Group", width: 12, flex: 1},
		column{title: "Reviewer", width: 10, flex: 1},
		column{title: "Due", width: 10},
		column{title: "On miss", width: 7},
		column{title: "Decided", width: 7},
		column{title: "State", width: 6, flex: 1})},
		items: newTable(c, "no members",
			column{title: "Member", width: 12, flex: 1},
			column{title: "Decision", width: 8},
			column{title: "When", width: 16},
			column{title: "Reason or outcome", width: 12, flex: 3})}
	p.owner = p
	return p
}

func (p *reviewsPane) SetSize(w, h int) {
	p.govPane.SetSize(w, h)
	p.items.SetSize(w, h-2)
}

func (p *reviewsPane) Reload() tea.Cmd {
	return p.c.load(p, func() func() tea.Cmd {
		rs, err := p.c.Svc.Reviews(p.c.Ctx, false)
		return func() tea.Cmd { p.apply(rs, err); return nil }
	})
}

func (p *reviewsPane) apply(rs []domain.Review, err error) {
	if err != nil {
		p.c.Fail(err)
		return
	}
	slices.SortStableFunc(rs, func(a, b domain.Review) int { return int(b.ID) - int(a.ID) })
	p.reviews = rs
	keys := make([]string, len(rs))
	rows := make([][]string, len(rs))
	for i, rv := range rs {
		state := "open"
		if !rv.Open() {
			state = "closed"
		}
		keys[i] = strconv.FormatUint(rv.ID, 10)
		rows[i] = []string{keys[i], rv.GroupName, rv.ReviewerName, dayIn(p.c, rv.Due.Add(-time.Nanosecond)), string(rv.OnMiss),
			fmt.Sprintf("%d/%d", len(rv.Items)-rv.Undecided(), len(rv.Items)), state}
	}
	p.table.SetRows(keys, rows)
	if p.open != nil {
		p.show(p.open.ID)
	}
}

// show opens the checklist of review id with its current items.
func (p *reviewsPane) show(id domain.ID) {
	i := slices.IndexFunc(p.reviews, func(rv domain.Review) bool { return rv.ID == id })
	if i < 0 {
		p.open = nil
		return
	}
	rv := p.reviews[i]
	p.open = &rv
	keys := make([]string, len(rv.Items))
	rows := make([][]string, len(rv.Items))
	for j, it := range rv.Items {
		d, note := "—", it.Outcome
		if it.Decision != "" {
			d, note = string(it.Decision), it.Reason
		}
		when := ""
		if !it.At.IsZero() {
			when = stampIn(p.c, it.At)
		}
		keys[j], rows[j] = it.Username, []string{it.Username, d, when, note}
	}
	p.items.SetRows(keys, rows)
}

func (p *reviewsPane) Hint() string {
	if p.open == nil || p.form != nil {
		return ""
	}
	for _, it := range p.open.Items {
		if it.Username == p.items.Key() && it.Outcome != "" {
			return it.Username + ": " + it.Outcome
		}
	}
	return ""
}

// canDecide refuses, before any question, a decision the store would
// refuse: only the reviewer decides, while the campaign is open.
func (p *reviewsPane) canDecide() bool {
	switch {
	case p.open.Reviewer != p.c.Access.UserID:
		p.c.Fail(domain.Errorf(domain.EForbidden, "only the reviewer, %s, decides review #%d (R19)", p.open.ReviewerName, p.open.ID))
	case !p.open.Open():
		p.c.Fail(domain.Errorf(domain.EConflict, "review #%d is closed", p.open.ID))
	default:
		return true
	}
	return false
}

func (p *reviewsPane) openForm() {
	if !p.needGroupsEdit() {
		return
	}
	due := p.c.Now().AddDate(0, 0, 14)
	p.form = newForm(p.c, "Start a review campaign").
		pickText("Group", "", "whose members are reviewed", nil, p.c.groupChoices).
		pickText("Reviewer", "", "a username who may end those memberships", nil, p.c.userChoices).
		text("Due", p.c.date(due), "YYYY-MM-DD (through that day)", func(v string) error {
			_, err := domain.ParseThrough("due", v, p.c.zone(), p.c.Now())
			return err
		}).
		choose("On miss", []string{string(domain.OnMissFlag), string(domain.OnMissKeep), string(domain.OnMissRevoke)}, string(domain.OnMissFlag))
	p.form.note = "At the due date, memberships nobody decided are kept, flagged or revoked (R19)."
	p.form.SetSize(p.w, p.h)
}

func (p *reviewsPane) submit() {
	f := p.form
	due, err := domain.ParseThrough("due", f.Value(cfDue), p.c.zone(), p.c.Now())
	if err != nil || due.IsZero() {
		p.c.Fail(domain.Errorf(domain.EInvalid, "due: a date as YYYY-MM-DD, today or later"))
		return
	}
	group, reviewer, onMiss := f.Value(cfGroup), f.Value(cfReviewer), domain.OnMiss(f.Value(cfOnMiss))
	p.save("started a review of "+group, func() error {
		_, err := p.c.Svc.StartReview(p.c.Ctx, group, reviewer, due, onMiss)
		return err
	})
}

func (p *reviewsPane) decide(user string, d domain.Decision) tea.Cmd {
	id := p.open.ID
	return act(fmt.Sprintf("review #%d: %s %s", id, d, user), func() error {
		_, err := p.c.Svc.DecideReview(p.c.Ctx, id, user, d, "")
		return err
	})
}

func (p *reviewsPane) Update(msg tea.Msg) tea.Cmd {
	if p.form != nil {
		return p.updateForm(msg, p.submit)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	n, g := p.c.Keys.Nav, p.c.Keys.Gov
	if p.open != nil {
		user := p.items.Key()
		switch {
		case key.Matches(k, n.Back):
			p.open = nil
		case key.Matches(k, g.Keep) && user != "":
			if p.canDecide() {
				return p.decide(user, domain.DecisionKeep)
			}
		case key.Matches(k, g.Revoke) && user != "":
			if p.canDecide() {
				return ask(fmt.Sprintf("Revoke %s's membership of %s now?", user, p.open.GroupName), p.decide(user, domain.DecisionRevoke))
			}
		case key.Matches(k, n.Open) && user != "":
			return switchTo("access", user)
		default:
			p.items.Update(msg)
		}
		return nil
	}
	if p.table.Update(msg) {
		return nil
	}
	switch {
	case key.Matches(k, p.c.Keys.List.New):
		p.openForm()
	case key.Matches(k, n.Open) && p.table.Key() != "":
		id, err := strconv.ParseUint(p.table.Key(), 10, 64)
		if err == nil {
			p.show(id)
		}
	}
	return nil
}

func (p *reviewsPane) View() string {
	if p.form != nil {
		return p.form.View()
	}
	if rv := p.open; rv != nil {
		st := "open"
		if !rv.Open() {
			st = "closed " + stampIn(p.c, rv.ClosedAt)
		}
		head := p.c.Styles.Title.Render(fmt.Sprintf("Review #%d · %s", rv.ID, rv.GroupName)) +
			fmt.Sprintf(" · reviewer %s · due %s · on miss %s · %s", rv.ReviewerName, dayIn(p.c, rv.Due.Add(-time.Nanosecond)), rv.OnMiss, st)
		sub := p.c.Styles.Dim.Render(fmt.Sprintf("%d of %d undecided", rv.Undecided(), len(rv.Items)))
		return pad(head, p.w) + "\n" + pad(sub, p.w) + "\n" + p.items.View()
	}
	open := 0
	for _, rv := range p.reviews {
		if rv.Open() {
			open++
		}
	}
	head := p.c.Styles.Title.Render("Review campaigns") + fmt.Sprintf(" · %d open · missed memberships are kept, flagged or revoked at the due date (R19)", open)
	return p.view(head)
}

func (p *reviewsPane) ShortHelp() []key.Binding {
	if p.form != nil {
		return p.form.ShortHelp()
	}
	n, g := p.c.Keys.Nav, p.c.Keys.Gov
	if p.open != nil {
		if p.open.Reviewer == p.c.Access.UserID && p.open.Open() {
			return []key.Binding{g.Keep, g.Revoke, n.Open, n.Back}
		}
		return []key.Binding{n.Open, n.Back}
	}
	if p.c.Access.Level(domain.ModGroups) >= domain.LevelEdit {
		return []key.Binding{n.Open, p.c.Keys.List.New}
	}
	return []key.Binding{n.Open}
}

// --- shared ---------------------------------------------------------------

// stampIn and dayIn show a time in the organization's zone.
func stampIn(c *Common, t time.Time) string { return c.stamp(t) }
func dayIn(c *Common, t time.Time) string   { return c.date(t) }

// governanceHomeLines tell the acting user what waits for them: review
// campaigns they are the reviewer of, requests they may decide, and their
// own pending requests.
func governanceHomeLines(c *Common) []string {
	var out []string
	st := c.Styles
	if rs, err := c.Svc.Reviews(c.Ctx, true); err == nil {
		for _, rv := range rs {
			if rv.Reviewer == c.Access.UserID && rv.Undecided() > 0 {
				out = append(out, st.Warn.Render(fmt.Sprintf("• Review #%d of %s: %d of %d memberships undecided, due %s (7, then tab to Campaigns)",
					rv.ID, rv.GroupName, rv.Undecided(), len(rv.Items), dayIn(c, rv.Due.Add(-time.Nanosecond)))))
			}
		}
	}
	if rs, err := c.Svc.AccessRequests(c.Ctx, true); err == nil {
		mine, others := 0, 0
		for _, r := range rs {
			if r.User == c.Access.UserID {
				mine++
				out = append(out, fmt.Sprintf("• Your request #%d for %s (%d hours) waits for a decision", r.ID, r.GroupName, r.Hours))
			} else {
				others++
			}
		}
		if others > 0 {
			what := "access requests wait"
			if others == 1 {
				what = "access request waits"
			}
			out = append(out, st.Warn.Render(fmt.Sprintf("• %d %s for a decision (7, then tab to Requests)", others, what)))
		}
	}
	if len(out) > 0 {
		out = append([]string{st.Title.Render("Access")}, append(out, "")...)
	}
	return out
}

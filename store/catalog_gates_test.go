package store_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// gateRow proves that one catalog entry gates something real: the acting
// user gk, whose every privilege comes from the group Gate, tries the gated
// thing through the store once holding base alone and once holding base
// and the entry.
type gateRow struct {
	// id is a flag id, or a module with the level the row proves
	// ("users:view", "users:edit"; the subject without holds one level less).
	id   string
	what string // the gated action or effect, for the subtest's name
	// base is what gk holds both times: flags, module levels and task
	// states (the entry's Requires are added to it).
	base domain.Group
	// act does the gated thing as gk: refused without the entry, with an
	// error that names it (its id or label), and allowed with it.
	act func(t *testing.T, gk domain.Service) error
	// shown is for entries that shape what reaches the holder rather than
	// refuse (a ticket's fields, history, clone links and contacts, a
	// notification's sections, who sees a ticket): whether the gated
	// content reached gk.
	shown func(t *testing.T, gk domain.Service) bool
	// names is what the refusal names when that is not the entry itself:
	// another privilege that allows the action as well (why, in the row).
	names string
	code  string // the refusal's code when it is not forbidden
	// elsewhere is "dir:TestName" for an entry enforced outside the store
	// (the console, the SSH server): that test toggles the entry on a real
	// store and proves its effect there.
	elsewhere string
}

// TestGate_EveryCatalogEntry runs, for every row of domain.Catalog (each
// module at edit, and at view where the store has a view gate), the real
// action the entry gates without it and with it. No row asks whether the
// access holds the flag: each goes through domain.Service on a real store,
// so removing a gate fails its row.
func TestGate_EveryCatalogEntry(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	a := d.admin
	// Users, the base group gk is in too, grants nothing here: every
	// privilege gk holds comes from Gate
	users, err := a.Group(ctx, domain.GroupUsers)
	must(t, err)
	bare := users.Group
	bare.Flags = domain.FlagSet{}
	_, err = a.UpdateGroup(ctx, users.ID, domain.DiffGroup(users.Group, bare), true)
	must(t, err)
	_, err = a.CreateGroup(ctx, domain.Group{Name: "Gate", Notify: domain.Notify{Events: []domain.Event{domain.EventClosed}}}, true)
	must(t, err)
	gkUser, err := a.CreateUser(ctx, domain.User{Username: "gk", First: "Gale", Last: "Keeper", Email: "gk@example.org"})
	must(t, err)
	must(t, a.Join(ctx, "gk", "Gate", time.Time{}, ""))
	must(t, a.Join(ctx, "admin", "Gate", time.Time{}, "")) // to save the group's chart below
	_, err = a.CreateUser(ctx, domain.User{Username: "tech2", First: "Toni", Email: "tech2@example.org"})
	must(t, err)
	must(t, a.Join(ctx, "tech2", "Technicians", time.Time{}, ""))
	must(t, a.AddKey(ctx, "gk", domain.SSHKey{Fingerprint: "SHA256:gk", Key: "ssh-ed25519 AAAA gk"}))
	must(t, a.AddRule(ctx, "EAST", "Hardware", "tech"))
	techInfo, err := a.User(ctx, "tech")
	must(t, err)
	global, _, err := a.Team(ctx, domain.TeamGlobal)
	must(t, err)
	att, err := a.Attach(ctx, d.east, "photo.png", []byte("\x89PNG\r\n\x1a\n0000"))
	must(t, err)
	th, err := a.StartThread(ctx, d.east, "Parts", "ordered a lamp")
	must(t, err)
	disc, err := a.Discussion(ctx, d.east)
	must(t, err)
	post := disc.Threads[0].Posts[0].ID
	chart, err := a.SaveChart(ctx, "Gate", domain.Chart{Name: "Open by building", Kind: "by-building", Days: 30})
	must(t, err)

	n := 0
	uniq := func(prefix string) string { n++; return fmt.Sprintf("%s%d", prefix, n) }
	// ticket reports a ticket in EAST as admin and takes it to st, assigned
	// to assignee when it is not new
	ticket := func(t *testing.T, st domain.Status, assignee string) domain.TicketNumber {
		t.Helper()
		tk, err := a.CreateTicket(ctx, domain.NewTicket{Title: uniq("Lamp "), Description: "the lamp flickers", Building: "EAST"})
		must(t, err)
		if st == domain.StatusNew {
			return tk.Number
		}
		must(t, a.Assign(ctx, tk.Number, assignee, ""))
		switch st {
		case domain.StatusInProgress:
			must(t, a.Start(ctx, tk.Number, ""))
		case domain.StatusClosed:
			must(t, a.Close(ctx, tk.Number, ""))
		}
		return tk.Number
	}
	// mailed is the text of the closing notice gk receives about a new
	// ticket admin closes with a comment
	mailed := func(t *testing.T, gk domain.Service) string {
		t.Helper()
		num := ticket(t, domain.StatusNew, "")
		must(t, a.Close(ctx, num, "replaced the lamp"))
		msgs, err := gk.Outbox(ctx, 0)
		must(t, err)
		for _, m := range msgs {
			if m.Ticket == num && m.Event == domain.EventClosed {
				return m.Text
			}
		}
		t.Fatalf("gk got no closing notice about %d: %+v", num, msgs)
		return ""
	}
	section := func(text string) func(t *testing.T, gk domain.Service) bool {
		return func(t *testing.T, gk domain.Service) bool { return strings.Contains(mailed(t, gk), text) }
	}
	detail := func(t *testing.T, gk domain.Service, num domain.TicketNumber) domain.TicketDetail {
		t.Helper()
		td, err := gk.Ticket(ctx, num)
		must(t, err)
		return td
	}
	flags := func(fs ...domain.Flag) domain.Group { return domain.Group{Flags: domain.FlagSetOf(fs...)} }
	sees := domain.VisibilityOverride // gk sees every ticket through it
	email := func(but domain.Flag) domain.Group {
		g := flags(sees)
		for _, p := range domain.Catalog {
			if p.Category == "Email content" && p.Flag != but {
				g.Flags.Add(p.Flag)
			}
		}
		return g
	}
	type svc = domain.Service

	rows := []gateRow{
		// Modules: view, where the store has a view gate, and edit
		{id: "users:view", what: "list users", act: func(t *testing.T, gk svc) error {
			_, err := gk.Users(ctx, domain.UserQuery{})
			return err
		}},
		{id: "users:edit", what: "create a user", act: func(t *testing.T, gk svc) error {
			_, err := gk.CreateUser(ctx, domain.User{Username: uniq("newbie")})
			return err
		}},
		{id: "groups:view", what: "list groups", act: func(t *testing.T, gk svc) error {
			_, err := gk.Groups(ctx, "")
			return err
		}},
		{id: "groups:edit", what: "create a group", act: func(t *testing.T, gk svc) error {
			_, err := gk.CreateGroup(ctx, domain.Group{Name: uniq("Crew ")}, true)
			return err
		}},
		{id: "teams:view", what: "list teams", act: func(t *testing.T, gk svc) error {
			_, err := gk.Teams(ctx, "")
			return err
		}},
		{id: "teams:edit", what: "create a team", act: func(t *testing.T, gk svc) error {
			_, err := gk.CreateTeam(ctx, domain.Team{Name: uniq("Night ")})
			return err
		}},
		// everyone lists buildings (reporting needs them); their
		// auto-assign rules are building administration
		{id: "buildings:view", what: "see auto-assign rules", shown: func(t *testing.T, gk svc) bool {
			b, err := gk.Building(ctx, "EAST")
			must(t, err)
			return len(b.Rules) == 1
		}},
		{id: "buildings:edit", what: "create a building", act: func(t *testing.T, gk svc) error {
			_, err := gk.CreateBuilding(ctx, domain.Building{Code: uniq("B"), Name: "Annex"})
			return err
		}},
		// Manage Users view shows technicians too, and the refusal names it
		{id: "technicians:view", what: "see a technician", names: "users:view", act: func(t *testing.T, gk svc) error {
			_, err := gk.User(ctx, "tech")
			return err
		}},
		{id: "technicians:edit", what: "rename a technician", act: func(t *testing.T, gk svc) error {
			var p domain.UserPatch
			_, err := gk.UpdateUser(ctx, techInfo.User.ID, *p.SetFirst(uniq("Terry")))
			return err
		}},
		{id: "organization:view", what: "read the mail settings", act: func(t *testing.T, gk svc) error {
			_, err := gk.MailSettings(ctx)
			return err
		}},
		{id: "organization:edit", what: "rename the organization", act: func(t *testing.T, gk svc) error {
			var p domain.OrgPatch
			_, err := gk.UpdateOrganization(ctx, *p.SetName(uniq("District ")))
			return err
		}},
		{id: "reporting:edit", what: "add a problem type", act: func(t *testing.T, gk svc) error {
			o, err := a.Organization(ctx)
			must(t, err)
			var p domain.OrgPatch
			_, err = gk.UpdateOrganization(ctx, *p.SetProblemTypes(append(slices.Clone(o.ProblemTypes), domain.ProblemType{Name: uniq("Plumbing ")})))
			return err
		}},
		{id: "appearance:edit", what: "add a priority", act: func(t *testing.T, gk svc) error {
			o, err := a.Organization(ctx)
			must(t, err)
			var p domain.OrgPatch
			_, err = gk.UpdateOrganization(ctx, *p.SetPriorities(append(slices.Clone(o.Priorities), uniq("Someday "))))
			return err
		}},
		{id: "schedules:view", what: "list scheduled tasks", act: func(t *testing.T, gk svc) error {
			_, err := gk.Schedules(ctx)
			return err
		}},
		{id: "schedules:edit", what: "create a scheduled task", act: func(t *testing.T, gk svc) error {
			_, err := gk.CreateSchedule(ctx, domain.ScheduledTask{Title: uniq("Filters "), Building: d.eastB.ID,
				Every: domain.Weekly, Interval: 1, NextRun: epoch.AddDate(0, 0, 7), Enabled: true})
			return err
		}},
		{id: "notices:view", what: "list notices", act: func(t *testing.T, gk svc) error {
			_, err := gk.Notices(ctx, "")
			return err
		}},
		{id: "notices:edit", what: "create a notice", act: func(t *testing.T, gk svc) error {
			_, err := gk.CreateNotice(ctx, domain.Notice{Title: uniq("Closed on Friday "), Start: epoch, End: epoch.AddDate(0, 0, 7),
				Teams: []domain.ID{global.ID}, Visible: true})
			return err
		}},

		// Tickets
		{id: "ticket.report", what: "report a ticket", act: func(t *testing.T, gk svc) error {
			_, err := gk.CreateTicket(ctx, domain.NewTicket{Title: uniq("Door "), Building: "EAST"})
			return err
		}},
		// Edit Attachments allows it on every ticket, and the refusal names it
		{id: "ticket.attach", what: "attach to one's new report", base: flags(domain.TicketReport), names: "attach.edit",
			act: func(t *testing.T, gk svc) error {
				tk, err := gk.CreateTicket(ctx, domain.NewTicket{Title: uniq("Door "), Building: "EAST"})
				must(t, err)
				_, err = gk.Attach(ctx, tk.Number, "door.txt", []byte("hinge"))
				return err
			}},
		{id: "attach.view", what: "read an attachment", base: flags(sees), act: func(t *testing.T, gk svc) error {
			_, _, err := gk.AttachmentData(ctx, d.east, att.ID)
			return err
		}},
		{id: "attach.edit", what: "attach to someone else's ticket", base: flags(sees), act: func(t *testing.T, gk svc) error {
			_, err := gk.Attach(ctx, d.east, uniq("log")+".txt", []byte("x"))
			return err
		}},
		{id: "ticket.assignee", what: "be assigned a ticket", code: domain.EInvalid, act: func(t *testing.T, gk svc) error {
			return a.Assign(ctx, ticket(t, domain.StatusNew, ""), "gk", "")
		}},
		{id: "ticket.view", what: "see a ticket's fields", base: flags(sees), shown: func(t *testing.T, gk svc) bool {
			td := detail(t, gk, ticket(t, domain.StatusNew, ""))
			return !td.FieldsHidden && td.Description == "the lamp flickers"
		}},
		{id: "ticket.history", what: "see a ticket's history", base: flags(sees), shown: func(t *testing.T, gk svc) bool {
			td := detail(t, gk, ticket(t, domain.StatusNew, ""))
			return !td.HistoryHidden && len(td.History) > 0
		}},
		{id: "ticket.userinfo", what: "see the assignee's email", base: flags(sees), shown: func(t *testing.T, gk svc) bool {
			return detail(t, gk, ticket(t, domain.StatusAssigned, "tech2")).AssigneeEmail == "tech2@example.org"
		}},
		{id: "ticket.edit", what: "retitle a ticket", base: flags(sees), act: func(t *testing.T, gk svc) error {
			title := uniq("Lamp ")
			return gk.EditTicket(ctx, ticket(t, domain.StatusNew, ""), domain.TicketChange{Title: &title})
		}},
		{id: "work.write", what: "write a work report", base: flags(sees, domain.TicketAssignee), act: func(t *testing.T, gk svc) error {
			_, err := gk.AddWork(ctx, ticket(t, domain.StatusAssigned, "gk"), 0, "looked at it")
			return err
		}},
		{id: "work.edit", what: "edit one's work report", base: flags(sees, domain.TicketAssignee, domain.WorkWrite),
			act: func(t *testing.T, gk svc) error {
				num := ticket(t, domain.StatusAssigned, "gk")
				r, err := gk.AddWork(ctx, num, 0, "looked at it")
				must(t, err)
				return gk.EditWork(ctx, num, r.ID, 0, "looked at it twice")
			}},
		{id: "ticket.assign", what: "assign a new ticket", base: flags(sees, domain.TaskAll), act: func(t *testing.T, gk svc) error {
			return gk.Assign(ctx, ticket(t, domain.StatusNew, ""), "tech", "")
		}},
		{id: "ticket.reassign", what: "reassign a ticket", base: flags(sees, domain.TaskAll), act: func(t *testing.T, gk svc) error {
			return gk.Reassign(ctx, ticket(t, domain.StatusAssigned, "tech"), "tech2", "")
		}},
		{id: "ticket.close", what: "close a ticket", base: flags(sees, domain.TaskAll), act: func(t *testing.T, gk svc) error {
			return gk.Close(ctx, ticket(t, domain.StatusInProgress, "tech"), "")
		}},
		{id: "ticket.reopen", what: "reopen a ticket", base: flags(sees, domain.TaskAll), act: func(t *testing.T, gk svc) error {
			return gk.Reopen(ctx, ticket(t, domain.StatusClosed, "tech"), "")
		}},
		{id: "ticket.delete", what: "delete a closed ticket", base: flags(sees), act: func(t *testing.T, gk svc) error {
			return gk.DeleteTicket(ctx, ticket(t, domain.StatusClosed, "tech"))
		}},
		{id: "ticket.clone", what: "clone a ticket", base: flags(sees), act: func(t *testing.T, gk svc) error {
			_, err := gk.Clone(ctx, ticket(t, domain.StatusNew, ""))
			return err
		}},
		{id: "ticket.cloneinfo", what: "see a ticket's clones", base: flags(sees), shown: func(t *testing.T, gk svc) bool {
			num := ticket(t, domain.StatusNew, "")
			child, err := a.Clone(ctx, num)
			must(t, err)
			td := detail(t, gk, num)
			return !td.CloneHidden && len(td.Children) == 1 && strings.HasSuffix(td.Children[0], fmt.Sprint(int(child.Number)))
		}},

		// Task: each lets a holder of Close close a ticket the others do not
		{id: "task.assigned", what: "close one's own ticket", base: flags(sees, domain.TicketClose, domain.TicketAssignee),
			act: func(t *testing.T, gk svc) error { return gk.Close(ctx, ticket(t, domain.StatusAssigned, "gk"), "") }},
		{id: "task.all", what: "close someone else's ticket", base: flags(sees, domain.TicketClose),
			act: func(t *testing.T, gk svc) error { return gk.Close(ctx, ticket(t, domain.StatusAssigned, "tech"), "") }},
		{id: "task.states", what: "close a ticket in a task state",
			base: domain.Group{Flags: domain.FlagSetOf(sees, domain.TicketClose), TaskStates: []domain.Status{domain.StatusInProgress}},
			act:  func(t *testing.T, gk svc) error { return gk.Close(ctx, ticket(t, domain.StatusInProgress, "tech"), "") }},

		// Query and metrics
		{id: "query.run", what: "save a query", act: func(t *testing.T, gk svc) error {
			_, err := gk.SaveQuery(ctx, uniq("mine "), "status:open", "")
			return err
		}},
		{id: "query.save-group", what: "save a group query", base: flags(domain.QueryRun), act: func(t *testing.T, gk svc) error {
			_, err := gk.SaveQuery(ctx, uniq("ours "), "status:open", "Gate")
			return err
		}},
		{id: "query.bulk-edit", what: "close a selection", base: flags(sees, domain.TaskAll, domain.TicketClose),
			act: func(t *testing.T, gk svc) error {
				_, err := gk.BulkAtomic(ctx, []domain.TicketNumber{ticket(t, domain.StatusNew, "")}, domain.BulkAction{Kind: domain.BulkClose})
				return err
			}},
		{id: "reports.custom", what: "run a report", base: flags(domain.QueryRun), act: func(t *testing.T, gk svc) error {
			q, err := gk.SaveQuery(ctx, uniq("report "), "status:open", "")
			must(t, err)
			_, err = gk.Report(ctx, q.ID)
			return err
		}},
		{id: "metrics.run", what: "run metrics", act: func(t *testing.T, gk svc) error {
			_, err := gk.Metrics(ctx, domain.MetricsQuery{})
			return err
		}},
		{id: "metrics.save-charts", what: "save a group chart", act: func(t *testing.T, gk svc) error {
			_, err := gk.SaveChart(ctx, "Gate", domain.Chart{Name: uniq("c"), Kind: "by-building", Days: 30})
			return err
		}},
		{id: "metrics.save-layouts", what: "save a group layout", act: func(t *testing.T, gk svc) error {
			return gk.SaveLayout(ctx, "Gate", nil)
		}},
		// its own effect: the group's charts on Home without Metrics; Metrics
		// shows them too, and the refusal names it
		{id: "metrics.home-only", what: "read a group chart", names: "metrics.run", act: func(t *testing.T, gk svc) error {
			_, err := gk.ChartData(ctx, chart.ID)
			return err
		}},

		// Record visibility
		{id: "visibility.edit", what: "make a ticket visible to a group", base: flags(sees), act: func(t *testing.T, gk svc) error {
			return gk.SetVisibility(ctx, ticket(t, domain.StatusNew, ""), []string{"Gate"})
		}},
		{id: "visibility.override", what: "make a ticket visible to another group", base: flags(domain.VisibilityEdit),
			act: func(t *testing.T, gk svc) error {
				num := ticket(t, domain.StatusNew, "")
				must(t, a.SetVisibility(ctx, num, []string{"Gate"})) // gk sees it as a member of Gate
				return gk.SetVisibility(ctx, num, []string{"Technicians"})
			}},
		{id: "visibility.override", what: "see someone else's ticket", shown: func(t *testing.T, gk svc) bool {
			_, err := gk.Ticket(ctx, ticket(t, domain.StatusNew, ""))
			if err != nil && domain.ErrorCode(err) != domain.ENotFound {
				t.Fatalf("an unseen ticket: %v, want not found", err)
			}
			return err == nil
		}},

		// Discussion
		{id: "discussion.view", what: "read a discussion", base: flags(sees), act: func(t *testing.T, gk svc) error {
			_, err := gk.Discussion(ctx, d.east)
			return err
		}},
		{id: "discussion.post", what: "reply", base: flags(sees), act: func(t *testing.T, gk svc) error {
			_, err := gk.PostMessage(ctx, d.east, th.ID, post, "thanks")
			return err
		}},
		{id: "discussion.initiate", what: "start a thread", base: flags(sees), act: func(t *testing.T, gk svc) error {
			_, err := gk.StartThread(ctx, d.east, uniq("Question "), "")
			return err
		}},
		{id: "discussion.edit", what: "edit a message", base: flags(sees), act: func(t *testing.T, gk svc) error {
			return gk.EditMessage(ctx, d.east, post, uniq("ordered lamps: "))
		}},
		{id: "discussion.delete", what: "delete a message", base: flags(sees), act: func(t *testing.T, gk svc) error {
			p, err := a.PostMessage(ctx, d.east, th.ID, 0, "dup")
			must(t, err)
			return gk.DeleteMessage(ctx, d.east, p.ID)
		}},

		// Alerts
		{id: "alerts.view", what: "read alert settings", base: flags(sees), act: func(t *testing.T, gk svc) error {
			_, err := gk.Alerts(ctx, d.east)
			return err
		}},
		{id: "alerts.edit", what: "set alerts on any ticket", base: flags(sees), act: func(t *testing.T, gk svc) error {
			return gk.SetAlerts(ctx, d.east, 3, []string{"admin"}, nil, true)
		}},
		// Edit Alert Settings allows it on every ticket, and the refusal names it
		{id: "alerts.edit-own", what: "set alerts on one's ticket", base: flags(sees, domain.TicketAssignee), names: "alerts.edit",
			act: func(t *testing.T, gk svc) error {
				return gk.SetAlerts(ctx, ticket(t, domain.StatusAssigned, "gk"), 3, []string{"gk"}, nil, true)
			}},

		// Email content: the sections of the notice gk receives
		{id: "email.greeting", what: "greeting in a notice", base: email(domain.EmailGreeting), shown: section("Hello Gale Keeper,")},
		{id: "email.intro", what: "introduction in a notice", base: email(domain.EmailIntro), shown: section("This is a notification from the")},
		{id: "email.operation", what: "operation in a notice", base: email(domain.EmailOperation), shown: section("was closed by admin.")},
		{id: "email.link", what: "link in a notice", base: email(domain.EmailLink), shown: section("Open it: gatehouse ticket show")},
		{id: "email.comment", what: "comment in a notice", base: email(domain.EmailComment), shown: section("Comment: replaced the lamp")},
		{id: "email.fields", what: "fields in a notice", base: email(domain.EmailFields), shown: section("Title: Lamp ")},
		{id: "email.signature", what: "signature in a notice", base: email(domain.EmailSignature), shown: section("helpdesk (gatehouse)")},

		// General
		{id: "history", what: "read the audit trail", act: func(t *testing.T, gk svc) error {
			_, err := gk.Audit(ctx, domain.AuditQuery{})
			return err
		}},
		{id: "help", what: "open the help overlay", elsewhere: "ui/console:TestHelpOverlayNeedsHelp"},
		{id: "account.edit-own", what: "rename oneself", act: func(t *testing.T, gk svc) error {
			var p domain.UserPatch
			_, err := gk.UpdateUser(ctx, gkUser.ID, *p.SetFirst(uniq("Gale")))
			return err
		}},
		{id: "session.stay", what: "no idle logout", elsewhere: "ui/ssh:TestGate_SessionStayKeepsAnIdleSessionOpen"},
		{id: "remote.ssh", what: "log in with a key", act: func(t *testing.T, gk svc) error {
			_, err := d.db.AuthenticateKey("gk", "SHA256:gk")
			if err != nil && !errors.Is(err, domain.ErrNoRemoteAccess) {
				t.Fatalf("refused for another reason: %v", err)
			}
			return err
		}},
	}

	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.id] = true
	}
	for _, p := range domain.Catalog {
		id := p.ID
		if p.IsModule {
			id += ":edit" // a module proves its edit level at least
		}
		if !covered[id] {
			t.Errorf("catalog entry %s has no gate row: add one proving what it gates", id)
		}
	}

	gate, err := a.Group(ctx, "Gate")
	must(t, err)
	set := func(t *testing.T, g domain.Group) {
		t.Helper()
		next := gate.Group
		next.Flags, next.Levels, next.TaskStates = g.Flags, g.Levels, g.TaskStates
		if p := domain.DiffGroup(gate.Group, next); !p.Empty() {
			saved, err := a.UpdateGroup(ctx, gate.ID, p, true)
			must(t, err)
			gate.Group = saved
		}
	}
	for _, r := range rows {
		t.Run(r.id+" "+r.what, func(t *testing.T) {
			g, err := domain.ParseGrant(r.id)
			must(t, err)
			p := g.Priv
			if r.elsewhere != "" {
				provenElsewhere(t, p, r.elsewhere)
				return
			}
			without := r.base
			if p.IsModule {
				if g.Level == domain.LevelNone {
					t.Fatalf("row %s proves no level", r.id)
				}
				without.Levels[p.Module] = g.Level - 1
			} else {
				without.Flags.Union(domain.FlagSetOf(p.Requires...))
				if without.Flags.Has(p.Flag) {
					t.Fatalf("the base of %s holds it", r.id)
				}
			}
			with := without
			if p.IsModule {
				with.Levels[p.Module] = g.Level
			} else {
				with.Flags.Add(p.Flag)
			}

			set(t, without)
			if r.shown != nil {
				if r.shown(t, as(t, d.db, "gk")) {
					t.Errorf("without %s the gated content reached gk: the entry gates nothing", r.id)
				}
			} else if err := r.act(t, as(t, d.db, "gk")); err == nil {
				t.Errorf("without %s gk may %s: the entry gates nothing", r.id, r.what)
			} else {
				wantRefusal(t, err, p, r)
			}
			set(t, with)
			if r.shown != nil {
				if !r.shown(t, as(t, d.db, "gk")) {
					t.Errorf("with %s the gated content did not reach gk", r.id)
				}
			} else if err := r.act(t, as(t, d.db, "gk")); err != nil {
				t.Errorf("with %s gk may not %s: %v", r.id, r.what, err)
			}
		})
	}
}

// wantRefusal checks a refusal is one (forbidden, a login refused, or the
// row's code) and names the entry: its id, or its label for a flag.
func wantRefusal(t *testing.T, err error, p *domain.Privilege, r gateRow) {
	t.Helper()
	var login *domain.LoginRefused
	code := domain.ErrorCode(err)
	switch {
	case errors.As(err, &login):
	case r.code != "" && code == r.code:
	case r.code == "" && code == domain.EForbidden:
	default:
		t.Errorf("without %s: %v (%s), want a refusal", r.id, err, code)
	}
	msg := err.Error()
	switch {
	case r.names != "":
		if !strings.Contains(msg, "("+r.names) && !strings.Contains(msg, r.names+")") {
			t.Errorf("without %s: %q does not name %s", r.id, msg, r.names)
		}
	case p.IsModule:
		if !strings.Contains(msg, r.id) {
			t.Errorf("without %s: %q does not name it", r.id, msg)
		}
	default:
		if !strings.Contains(msg, "("+p.ID+")") && !strings.Contains(msg, p.Label) {
			t.Errorf("without %s: %q names neither it nor %q", r.id, msg, p.Label)
		}
	}
}

// provenElsewhere checks the test named "dir:TestName" exists in dir (from
// the module's root) and toggles the entry: its body names the entry's id.
func provenElsewhere(t *testing.T, p *domain.Privilege, where string) {
	t.Helper()
	dir, name, _ := strings.Cut(where, ":")
	files, err := filepath.Glob(filepath.Join("..", dir, "*_test.go"))
	must(t, err)
	for _, f := range files {
		src, err := os.ReadFile(f)
		must(t, err)
		_, body, ok := strings.Cut(string(src), "\nfunc "+name+"(t *testing.T) {\n")
		if !ok {
			continue
		}
		body, _, _ = strings.Cut(body, "\n}\n")
		if !strings.Contains(body, `"`+p.ID+`"`) {
			t.Errorf("%s in %s does not toggle %s", name, f, p.ID)
		}
		return
	}
	t.Errorf("%s is proven by %s, which does not exist", p.ID, where)
}

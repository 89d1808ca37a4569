package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

func reportsTo(t *testing.T, d *district, user, boss string) {
	t.Helper()
	u, _ := d.admin.User(t.Context(), user)
	b, _ := d.admin.User(t.Context(), boss)
	u.User.ReportsTo = b.ID
	_, err := d.admin.UpdateUser(t.Context(), u.User.ID, wholeUser(u.User))
	must(t, err)
}

func outboxTo(t *testing.T, d *district, ticket domain.TicketNumber, ev domain.Event) []string {
	t.Helper()
	msgs, err := d.admin.Outbox(t.Context(), 0)
	must(t, err)
	var to []string
	for _, m := range msgs {
		if m.Ticket == ticket && m.Event == ev {
			to = append(to, m.ToName)
		}
	}
	slices.Sort(to)
	return to
}

func TestOverdue_LevelsEscalateUpTheHierarchy(t *testing.T) {
	d := newDistrict(t)
	for _, u := range []string{"boss", "bigboss"} {
		_, err := d.admin.CreateUser(t.Context(), domain.User{Username: u})
		must(t, err)
		must(t, d.admin.Join(t.Context(), u, "Users", time.Time{}, ""))
	}
	reportsTo(t, d, "tech", "boss")
	reportsTo(t, d, "boss", "bigboss")
	must(t, d.admin.Assign(t.Context(), d.east, "tech", ""))
	// Technicians: overdue after 3 days, second 2 days later, third 2 after that.
	for _, tc := range []struct {
		day  int
		want string
	}{
		{2, ""},
		{3, "tech"},                              // first notice: the group member who sees it
		{4, "tech"},                              // nothing new
		{5, "admin,boss,principal,tech"},         // second: also the manager; the 5-day District and Building Administrator policies start
		{7, "admin,bigboss,boss,principal,tech"}, // third: also the manager's manager
		{30, "admin,bigboss,boss,principal,tech"}, // never again
	} {
		d.clk.t = epoch.AddDate(0, 0, tc.day)
		_, err := d.db.RunOverdue(context.Background())
		must(t, err)
		if got := strings.Join(uniq(outboxTo(t, d, d.east, domain.EventOverdue)), ","); got != tc.want {
			t.Errorf("day %d: overdue notices to %q, want %q", tc.day, got, tc.want)
		}
	}
	page, _ := d.admin.Tickets(t.Context(), domain.TicketQuery{Overdue: true})
	if page.Total != 2 || page.Tickets[0].Overdue == 0 {
		t.Fatalf("overdue filter: %+v", page)
	}
	msgs, _ := d.admin.Outbox(t.Context(), 0)
	var levels []int
	for _, m := range msgs {
		if m.Ticket == d.east && m.Event == domain.EventOverdue && m.ToName == "tech" {
			levels = append(levels, m.Level)
		}
	}
	slices.Sort(levels)
	if !slices.Equal(levels, []int{1, 2, 3}) {
		t.Fatalf("tech got levels %v", levels)
	}
}

func uniq(s []string) []string { return slices.Compact(s) }

func TestOutbox_EmailContentFollowsRecipientPrivileges(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.CreateGroup(t.Context(), domain.Group{Name: "Terse", Flags: domain.FlagSetOf(domain.EmailOperation, domain.VisibilityOverride),
		Notify: domain.Notify{Events: []domain.Event{domain.EventNew}, TextOnly: true}}, true)
	must(t, err)
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Full", Flags: domain.FlagSetOf(domain.EmailGreeting, domain.EmailIntro,
		domain.EmailOperation, domain.EmailLink, domain.EmailComment, domain.EmailFields, domain.EmailSignature, domain.VisibilityOverride),
		Notify: domain.Notify{Events: []domain.Event{domain.EventNew}}}, true)
	must(t, err)
	for _, u := range []string{"terse", "full"} {
		_, err := d.admin.CreateUser(t.Context(), domain.User{Username: u, Email: u + "@example.org"})
		must(t, err)
	}
	// terse is only in Terse; the base group Users gives every email section,
	// so use a restricted-free check: sections come from the recipient's access.
	must(t, d.admin.Join(t.Context(), "terse", "Terse", time.Time{}, ""))
	must(t, d.admin.Join(t.Context(), "full", "Full", time.Time{}, ""))
	tk, err := as(t, d.db, "staff").CreateTicket(t.Context(), domain.NewTicket{Title: "Smoke alarm", Building: "WEST"})
	must(t, err)
	msgs, _ := d.admin.Outbox(t.Context(), 0)
	byUser := map[string]domain.Message{}
	for _, m := range msgs {
		if m.Ticket == tk.Number {
			byUser[m.ToName] = m
		}
	}
	terse, full := byUser["terse"], byUser["full"]
	if terse.HTML != "" || full.HTML == "" {
		t.Errorf("formats: terse html %q, full html %d bytes", terse.HTML, len(full.HTML))
	}
	if !strings.Contains(full.Text, "Hello") || !strings.Contains(full.Text, "Title: Smoke alarm") || !strings.Contains(full.Text, "gatehouse ticket show") {
		t.Errorf("full message lacks sections:\n%s", full.Text)
	}
	if full.Email != "full@example.org" || !strings.Contains(full.Subject, "Smoke alarm") {
		t.Errorf("full envelope %+v", full)
	}
	if _, ok := byUser["staff"]; ok {
		t.Error("the reporter was told of their own report")
	}
}

func TestOutbox_TerseGroupGetsOnlyItsSections(t *testing.T) {
	d := newDistrict(t)
	// a restricted recipient holds only the RestrictedUsers email sections
	_, err := d.admin.CreateGroup(t.Context(), domain.Group{Name: "Watchers", Kind: domain.KindRestricted,
		Flags:  domain.FlagSetOf(domain.EmailOperation, domain.TicketView),
		Notify: domain.Notify{Events: []domain.Event{domain.EventClosed}, TextOnly: true}}, true)
	must(t, err)
	_, err = d.admin.CreateUser(t.Context(), domain.User{Username: "parent", Kind: domain.KindRestricted})
	must(t, err)
	must(t, d.admin.Join(t.Context(), "parent", "Watchers", time.Time{}, ""))
	tk, err := as(t, d.db, "parent").CreateTicket(t.Context(), domain.NewTicket{Title: "Bus late", Building: "EAST"})
	must(t, err)
	must(t, d.admin.Close(t.Context(), tk.Number, "driver sick"))
	msgs, _ := as(t, d.db, "parent").Outbox(t.Context(), 0)
	if len(msgs) != 1 {
		t.Fatalf("parent messages: %+v", msgs)
	}
	m := msgs[0]
	// RestrictedUsers gives greeting, operation, link, signature; no fields, no comment
	if strings.Join(m.Sections, ",") != "greeting,operation,link,signature" || m.HTML != "" {
		t.Fatalf("sections %v html %q\n%s", m.Sections, m.HTML, m.Text)
	}
	if strings.Contains(m.Text, "driver sick") || !strings.Contains(m.Text, "was closed by admin") {
		t.Fatalf("text:\n%s", m.Text)
	}
}

func TestSchedules_NeverRunTwice(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.CreateSchedule(t.Context(), domain.ScheduledTask{Title: "Check projectors", Building: d.eastB.ID, ProblemType: "Hardware",
		Every: domain.Daily, Interval: 1, NextRun: epoch, Enabled: true})
	must(t, err)
	count := func() int {
		page, _ := d.admin.Tickets(t.Context(), domain.TicketQuery{Text: "projectors"})
		return page.Total
	}
	for i, tc := range []struct {
		at   time.Time
		want int
	}{{epoch, 1}, {epoch, 1}, {epoch.Add(23 * time.Hour), 1}, {epoch.AddDate(0, 0, 3), 4}, {epoch.AddDate(0, 0, 3), 4}} {
		d.clk.t = tc.at
		_, err := d.db.RunSchedules(context.Background())
		must(t, err)
		if got := count(); got != tc.want {
			t.Fatalf("step %d: %d tickets, want %d", i, got, tc.want)
		}
	}
	tasks, _ := d.admin.Schedules(t.Context())
	if !tasks[0].NextRun.Equal(epoch.AddDate(0, 0, 4)) {
		t.Fatalf("next run %v", tasks[0].NextRun)
	}
}

func TestQueue_FiltersAndSort(t *testing.T) {
	d := newDistrict(t)
	staff := as(t, d.db, "staff")
	d.clk.t = epoch.Add(time.Hour)
	_, err := staff.CreateTicket(t.Context(), domain.NewTicket{Title: "Urgent printer", Building: "EAST", Priority: "urgent"})
	must(t, err)
	q, err := domain.ParseQuery("status:open building:east printer sort:priority")
	must(t, err)
	page, err := d.admin.Tickets(t.Context(), q)
	must(t, err)
	if page.Total != 1 || page.Tickets[0].Title != "Urgent printer" {
		t.Fatalf("query %q: %+v", q, page)
	}
	page, _ = d.admin.Tickets(t.Context(), domain.TicketQuery{Sort: domain.SortPriority})
	if page.Tickets[0].Priority != "Urgent" {
		t.Fatalf("sort by priority: %v", page.Tickets[0])
	}
	page, _ = d.admin.Tickets(t.Context(), domain.TicketQuery{Sort: domain.SortAge})
	if page.Tickets[0].Number != d.east {
		t.Fatalf("sort by age: %v", page.Tickets[0])
	}
	page, _ = d.admin.Tickets(t.Context(), domain.TicketQuery{Priority: "normal"})
	if page.Total != 2 {
		t.Fatalf("priority filter: %d", page.Total)
	}
}

func TestSavedQueriesAndBulk(t *testing.T) {
	d := newDistrict(t)
	tech := as(t, d.db, "tech")
	_, err := tech.SaveQuery(t.Context(), "Mine", "assignee:me status:open", "")
	must(t, err)
	_, err = tech.SaveQuery(t.Context(), "Team", "status:new", "Technicians")
	mustCode(t, err, domain.EForbidden) // no Save Group Queries
	_, err = d.admin.GrantGroup(t.Context(), "Technicians", grant(t, "query.save-group"), false)
	must(t, err)
	_, err = tech.SaveQuery(t.Context(), "Team", "status:new", "Technicians")
	must(t, err)
	_, err = tech.SaveQuery(t.Context(), "Bad", "status:lost", "")
	mustCode(t, err, domain.EInvalid)
	qs, _ := as(t, d.db, "tech").SavedQueries(t.Context())
	if len(qs) != 2 || qs[1].GroupOf != "Technicians" {
		t.Fatalf("saved: %+v", qs)
	}
	if qs, _ = as(t, d.db, "staff").SavedQueries(t.Context()); len(qs) != 0 {
		t.Fatalf("staff sees %+v", qs)
	}
	_, err = tech.Bulk(t.Context(), []domain.TicketNumber{d.east, d.west}, domain.BulkAction{Kind: domain.BulkClose})
	mustCode(t, err, domain.EForbidden)
	must(t, d.admin.Close(t.Context(), d.west, ""))
	res, err := d.admin.Bulk(t.Context(), []domain.TicketNumber{d.east, d.west}, domain.BulkAction{Kind: domain.BulkAssign, Value: "tech"})
	must(t, err)
	if res[0].Err != nil || domain.ErrorCode(res[1].Err) != domain.EConflict {
		t.Fatalf("bulk results: %+v", res)
	}
}

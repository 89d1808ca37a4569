package console

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
	"gatehouse/keymap"
	"gatehouse/store"
)

// testClock lets the ticket fixtures be reported days before the fixed
// "now" of the goldens, so ages and overdue levels are real and stable.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *testClock) ago(d time.Duration) { c.set(fixed.Add(-d)) }

// openTicketStore is openStore's district with six tickets of known ages:
//
//	T-000001 EAST 101 Hardware High, 10 days old, auto-assigned to alice (overdue notice 3)
//	T-000002 WEST Hardware Normal, 4 days old, new and unassigned (notice 1)
//	T-000003 WEST Network Urgent, 6 days old, assigned to alice by carol (notice 2)
//	T-000004 EAST Account Low, 2 hours old, new
//	T-000005 WEST Software, a day old, closed by admin
//	T-000006 EAST 102 Hardware, 30 minutes old, auto-assigned to alice and started
func openTicketStore(t testing.TB) *store.DB {
	t.Helper()
	clk := &testClock{}
	clk.set(fixed.AddDate(0, 0, -30))
	db, err := store.Open(filepath.Join(t.TempDir(), "g.db"), store.Options{Owner: "admin", Now: clk.now})
	must(t, err)
	t.Cleanup(func() { db.Close() })
	admin := session(t, db, "admin")
	_, err = admin.CreateBuilding(t.Context(), domain.Building{Code: "EAST", Name: "East Elementary", Region: "North", Rooms: []string{"101", "102"}})
	must(t, err)
	_, err = admin.CreateBuilding(t.Context(), domain.Building{Code: "WEST", Name: "West High", Region: "South"})
	must(t, err)
	for _, u := range []domain.User{
		{Username: "alice", First: "Alice", Last: "Adams", Email: "alice@example.org"},
		{Username: "bob", First: "Bob", Last: "Brown"},
		{Username: "carol", First: "Carol", Last: "Chen"},
		{Username: "dave", First: "Dave", Last: "Diaz", Kind: domain.KindRestricted},
	} {
		_, err := admin.CreateUser(t.Context(), u)
		must(t, err)
	}
	must(t, admin.Join(t.Context(), "alice", "Technicians", time.Time{}, "hired"))
	must(t, admin.Join(t.Context(), "bob", "Users", time.Time{}, ""))
	must(t, admin.Join(t.Context(), "carol", "Technical Coordinator", time.Time{}, ""))
	must(t, admin.AddRule(t.Context(), "EAST", "Hardware", "alice"))
	bob, carol, alice := session(t, db, "bob"), session(t, db, "carol"), session(t, db, "alice")
	report := func(svc domain.Service, old time.Duration, n domain.NewTicket) uint64 {
		clk.ago(old)
		tk, err := svc.CreateTicket(t.Context(), n)
		must(t, err)
		return uint64(tk.Number)
	}
	report(bob, 10*24*time.Hour, domain.NewTicket{Title: "Printer jammed on floor 2", Building: "EAST", Room: "101", ProblemType: "Hardware", CommonProblem: "Printer jam", Priority: "High"})
	report(bob, 4*24*time.Hour, domain.NewTicket{Title: "Projector flickers", Building: "WEST", ProblemType: "Hardware"})
	n3 := report(carol, 6*24*time.Hour, domain.NewTicket{Title: "Wi-Fi drops in the library", Building: "WEST", ProblemType: "Network", Priority: "Urgent"})
	must(t, carol.Assign(t.Context(), domain.TicketNumber(n3), "alice", "library first"))
	report(bob, 2*time.Hour, domain.NewTicket{Title: "Password reset for substitute", Building: "EAST", ProblemType: "Account", Priority: "Low"})
	n5 := report(admin, 24*time.Hour, domain.NewTicket{Title: "License renewal", Building: "WEST", ProblemType: "Software"})
	must(t, admin.Close(t.Context(), domain.TicketNumber(n5), "renewed"))
	n6 := report(bob, 30*time.Minute, domain.NewTicket{Title: "Broken screen in room 102", Building: "EAST", Room: "102", ProblemType: "Hardware"})
	must(t, alice.Start(t.Context(), domain.TicketNumber(n6), ""))
	clk.set(fixed)
	return db
}

func ticket(t *testing.T, db *store.DB, n uint64) domain.TicketDetail {
	t.Helper()
	d, err := session(t, db, "admin").Ticket(t.Context(), domain.TicketNumber(n))
	must(t, err)
	return d
}

// The queue at both golden sizes: newest first, overdue levels marked.
func TestTicketsQueueGolden(t *testing.T) {
	db := openTicketStore(t)
	eachSize(t, func(t *testing.T, w, h int) {
		d := start(t, db, "admin", w, h)
		d.keys("2")
		d.waitFor("Tickets 1–5 of 5")
		d.golden()
	})
}

func TestTicketsDetailGolden(t *testing.T) {
	db := openTicketStore(t)
	for _, c := range []struct {
		name string
		keys []string
	}{
		{"fields", nil},
		{"history", []string{"tab"}},
		{"work", []string{"tab", "tab"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			eachSize(t, func(t *testing.T, w, h int) {
				d := start(t, db, "admin", w, h)
				d.keys("2")
				d.waitFor("Tickets 1–5 of 5")
				d.keys("G", "enter")
				d.waitFor("Printer jammed on floor 2")
				d.keys(c.keys...)
				d.golden()
			})
		})
	}
}

func TestTicketsAssignViaPicker(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "carol", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–5 of 5")
	d.keys("j", "a") // T-000004, new and unassigned
	d.waitFor("Assign T-000004 to")
	d.waitFor("Alice Adams")
	d.keys("ali", "enter")
	d.waitFor("✓ assigned T-000004 to alice")
	if tk := ticket(t, db, 4); tk.Assignee != "alice" || tk.Status != domain.StatusAssigned {
		t.Fatalf("stored %s %s", tk.Assignee, tk.Status)
	}
}

// A refused transition says why in the status line and changes nothing.
func TestTicketsRefusedTransitionShowsReason(t *testing.T) {
	db := openTicketStore(t)
	before := ticket(t, db, 1)
	d := start(t, db, "bob", 120, 40)
	d.keys("2")
	d.waitFor("Printer jammed")
	d.keys("G", "s") // bob reported T-000001 but alice is its assignee
	d.waitFor("✗ only the assignee (or a holder of Task All Records) starts T-000001")
	after := ticket(t, db, 1)
	if after.Status != before.Status || !after.Updated.Equal(before.Updated) || len(after.History) != len(before.History) {
		t.Fatalf("refused start changed the ticket: %+v → %+v", before.Ticket, after.Ticket)
	}
}

// Two sessions assign the same ticket: the second is told and sees the winner.
func TestTicketsConcurrentAssignIsToldAndRefreshed(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "carol", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–5 of 5")
	d.keys("j", "a")
	d.waitFor("Alice Adams")
	must(t, session(t, db, "admin").Assign(t.Context(), 4, "alice", "")) // the other session wins
	d.keys("carol", "enter")
	s := d.waitFor("✗ cannot assign T-000004: it is assigned")
	row := lineWith(s, "T-000004")
	if !strings.Contains(row, "alice") || !strings.Contains(row, "assigned") {
		t.Fatalf("the queue should show the winner after the refusal:\n%s", s)
	}
	if tk := ticket(t, db, 4); tk.Assignee != "alice" {
		t.Fatalf("stored assignee %s", tk.Assignee)
	}
}

func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// A work report typed and then refused is still in the form.
func TestTicketsRefusedWorkReportKeepsText(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "alice", 120, 40)
	d.keys("2")
	d.waitFor("Printer jammed")
	d.keys("G", "w")
	d.waitFor("Work report on T-000001")
	d.keys("15", "tab", "Cleared the paper path")
	must(t, session(t, db, "admin").Close(t.Context(), 1, "duplicate")) // closed meanwhile
	d.keys("ctrl+s")
	s := d.waitFor("✗ cannot write a work report on T-000001: it is closed")
	if !strings.Contains(s, "Cleared the paper path") || !strings.Contains(s, "[15") {
		t.Fatalf("the refused work report lost its text:\n%s", s)
	}
	if tk := ticket(t, db, 1); len(tk.Work) != 0 {
		t.Fatalf("work stored: %+v", tk.Work)
	}
	// reopened, the same form saves what was typed
	must(t, session(t, db, "admin").Reopen(t.Context(), 1, ""))
	must(t, session(t, db, "admin").Reassign(t.Context(), 1, "carol", ""))
	must(t, session(t, db, "admin").Reassign(t.Context(), 1, "alice", ""))
	d.keys("ctrl+s")
	d.waitFor("✓ work report added to T-000001 (15 min)")
	if tk := ticket(t, db, 1); len(tk.Work) != 1 || tk.Work[0].Text != "Cleared the paper path" {
		t.Fatalf("work %+v", tk.Work)
	}
}

func TestTicketsQueryLineFilters(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–5 of 5")
	d.keys("/", " building:WEST")
	s := d.waitFor("Tickets 1–2 of 2")
	if !strings.Contains(s, "Projector flickers") || !strings.Contains(s, "Wi-Fi drops") || strings.Contains(s, "Printer jammed") {
		t.Fatalf("building:WEST should leave T-000002 and T-000003:\n%s", s)
	}
	d.keys(" wi-fi")
	s = d.waitFor("Tickets 1–1 of 1")
	if !strings.Contains(s, "Wi-Fi drops") {
		t.Fatalf("free text should narrow to the Wi-Fi ticket:\n%s", s)
	}
	d.keys(" status:bogus")
	d.waitFor(`✗ status "bogus": use open, new, assigned, in_progress, closed or reopened`)
	d.keys("enter", "O") // overdue toggle rewrites the line (the bad term is dropped with it)
	d.waitFor("/ status:open building:WEST overdue:yes")
}

func TestTicketsQuickFiltersAndSort(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "alice", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–3 of 3")
	d.keys("m")
	d.waitFor("/ status:open assignee:me")
	d.keys("S", "S")
	d.waitFor("sort priority")
	// the sorted rows arrive after the query line changes
	d.waitUntil("Urgent before High when sorted by priority", func(s string) bool {
		i, j := strings.Index(s, "Wi-Fi drops"), strings.Index(s, "Printer jammed")
		return i >= 0 && j >= 0 && i < j
	})
	d.keys("f")
	d.waitFor("Filters")
	d.keys("space", "enter") // status open → new
	d.waitFor("/ status:new assignee:me sort:priority")
}

// Bulk close asks once and runs in one transaction: a closed ticket in the
// selection refuses it all, named with its rule, and the open one stays
// open and selected; without the closed one, both are done together.
func TestTicketsBulkCloseOneConfirmation(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "carol", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–5 of 5")
	d.keys("/")
	d.keys(repeat("backspace", len(defaultTicketQuery))...)
	d.keys("enter")
	d.waitFor("Tickets 1–6 of 6")
	d.keys("j", "space", "space") // T-000005 (closed) and T-000004
	d.waitFor("2 selected")
	d.keys("B", "close", "enter")
	d.waitFor("Close 2 tickets: T-000004, T-000005?")
	d.keys("y")
	d.waitFor("✗ cannot close T-000005: it is closed; no ticket was changed")
	if tk := ticket(t, db, 4); tk.Status == domain.StatusClosed {
		t.Fatal("T-000004 was closed by a refused bulk close")
	}
	// the selection stays: drop T-000005 (space moves down a row), keep
	// T-000004 and add T-000003
	d.keys("k", "k", "space")
	d.waitFor("1 selected")
	d.keys("j", "space")
	d.waitFor("2 selected")
	d.keys("B", "close", "enter")
	d.waitFor("Close 2 tickets: T-000003, T-000004?")
	d.keys("y")
	s := d.waitFor("Bulk close: 2 done")
	if !strings.Contains(lineWith(s, "T-000004"), "✓ done") || !strings.Contains(lineWith(s, "T-000003"), "✓ done") {
		t.Fatalf("per-ticket results missing:\n%s", s)
	}
	for _, n := range []uint64{3, 4} {
		if tk := ticket(t, db, n); tk.Status != domain.StatusClosed {
			t.Fatalf("%s is %s", tk.Label, tk.Status)
		}
	}
}

func TestTicketsBulkNeedsEditQueryResultSet(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "alice", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–3 of 3")
	d.keys("space", "B")
	d.waitFor("✗ alice lacks Edit Query Result Set (query.bulk-edit)")
}

// Without View Record History the detail says what the section needs.
func TestTicketsDetailHidesHistoryWithoutPrivilege(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "bob", 120, 40)
	d.keys("2")
	d.waitFor("Printer jammed")
	d.keys("G", "enter")
	d.waitFor("Reporter      bob")
	d.keys("tab")
	d.waitFor("history hidden: needs View Record History (ticket.history)")
	d.keys("tab", "tab")
	d.waitFor("clone links hidden: needs View Clone Information (ticket.cloneinfo)")

	a := start(t, db, "admin", 120, 40)
	a.keys("2")
	a.waitFor("Printer jammed")
	a.keys("G", "enter", "tab")
	s := a.waitFor("assign")
	if strings.Contains(s, "history hidden") || !strings.Contains(s, "report") {
		t.Fatalf("admin sees the history:\n%s", s)
	}
}

func TestTicketsReportFormNamesFields(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "bob", 120, 40)
	d.keys("2", "n")
	d.waitFor("Report a problem")
	d.keys("enter")
	d.waitFor("✗ title is required")
	d.keys("Toner empty", "tab", "tab", "tab", "right", "tab", "right") // room 101, Hardware
	d.keys("tab", "right")                                              // common problem: Printer jam
	s := d.waitFor("Printer jam")
	if !strings.Contains(s, "< 101 >") || !strings.Contains(s, "< Hardware >") {
		t.Fatalf("dependent choices:\n%s", s)
	}
	d.keys("enter")
	d.waitFor("✓ reported T-000007 (assigned at once by the building's rule)")
	tk := ticket(t, db, 7)
	if tk.Title != "Toner empty" || tk.Room != "101" || tk.CommonProblem != "Printer jam" || tk.Assignee != "alice" {
		t.Fatalf("stored %+v", tk.Ticket)
	}
}

func TestTicketsStoreRefusalKeepsReportForm(t *testing.T) {
	db := openTicketStore(t)
	d2 := start(t, db, "bob", 120, 40)
	d2.keys("2", "n", "Ceiling leak")
	d2.waitFor("[Ceiling leak")
	_, err := session(t, db, "admin").RevokeGroup(t.Context(), "Users", []domain.Grant{{Priv: domain.TicketReport.Info()}})
	must(t, err)
	d2.keys("enter")
	s := d2.waitFor("✗ bob lacks Report a Problem")
	if !strings.Contains(s, "[Ceiling leak") {
		t.Fatalf("form lost the title:\n%s", s)
	}
}

func TestTicketsDetailEditCloneAndWorkEdit(t *testing.T) {
	db := openTicketStore(t)
	must(t, session(t, db, "admin").Reassign(t.Context(), 1, "carol", ""))
	_, err := session(t, db, "carol").AddWork(t.Context(), 1, 20, "Ordered a roller")
	must(t, err)
	d := start(t, db, "carol", 120, 40)
	d.keys("2")
	d.waitFor("Printer jammed")
	d.keys("G", "enter")
	d.waitFor("Number        T-000001")
	d.keys("e")
	d.waitFor("Edit T-000001")
	d.keys(repeat("backspace", len("Printer jammed on floor 2"))...)
	d.keys("Printer jammed, floor 2", "enter")
	d.waitFor("✓ saved T-000001")
	if tk := ticket(t, db, 1); tk.Title != "Printer jammed, floor 2" || tk.Priority != "High" || tk.Room != "101" {
		t.Fatalf("edit changed more than the title: %+v", tk.Ticket)
	}
	d.keys("tab", "tab", "e")
	d.waitFor("Edit work report on T-000001")
	d.keys("tab", "end", " and fitted it", "ctrl+s")
	d.waitFor("✓ work report saved on T-000001")
	if tk := ticket(t, db, 1); tk.Work[0].Text != "Ordered a roller and fitted it" {
		t.Fatalf("work %+v", tk.Work)
	}
	d.keys("C")
	d.waitFor("✓ cloned T-000001 as T-000007")
	d.keys("tab", "tab", "tab")
	d.waitFor("parent")
	if tk := ticket(t, db, 1); len(tk.Children) != 1 || tk.Children[0] != "T-000007" {
		t.Fatalf("children %v", tk.Children)
	}
}

func TestTicketsSavedQueries(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "alice", 120, 40)
	d.keys("2", "Q")
	d.waitFor("no saved queries")
	d.keys("n", "Mine", "tab", "Technicians", "enter")
	d.waitFor("✗ alice lacks Save Group Queries (query.save-group)")
	d.keys(repeat("backspace", len("Technicians"))...)
	d.keys("enter")
	d.waitFor("✓ saved query Mine")
	d.keys("enter")
	d.waitFor("/ status:open")
	qs, err := session(t, db, "alice").SavedQueries(t.Context())
	must(t, err)
	if len(qs) != 1 || qs[0].Name != "Mine" {
		t.Fatalf("saved %+v", qs)
	}
}

// A newer keystroke's results win even when an older query answers last.
func TestTicketsStaleResultsDropped(t *testing.T) {
	db := openTicketStore(t)
	svc := session(t, db, "admin")
	c := &Common{Svc: svc, Ctx: t.Context(), Now: fixedNow, Access: svc.Access(t.Context())}
	c.Keys = keymap.Default()
	c.Styles = newStyles(true, true)
	s := newTicketsScreen(c)
	s.SetSize(120, 30)
	s.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	older := s.Update(tea.KeyPressMsg{Code: ' ', Text: " "})
	newer := s.Update(tea.KeyPressMsg{Code: 'x', Text: "x"}) // "status:open x": nothing matches
	if older == nil || newer == nil {
		t.Fatal("typing in the query line should run the query as a command")
	}
	newMsg, oldMsg := runTicketsCmd(newer), runTicketsCmd(older)
	s.Update(newMsg)
	s.Update(oldMsg) // arrives late: dropped
	if got := s.page.Total; got != 0 {
		t.Fatalf("stale result shown: %d tickets", got)
	}
}

// A keystroke that supersedes a running query cancels it: the older
// query's scan stops with context.Canceled, the newer one runs.
func TestTicketsSupersededQueryIsCancelled(t *testing.T) {
	db := openTicketStore(t)
	svc := session(t, db, "admin")
	c := &Common{Svc: svc, Ctx: t.Context(), Now: fixedNow, Access: svc.Access(t.Context()),
		Keys: keymap.Default(), Styles: newStyles(true, true)}
	s := newTicketsScreen(c)
	s.SetSize(120, 30)
	s.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	older := s.Update(tea.KeyPressMsg{Code: ' ', Text: " "})
	newer := s.Update(tea.KeyPressMsg{Code: 'x', Text: "x"})
	if older == nil || newer == nil {
		t.Fatal("typing in the query line should run the query as a command")
	}
	oldMsg, ok := runTicketsCmd(older).(ticketsMsg)
	if !ok || !errors.Is(oldMsg.err, context.Canceled) {
		t.Fatalf("superseded query: %+v, want context.Canceled", oldMsg)
	}
	newMsg, ok := runTicketsCmd(newer).(ticketsMsg)
	if !ok || newMsg.err != nil {
		t.Fatalf("newest query: %+v", newMsg)
	}
	s.Update(newMsg)
	if s.lineErr != "" {
		t.Fatalf("query line error %q", s.lineErr)
	}
}

// Quitting the console cancels the root context of its service calls.
func TestConsoleQuitCancelsItsContext(t *testing.T) {
	db := openTicketStore(t)
	m := New(Config{Service: session(t, db, "admin"), Now: fixedNow, Context: t.Context()}).(*Model)
	ctx := m.c.Ctx
	if ctx.Err() != nil {
		t.Fatal("context cancelled before quitting")
	}
	m.quit()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("after quit: %v", ctx.Err())
	}
}

// runTicketsCmd runs a command and returns its ticketsMsg (from a batch too).
func runTicketsCmd(cmd tea.Cmd) tea.Msg {
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			if c == nil {
				continue
			}
			if m, ok := c().(ticketsMsg); ok {
				return m
			}
		}
	}
	return msg
}

func TestOutboxScreen(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys(":", "go outbox", "enter")
	s := d.waitFor("Outbox:")
	if !strings.Contains(s, "T-000006") {
		t.Fatalf("outbox should list the newest message first:\n%s", s)
	}
	d.keys("enter")
	s = d.waitFor("HTML     ")
	if !strings.Contains(s, "Sections ") {
		t.Fatalf("message view:\n%s", s)
	}
}

func TestSchedulesScreen(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "carol", 120, 40)
	d.keys(":", "go scheduled", "enter")
	d.waitFor("no scheduled tasks")
	d.keys("n", "Check projectors", "tab", "tab", "right", "tab", "right") // WEST, Hardware
	d.keys("tab", "tab", "tab", "2", "tab")
	d.keys(repeat("backspace", 16)...)
	d.keys("2026-04-01 08:00", "enter")
	d.waitFor("✓ saved scheduled task Check projectors")
	s := d.waitFor("2026-04-01 08:00")
	if !strings.Contains(s, "2 × weekly") || !strings.Contains(s, "WEST") {
		t.Fatalf("schedule row:\n%s", s)
	}
	d.keys("d")
	d.waitFor(`Delete the scheduled task "Check projectors"?`)
	d.keys("y")
	d.waitFor("no scheduled tasks")
}

func TestHomeShowsTicketSummary(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "alice", 120, 40)
	s := d.waitFor("My open tickets (3)")
	if !strings.Contains(s, "Overdue: 2 · first notice 0 · second 1 · third 1") {
		t.Fatalf("overdue counts:\n%s", s)
	}
	a := start(t, db, "carol", 120, 40)
	a.keys("1")
	s = a.waitFor("Unassigned overall (2)")
	if !strings.Contains(s, "Projector flickers") {
		t.Fatalf("unassigned list:\n%s", s)
	}
}

// An actor who may assign but not list users types the technician's name.
func TestTicketsAssignByTypedNameWithoutUserList(t *testing.T) {
	db := openTicketStore(t)
	admin := session(t, db, "admin")
	_, err := admin.CreateGroup(t.Context(), domain.Group{Name: "Dispatch",
		Flags: domain.FlagSetOf(domain.TicketAssign, domain.TicketView, domain.TaskAll, domain.VisibilityOverride)}, false)
	must(t, err)
	must(t, admin.Join(t.Context(), "bob", "Dispatch", time.Time{}, ""))
	d := start(t, db, "bob", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–5 of 5")
	d.keys("j", "j", "j", "a") // T-000002
	d.waitFor("bob lacks Manage Users view (users:view): type a username")
	d.keys("alice", "enter")
	d.waitFor("✓ assigned T-000002 to alice")
	if tk := ticket(t, db, 2); tk.Assignee != "alice" {
		t.Fatalf("stored assignee %q", tk.Assignee)
	}
}

// R7: delete is offered for closed tickets only, and always confirms.
func TestR7_TicketsDeleteClosedOnlyConfirms(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–5 of 5")
	d.keys("d")
	d.waitFor("✗ T-000006 is in_progress: only closed tickets can be deleted (R7)")
	d.keys("/")
	d.keys(repeat("backspace", len("open"))...)
	d.keys("closed", "enter")
	d.waitFor("Tickets 1–1 of 1")
	d.keys("d")
	d.waitFor(`Delete T-000005 "License renewal"?`)
	d.keys("y")
	d.waitFor("✓ deleted T-000005")
	if _, err := session(t, db, "admin").Ticket(t.Context(), 5); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("T-000005 still there: %v", err)
	}
}

func TestTicketsReopenWithComment(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "carol", 120, 40)
	d.keys("2", "/")
	d.keys(repeat("backspace", len("open"))...)
	d.keys("closed", "enter")
	d.waitFor("Tickets 1–1 of 1")
	d.keys("o")
	d.waitFor("Reopen T-000005 License renewal?")
	d.keys("still expired", "enter")
	d.waitFor("✓ reopened T-000005")
	tk := ticket(t, db, 5)
	if tk.Status != domain.StatusReopened || tk.History[len(tk.History)-1].Comment != "still expired" {
		t.Fatalf("stored %s %+v", tk.Status, tk.History)
	}
}

// Columns are sized by content and priority: at 80 columns the queue drops
// Room and Type and the title gets the slack; at 200 a long room is whole.
func TestQueueColumnsFitTheirContent(t *testing.T) {
	tb := newTable(&Common{Keys: keymap.Default(), Styles: newStyles(true, true)}, "",
		column{title: "Ticket", width: 8},
		column{title: "Room", width: 4, hideBelow: 100},
		column{title: "Title", width: 9, flex: 5})
	tb.SetRows([]string{"1"}, [][]string{{"T-000001", "Science Lab 2", "The projector in the science lab flickers"}})
	tb.SetSize(80, 5)
	if ws := tb.widths(); ws[1] != -1 || ws[2] < 40 {
		t.Fatalf("at 80 columns: %v", ws)
	}
	tb.SetSize(200, 5)
	if ws := tb.widths(); ws[1] < len("Science Lab 2") || !strings.Contains(tb.View(), "Science Lab 2") {
		t.Fatalf("at 200 columns: %v\n%s", ws, tb.View())
	}
}

// The ticket detail's help bar lists only what this user may do to this
// ticket: a restricted reporter is offered no edit, assign or close.
func TestTicketDetailOffersOnlyAllowedActions(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	must(t, admin.Join(t.Context(), "dave", "RestrictedUsers", time.Time{}, ""))
	_, err := session(t, db, "dave").CreateTicket(t.Context(), domain.NewTicket{Title: "Locker jammed", Building: "EAST", ProblemType: "Hardware"})
	must(t, err)
	d := start(t, db, "dave", 120, 40)
	d.keys("2")
	d.waitFor("Locker jammed")
	d.keys("enter")
	s := d.waitFor("esc back")
	for _, k := range []string{"e edit", "a assign", "c close", "r reassign", "s start"} {
		if strings.Contains(s, k) {
			t.Fatalf("dave is offered %q:\n%s", k, s)
		}
	}
}

// The report form puts a new ticket on a team (ProTracker) and, with Edit
// Record Visibility, limits it to groups (NetResults).
func TestReportFormSetsTeamAndVisibleTo(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	_, err := admin.CreateTeam(t.Context(), domain.Team{Name: "Lab"})
	must(t, err)
	d := start(t, db, "admin", 120, 40)
	d.keys("2", "n", "Scope broken")
	d.keys(repeat("tab", 7)...)
	d.keys("Lab", "tab", "Technicians", "enter")
	d.waitFor("reported T-")
	page, err := admin.Tickets(t.Context(), domain.TicketQuery{Text: "Scope"})
	must(t, err)
	if len(page.Tickets) != 1 {
		t.Fatalf("tickets %+v", page)
	}
	dt, err := admin.Ticket(t.Context(), page.Tickets[0].Number)
	must(t, err)
	if strings.Join(dt.TeamNames, ",") != "Lab" || strings.Join(dt.VisibleTo, ",") != "Technicians" {
		t.Fatalf("teams %v, visible to %v", dt.TeamNames, dt.VisibleTo)
	}
}

// R on a ticket: its assignee asks to be reassigned with a reason; the
// queue marks it (↻) and a holder of Reassign declines with a reason.
func TestReassignmentRequestInTheConsole(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	tk, err := admin.CreateTicket(t.Context(), domain.NewTicket{Title: "Projector dead", Building: "WEST", ProblemType: "Hardware"})
	must(t, err)
	must(t, admin.Assign(t.Context(), tk.Number, "alice", ""))
	a := start(t, db, "alice", 120, 40)
	a.keys("2", "/", "Projector", "enter")
	a.waitFor("Projector dead")
	a.keys("R")
	a.waitFor("to be reassigned")
	a.keys("out all week", "enter")
	a.waitFor("asked for T-")
	d := start(t, db, "admin", 120, 40)
	d.keys("2", "/", "Projector", "enter")
	s := d.waitFor("↻")
	if !strings.Contains(s, "Projector dead") {
		t.Fatalf("queue:\n%s", s)
	}
	d.keys("R")
	d.waitFor("alice asked: out all week")
	d.keys("covered by alice's team", "enter")
	d.waitFor("declined to reassign T-")
	row, err := admin.Ticket(t.Context(), tk.Number)
	must(t, err)
	if row.ReassignAsked != "" {
		t.Fatalf("still asked: %+v", row.TicketRow)
	}
}

// The query line's reassign:yes lists the tickets whose assignee asked to
// be reassigned (marked ↻), and the filters form shows it as a toggle.
func TestTicketsQueryReassignAsked(t *testing.T) {
	db := openTicketStore(t)
	must(t, session(t, db, "alice").RequestReassign(t.Context(), 3, "out next week"))
	d := start(t, db, "carol", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1–5 of 5")
	d.keys("/")
	d.keys(repeat("backspace", len(defaultTicketQuery))...)
	d.keys("reassign:yes", "enter")
	s := d.waitFor("Tickets 1–1 of 1")
	if !strings.Contains(lineWith(s, "T-000003"), "↻") {
		t.Fatalf("the asked ticket is not listed with ↻:\n%s", s)
	}
	d.keys("f")
	s = d.waitFor("Reassign asked")
	if !strings.Contains(lineWith(s, "Reassign asked"), "[x]") {
		t.Fatalf("the filters form does not show the toggle on:\n%s", s)
	}
}

// The filters form with reassign:yes in force: the toggle is ticked and no
// label is cut at 80 columns.
func TestTicketsFiltersReassignGolden(t *testing.T) {
	db := openTicketStore(t)
	must(t, session(t, db, "alice").RequestReassign(t.Context(), 3, "out next week"))
	eachSize(t, func(t *testing.T, w, h int) {
		d := start(t, db, "carol", w, h)
		d.keys("2")
		d.waitFor("Tickets 1–")
		d.keys("/")
		d.keys(repeat("backspace", len(defaultTicketQuery))...)
		d.keys("reassign:yes", "enter")
		d.waitFor("Tickets 1–1 of 1")
		d.keys("f")
		d.waitFor("Reassign asked")
		d.golden()
	})
}

package console

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
	"gatehouse/keymap"
	"gatehouse/store"
)

// seedDiscussion gives T-000001 a thread with a message, a second message
// and alice's reply to the first, and a small attachment.
func seedDiscussion(t *testing.T, db *store.DB) {
	t.Helper()
	carol := session(t, db, "carol")
	th, err := carol.StartThread(t.Context(), 1, "Parts", "Need a new fuser unit for the printer on floor 2.")
	must(t, err)
	first := firstPost(t, db, th.ID)
	_, err = carol.PostMessage(t.Context(), 1, th.ID, 0, "The vendor quote is in the shared drive.")
	must(t, err)
	_, err = session(t, db, "alice").PostMessage(t.Context(), 1, th.ID, first, "Ordered it, arrives Tuesday.")
	must(t, err)
	_, err = carol.StartThread(t.Context(), 1, "Loaner printer", "")
	must(t, err)
	_, err = carol.Attach(t.Context(), 1, "quote.txt", []byte("fuser unit X-200: 129.00\n"))
	must(t, err)
}

func firstPost(t *testing.T, db *store.DB, thread domain.ID) domain.ID {
	t.Helper()
	d, err := session(t, db, "admin").Discussion(t.Context(), 1)
	must(t, err)
	for _, th := range d.Threads {
		if th.ID == thread && len(th.Posts) > 0 {
			return th.Posts[0].ID
		}
	}
	t.Fatal("no first post")
	return 0
}

// openTab opens ticket n (as the queue lists it) and moves to the tab.
func (d *driver) openTab(label, tab string) string {
	d.t.Helper()
	d.keys("2")
	d.waitFor("Tickets 1")
	d.keys("/", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "enter")
	d.waitFor(label)
	for range 20 {
		s := d.screen()
		if strings.Contains(s, "▸ "+label) {
			break
		}
		d.keys("down")
	}
	d.keys("enter")
	d.waitFor(" Alerts ")
	for range len(ticketTabs) {
		if s := d.screen(); tabActive(s, tab) {
			return s
		}
		d.keys("tab")
	}
	return d.screen()
}

// tabActive: the pane body names the tab's content (the tab bar itself is
// the same for every tab without colors).
func tabActive(s, tab string) bool {
	marks := map[string]string{"Discussion": "discussion", "Attachments": "attach", "Alerts": "alert"}
	lines := strings.Split(s, "\n")
	if len(lines) < 6 {
		return false
	}
	body := strings.ToLower(strings.Join(lines[5:], "\n"))
	switch tab {
	case "Discussion":
		return strings.Contains(body, "thread, ") || strings.Contains(body, "threads, ") || strings.Contains(body, "discussion hidden") || strings.Contains(body, "no discussion")
	case "Attachments":
		return strings.Contains(body, "file, ") || strings.Contains(body, "files, ") || strings.Contains(body, "attachments hidden")
	}
	return strings.Contains(body, marks[tab]+" settings")
}

func TestDiscussionTabGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openTicketStore(t)
		seedDiscussion(t, db)
		d := start(t, db, "carol", w, h)
		d.openTab("T-000001", "Discussion")
		d.golden()
	})
}

func TestAttachmentsTabGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openTicketStore(t)
		seedDiscussion(t, db)
		d := start(t, db, "carol", w, h)
		d.openTab("T-000001", "Attachments")
		d.golden()
	})
}

// TestDiscussionGating: View Messages reads, Initiate Threads starts (and
// posts, R6), Edit and Delete are refused with the privilege named; a user
// without View Messages sees why the tab is empty.
func TestDiscussionGating(t *testing.T) {
	db := openTicketStore(t)
	seedDiscussion(t, db)

	bob := start(t, db, "bob", 120, 40)
	bob.openTab("T-000001", "Discussion")
	bob.waitFor("discussion hidden: needs View Messages (discussion.view)")

	d := start(t, db, "alice", 120, 40)
	s := d.openTab("T-000001", "Discussion")
	for _, want := range []string{"2 threads, 3 messages · n new thread · r reply", "# Parts", "Ordered it, arrives Tuesday."} {
		if !strings.Contains(s, want) {
			t.Fatalf("alice's discussion lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "r reply · e edit") || strings.Contains(s, "· d delete") {
		t.Fatalf("edit/delete offered without the privileges:\n%s", s)
	}
	d.keys("down", "e")
	d.waitFor("alice lacks Edit Messages (discussion.edit)")
	d.keys("d")
	d.waitFor("alice lacks Delete Messages and Threads (discussion.delete)")
	// a new thread, then a reply to the highlighted message
	d.keys("n", "Toner", "tab", "Which toner fits?", "ctrl+s") // enter is a new line in a message
	d.waitFor("started thread “Toner”")
	d.waitFor("3 threads, 4 messages")
	d.keys("g", "down", "r")
	d.waitFor("Reply to carol's message")
	d.keys("Thanks!", "ctrl+s")
	d.waitFor("posted in “Parts”")
	disc, err := session(t, db, "admin").Discussion(t.Context(), 1)
	must(t, err)
	last := disc.Threads[0].Posts[len(disc.Threads[0].Posts)-1]
	if last.Text != "Thanks!" || last.ReplyTo == 0 {
		t.Fatalf("reply stored as %+v", last)
	}
}

// TestDiscussionRefusedPostKeepsText: the store refuses a post after the
// privilege is revoked while typing; the form stays with the text.
func TestDiscussionRefusedPostKeepsText(t *testing.T) {
	db := openTicketStore(t)
	seedDiscussion(t, db)
	d := start(t, db, "alice", 120, 40)
	d.openTab("T-000001", "Discussion")
	d.keys("r", "on my way")
	d.waitFor("Post in thread “Parts”")
	g, err := domain.ParseGrant("discussion.initiate")
	must(t, err)
	_, err = session(t, db, "admin").RevokeGroup(t.Context(), "Technicians", []domain.Grant{g})
	must(t, err)
	d.keys("ctrl+s")
	s := d.waitFor("alice lacks Post Messages (discussion.post)")
	if !strings.Contains(s, "on my way") || !strings.Contains(s, "Post in thread") {
		t.Fatalf("the refused post lost its text:\n%s", s)
	}
}

func TestDiscussionEditAndDelete(t *testing.T) {
	db := openTicketStore(t)
	seedDiscussion(t, db)
	d := start(t, db, "carol", 120, 40)
	d.openTab("T-000001", "Discussion")
	d.keys("down", "e")
	d.waitFor("Edit carol's message")
	for range 60 {
		d.keys("backspace")
	}
	d.keys("Need a fuser unit.", "ctrl+s")
	d.waitFor("edited carol's message")
	d.waitFor("· edited 2026-03-02 09:00")
	// delete the second thread, after asking
	d.keys("G", "d")
	d.waitFor("Delete the thread “Loaner printer”")
	d.keys("y")
	d.waitFor("deleted thread “Loaner printer”")
	d.waitFor("1 thread, 3 messages")
}

func TestAttachmentsPane(t *testing.T) {
	db := openTicketStore(t)
	seedDiscussion(t, db)
	dir := t.TempDir()
	src := filepath.Join(dir, "photo.txt")
	must(t, os.WriteFile(src, []byte("screen cracked, lower left"), 0o644))

	d := start(t, db, "alice", 120, 40)
	d.openTab("T-000001", "Attachments")
	d.keys("a", src, "enter")
	d.waitFor("attached photo.txt (text/plain; charset=utf-8, 26 B) to T-000001")
	d.waitFor("2 files")
	// save the highlighted attachment (quote.txt) to a new path
	out := filepath.Join(dir, "copy.txt")
	d.keys("g", "s")
	d.waitFor("Save quote.txt to")
	for range 10 {
		d.keys("backspace")
	}
	d.keys(out, "enter")
	d.waitFor("saved quote.txt (25 B) to " + out)
	if b, _ := os.ReadFile(out); string(b) != "fuser unit X-200: 129.00\n" {
		t.Fatalf("saved %q", b)
	}
	// never over an existing file: the form stays with the path
	d.keys("s")
	for range 10 {
		d.keys("backspace")
	}
	d.keys(out, "enter")
	s := d.waitFor("cannot write " + out)
	if !strings.Contains(s, "Save quote.txt to") {
		t.Fatalf("the refused save closed its form:\n%s", s)
	}
	d.keys("esc", "y", "d")
	d.waitFor("Delete the attachment quote.txt")
	d.keys("y")
	d.waitFor("deleted attachment quote.txt")
	d.waitFor("1 file, ")

	// bob may add files only while reporting (Add Attachments via Add Page):
	// the store's reason shows and the path stays
	b := start(t, db, "bob", 120, 40)
	b.openTab("T-000001", "Attachments")
	b.keys("d")
	b.waitFor("bob lacks Edit Attachments (attach.edit)")
	b.keys("a", src, "enter")
	s = b.waitFor("bob may attach files only to new tickets they reported")
	if !strings.Contains(s, "photo.txt") {
		t.Fatalf("the refused attach lost its path:\n%s", s)
	}
}

// TestCollabHiddenForRestricted: without View Messages, View Attachments
// and the alert privileges, each tab says what it needs.
func TestCollabHiddenForRestricted(t *testing.T) {
	db := openTicketStore(t)
	must(t, session(t, db, "admin").Join(t.Context(), "dave", domain.GroupRestrictedUsers, time.Time{}, "contractor"))
	_, err := session(t, db, "dave").CreateTicket(t.Context(), domain.NewTicket{Title: "Door lock", Building: "EAST"})
	must(t, err)
	d := start(t, db, "dave", 120, 40)
	d.openTab("T-000007", "Discussion")
	d.waitFor("discussion hidden: needs View Messages (discussion.view)")
	d.keys("tab")
	d.waitFor("attachments hidden: needs View Attachments (attach.view)")
	d.keys("tab")
	d.waitFor("alert settings hidden: needs View Alert Settings (alerts.view)")
}

func TestAlertsPane(t *testing.T) {
	db := openTicketStore(t)
	d := start(t, db, "carol", 120, 40)
	d.openTab("T-000001", "Alerts")
	d.waitFor("no alert set on T-000001")
	d.keys("e", "3", "tab", "alice", "tab", "Technicians", "enter")
	d.waitFor("saved the alert settings of T-000001")
	s := d.waitFor("Days      3")
	for _, want := range []string{"Enabled   yes", "Users     alice", "Groups    Technicians"} {
		if !strings.Contains(s, want) {
			t.Fatalf("alerts lack %q:\n%s", want, s)
		}
	}
	// a refusal keeps the form: an unknown user
	d.keys("e", "tab", ", nobody", "enter")
	s = d.waitFor("nobody")
	if !strings.Contains(s, "Alert settings of T-000001") {
		t.Fatalf("the refused save closed the form:\n%s", s)
	}

	// alice views (View Alert Settings) and edits her own ticket (Edit Own)
	a := start(t, db, "alice", 120, 40)
	a.openTab("T-000001", "Alerts")
	a.waitFor("Days      3")
	a.keys("e", "backspace", "5", "enter")
	a.waitFor("saved the alert settings of T-000001")

	// bob holds no alert privilege
	b := start(t, db, "bob", 120, 40)
	b.openTab("T-000001", "Alerts")
	b.waitFor("alert settings hidden: needs View Alert Settings (alerts.view)")
}

func TestCustomReportToCSV(t *testing.T) {
	db := openTicketStore(t)
	_, err := session(t, db, "carol").SaveQuery(t.Context(), "Open in EAST", "status:open building:EAST", "")
	must(t, err)
	out := filepath.Join(t.TempDir(), "east.csv")
	d := start(t, db, "carol", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1")
	d.keys("Q")
	d.waitFor("R report")
	d.keys("R")
	d.waitFor("Layout")
	d.keys(out, "enter")
	d.waitFor("report \"Open in EAST\": 3 rows written to " + out)
	f, err := os.Open(out)
	must(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	must(t, err)
	if len(rows) != 4 || rows[0][0] != "ticket" || rows[0][len(rows[0])-1] != "title" {
		t.Fatalf("csv %v", rows)
	}
	// the file is never overwritten; the form keeps the path
	d.keys("R")
	d.waitFor("Layout")
	d.keys(out, "enter")
	s := d.waitFor("cannot write " + out)
	if !strings.Contains(s, "Layout") {
		t.Fatalf("the refused report closed its form:\n%s", s)
	}

	// alice lacks Create Custom Reports
	a := start(t, db, "alice", 120, 40)
	a.keys("2")
	a.waitFor("Tickets 1")
	a.keys("Q")
	a.waitFor("Saved queries")
	a.keys("R")
	a.waitFor("alice lacks Create Custom Reports (reports.custom)")
}

// R offers the report formats of the actor's groups (Save Group Report
// Formats) and a plain-text table besides CSV: the file has the format's
// columns, grouped, with a heading per group.
func TestCustomReportWithAFormatAsText(t *testing.T) {
	db := openTicketStore(t)
	carol := session(t, db, "carol")
	_, err := carol.SaveQuery(t.Context(), "Open in EAST", "status:open building:EAST", "")
	must(t, err)
	_, err = session(t, db, "admin").SaveReportFormat(t.Context(), "Technical Coordinator",
		domain.ReportFormat{Name: "Triage", Columns: []string{"ticket", "priority", "title"}, Sort: "ticket", GroupBy: "priority"})
	must(t, err)
	out := filepath.Join(t.TempDir(), "east.txt")
	d := start(t, db, "carol", 120, 40)
	d.keys("2")
	d.waitFor("Tickets 1")
	d.keys("Q")
	d.waitFor("R report")
	d.keys("R")
	d.waitFor("< every column >")
	d.golden()
	d.keys(out, "tab", "right", "tab", "right")
	d.waitFor("< text table >")
	d.waitFor("< Technical Coordinator/Triage >")
	d.keys("enter")
	d.waitFor(`report "Open in EAST" in format "Triage": 3 rows written to`)
	data, err := os.ReadFile(out)
	must(t, err)
	text := string(data)
	if !strings.HasPrefix(text, "ticket") || !strings.Contains(text, "\npriority: ") || strings.Contains(text, "building") {
		t.Fatalf("text report:\n%s", text)
	}
}

// A reply form answers the thread it was opened on even when a reload
// meanwhile empties the list (the thread was deleted, or the reader lost
// the discussion): submitting must not index the emptied list (it panicked)
// and must reach the store, which says what is wrong.
func TestDiscussionSubmitAfterTheListEmptied(t *testing.T) {
	db := openTicketStore(t)
	seedDiscussion(t, db)
	svc := session(t, db, "alice")
	c := &Common{Svc: svc, Ctx: t.Context(), Now: fixedNow, Access: svc.Access(t.Context())}
	c.Keys = keymap.Default()
	c.Styles = newStyles(true, true)
	p := newDiscussionPane(c)
	p.SetSize(100, 30)
	detail, err := svc.Ticket(t.Context(), 1)
	must(t, err)
	p.reader(detail.Number)()() // what the detail's load command reads
	p.Load(&detail)
	p.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	if p.form == nil {
		t.Fatal("r did not open the reply form")
	}
	for _, r := range "on my way" {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	// carol deletes the thread; the change feed reloads the pane
	d, err := session(t, db, "admin").Discussion(t.Context(), 1)
	must(t, err)
	for _, th := range d.Threads {
		must(t, session(t, db, "admin").DeleteThread(t.Context(), 1, th.ID))
	}
	p.reader(detail.Number)()()
	p.Load(&detail)
	if len(p.items) != 0 {
		t.Fatalf("the reload kept %d items", len(p.items))
	}
	cmd := p.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	if cmd == nil {
		t.Fatal("ctrl+s did not submit")
	}
	var done collabDoneMsg
	for _, msg := range drain(cmd) {
		if m, ok := msg.(collabDoneMsg); ok {
			done = m
		}
	}
	if done.err == nil || domain.ErrorCode(done.err) != domain.ENotFound {
		t.Fatalf("posting to the deleted thread: %v", done.err)
	}
	if p.form == nil || p.form.Value(0) != "on my way" {
		t.Fatal("the refused post lost its text")
	}
}

// drain runs cmd and the commands of any batch it returns, collecting
// their messages.
func drain(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, drain(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

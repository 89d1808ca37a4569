package cli_test

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// ticketFixture makes EAST and one ticket, returning its number.
func ticketFixture(h *harness) string {
	h.ok("building", "create", "EAST", "--name", "East Elementary", "--rooms", "101,102")
	var tk struct {
		Number int `json:"number"`
	}
	h.jsonOf(&tk, "ticket", "create", "--title", "Projector dead", "--building", "EAST", "--room", "101")
	return strconv.Itoa(tk.Number)
}

// Ticket edit, clone, visibility and a work report's correction from the
// command line, through the same services as the console.
func TestCLITicketEditCloneVisibilityAndWork(t *testing.T) {
	h := newHarness(t)
	n := ticketFixture(h)
	h.fails(args("ticket", "edit", n), "nothing to change")
	var row struct {
		Title string `json:"title"`
		Room  string `json:"room"`
	}
	h.jsonOf(&row, "ticket", "edit", n, "--title", "Projector flickers", "--room", "102", "--comment", "on site")
	if row.Title != "Projector flickers" || row.Room != "102" {
		t.Fatalf("ticket edit --json = %+v", row)
	}
	h.fails(args("ticket", "edit", n, "--room", "999"), "999")

	out := h.okHas(args("ticket", "clone", n), "cloned")
	if !strings.Contains(h.ok("ticket", "list"), "Projector flickers") || !strings.Contains(out, " as ") {
		t.Fatalf("clone: %s", out)
	}

	h.okHas(args("ticket", "visibility", n, "Technicians"), "visible to Technicians only")
	var vis struct {
		VisibleTo []string `json:"visible_to"`
	}
	h.jsonOf(&vis, "ticket", "visibility", n, "all")
	if len(vis.VisibleTo) != 0 {
		t.Fatalf("visibility all left %v", vis.VisibleTo)
	}

	h.ok("user", "create", "terry")
	h.ok("user", "join", "terry", "Technicians")
	h.ok("ticket", "assign", n, "terry")
	h.ok("ticket", "start", n, "--as", "terry")
	h.ok("ticket", "work", n, "--minutes", "15", "--text", "checked cable", "--as", "terry")
	var show struct {
		Work []struct {
			ID      int    `json:"id"`
			Minutes int    `json:"minutes"`
			Text    string `json:"text"`
		} `json:"work"`
	}
	h.jsonOf(&show, "ticket", "show", n)
	if len(show.Work) != 1 || show.Work[0].ID == 0 {
		t.Fatalf("work in ticket show --json: %+v", show.Work)
	}
	id := strconv.Itoa(show.Work[0].ID)
	h.fails(args("ticket", "work-edit", n, "nope", "--minutes", "5", "--text", "x"), "work report ID")
	h.okHas(args("ticket", "work-edit", n, id, "--minutes", "30", "--text", "replaced cable", "--as", "terry"), "corrected work report "+id)
	h.jsonOf(&show, "ticket", "show", n)
	if show.Work[0].Minutes != 30 || show.Work[0].Text != "replaced cable" {
		t.Fatalf("after work-edit: %+v", show.Work)
	}
	// authorization is the store's: a user without the privileges is refused
	h.ok("user", "create", "sam")
	h.ok("user", "join", "sam", "Users")
	h.fails(args("ticket", "visibility", n, "Technicians", "--as", "sam"))
}

// Saved queries: save one's own and a group's, list, delete.
func TestCLISavedQueries(t *testing.T) {
	h := newHarness(t)
	var q struct {
		ID    int    `json:"id"`
		Name  string `json:"name"`
		Group string `json:"group"`
	}
	h.jsonOf(&q, "query", "save", "Mine", "status:open assignee:me")
	if q.ID == 0 || q.Name != "Mine" || q.Group != "" {
		t.Fatalf("query save --json = %+v", q)
	}
	h.okHas(args("query", "save", "Triage", "status:new", "--group", "District Administrator"), "for group District Administrator")
	h.okHas(args("query", "list"), "Mine", "status:open assignee:me", "Triage", "District Administrator")
	h.ok("query", "delete", strconv.Itoa(q.ID))
	if out := h.ok("query", "list"); strings.Contains(out, "Mine") {
		t.Fatalf("deleted query still listed:\n%s", out)
	}
	h.fails(args("query", "delete", "x"), "ID")
}

// A group's notification, overdue and task-state settings, and a preset
// of module levels; Admin elevates, so it needs --yes (R4).
func TestCLIGroupSettings(t *testing.T) {
	h := newHarness(t)
	h.ok("group", "create", "Night")
	var g struct {
		Preset     string   `json:"preset"`
		TaskStates []string `json:"task_states"`
		Notify     struct {
			Events      []string `json:"events"`
			Format      string   `json:"format"`
			Unassigned  string   `json:"unassigned"`
			Overdue     bool     `json:"overdue"`
			OverdueDays int      `json:"overdue_days"`
			SecondAfter int      `json:"second_after"`
		} `json:"notify"`
	}
	h.jsonOf(&g, "group", "notify", "Night", "--events", "new,closed", "--format", "text", "--unassigned", "ignore",
		"--overdue-days", "3", "--second-after", "2")
	if strings.Join(g.Notify.Events, ",") != "new,closed" || g.Notify.Format != "text" || g.Notify.Unassigned != "ignore" ||
		!g.Notify.Overdue || g.Notify.OverdueDays != 3 || g.Notify.SecondAfter != 2 {
		t.Fatalf("group notify --json = %+v", g.Notify)
	}
	h.fails(args("group", "notify", "Night", "--events", "sometimes"), "--events", "new")
	h.fails(args("group", "notify", "Night"), "nothing to change")
	h.ok("group", "notify", "Night", "--overdue-days", "off")
	h.jsonOf(&g, "group", "task-states", "Night", "assigned,in_progress")
	if strings.Join(g.TaskStates, ",") != "assigned,in_progress" || g.Notify.Overdue {
		t.Fatalf("task states %v, overdue %v", g.TaskStates, g.Notify.Overdue)
	}
	h.fails(args("group", "task-states", "Night", "paused"), "task state \"paused\"")
	h.jsonOf(&g, "group", "preset", "Night", "edit-view")
	if g.Preset != "Edit & View" {
		t.Fatalf("preset = %q", g.Preset)
	}
	h.fails(args("group", "preset", "Night", "admin"), "full administrators", "--yes")
	h.okHas(args("group", "preset", "Night", "admin", "--yes"), "module levels: Admin")
	h.fails(args("group", "preset", "Night", "boss"), "expected view-only, edit-view, admin or none")
}

// Organization settings, notices and scheduled tasks from the command line.
func TestCLIOrgNoticesAndSchedules(t *testing.T) {
	h := newHarness(t)
	h.fails(args("org", "set"), "nothing to change")
	var o struct {
		Name         string   `json:"name"`
		OverdueDays  int      `json:"overdue_days"`
		Priorities   []string `json:"priorities"`
		ProblemTypes []string `json:"problem_types"`
	}
	h.jsonOf(&o, "org", "set", "--name", "Lakeside Schools", "--overdue-days", "4", "--priorities", "low,normal,high")
	if o.Name != "Lakeside Schools" || o.OverdueDays != 4 || strings.Join(o.Priorities, ",") != "low,normal,high" {
		t.Fatalf("org set --json = %+v", o)
	}
	h.fails(args("org", "set", "--time-zone", "Mars/Olympus"), "Mars/Olympus")
	h.okHas(args("org", "show"), "Lakeside Schools", "low, normal, high")

	start := time.Now().UTC().Format("2006-01-02")
	end := time.Now().UTC().AddDate(0, 0, 7).Format("2006-01-02")
	var n struct {
		ID      int      `json:"id"`
		Title   string   `json:"title"`
		Start   string   `json:"start"`
		End     string   `json:"end"`
		Teams   []string `json:"teams"`
		Visible bool     `json:"visible"`
	}
	h.jsonOf(&n, "notice", "create", "--title", "Wi-Fi upgrade", "--start", start, "--end", end, "--teams", "Global")
	if n.ID == 0 || n.Start != start || n.End != end || strings.Join(n.Teams, ",") != "Global" || !n.Visible {
		t.Fatalf("notice create --json = %+v", n)
	}
	id := strconv.Itoa(n.ID)
	h.okHas(args("notice", "set", id, "--visible", "no", "--title", "Wi-Fi upgrade Friday"), "saved notice "+id)
	h.okHas(args("notice", "list"), "Wi-Fi upgrade Friday", "no")
	h.fails(args("notice", "set", "9999", "--title", "x"), "no notice 9999")
	h.ok("notice", "delete", id)
	if out := h.ok("notice", "list"); strings.Contains(out, "Wi-Fi") {
		t.Fatalf("deleted notice listed:\n%s", out)
	}

	h.ok("building", "create", "EAST", "--name", "East Elementary")
	next := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02") + " 07:30"
	var s struct {
		ID       int    `json:"id"`
		Building string `json:"building"`
		Every    string `json:"every"`
		Interval int    `json:"interval"`
		Enabled  bool   `json:"enabled"`
	}
	h.jsonOf(&s, "schedule", "create", "--title", "Check backups", "--building", "EAST", "--every", "weekly", "--next", next)
	if s.ID == 0 || s.Building != "EAST" || s.Every != "weekly" || s.Interval != 1 || !s.Enabled {
		t.Fatalf("schedule create --json = %+v", s)
	}
	sid := strconv.Itoa(s.ID)
	h.fails(args("schedule", "create", "--title", "x", "--building", "EAST", "--every", "hourly", "--next", next), "--every")
	h.okHas(args("schedule", "set", sid, "--interval", "2", "--enabled", "no"), "saved scheduled task "+sid)
	h.okHas(args("schedule", "list"), "Check backups", "EAST", "weekly ×2", next, "no")
	h.ok("schedule", "delete", sid)
	if out := h.ok("schedule", "list"); strings.Contains(out, "Check backups") {
		t.Fatalf("deleted task listed:\n%s", out)
	}
}

package console

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"gatehouse/domain"
	"gatehouse/store"
)

// startViewAs is start with view-as wired to the store, as main.go and
// the SSH server wire it.
// viewAsFor is Config.ViewAs for viewer, as main and the SSH server bind it.
func viewAsFor(db *store.DB, viewer string) func(context.Context, string) (domain.Service, error) {
	return func(ctx context.Context, target string) (domain.Service, error) {
		return db.ViewAs(ctx, viewer, target)
	}
}

func startViewAs(t *testing.T, db *store.DB, user string, w, h int) *driver {
	t.Helper()
	m := New(Config{Service: session(t, db, user), Feed: db, Now: fixedNow, NoColor: true, ViewAs: viewAsFor(db, user)})
	tm := teatest.NewTestModel(t, &probe{m: m}, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.NoTTY)))
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	return &driver{t: t, tm: tm}
}

// TestAdminScreensGolden renders view-as, the groups overview, notices and
// the task-state picker at both golden sizes.
func TestAdminScreensGolden(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	global, _, err := admin.Team(t.Context(), "Global")
	must(t, err)
	_, err = admin.CreateNotice(t.Context(), domain.Notice{Title: "Network maintenance", Description: "Wi-Fi down 7-8am",
		URLTitle: "Status page", URL: "https://status.example.org", Start: fixed.AddDate(0, 0, -1),
		End: fixed.AddDate(0, 0, 3), Teams: []domain.ID{global.ID}, Visible: true})
	must(t, err)
	// keys, then (after an asynchronous switch) wait for a text, then more keys
	cases := []struct {
		name string
		keys []string
		wait string
		more []string
	}{
		{"viewas_home", []string{"4", "j", "v"}, "VIEWING AS alice", nil},
		{"viewas_access", []string{"4", "j", "v"}, "VIEWING AS alice", []string{":", "effective", "enter"}},
		{"overview", []string{"3", "o"}, "Groups × privileges", nil},
		{"overview_discussion", []string{"3", "o"}, "Groups × privileges", []string{"[", "[", "[", "[", "down", "right", "right"}},
		{"notices", []string{":", "go notices", "enter"}, "Team notices", nil},
		{"notice_form", []string{":", "go notices", "enter"}, "Team notices", []string{"e"}},
		{"task_states", []string{"3", "g", "j", "j", "enter"}, "Group Principals",
			append(repeat("right", flagCell(t, "task.states")), "space", "s")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachSize(t, func(t *testing.T, w, h int) {
				d := startViewAs(t, db, "admin", w, h)
				d.keys(c.keys...)
				d.waitFor(c.wait)
				d.keys(c.more...)
				d.golden()
			})
		})
	}
}

func TestViewAsShowsTargetVisibilityAndLeavesOnEsc(t *testing.T) {
	db := openStore(t)
	d := startViewAs(t, db, "admin", 120, 40)
	d.keys("4", "j") // alice, a technician without Manage Groups
	d.waitFor("▸ alice")
	d.keys("v")
	s := d.waitFor("VIEWING AS alice (Alice Adams) — read-only — esc to leave")
	if strings.Contains(s, "3 Groups") || !strings.Contains(s, "Welcome, Alice Adams") {
		t.Fatalf("the viewed console should be alice's (Home, no Groups):\n%s", s)
	}
	d.keys("3")
	d.waitFor("alice cannot open Groups: it needs Manage Groups (groups:view)")
	d.keys(":", "effective", "enter")
	s = d.waitFor("Effective access of alice")
	if !strings.Contains(s, "Sees tickets they reported, are assigned to, share a team") {
		t.Fatalf("alice's visibility (R11) should show:\n%s", s)
	}
	d.keys("esc")
	s = d.waitFor("left view-as alice")
	if !strings.Contains(s, "3 Groups") || strings.Contains(s, "VIEWING AS") {
		t.Fatalf("esc should return to admin's console:\n%s", s)
	}
}

func TestViewAsRefusesWritesWithTheReason(t *testing.T) {
	db := openStore(t)
	d := startViewAs(t, db, "admin", 120, 40)
	d.keys("4", "j", "j", "j") // carol, Technical Coordinator: notices:edit
	d.waitFor("▸ carol")
	d.keys("v")
	d.waitFor("VIEWING AS carol")
	d.keys(":", "new notice", "enter")
	d.waitFor("New notice")
	d.keys("Printer moved", "enter")
	s := d.waitFor("read-only: nothing can be changed while viewing as carol")
	if !strings.Contains(s, "Printer moved") {
		t.Fatalf("the typed form should survive the refusal:\n%s", s)
	}
	if ns, err := session(t, db, "admin").Notices(t.Context(), ""); err != nil || len(ns) != 0 {
		t.Fatalf("nothing may be saved while viewing as: %v %v", ns, err)
	}
	// the store recorded who looked through whose eyes
	evs, err := session(t, db, "admin").Audit(t.Context(), domain.AuditQuery{Entity: "user", Limit: 1})
	if err != nil || len(evs) != 1 || evs[0].Action != "view as" || evs[0].Name != "carol" || evs[0].ActorName != "admin" {
		t.Fatalf("view-as audit event: %+v %v", evs, err)
	}
	// esc closes the form first (after "discard?"), then leaves
	d.keys("esc", "y")
	d.waitFor("Team notices")
	d.keys("esc") // the notices screen goes back to Teams
	d.waitFor("Owner")
	d.keys("esc")
	d.waitFor("left view-as carol")
}

func TestViewAsOfferedOnlyWithUsersView(t *testing.T) {
	db := openStore(t)
	// alice lacks users:view: the key says why instead of doing nothing
	d := startViewAs(t, db, "alice", 120, 40)
	d.keys(":", "effective", "enter")
	s := d.waitFor("Effective access of alice")
	if strings.Contains(s, "v view as") {
		t.Fatalf("view-as offered to alice:\n%s", s)
	}
	d.keys("v")
	d.waitFor("alice cannot view as other users: view-as needs users:view")

	// carol holds users:view and sees every ticket, but not the superuser
	d = startViewAs(t, db, "carol", 120, 40)
	d.keys(":", "effective", "enter", "/", "admin", "enter")
	d.waitFor("Effective access of admin")
	d.keys("v")
	d.waitFor("cannot view as admin: only a superuser views as the superuser admin (R12)")
	d.keys("/", "alice", "enter", "v")
	d.waitFor("VIEWING AS alice")
}

func TestOverviewShowsImpliedCells(t *testing.T) {
	db := openStore(t)
	d := startViewAs(t, db, "admin", 120, 40)
	d.keys("3", "o")
	d.waitFor("Groups × privileges · Modules (1/9)")
	d.keys("[", "[", "[", "[") // back from Modules: General, Email, Alerts, Discussion
	s := d.waitFor("Discussion (6/9)")
	var view string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "▸ View Messages") {
			view = l
		}
	}
	if !strings.Contains(view, "+") {
		t.Fatalf("Principals' View Messages should show as implied (+):\n%s", s)
	}
	for range 3 {
		d.keys("right")
		if strings.Contains(d.screen(), "Principals · View Messages") {
			break
		}
	}
	d.waitFor("Principals · View Messages (discussion.view): implied by Post Messages (discussion.post, R6)")
	d.keys("down")
	d.waitFor("Principals · Post Messages (discussion.post): ticked")
	d.keys("esc")
	d.waitFor("Building Administrator")
}

func TestNoticeFTPRefusedWithStoreMessageFormSurvives(t *testing.T) {
	db := openStore(t)
	d := startViewAs(t, db, "admin", 120, 40)
	d.keys("5", "N")
	d.waitFor("Team notices · 0")
	d.keys("n", "Bus schedule", "tab", "tab", "tab", "ftp://files.example.org/bus.pdf",
		"tab", "tab", "tab", "Global", "enter")
	s := d.waitFor(`URL "ftp://files.example.org/bus.pdf" must start with http:// or https:// and name a host`)
	if !strings.Contains(s, "Bus schedule") || !strings.Contains(s, "New notice") {
		t.Fatalf("the form and its text should survive:\n%s", s)
	}
	d.keys("shift+tab", "shift+tab", "shift+tab")
	d.keys(repeat("backspace", len("ftp://files.example.org/bus.pdf"))...)
	d.keys("https://files.example.org/bus.pdf", "enter")
	d.waitFor("saved notice Bus schedule")
	ns, err := session(t, db, "admin").Notices(t.Context(), "")
	must(t, err)
	if len(ns) != 1 || ns[0].URL != "https://files.example.org/bus.pdf" || !ns[0].Visible || len(ns[0].Teams) != 1 {
		t.Fatalf("stored %+v", ns)
	}
	// R16: members of Global see it on Home today
	d.keys("1")
	d.waitFor("• Bus schedule (until 2026-03-16)")
	// delete confirms first
	d.keys(":", "go notices", "enter", "d")
	d.waitFor("Delete notice Bus schedule?")
	d.keys("y")
	d.waitFor("deleted notice Bus schedule")
}

func TestNoticeBadDateAndUnknownTeam(t *testing.T) {
	db := openStore(t)
	d := startViewAs(t, db, "admin", 120, 40)
	d.keys(":", "new notice", "enter", "Closure", "tab", "tab", "tab", "tab")
	d.keys(repeat("backspace", 10)...)
	d.keys("2026-13-01", "enter")
	d.waitFor(`start "2026-13-01": expected a date as YYYY-MM-DD`)
	d.keys(repeat("backspace", 10)...)
	d.keys("2026-03-01", "tab", "tab", "Nowhere", "enter")
	d.waitFor(`team "Nowhere" not found`)
}

func TestTaskStatesChosenAndSaved(t *testing.T) {
	db := openStore(t)
	d := startViewAs(t, db, "admin", 120, 40)
	openPrincipals(d)
	d.keys(repeat("right", flagCell(t, "task.states"))...)
	d.keys("s")
	d.waitFor("tick Task Records in States (task.states) first")
	d.keys("space", "s")
	d.waitFor("Members may act on tickets whose status is ticked here")
	d.keys("space", "down", "down", "space", "enter")
	d.waitFor("task.states: states new, in_progress · s chooses them")
	d.keys("ctrl+s")
	d.waitFor("saved group Principals")
	g := group(t, session(t, db, "admin"), "Principals")
	if !g.Flags.Has(domain.TaskStates) || !slices.Equal(g.TaskStates, []domain.Status{domain.StatusNew, domain.StatusInProgress}) {
		t.Fatalf("stored %v %v", g.Flags.IDs(), g.TaskStates)
	}
}

// TestHelpOverlayFitsAt80x24 opens the full help on every screen at the
// smallest size: no line is wider than the window, and paging reaches
// every binding.
func TestHelpOverlayFitsAt80x24(t *testing.T) {
	db := openStore(t)
	m := New(Config{Service: session(t, db, "admin"), Now: fixedNow, NoColor: true, ViewAs: viewAsFor(db, "admin")}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, def := range screens {
		settle(m, tea.BatchMsg{m.switchTo(def.id, "")})
		if m.active != def.id {
			continue
		}
		hk := m.helpKeys()
		var seen strings.Builder
		m.showAll, m.helpTop = true, 0
		for page := 0; page < 10 && m.showAll; page++ {
			v := m.View().Content
			for i, l := range strings.Split(v, "\n") {
				if w := ansi.StringWidth(l); w > 80 {
					t.Errorf("%s: help line %d is %d wide: %q", def.id, i, w, l)
				}
			}
			seen.WriteString(v)
			m.key(tea.KeyPressMsg{Code: tea.KeyPgDown})
		}
		m.showAll = false
		for _, g := range hk.full {
			for _, b := range g {
				if h := b.Help(); b.Enabled() && !strings.Contains(seen.String(), h.Desc) {
					t.Errorf("%s: help never shows %q (%s)", def.id, h.Desc, h.Key)
				}
			}
		}
	}
}

// Teams: / narrows the list as typed (R15) and esc brings the whole list
// back; e edits a team's name and description (ProTracker).
func TestTeamsFilterAndEdit(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	for _, n := range []string{"Science Lab", "Sports"} {
		_, err := admin.CreateTeam(t.Context(), domain.Team{Name: n})
		must(t, err)
	}
	d := start(t, db, "admin", 80, 24)
	d.keys("5", "/", "sci")
	// each key starts a read; the newest one's rows win
	d.waitUntil("Science Lab without Sports", func(s string) bool {
		return strings.Contains(s, "Science Lab") && !strings.Contains(s, "Sports")
	})
	d.keys("esc")
	d.waitFor("Sports")
	d.keys("/", "sci", "enter", "e")
	d.waitFor("Edit team Science Lab")
	d.keys("end", "s", "tab", "both labs", "enter") // end keeps the selected name
	d.waitFor("saved team Science Labs")
	info, _, err := admin.Team(t.Context(), "Science Labs")
	must(t, err)
	if info.Description != "both labs" {
		t.Fatalf("stored %+v", info.Team)
	}
}

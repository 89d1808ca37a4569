package console

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

func TestShellGolden(t *testing.T) {
	db := openStore(t)
	eachSize(t, func(t *testing.T, w, h int) {
		d := start(t, db, "admin", w, h)
		d.golden()
	})
}

func TestShellTooSmall(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 79, 24)
	if s := d.screen(); !strings.Contains(s, "window too small (need 80x24)") {
		t.Fatalf("want the too-small message, got:\n%s", s)
	}
}

// TestScreensGolden renders every screen on the seeded district.
func TestScreensGolden(t *testing.T) {
	db := openStore(t)
	cases := []struct {
		name string
		keys []string
	}{
		{"home", []string{"1"}},
		{"users", []string{"4"}},
		{"user_detail", []string{"4", "j", "enter"}},
		{"user_form", []string{"4", "n", "erin"}},
		{"teams", []string{"5"}},
		{"team_members", []string{"5", "enter"}},
		{"buildings", []string{"6"}},
		{"building_detail", []string{"6", "enter"}},
		{"review", []string{"7"}},
		{"audit", []string{"8", "/", "actor:admin", "enter"}},
		{"access", []string{":", "effective", "enter"}},
		{"help", []string{"?"}},
		{"settings", []string{"9"}},
		{"users_filter", []string{"4", "/", "%o"}},
		{"palette", []string{":", "new"}},
		{"group_privileges", []string{"3", "j", "j", "enter"}},
		{"group_modules", []string{"3", "j", "j", "enter", "tab"}},
		{"group_notifications", []string{"3", "j", "j", "enter", "tab", "tab"}},
		{"group_building_admin", []string{"3", "j", "j", "enter", "tab", "tab", "tab"}},
		{"group_fields", []string{"3", "j", "enter", "tab", "tab", "tab", "tab", "j", "l", "space"}},
		{"group_members", []string{"3", "j", "enter", "tab", "tab", "tab", "tab", "tab"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachSize(t, func(t *testing.T, w, h int) {
				d := start(t, db, "admin", w, h)
				d.keys(c.keys...)
				d.golden()
			})
		})
	}
}

// A change saved elsewhere (another session, the CLI) appears without a restart.
func TestLiveRefresh(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("4")
	d.waitFor("Users 1–5 of 5")
	_, err := session(t, db, "admin").CreateUser(t.Context(), domain.User{Username: "zed", First: "Zed"})
	must(t, err)
	d.waitFor("Users 1–6 of 6")
}

func TestSettingsEdit(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	// the pre-filled zone is selected: typing replaces it
	d.keys("9", "e", "tab", "Mars/Olympus")
	d.waitFor(`time zone "Mars/Olympus"`)
	d.keys(repeat("backspace", len("Mars/Olympus"))...)
	d.keys("Europe/Paris", "enter")
	d.waitFor("saved organization settings")
	o, err := session(t, db, "admin").Organization(t.Context())
	must(t, err)
	if o.TimeZone != "Europe/Paris" || len(o.ProblemTypes) != 4 || len(o.ProblemTypes[0].CommonProblems) == 0 {
		t.Fatalf("stored %+v", o)
	}
}

func TestPaletteRunsActions(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys(":", "nwusr", "enter")
	d.waitFor("New user")
	d.keys("esc", ":", "go aud", "enter")
	d.waitFor("Audit trail")
}

// A user without Manage Groups does not see the Groups screen, and its
// number key says why.
func TestScreensFollowAccess(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "alice", 80, 24)
	s := d.screen()
	if strings.Contains(s, "3 Groups") || !strings.Contains(s, "Welcome, Alice Adams") {
		t.Fatalf("alice should start on Home without Groups:\n%s", s)
	}
	d.keys("3")
	d.waitFor("alice cannot open Groups: it needs Manage Groups (groups:view)")
}

// Common problems are edited on the line below their problem type.
func TestSettingsEditsCommonProblems(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("9", "e")
	// Name, Time zone, Overdue, Visibility, Prefix, Priorities, Problem types, then Hardware's line
	d.keys(repeat("tab", 7)...)
	d.keys("end", ", Toner low", "enter")
	d.waitFor("saved organization settings")
	o, err := session(t, db, "admin").Organization(t.Context())
	must(t, err)
	if got := strings.Join(o.ProblemTypes[0].CommonProblems, ","); got != "Printer jam,No power,Broken screen,Toner low" {
		t.Fatalf("Hardware's common problems: %q", got)
	}
}

// The palette keeps its selection on screen at 80x24, however far down it
// goes.
func TestPaletteScrollsToItsSelection(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys(":")
	d.waitFor("▸")
	d.keys(repeat("down", 40)...)
	s := d.screen()
	if !strings.Contains(s, "▸") {
		t.Fatalf("the selection scrolled off the palette:\n%s", s)
	}
}

// The palette offers only what the acting user can do, and a screen
// refusal names the privilege it needs (issue 13).
func TestPaletteOffersOnlyWhatTheUserCanDo(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	_, err := admin.CreateGroup(t.Context(), domain.Group{Name: "Viewers", Levels: domain.ModuleLevels{domain.ModGroups: domain.LevelView}}, false)
	must(t, err)
	must(t, admin.Join(t.Context(), "bob", "Viewers", time.Time{}, ""))
	d := start(t, db, "bob", 120, 40)
	d.keys(":", "group")
	s := d.waitFor("go groups")
	if strings.Contains(s, "new group") || strings.Contains(s, "grant privileges") {
		t.Fatalf("bob (groups:view) is offered group edits:\n%s", s)
	}
	d.keys("esc", "4")
	d.waitFor("bob cannot open Users: it needs Manage Users or Manage Technicians (users:view or technicians:view)")
	for _, sd := range screens {
		if !sd.allowed(&domain.Access{}) && sd.needs == "" {
			t.Errorf("screen %s is gated but does not say what it needs", sd.id)
		}
	}
}

package console

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// openMetricsStore is a district with twelve weeks of tickets for the
// charts: 60 tickets reported by erin every 34 hours back from the fixed
// clock, over four buildings and four problem types, most assigned to one of
// three technicians and two in three closed a few days later. hank is in
// Board (Home Page Only, Override Record Visibility), carol is a Technical Coordinator (Metrics and
// both Save privileges), erin is a plain user.
func openMetricsStore(t testing.TB) *store.DB {
	t.Helper()
	clk := &testClock{}
	clk.set(fixed.AddDate(0, 0, -120))
	db, err := store.Open(filepath.Join(t.TempDir(), "g.db"), store.Options{Owner: "admin", Now: clk.now})
	must(t, err)
	t.Cleanup(func() { db.Close() })
	admin := session(t, db, "admin")
	for _, b := range []domain.Building{
		{Code: "EAST", Name: "East Elementary"}, {Code: "WEST", Name: "West High"},
		{Code: "NORTH", Name: "North Middle"}, {Code: "SOUTH", Name: "South Annex"},
	} {
		_, err := admin.CreateBuilding(t.Context(), b)
		must(t, err)
	}
	for _, u := range []string{"alice", "bob", "frank", "carol", "erin", "hank"} {
		_, err := admin.CreateUser(t.Context(), domain.User{Username: u, First: strings.ToUpper(u[:1]) + u[1:]})
		must(t, err)
	}
	for _, u := range []string{"alice", "bob", "frank"} {
		must(t, admin.Join(t.Context(), u, "Technicians", time.Time{}, ""))
	}
	must(t, admin.Join(t.Context(), "carol", "Technical Coordinator", time.Time{}, ""))
	must(t, admin.Join(t.Context(), "erin", "Users", time.Time{}, ""))
	_, err = admin.CreateGroup(t.Context(), domain.Group{Name: "Board", Description: "School board: every ticket, saved charts on Home only",
		Flags: domain.FlagSetOf(domain.MetricsHomeOnly, domain.VisibilityOverride)}, false)
	must(t, err)
	must(t, admin.Join(t.Context(), "hank", "Board", time.Time{}, ""))
	erin, carol := session(t, db, "erin"), session(t, db, "carol")
	blds := []string{"EAST", "EAST", "WEST", "NORTH", "EAST", "SOUTH", "WEST"}
	types := []string{"Hardware", "Network", "Hardware", "Software", "Account"}
	techs := []string{"alice", "bob", "alice", "frank", ""}
	for i := range 60 {
		created := fixed.Add(-time.Duration(i*34+5) * time.Hour)
		clk.set(created)
		tk, err := erin.CreateTicket(t.Context(), domain.NewTicket{Title: "ticket " + string(rune('A'+i%26)), Building: blds[i%len(blds)],
			ProblemType: types[i%len(types)]})
		must(t, err)
		if tech := techs[i%len(techs)]; tech != "" {
			clk.set(created.Add(time.Hour))
			must(t, carol.Assign(t.Context(), tk.Number, tech, ""))
		}
		if closed := created.Add(time.Duration(24*(i%6+1)) * time.Hour); i%3 != 0 && closed.Before(fixed) {
			clk.set(closed)
			must(t, carol.Close(t.Context(), tk.Number, "done"))
		}
	}
	clk.set(fixed)
	return db
}

// openMetrics opens the Metrics screen through the palette.
func (d *driver) openMetrics() string {
	d.keys(":", "go metrics", "enter")
	return d.waitFor("Weekly trends")
}

func TestMetricsScreenGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openMetricsStore(t)
		d := start(t, db, "carol", w, h)
		d.openMetrics()
		d.golden()
	})
}

// saveBoardChart saves a chart for Board (Home Page Only) as the owner, who
// joins Board for it: Board's own members may not save charts (R6).
func saveBoardChart(t *testing.T, db *store.DB, c domain.Chart) {
	t.Helper()
	admin := session(t, db, "admin")
	must(t, admin.Join(t.Context(), "admin", "Board", time.Time{}, "charts for the board"))
	_, err := admin.SaveChart(t.Context(), "Board", c)
	must(t, err)
}

func TestMetricsHomePageOnly(t *testing.T) {
	db := openMetricsStore(t)
	saveBoardChart(t, db, domain.Chart{Name: "Open by building", Kind: "by-building", Days: 90})
	saveBoardChart(t, db, domain.Chart{Name: "Overdue trend", Kind: "overdue", Days: 90})
	must(t, session(t, db, "admin").SaveLayout(t.Context(), "Board", []string{"Overdue trend", "Open by building"}))
	d := start(t, db, "hank", 120, 40)
	s := d.waitFor("Charts of your groups")
	for _, want := range []string{"Overdue trend · Board", "Open by building · Board", "EAST", "9 open 17 closed"} {
		if !strings.Contains(s, want) {
			t.Fatalf("home lacks %q:\n%s", want, s)
		}
	}
	if strings.Index(s, "Overdue trend") > strings.Index(s, "Open by building") {
		t.Fatalf("the layout puts Overdue trend first:\n%s", s)
	}
	// the palette offers only what hank can do: no Metrics screen
	d.keys(":", "go metrics")
	if s := d.screen(); strings.Contains(s, "▸ go metrics") {
		t.Fatalf("the palette offers hank the Metrics screen:\n%s", s)
	}
}

func TestMetricsRefusedWithoutPrivilege(t *testing.T) {
	db := openMetricsStore(t)
	d := start(t, db, "erin", 120, 40)
	s := d.waitFor("Welcome")
	if strings.Contains(s, "Charts of your groups") {
		t.Fatalf("erin's groups have no charts:\n%s", s)
	}
	d.keys(":", "go metrics")
	if s := d.screen(); strings.Contains(s, "▸ go metrics") {
		t.Fatalf("the palette offers erin the Metrics screen:\n%s", s)
	}
}

func TestMetricsRangeFiltersAndCharts(t *testing.T) {
	db := openMetricsStore(t)
	d := start(t, db, "carol", 120, 40)
	d.openMetrics()
	d.keys("tab", "tab", "tab")
	d.waitFor("Tickets created per week")
	d.keys("r")
	d.waitUntil("the last 365 days", func(s string) bool {
		return strings.Contains(s, "last 365 days (2025-03-02 – 2026-03-02) · 60 tickets")
	})
	d.keys("r")
	d.waitFor("last 30 days (2026-01-31 – 2026-03-02) · 22 tickets")
	// typed dates and a building filter
	d.keys("f", "2026-01-01", "tab", "2026-01-31", "tab", "space", "enter")
	d.waitFor("2026-01-01 – 2026-01-31 · 10 tickets · building EAST")
	// a date that does not parse says so and keeps the form
	d.keys("f", "backspace", "x", "enter")
	d.waitFor("a date as YYYY-MM-DD")
	d.keys("esc", "y")
	// the Overdue tab wraps around from the first chart
	d.keys("shift+tab", "shift+tab", "shift+tab", "shift+tab")
	d.waitFor("Open overdue tickets at the end of each week")
}

func TestMetricsSaveChartAndLayout(t *testing.T) {
	db := openMetricsStore(t)
	d := start(t, db, "carol", 120, 40)
	d.openMetrics()
	d.keys("s", "Open by building", "enter")
	d.waitFor(`saved chart "Open by building" for Technical Coordinator`)
	d.keys("tab", "tab", "tab", "s", "Created weekly", "enter")
	d.waitFor(`saved chart "Created weekly"`)
	d.keys("L")
	d.waitFor("Saved group charts")
	s := d.waitFor("2. Open by building")
	if !strings.Contains(s, "1. Created weekly") {
		t.Fatalf("charts by name before a layout:\n%s", s)
	}
	d.keys("J")
	d.waitFor("order changed: ctrl+s saves the layout")
	d.keys("ctrl+s")
	d.waitFor("saved the chart layout of Technical Coordinator")
	_, layouts, err := session(t, db, "carol").Charts(t.Context())
	must(t, err)
	if len(layouts) != 1 || strings.Join(layouts[0].Charts, ",") != "Open by building,Created weekly" {
		t.Fatalf("layouts %+v", layouts)
	}
	// enter shows a saved chart; d deletes one after asking
	d.keys("enter")
	d.waitFor(`chart "Created weekly": Tickets created per week`)
	d.keys("L", "down", "d")
	d.waitFor(`Delete the saved chart "Created weekly"`)
	d.keys("y")
	d.waitFor("deleted chart Created weekly")
	// carol sees her group's remaining chart on Home
	d.keys("esc", "1")
	d.waitFor("Open by building · Technical Coordinator")
}

// TestMetricsSaveNeedsPrivilege: Metrics without Save Group Charts may look
// but not save, and the key says why.
func TestMetricsSaveNeedsPrivilege(t *testing.T) {
	db := openMetricsStore(t)
	admin := session(t, db, "admin")
	_, err := admin.CreateGroup(t.Context(), domain.Group{Name: "Analysts", Flags: domain.FlagSetOf(domain.MetricsRun, domain.VisibilityOverride)}, false)
	must(t, err)
	must(t, admin.Join(t.Context(), "erin", "Analysts", time.Time{}, ""))
	d := start(t, db, "erin", 120, 40)
	s := d.openMetrics()
	if strings.Contains(s, "save for group") {
		t.Fatalf("save offered without Save Group Charts:\n%s", s)
	}
	d.keys("s")
	d.waitFor("erin lacks Save Group Charts (metrics.save-charts)")
	d.keys("L", "J")
	d.waitFor("erin lacks Save Group Chart Layouts (metrics.save-layouts)")
}

// TestMetricsHomeChartsInViewAs: viewing as a Home Page Only user shows
// the charts they see on Home.
func TestMetricsHomeChartsInViewAs(t *testing.T) {
	db := openMetricsStore(t)
	saveBoardChart(t, db, domain.Chart{Name: "Open by building", Kind: "by-building", Days: 90})
	d := startViewAs(t, db, "admin", 120, 40)
	d.keys(":", "effective", "enter", "/", "hank", "enter")
	d.waitFor("Effective access of hank")
	d.keys("v")
	d.waitFor("Open by building · Board")
}

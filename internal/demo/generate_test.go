package demo_test

import (
	"path/filepath"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/demo"
	"gatehouse/store"
)

func TestGenerate_DistrictHoldsTheInvariants(t *testing.T) {
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	db, err := store.Open(filepath.Join(t.TempDir(), "gen.db"), store.Options{Owner: "admin", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := demo.Generate(db, demo.GenOptions{Users: 300, Tickets: 3000, Now: now, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got.Users != 300 || got.Tickets != 3000 || got.Buildings != 6 || got.History < 3000 || got.Work == 0 {
		t.Fatalf("generated %+v", got)
	}
	admin, _ := db.Session("admin")
	// repair finds nothing to fix: Global, private teams and reports-to are whole
	if fixes, err := admin.RepairTeams(t.Context()); err != nil || len(fixes) != 0 {
		t.Fatalf("repair after generate: %v %q", err, fixes)
	}
	page, err := admin.Tickets(t.Context(), domain.TicketQuery{})
	if err != nil || page.Total != 3000 {
		t.Fatalf("tickets: %v %d", err, page.Total)
	}
	for _, st := range domain.AllStatuses {
		p, _ := admin.Tickets(t.Context(), domain.TicketQuery{Status: []domain.Status{st}, Limit: 1})
		if p.Total == 0 {
			t.Errorf("no %s tickets", st)
		}
	}
	// a principal sees their building's tickets only (plus ones they reported)
	heads, _ := admin.GroupMembers(t.Context(), "Building Administrator")
	p, _ := db.Session(heads[0].Username)
	ui, _ := admin.User(t.Context(), heads[0].Username)
	mine, _ := p.Tickets(t.Context(), domain.TicketQuery{})
	if mine.Total == 0 || mine.Total == 3000 {
		t.Fatalf("principal sees %d", mine.Total)
	}
	for _, r := range mine.Tickets {
		if r.Building != ui.Buildings[0] {
			t.Fatalf("principal of %v sees %s in %s", ui.Buildings, r.Label, r.Building)
		}
	}
	// a second generate into the same file is refused
	if _, err := demo.Generate(db, demo.GenOptions{Users: 20, Now: now}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second generate: %v", err)
	}
}

package store_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// snapshot is everyone's effective access now, through the live engine
// (Subject and Resolve), independent of the access journal.
func snapshot(t *testing.T, d *district) []domain.AccessRow {
	t.Helper()
	ctx := t.Context()
	page, err := d.admin.Users(ctx, domain.UserQuery{Limit: 100000})
	must(t, err)
	bs, err := d.admin.Buildings(ctx, "")
	must(t, err)
	code := map[domain.ID]string{}
	for _, b := range bs {
		code[b.ID] = b.Code
	}
	var rows []domain.AccessRow
	for _, u := range page.Users {
		sub, err := d.admin.Subject(ctx, u.Username)
		must(t, err)
		a := domain.Resolve(sub, d.clk.t)
		var groups, codes []string
		for _, g := range sub.Grants {
			if !g.Implicit && g.Membership.Active(d.clk.t) {
				groups = append(groups, g.Group.Name)
			}
		}
		for _, id := range sub.Buildings {
			codes = append(codes, code[id])
		}
		rows = append(rows, domain.AccessRowOf(u.Username, &a, groups, codes))
	}
	slices.SortFunc(rows, func(a, b domain.AccessRow) int { return strings.Compare(a.Username, b.Username) })
	return rows
}

// R20: as-of and diff are exact. A year of scripted changes (memberships
// with and without expiry, leaves, grants and revokes, activation,
// buildings and regions, a building moving region, renames, deletions) is
// replayed with snapshots taken through the live engine along the way;
// afterwards as-of at each snapshot's moment gives the snapshot, and diff
// between two moments gives the difference of their snapshots.
func TestR20_AsOfAndDiffAgreeWithSnapshotsOverAYear(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(20, 26))
	groups := []string{"Technicians", "Building Administrator", "Technical Coordinator", "Users"}
	for i := range 3 {
		name := fmt.Sprintf("Extra%d", i)
		_, err := d.admin.CreateGroup(ctx, domain.Group{Name: name, Flags: domain.FlagSetOf(domain.TicketHistory)}, true)
		must(t, err)
		groups = append(groups, name)
	}
	var users []string
	for i := range 12 {
		u := fmt.Sprintf("u%02d", i)
		_, err := d.admin.CreateUser(ctx, domain.User{Username: u})
		must(t, err)
		users = append(users, u)
	}
	flags := []string{"ticket.close", "ticket.history", "history", "reports.custom", "users:view", "buildings:edit"}
	type snap struct {
		at   time.Time
		rows []domain.AccessRow
	}
	var snaps []snap
	start := d.clk.t
	for day := range 365 {
		d.clk.t = start.Add(time.Duration(day)*24*time.Hour + time.Duration(rng.IntN(20))*time.Hour)
		for range 1 + rng.IntN(3) {
			u := users[rng.IntN(len(users))]
			g := groups[rng.IntN(len(groups))]
			var err error
			switch op := rng.IntN(10); op {
			case 0, 1:
				until := time.Time{}
				if rng.IntN(2) == 0 {
					until = d.clk.t.Add(time.Duration(1+rng.IntN(30*24)) * time.Hour)
				}
				err = d.admin.Join(ctx, u, g, until, "scripted")
			case 2:
				_, err = d.admin.Leave(ctx, u, g, true)
			case 3:
				if strings.HasPrefix(g, "Extra") {
					if rng.IntN(2) == 0 {
						_, err = d.admin.GrantGroup(ctx, g, grant(t, flags[rng.IntN(len(flags))]), true)
					} else {
						_, err = d.admin.RevokeGroup(ctx, g, grant(t, flags[rng.IntN(len(flags))]))
					}
				}
			case 4:
				_, err = d.admin.Deactivate(ctx, u, true)
			case 5:
				err = d.admin.Activate(ctx, u)
			case 6, 7:
				info, e := d.admin.User(ctx, u)
				must(t, e)
				info.User.Buildings = nil
				info.User.Regions = nil
				switch rng.IntN(3) {
				case 0:
					info.User.Buildings = []domain.ID{d.eastB.ID}
				case 1:
					info.User.Regions = []string{"South"}
				}
				_, err = d.admin.UpdateUser(ctx, info.User.ID, wholeUser(info.User))
			case 8:
				bs, e := d.admin.Buildings(ctx, "WEST")
				must(t, e)
				var p domain.BuildingPatch
				_, err = d.admin.UpdateBuilding(ctx, bs[0].ID, *p.SetRegion([]string{"South", "North"}[rng.IntN(2)]))
			case 9:
				if day == 200 { // one user goes for good
					err = d.admin.DeleteUser(ctx, users[0])
					users = users[1:]
				}
			}
			if err != nil && domain.ErrorCode(err) == domain.EInternal {
				t.Fatalf("day %d: %v", day, err)
			}
		}
		if day%45 == 7 {
			snaps = append(snaps, snap{d.clk.t, snapshot(t, d)})
		}
	}
	d.clk.t = d.clk.t.Add(48 * time.Hour)
	for _, s := range snaps {
		got, err := d.admin.AccessAsOf(ctx, s.at)
		must(t, err)
		if !reflect.DeepEqual(got, s.rows) {
			for i := range min(len(got), len(s.rows)) {
				if !reflect.DeepEqual(got[i], s.rows[i]) {
					t.Fatalf("as-of %s differs from the snapshot:\n got %+v\nwant %+v", s.at, got[i], s.rows[i])
				}
			}
			t.Fatalf("as-of %s: %d rows, snapshot %d", s.at, len(got), len(s.rows))
		}
	}
	for i := 1; i < len(snaps); i++ {
		a, b := snaps[i-1], snaps[i]
		got, err := d.admin.AccessDiff(ctx, a.at, b.at, "", "")
		must(t, err)
		want := map[string]domain.AccessDiffRow{}
		byName := func(rows []domain.AccessRow, name string) *domain.AccessRow {
			for j := range rows {
				if rows[j].Username == name {
					return &rows[j]
				}
			}
			return nil
		}
		for _, r := range append(slices.Clone(a.rows), b.rows...) {
			if dr := domain.DiffAccess(byName(a.rows, r.Username), byName(b.rows, r.Username)); len(dr.Gained)+len(dr.Lost) > 0 {
				want[r.Username] = dr
			}
		}
		if len(got) != len(want) {
			t.Fatalf("diff %s..%s: %d rows, want %d: %+v", a.at, b.at, len(got), len(want), got)
		}
		for _, g := range got {
			if !reflect.DeepEqual(g, want[g.Username]) {
				t.Fatalf("diff %s..%s for %s: %+v, want %+v", a.at, b.at, g.Username, g, want[g.Username])
			}
		}
	}
	if len(snaps) < 8 {
		t.Fatalf("only %d snapshots", len(snaps))
	}
}

func TestR20_HistoryNeedsHistoryAndUsersViewAndStartsWithTheFile(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	_, err := as(t, d.db, "staff").AccessAsOf(ctx, d.clk.t)
	mustCode(t, err, domain.EForbidden)
	d.clk.t = d.clk.t.Add(time.Hour)
	auditor := userWith(t, d, "auditor", domain.Group{Flags: domain.FlagSetOf(domain.History), Levels: domain.ModuleLevels{domain.ModUsers: domain.LevelView}})
	d.clk.t = d.clk.t.Add(time.Hour)
	rows, err := auditor.AccessAsOf(ctx, d.clk.t)
	must(t, err)
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	_, err = auditor.AccessAsOf(ctx, epoch.Add(-time.Hour))
	mustCode(t, err, domain.EInvalid)
	_, err = auditor.AccessAsOf(ctx, d.clk.t.Add(time.Hour))
	mustCode(t, err, domain.EInvalid)
	// the auditor joined an hour ago: the diff says what they gained
	diff, err := auditor.AccessDiff(ctx, epoch, time.Time{}, "auditor", "")
	must(t, err)
	if len(diff) != 1 || !slices.Contains(diff[0].Gained, "history") || !slices.Contains(diff[0].Gained, "users:view") {
		t.Fatalf("diff %+v", diff)
	}
}

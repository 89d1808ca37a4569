package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func openTest(t testing.TB) (*store.DB, *clock) {
	t.Helper()
	c := &clock{t: epoch}
	var db *store.DB
	var err error
	if u := benchStoreURL(t); u != "" {
		db, err = store.OpenEtcd(u, store.Options{Owner: "admin", Now: c.now})
	} else if etcdURL != "" {
		db, err = store.OpenEtcd(storeURL(), store.Options{Owner: "admin", Now: c.now})
	} else {
		db, err = store.Open(filepath.Join(t.TempDir(), "g.db"), store.Options{Owner: "admin", Now: c.now})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, c
}

func as(t testing.TB, db *store.DB, user string) domain.Service {
	t.Helper()
	s, err := db.Session(user)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustCode(t testing.TB, err error, code string) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("want %s error, got %v", code, err)
	}
}

func grant(t testing.TB, ids ...string) []domain.Grant {
	t.Helper()
	var out []domain.Grant
	for _, id := range ids {
		g, err := domain.ParseGrant(id)
		must(t, err)
		out = append(out, g)
	}
	return out
}

// district builds two buildings, a principal of EAST, a technician and a
// staff member, and tickets in both buildings.
type district struct {
	db           *store.DB
	clk          *clock
	admin        domain.Service
	east, west   domain.TicketNumber // one ticket in each
	eastB, west2 domain.Building
}

func newDistrict(t testing.TB) *district {
	t.Helper()
	db, clk := openTest(t)
	d := &district{db: db, clk: clk, admin: as(t, db, "admin")}
	a := d.admin
	var err error
	d.eastB, err = a.CreateBuilding(t.Context(), domain.Building{Code: "EAST", Name: "East Elementary", Region: "North", Rooms: []string{"101", "102"}})
	must(t, err)
	d.west2, err = a.CreateBuilding(t.Context(), domain.Building{Code: "WEST", Name: "West Middle", Region: "South"})
	must(t, err)
	for _, u := range []domain.User{
		{Username: "principal", First: "Pat", Last: "Principal", Email: "pat@example.org"},
		{Username: "tech", First: "Terry", Last: "Tech"},
		{Username: "staff", First: "Sam", Last: "Staff"},
		{Username: "nogroup"},
	} {
		_, err := a.CreateUser(t.Context(), u)
		must(t, err)
	}
	must(t, a.Join(t.Context(), "principal", "Building Administrator", time.Time{}, ""))
	p, _ := a.User(t.Context(), "principal")
	p.User.Buildings = []domain.ID{d.eastB.ID}
	_, err = a.UpdateUser(t.Context(), p.User.ID, wholeUser(p.User))
	must(t, err)
	must(t, a.Join(t.Context(), "tech", "Technicians", time.Time{}, ""))
	must(t, a.Join(t.Context(), "staff", "Users", time.Time{}, ""))
	staff := as(t, db, "staff")
	e, err := staff.CreateTicket(t.Context(), domain.NewTicket{Title: "Projector dead", Building: "EAST", Room: "101", ProblemType: "Hardware"})
	must(t, err)
	w, err := staff.CreateTicket(t.Context(), domain.NewTicket{Title: "No Wi-Fi", Building: "WEST", ProblemType: "Network"})
	must(t, err)
	d.east, d.west = e.Number, w.Number
	return d
}

func TestSmoke(t *testing.T) {
	d := newDistrict(t)
	page, err := as(t, d.db, "principal").Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	if page.Total != 1 || page.Tickets[0].Number != d.east {
		t.Fatalf("principal sees %+v", page)
	}
}

func cancelledContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// bboltOnly skips, on the etcd pass, a test of the bbolt file itself: its
// path, pages, lock or bytes written behind the store's back.
func bboltOnly(t testing.TB) {
	t.Helper()
	if etcdURL != "" {
		t.Skip("a test of the bbolt file itself")
	}
}

// benchStoreURL is, for a benchmark run with GATEHOUSE_BENCH_STORE (an
// etcd cluster of scripts/bench.sh), a new prefix of that cluster.
func benchStoreURL(t testing.TB) string {
	u := os.Getenv("GATEHOUSE_BENCH_STORE")
	if _, ok := t.(*testing.B); !ok || u == "" {
		return ""
	}
	endpoints, _, err := store.ParseStoreURL(u)
	if err != nil {
		t.Fatal(err)
	}
	hosts := make([]string, len(endpoints))
	for i, e := range endpoints {
		hosts[i] = strings.TrimPrefix(e, "http://")
	}
	return fmt.Sprintf("etcd://%s/bench-%d-%d", strings.Join(hosts, ","), os.Getpid(), prefixes.Add(1))
}

// wholeUser is a patch of every field a user edit sets, to u's values: the
// tests that read a user, change it and save it whole.
func wholeUser(u domain.User) domain.UserPatch {
	var p domain.UserPatch
	p.SetUsername(u.Username).SetFirst(u.First).SetLast(u.Last).SetEmail(u.Email).SetPhone(u.Phone).
		SetKind(u.Kind).SetSuperuser(u.Superuser).SetReportsTo(u.ReportsTo).SetBuildings(u.Buildings).
		SetRegions(u.Regions).SetStartScreen(u.StartScreen).SetMuted(u.Muted)
	return p
}

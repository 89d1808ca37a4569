// Package demo fills a fresh gatehouse store with a sample K-12 district for
// `gatehouse --demo` and `gatehouse demo`, so a newcomer sees every screen
// with realistic data. It calls only domain.Service (as the owner, or as the
// reporter, coordinator or technician who would really act), so every rule,
// history entry and audit event applies exactly as in real use, and a random
// source with a fixed seed makes the district the same on every machine.
//
// The district, "Riverside Unified School District" (OrgName):
//   - six buildings, EAST, WEST, NORTH, SOUTH, HIGH and ADMIN, in the
//     "North Region" and "South Region", with rooms and auto-assign rules
//     (EAST Network → jcarter, for one);
//   - 40 people besides the owner: district administrator DistrictAdmin
//     (mokafor), technical coordinators Coordinator (dreyes) and pnatarajan,
//     eight technicians such as Technician (jcarter) who report to a
//     coordinator, who reports to the district administrator; a principal
//     per building, each a Building Administrator of that building only
//     (PrincipalEast is rhughes); staff in Users such as Staff (jsmith);
//     restricted users RestrictedUser (phall) and mlopez; NoGroupUser
//     (nwright), who has no group and so is inactive (R2); DeactivatedUser
//     (eyoung), retired; TemporaryUser (lthompson), whose Technicians
//     membership expires in about ten days (R13, access review);
//   - teams "Help Desk", "Network Team" and "Field Techs" with team notices;
//   - about 200 tickets (NumTickets) in every status, reported by staff and
//     moved through the real workflow with work reports.
//
// The store stamps records with its clock. With a Clock passed to both
// store.Options.Now and SeedWith, the history spreads over the last 90 days
// (school hours on weekdays); with Seed alone every record is stamped at the
// moment it is made. The wiring for a new demo file:
//
//	clock := &demo.Clock{}
//	db, err := store.Open(path, store.Options{Now: clock.Now})
//	// on first use only:
//	err = demo.SeedWith(db, demo.Options{Clock: clock})
//
// Seeding makes about a thousand small transactions, so it skips fsync per
// commit and syncs the file once at the end (well under a second).
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// Names that tests, the README and screenshots refer to.
const (
	OrgName         = "Riverside Unified School District"
	EmailDomain     = "riverside.k12.example"
	DistrictAdmin   = "mokafor"   // District Administrator group: full administrator (R4)
	Coordinator     = "dreyes"    // Technical Coordinator, North Region
	Technician      = "jcarter"   // Technicians; auto-assigned EAST network tickets
	PrincipalEast   = "rhughes"   // Building Administrator of EAST only (R5)
	Staff           = "jsmith"    // ordinary staff in Users, EAST
	RestrictedUser  = "phall"     // RestrictedUsers (R3)
	NoGroupUser     = "nwright"   // no group: inactive, "—" in lists (R2)
	DeactivatedUser = "eyoung"    // deactivated after reporting tickets (R8)
	TemporaryUser   = "lthompson" // Technicians membership expiring in ~10 days (R13)
	BuildingEast    = "EAST"
	NumUsers        = 40  // named users besides the owner
	NumTickets      = 200 // tickets of the default district
	HistoryDays     = 90  // tickets spread over this many days with a Clock
)

// Options sizes and dates the sample district.
type Options struct {
	// Users is how many named users to create besides the owner; values
	// below NumUsers mean the roster of NumUsers. More add generated staff.
	Users int
	// Tickets to create; zero means NumTickets.
	Tickets int
	// Clock, when it is also the store's Options.Now, dates the history
	// over the last HistoryDays days. It is live again when SeedWith returns.
	Clock *Clock
	// Context, when set, stops seeding when it ends (nil: never).
	Context context.Context
}

// Clock is a settable clock for store.Options.Now: SeedWith moves it
// through the sample history, then leaves it live (time.Now). A clock set
// before SeedWith is the "now" the history ends at.
type Clock struct {
	mu sync.Mutex
	at time.Time
}

// Now is the set time, or time.Now when the clock is live.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return time.Now()
	}
	return c.at
}

// Set fixes the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.at = t
	c.mu.Unlock()
}

// Live makes the clock follow time.Now again.
func (c *Clock) Live() { c.Set(time.Time{}) }

// Seed fills a freshly opened store with the default sample district.
func Seed(db *store.DB) error { return SeedWith(db, Options{}) }

// SeedWith fills a freshly opened store with a sample district of the
// given size.
func SeedWith(db *store.DB, opts Options) error {
	_, err := seed(db, opts)
	return err
}

// stats is what a seeding run did, for tests.
type stats struct {
	Fallbacks int // ticket actions the owner did because no district role could
	Skipped   int // work reports skipped because the assignee could not write them
}

// seeder carries one seeding run.
type seeder struct {
	ctx      context.Context
	db       *store.DB
	owner    domain.Service
	rng      *rand.Rand
	clock    *Clock
	now      time.Time
	org      domain.Organization
	sessions map[string]domain.Service
	users    map[string]domain.User // by username
	names    map[domain.ID]string   // username by ID
	people   []person
	build    map[string]domain.Building
	stats    stats
}

func seed(db *store.DB, opts Options) (_ stats, err error) {
	owner, err := db.Session(db.Owner())
	if err != nil {
		return stats{}, err
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	s := &seeder{ctx: ctx, db: db, owner: owner, rng: rand.New(rand.NewPCG(1, 2)), clock: opts.Clock,
		sessions: map[string]domain.Service{db.Owner(): owner},
		users:    map[string]domain.User{}, names: map[domain.ID]string{},
		build: map[string]domain.Building{}}
	if s.clock != nil {
		defer s.clock.Live()
	}
	// A thousand one-action transactions each wait for fsync; the demo file
	// is new and disposable, so sync once at the end instead (a crashed
	// process still leaves every commit in the page cache).
	if b := db.Bolt(); !b.NoSync {
		b.NoSync = true
		defer func() {
			b.NoSync = false
			if serr := b.Sync(); err == nil && serr != nil {
				err = fmt.Errorf("demo: syncing %s: %w", db.Path(), serr)
			}
		}()
	}
	s.now = time.Now().Truncate(time.Minute)
	if s.clock != nil {
		s.now = s.clock.Now().Truncate(time.Minute)
	}
	s.people = withExtraStaff(roster, opts.Users)
	tickets := opts.Tickets
	if tickets <= 0 {
		tickets = NumTickets
	}

	s.at(s.now.AddDate(0, 0, -HistoryDays-10))
	steps := []struct {
		what string
		do   func() error
	}{
		{"organization", s.organization},
		{"buildings", s.buildings},
		{"users", s.createUsers},
		{"memberships", s.memberships},
		{"auto-assign rules", s.rules},
		{"teams", s.teams},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			return s.stats, fmt.Errorf("demo %s: %w", st.what, err)
		}
	}
	if err := s.history(tickets); err != nil {
		return s.stats, err
	}
	s.at(s.now)
	if err := s.notices(); err != nil {
		return s.stats, fmt.Errorf("demo notices: %w", err)
	}
	return s.stats, nil
}

// at moves the clock, when there is one, so the store stamps records then.
func (s *seeder) at(t time.Time) {
	if s.clock != nil {
		s.clock.Set(t)
	}
}

// withExtraStaff appends generated staff until there are n people.
func withExtraStaff(base []person, n int) []person {
	out := slices.Clone(base)
	taken := map[string]bool{}
	for _, p := range out {
		taken[p.username()] = true
	}
	homes := []string{"EAST", "WEST", "NORTH", "SOUTH", "HIGH", "HIGH", "ADMIN"}
	for i := 0; len(out) < n; i++ {
		p := person{First: extraFirst[i%len(extraFirst)], Last: extraLast[(i/len(extraFirst)+i)%len(extraLast)],
			Role: roleStaff, Building: homes[i%len(homes)], Title: "Teacher"}
		base := p.username()
		for k := 2; taken[p.username()]; k++ {
			p.User = fmt.Sprintf("%s%d", base, k)
		}
		taken[p.username()] = true
		out = append(out, p)
	}
	return out
}

func (s *seeder) organization() error {
	o, err := s.owner.Organization(s.ctx)
	if err != nil {
		return err
	}
	var p domain.OrgPatch
	p.SetName(OrgName).SetTimeZone("America/Los_Angeles").SetPriorities(priorities).SetProblemTypes(problemTypes)
	if o.OverdueDays == 0 {
		p.SetOverdueDays(5)
	}
	if _, err := s.owner.UpdateOrganization(s.ctx, p); err != nil {
		return err
	}
	s.org, err = s.owner.Organization(s.ctx)
	return err
}

func (s *seeder) buildings() error {
	for _, b := range buildings {
		got, err := s.owner.CreateBuilding(s.ctx, domain.Building{Code: b.Code, Name: b.Name, Region: b.Region, Rooms: slices.Clone(b.Rooms)})
		if err != nil {
			return fmt.Errorf("%s: %w", b.Code, err)
		}
		s.build[b.Code] = got
	}
	return nil
}

// bossOf is the username a person reports to (R10: technicians → their
// coordinator → the district administrator; staff → their principal).
func (s *seeder) bossOf(p person) string {
	switch p.Role {
	case roleCoordinator, rolePrincipal:
		return s.first(func(q person) bool { return q.Role == roleDistrictAdmin })
	case roleTechnician:
		return s.first(func(q person) bool { return q.Role == roleCoordinator && q.Region == p.Region })
	case roleStaff:
		return s.first(func(q person) bool { return q.Role == rolePrincipal && q.Building == p.Building })
	}
	return ""
}

func (s *seeder) first(match func(person) bool) string {
	for _, q := range s.people {
		if match(q) {
			return q.username()
		}
	}
	return ""
}

func (s *seeder) createUsers() error {
	for i, p := range s.people {
		u := domain.User{Username: p.username(), First: p.First, Last: p.Last,
			Email: p.username() + "@" + EmailDomain, Phone: fmt.Sprintf("555-%04d", 100+i)}
		if p.Role == roleRestricted {
			u.Kind = domain.KindRestricted
		}
		if boss := s.bossOf(p); boss != "" {
			u.ReportsTo = s.users[boss].ID
		}
		if p.Role == rolePrincipal {
			u.Buildings = []domain.ID{s.build[p.Building].ID}
		}
		got, err := s.owner.CreateUser(s.ctx, u)
		if err != nil {
			return fmt.Errorf("%s: %w", u.Username, err)
		}
		s.users[got.Username] = got
		s.names[got.ID] = got.Username
	}
	return nil
}

// groupOf is the built-in group each role joins explicitly (R2: without one
// a user is inactive; the no-group user is left out on purpose).
var groupOf = map[role]string{
	roleDistrictAdmin: "District Administrator",
	roleCoordinator:   "Technical Coordinator",
	roleTechnician:    "Technicians",
	rolePrincipal:     "Building Administrator",
	roleStaff:         domain.GroupUsers,
	roleRestricted:    domain.GroupRestrictedUsers,
}

func (s *seeder) memberships() error {
	for _, p := range s.people {
		g, ok := groupOf[p.Role]
		if !ok {
			continue
		}
		reason := p.Title + ", " + s.build[p.Building].Name
		if err := s.owner.Join(s.ctx, p.username(), g, time.Time{}, reason); err != nil {
			return fmt.Errorf("%s joining %s: %w", p.username(), g, err)
		}
	}
	return nil
}

func (s *seeder) rules() error {
	for _, b := range buildings {
		for _, r := range b.Rules {
			if err := s.owner.AddRule(s.ctx, b.Code, r[0], r[1]); err != nil {
				return fmt.Errorf("%s %s → %s: %w", b.Code, r[0], r[1], err)
			}
		}
	}
	return nil
}

func (s *seeder) teams() error {
	for _, t := range teams {
		if _, err := s.owner.CreateTeam(s.ctx, domain.Team{Name: t.Name, Description: t.Description, Type: domain.TeamStandard}); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		for _, m := range t.Members {
			if err := s.owner.AddTeamMember(s.ctx, t.Name, m); err != nil {
				return fmt.Errorf("%s member %s: %w", t.Name, m, err)
			}
		}
	}
	return nil
}

func (s *seeder) notices() error {
	ids := map[string]domain.ID{}
	for _, t := range teams {
		info, _, err := s.owner.Team(s.ctx, t.Name)
		if err != nil {
			return err
		}
		ids[t.Name] = info.ID
	}
	y, m, d := s.now.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, s.now.Location())
	notices := []domain.Notice{
		{Title: "Network maintenance window Saturday", Description: "Core switches at HIGH and ADMIN are upgraded Saturday 6–10 am; expect Wi-Fi outages there.",
			URLTitle: "Maintenance calendar", URL: "https://status." + EmailDomain + "/maintenance",
			Start: day.AddDate(0, 0, -2), End: day.AddDate(0, 0, 5), Teams: []domain.ID{ids["Network Team"], ids["Help Desk"]}, Visible: true},
		{Title: "Chromebook rollout for grade 6", Description: "Image and tag the new carts at NORTH and SOUTH before they go to classrooms.",
			URLTitle: "Rollout checklist", URL: "https://wiki." + EmailDomain + "/chromebook-rollout",
			Start: day.AddDate(0, 0, -7), End: day.AddDate(0, 0, 14), Teams: []domain.ID{ids["Field Techs"]}, Visible: true},
	}
	for _, n := range notices {
		if _, err := s.owner.CreateNotice(s.ctx, n); err != nil {
			return fmt.Errorf("%s: %w", n.Title, err)
		}
	}
	return nil
}

// session returns (and keeps) the service bound to a user.
func (s *seeder) session(username string) (domain.Service, error) {
	if svc, ok := s.sessions[username]; ok {
		return svc, nil
	}
	svc, err := s.db.Session(username)
	if err != nil {
		return nil, err
	}
	s.sessions[username] = svc
	return svc, nil
}

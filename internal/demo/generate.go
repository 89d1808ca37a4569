package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// GenOptions size a generated district for `gatehouse demo`.
type GenOptions struct {
	Users   int       // people, at least 20
	Tickets int       // tickets over five years
	Now     time.Time // the end of the history; time.Now when zero
	Seed    uint64    // the random seed; the same seed gives the same file
}

// Generated reports what Generate made.
type Generated struct {
	Buildings, Users, Tickets, History, Work int
}

// Generate fills a new file with a district of o.Users people and o.Tickets
// tickets in every state over five years, with memberships, reports-to
// chains, teams, history and work reports. It writes through the store's
// bulk Loader (large transactions, one audit event) because a million
// tickets through one audited transaction each would take hours; the data
// still passes the domain's validation and the file's invariants.
func Generate(db *store.DB, o GenOptions) (Generated, error) {
	var g Generated
	if o.Users < 20 {
		return g, domain.Errorf(domain.EInvalid, "--users must be at least 20, not %d", o.Users)
	}
	if o.Tickets < 0 {
		return g, domain.Errorf(domain.EInvalid, "--tickets cannot be negative")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	rng := rand.New(rand.NewPCG(o.Seed, 7))
	err := db.Load(func(l *store.Loader) error {
		org := l.Org()
		org.Name, org.ProblemTypes, org.Priorities, org.TimeZone = OrgName, problemTypes, priorities, "America/Chicago"
		groups := map[string]domain.ID{}
		for _, n := range []string{"Users", "RestrictedUsers", "Technicians", "Technical Coordinator", "District Administrator", "Building Administrator"} {
			grp, err := l.Group(n)
			if err != nil {
				return err
			}
			groups[n] = grp.ID
		}
		// one building per 2,000 people (at least the six named ones), in five regions
		nb := max(len(buildings), o.Users/2000)
		type site struct {
			b      domain.Building
			region int
			techs  []domain.ID
			staff  []domain.ID
			head   domain.ID
		}
		sites := make([]*site, nb)
		for i := range sites {
			b := domain.Building{Region: "Region " + strconv.Itoa(i%5+1)}
			if i < len(buildings) {
				b.Code, b.Name = buildings[i].Code, buildings[i].Name
			} else {
				b.Code, b.Name = fmt.Sprintf("S%03d", i+1), fmt.Sprintf("School %d", i+1)
			}
			for r := 1; r <= 12; r++ {
				b.Rooms = append(b.Rooms, "Room "+strconv.Itoa(100+r))
			}
			if err := l.Building(&b); err != nil {
				return err
			}
			sites[i] = &site{b: b, region: i % 5}
		}
		g.Buildings = nb
		user := func(i int, kind domain.Kind, blds []domain.ID) (domain.ID, error) {
			first, last := extraFirst[i%len(extraFirst)], extraLast[(i/len(extraFirst))%len(extraLast)]
			u := domain.User{Username: strings.ToLower(first[:1]+last) + strconv.Itoa(i), First: first, Last: last,
				Kind: kind, Buildings: blds, Created: o.Now.AddDate(-5, 0, 0)}
			u.Email = u.Username + "@" + EmailDomain
			err := l.User(&u)
			return u.ID, err
		}
		i := 0
		next := func(kind domain.Kind, group string, blds []domain.ID) (domain.ID, error) {
			i++
			id, err := user(i, kind, blds)
			if err != nil {
				return 0, err
			}
			return id, l.Join(id, groups[group], time.Time{})
		}
		var admins, coords []domain.ID
		for range max(1, o.Users/10000) {
			id, err := next(domain.KindStandard, "District Administrator", nil)
			if err != nil {
				return err
			}
			admins = append(admins, id)
		}
		regionCoord := make([]domain.ID, 5)
		for r := range max(5, o.Users/2000) {
			id, err := next(domain.KindStandard, "Technical Coordinator", nil)
			if err != nil {
				return err
			}
			if err := l.SetReportsTo(id, admins[r%len(admins)]); err != nil {
				return err
			}
			coords = append(coords, id)
			if r < 5 {
				regionCoord[r] = id
			}
		}
		var techsByRegion [5][]domain.ID
		for t := range max(8, o.Users/50) {
			s := sites[t%nb]
			id, err := next(domain.KindStandard, "Technicians", nil)
			if err != nil {
				return err
			}
			if err := l.SetReportsTo(id, regionCoord[s.region]); err != nil {
				return err
			}
			s.techs = append(s.techs, id)
			techsByRegion[s.region] = append(techsByRegion[s.region], id)
		}
		for _, s := range sites {
			id, err := next(domain.KindStandard, "Building Administrator", []domain.ID{s.b.ID})
			if err != nil {
				return err
			}
			s.head = id
		}
		for i < o.Users {
			s := sites[i%nb]
			kind, group := domain.KindStandard, "Users"
			if i%100 == 0 {
				kind, group = domain.KindRestricted, "RestrictedUsers"
			}
			id, err := next(kind, group, nil)
			if err != nil {
				return err
			}
			s.staff = append(s.staff, id)
			if kind == domain.KindStandard && i%10 == 0 {
				if err := l.SetReportsTo(id, s.head); err != nil {
					return err
				}
			}
		}
		g.Users = i
		for r := range 5 {
			t := domain.Team{Name: fmt.Sprintf("Region %d Techs", r+1), Description: "Field technicians of region " + strconv.Itoa(r+1)}
			if err := l.Team(&t, techsByRegion[r]); err != nil {
				return err
			}
		}
		help := domain.Team{Name: "Help Desk", Description: "Coordinators who triage the queue"}
		if err := l.Team(&help, coords); err != nil {
			return err
		}
		// tickets in creation order over five years, so numbers follow time
		start := o.Now.AddDate(-5, 0, 0)
		span := o.Now.Sub(start)
		pw := make([]int, len(problems))
		for k, p := range problems {
			pw[k] = p.Weight
		}
		for k := range o.Tickets {
			created := start.Add(time.Duration(float64(span) * (float64(k) + rng.Float64()) / float64(o.Tickets)))
			s := sites[rng.IntN(nb)]
			pr := problems[weighted(rng, pw)]
			room := s.b.Rooms[rng.IntN(len(s.b.Rooms))]
			t := domain.Ticket{Title: strings.ReplaceAll(pick(rng, pr.Titles), "{room}", room), Description: pick(rng, pr.Details),
				ProblemType: pr.Type, CommonProblem: pr.Common, Priority: priorities[weighted(rng, []int{20, 55, 20, 5})],
				Building: s.b.ID, Room: room, Created: created, Updated: created, Status: domain.StatusNew}
			if len(s.staff) > 0 {
				t.Reporter = s.staff[rng.IntN(len(s.staff))]
			} else {
				t.Reporter = s.head
			}
			hist := []domain.HistoryEntry{{At: created, Actor: t.Reporter, Action: "report"}}
			var work []domain.WorkReport
			age := o.Now.Sub(created)
			// old tickets are almost all closed; recent ones are spread over the workflow
			st := domain.StatusClosed
			if age < 60*24*time.Hour || rng.IntN(100) < 2 {
				st = statusMix[weighted(rng, statusWeight)]
			}
			techs := s.techs
			if len(techs) == 0 {
				techs = techsByRegion[s.region]
			}
			at := created
			step := func(d time.Duration) time.Time {
				at = at.Add(time.Duration(rng.Int64N(int64(d))) + time.Minute)
				if at.After(o.Now) {
					at = o.Now
				}
				return at
			}
			if st != domain.StatusNew && len(techs) > 0 {
				t.Assignee = techs[rng.IntN(len(techs))]
				coord := regionCoord[s.region]
				hist = append(hist, domain.HistoryEntry{At: step(8 * time.Hour), Actor: coord, Action: "assign"})
				if st != domain.StatusAssigned {
					hist = append(hist, domain.HistoryEntry{At: step(24 * time.Hour), Actor: t.Assignee, Action: "start"})
					work = append(work, domain.WorkReport{Author: t.Assignee, Minutes: 10 + rng.IntN(110),
						Text: pick(rng, pr.Work), Created: step(48 * time.Hour)})
				}
				if st == domain.StatusClosed || st == domain.StatusReopened {
					hist = append(hist, domain.HistoryEntry{At: step(72 * time.Hour), Actor: t.Assignee, Action: "close"})
					t.Closed = at
				}
				if st == domain.StatusReopened {
					hist = append(hist, domain.HistoryEntry{At: step(96 * time.Hour), Actor: t.Reporter, Action: "reopen", Comment: "still happening"})
					t.Closed = time.Time{}
				}
			} else {
				st = domain.StatusNew
			}
			t.Status, t.Updated = st, at
			if err := l.Ticket(&t, hist, work); err != nil {
				return err
			}
			g.History += len(hist)
			g.Work += len(work)
		}
		g.Tickets = o.Tickets
		return nil
	})
	return g, err
}

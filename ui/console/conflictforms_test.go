package console

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// conflictCase is one screen's edit meeting a change su2 made meanwhile
// to the same field.
type conflictCase struct {
	name string
	// setup makes what the case edits; open opens its form in the console
	// (admin's; "wait:TEXT" waits for TEXT), theirs is su2's change, mine
	// types admin's and submits
	setup  func(t *testing.T, admin domain.Service)
	open   []string
	opened string // on screen once the form is open
	theirs func(t *testing.T, su2 domain.Service)
	mine   []string
	what   string // the conflict screen's record
	shows  string // its theirs line
	saved  string // the status line after keep mine
	check  func(t *testing.T, svc domain.Service)
}

func conflictCases() []conflictCase {
	str := func(s string) *string { return &s }
	return []conflictCase{{
		name: "group form",
		open: []string{"3", "g", "j", "j", "e"}, opened: "Edit group Helpdesk",
		theirs: func(t *testing.T, su2 domain.Service) {
			var p domain.GroupPatch
			p.SetDescription("Second line")
			_, err := su2.UpdateGroup(t.Context(), group(t, su2, "Helpdesk").ID, p, false)
			must(t, err)
		},
		mine: []string{"tab", "Front desk", "enter"}, shows: "theirs  Second line", what: "group Helpdesk", saved: "saved group Helpdesk",
		check: func(t *testing.T, svc domain.Service) {
			if d := group(t, svc, "Helpdesk").Description; d != "Front desk" {
				t.Errorf("description %q", d)
			}
		},
	}, {
		name: "user form",
		open: []string{"4", "g", "e"}, opened: "Edit user admin",
		theirs: func(t *testing.T, su2 domain.Service) {
			u, err := su2.User(t.Context(), "admin")
			must(t, err)
			var p domain.UserPatch
			p.SetFirst("Ada")
			_, err = su2.UpdateUser(t.Context(), u.ID, p)
			must(t, err)
		},
		mine: []string{"tab", "Adam", "enter"}, shows: "theirs  Ada", what: "user admin", saved: "saved user admin",
		check: func(t *testing.T, svc domain.Service) {
			if u, _ := svc.User(t.Context(), "admin"); u.First != "Adam" {
				t.Errorf("first name %q", u.First)
			}
		},
	}, {
		name: "my notifications",
		open: []string{"1", "m", "wait:My account · admin", "o"}, opened: "My notifications",
		theirs: func(t *testing.T, su2 domain.Service) {
			// su2 mutes "new" for admin and unmutes it: the field changed
			// since the form opened, back to the value it opened with
			u, err := su2.User(t.Context(), "admin")
			must(t, err)
			for _, on := range []bool{true, false} {
				var p domain.UserPatch
				p.Mute(domain.EventNew, on)
				_, err = su2.UpdateUser(t.Context(), u.ID, p)
				must(t, err)
			}
		},
		mine: []string{"space", "ctrl+s"}, shows: "theirs  no", what: "your notifications", saved: "you no longer get notifications for: new",
		check: func(t *testing.T, svc domain.Service) {
			if u, _ := svc.User(t.Context(), "admin"); !slices.Equal(u.Muted, []domain.Event{domain.EventNew}) {
				t.Errorf("muted %v", u.Muted)
			}
		},
	}, {
		name: "team",
		setup: func(t *testing.T, admin domain.Service) {
			_, err := admin.CreateTeam(t.Context(), domain.Team{Name: "Aardvarks", Description: "first"})
			must(t, err)
		},
		open: []string{"5", "/", "Aard", "enter", "g", "e"}, opened: "Edit team Aardvarks",
		theirs: func(t *testing.T, su2 domain.Service) {
			ti, _, err := su2.Team(t.Context(), "Aardvarks")
			must(t, err)
			var p domain.TeamPatch
			p.SetDescription("theirs")
			_, err = su2.UpdateTeam(t.Context(), ti.ID, p)
			must(t, err)
		},
		mine: []string{"tab", "mine", "enter"}, shows: "theirs  theirs", what: "team Aardvarks", saved: "saved team Aardvarks",
		check: func(t *testing.T, svc domain.Service) {
			if ti, _, _ := svc.Team(t.Context(), "Aardvarks"); ti.Description != "mine" {
				t.Errorf("description %q", ti.Description)
			}
		},
	}, {
		name: "building",
		open: []string{"6", "g", "e"}, opened: "Edit building EAST",
		theirs: func(t *testing.T, su2 domain.Service) {
			var p domain.BuildingPatch
			p.SetName("East Elementary (theirs)")
			_, err := su2.UpdateBuilding(t.Context(), building(t, su2, "EAST").ID, p)
			must(t, err)
		},
		mine: []string{"tab", "East Primary", "enter"}, shows: "theirs  East Elementary (theirs)", what: "building EAST", saved: "saved building EAST",
		check: func(t *testing.T, svc domain.Service) {
			if n := building(t, svc, "EAST").Name; n != "East Primary" {
				t.Errorf("name %q", n)
			}
		},
	}, {
		name: "notice",
		setup: func(t *testing.T, admin domain.Service) {
			ti, _, err := admin.Team(t.Context(), "Global")
			must(t, err)
			_, err = admin.CreateNotice(t.Context(), domain.Notice{Title: "Fire drill", Start: fixed, End: fixed.AddDate(0, 0, 7), Visible: true, Teams: []domain.ID{ti.ID}})
			must(t, err)
		},
		open: []string{":", "go notices", "enter", "wait:Team notices", "e"}, opened: "Edit notice Fire drill",
		theirs: func(t *testing.T, su2 domain.Service) {
			ns, err := su2.Notices(t.Context(), "")
			must(t, err)
			n := ns[0]
			n.Title = "Fire drill (theirs)"
			_, err = su2.UpdateNotice(t.Context(), n.ID, domain.DiffNotice(ns[0], n))
			must(t, err)
		},
		mine: []string{"Fire drill Friday", "enter"}, shows: "theirs  Fire drill (theirs)", what: "notice Fire drill", saved: "saved notice Fire drill Friday",
		check: func(t *testing.T, svc domain.Service) {
			if ns, _ := svc.Notices(t.Context(), ""); len(ns) != 1 || ns[0].Title != "Fire drill Friday" {
				t.Errorf("notices %+v", ns)
			}
		},
	}, {
		name: "scheduled task",
		setup: func(t *testing.T, admin domain.Service) {
			_, err := admin.CreateSchedule(t.Context(), domain.ScheduledTask{Title: "Check backups", Building: building(t, admin, "EAST").ID,
				Every: domain.Weekly, Interval: 1, NextRun: fixed.Add(24 * time.Hour), Enabled: true})
			must(t, err)
		},
		open: []string{":", "go scheduled tasks", "enter", "wait:Scheduled tasks: 1", "e"}, opened: "Edit scheduled task Check backups",
		theirs: func(t *testing.T, su2 domain.Service) {
			ts, err := su2.Schedules(t.Context())
			must(t, err)
			st := ts[0]
			st.Title = "Check backups (theirs)"
			_, err = su2.UpdateSchedule(t.Context(), st.ID, domain.DiffSchedule(ts[0], st))
			must(t, err)
		},
		mine: []string{"Check the backups", "enter"}, shows: "theirs  Check backups (theirs)", what: "scheduled task Check backups", saved: "saved scheduled task Check the backups",
		check: func(t *testing.T, svc domain.Service) {
			if ts, _ := svc.Schedules(t.Context()); len(ts) != 1 || ts[0].Title != "Check the backups" {
				t.Errorf("schedules %+v", ts)
			}
		},
	}, {
		name: "organization",
		open: []string{"9", "e"}, opened: "Organization settings",
		theirs: func(t *testing.T, su2 domain.Service) {
			var p domain.OrgPatch
			p.SetName("Theirs District")
			_, err := su2.UpdateOrganization(t.Context(), p)
			must(t, err)
		},
		mine: []string{"Riverside Unified", "enter"}, shows: "theirs  Theirs District", what: "the organization settings", saved: "saved organization settings",
		check: func(t *testing.T, svc domain.Service) {
			if o, _ := svc.Organization(t.Context()); o.Name != "Riverside Unified" {
				t.Errorf("organization %q", o.Name)
			}
		},
	}, {
		name: "email settings",
		open: []string{"9", "tab", "e"}, opened: "Email settings",
		theirs: func(t *testing.T, su2 domain.Service) {
			_, err := su2.UpdateMailSettings(t.Context(), domain.MailChange{Host: str("smtp.theirs.example")})
			must(t, err)
		},
		mine: []string{"smtp.mine.example", "enter"}, shows: "theirs  smtp.theirs.example", what: "the email settings", saved: "saved email settings",
		check: func(t *testing.T, svc domain.Service) {
			if m, _ := svc.MailSettings(t.Context()); m.Host != "smtp.mine.example" {
				t.Errorf("host %q", m.Host)
			}
		},
	}, {
		name: "ticket",
		setup: func(t *testing.T, admin domain.Service) {
			_, err := admin.CreateTicket(t.Context(), domain.NewTicket{Title: "Printer jammed", Building: "WEST", ProblemType: "Hardware"})
			must(t, err)
		},
		open: []string{"2", "g", "e"}, opened: "Edit T-000001",
		theirs: func(t *testing.T, su2 domain.Service) {
			must(t, su2.EditTicket(t.Context(), 1, domain.TicketChange{Title: str("Printer jammed (theirs)")}))
		},
		mine: []string{"Printer jammed on floor 2", "enter"}, shows: "theirs  Printer jammed (theirs)", what: "T-000001", saved: "saved T-000001",
		check: func(t *testing.T, svc domain.Service) {
			if tk, _ := svc.Ticket(t.Context(), 1); tk.Title != "Printer jammed on floor 2" {
				t.Errorf("title %q", tk.Title)
			}
		},
	}}
}

func building(t *testing.T, svc domain.Service, code string) domain.Building {
	t.Helper()
	bs, err := svc.Buildings(t.Context(), "")
	must(t, err)
	for _, b := range bs {
		if b.Code == code {
			return b
		}
	}
	t.Fatalf("no building %s", code)
	return domain.Building{}
}

// Every form that edits a stored record keeps the version it opened: a
// field su2 changed meanwhile that the form changes too opens the conflict
// screen instead of overwriting it, and keep mine saves on top.
func TestConflictOnEveryForm(t *testing.T) {
	for _, c := range conflictCases() {
		t.Run(c.name, func(t *testing.T) {
			db, su2 := twoAdmins(t)
			if c.setup != nil {
				c.setup(t, session(t, db, "admin"))
			}
			d := start(t, db, "admin", 120, 40)
			for _, k := range c.open {
				if w, ok := strings.CutPrefix(k, "wait:"); ok {
					d.waitFor(w)
				} else {
					d.keys(k)
				}
			}
			d.waitFor(c.opened)
			c.theirs(t, su2)
			d.keys(c.mine...)
			s := d.waitFor("Conflict · " + c.what)
			if !strings.Contains(s, c.shows+"  su2 · 2026-03-02 09:00") {
				t.Errorf("the conflict screen lacks su2's value:\n%s", s)
			}
			d.keys("m", "ctrl+s")
			d.waitFor(c.saved)
			c.check(t, su2)
		})
	}
}

// armedLists is the real service whose team list and ticket queue wait on
// a valve: a list that has not been read again after a save.
type armedLists struct {
	domain.Service
	v *valve
}

func (b armedLists) Teams(ctx context.Context, search string) ([]domain.TeamInfo, error) {
	if err := b.v.wait(ctx); err != nil {
		return nil, err
	}
	return b.Service.Teams(ctx, search)
}

func (b armedLists) Tickets(ctx context.Context, q domain.TicketQuery) (domain.TicketPage, error) {
	if err := b.v.wait(ctx); err != nil {
		return domain.TicketPage{}, err
	}
	return b.Service.Tickets(ctx, q)
}

// A save's returned record is the next edit's base at once, before the
// list behind the form is read again: editing the same field again right
// after is not a conflict with oneself. The lists' reads hang after the
// first save, so the second edit opens on what the first save returned.
func TestSecondSaveRightAfterIsNoConflict(t *testing.T) {
	for _, c := range []struct {
		name        string
		open, first []string
		opened      string
		saved       string
		second      []string
		saved2      string
	}{
		{"team", []string{"5", "/", "Aard", "enter", "g", "e"}, []string{"tab", "one", "enter"}, "Edit team Aardvarks", "saved team Aardvarks",
			[]string{"e", "tab", "two", "enter"}, "saved team Aardvarks"},
		{"ticket", []string{"2", "g", "e"}, []string{"Printer jammed again", "enter"}, "Edit T-000001", "saved T-000001",
			[]string{"e", "Printer jammed once more", "enter"}, "saved T-000001"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, _ := twoAdmins(t)
			admin := session(t, db, "admin")
			_, err := admin.CreateTeam(t.Context(), domain.Team{Name: "Aardvarks", Description: "first"})
			must(t, err)
			_, err = admin.CreateTicket(t.Context(), domain.NewTicket{Title: "Printer jammed", Building: "WEST", ProblemType: "Hardware"})
			must(t, err)
			v := newValve(t, false)
			d := startWith(t, Config{Service: armedLists{Service: admin, v: v}, Feed: db, Now: fixedNow, NoColor: true}, 120, 40)
			d.keys(c.open...)
			d.waitFor(c.opened)
			v.armed.Store(true) // from here the list is not read again
			d.send(c.first...)
			d.frameWith(c.saved)
			d.send(c.second...)
			s := d.frameWith(c.saved2)
			if strings.Contains(s, "Conflict") || strings.Contains(s, "✗") {
				t.Fatalf("the second save conflicted with the first:\n%s", s)
			}
		})
	}
}

// send types keys without waiting for loads (the driver's keys would,
// for 5s each): a named key, or text rune by rune.
func (d *driver) send(ks ...string) {
	for _, k := range ks {
		if m, ok := named[k]; ok {
			d.tm.Send(m)
		} else {
			d.tm.Type(k)
		}
	}
}

// A form whose record someone changed meanwhile in other fields saves on
// top: the other change stays (the form's stale copy of it is not sent)
// and the status line names who made it and when.
func TestFormSavesOnTopOfOtherFields(t *testing.T) {
	for _, c := range []struct {
		name         string
		open, mine   []string
		opened, note string
		theirs       func(t *testing.T, su2 domain.Service)
		check        func(t *testing.T, svc domain.Service)
	}{
		{"user form", []string{"4", "g", "e"}, []string{"tab", "Adam", "enter"}, "Edit user admin",
			"admin was changed by su2 at 2026-03-02 09:00; your changes were applied on top",
			func(t *testing.T, su2 domain.Service) {
				u, err := su2.User(t.Context(), "admin")
				must(t, err)
				var p domain.UserPatch
				p.SetLast("Ministrator").SetStartScreen("tickets")
				_, err = su2.UpdateUser(t.Context(), u.ID, p)
				must(t, err)
			},
			func(t *testing.T, svc domain.Service) {
				u, err := svc.User(t.Context(), "admin")
				must(t, err)
				if u.First != "Adam" || u.Last != "Ministrator" || u.StartScreen != "tickets" {
					t.Errorf("admin is %q %q, start %q", u.First, u.Last, u.StartScreen)
				}
			}},
		{"organization", []string{"9", "e"}, []string{"Riverside Unified", "enter"}, "Organization settings",
			"The organization was changed by su2 at 2026-03-02 09:00; your changes were applied on top",
			func(t *testing.T, su2 domain.Service) {
				var p domain.OrgPatch
				p.SetTicketPrefix("RU").SetOverdueDays(9)
				_, err := su2.UpdateOrganization(t.Context(), p)
				must(t, err)
			},
			func(t *testing.T, svc domain.Service) {
				o, err := svc.Organization(t.Context())
				must(t, err)
				if o.Name != "Riverside Unified" || o.TicketPrefix != "RU" || o.OverdueDays != 9 {
					t.Errorf("organization %q, prefix %q, overdue %d", o.Name, o.TicketPrefix, o.OverdueDays)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, su2 := twoAdmins(t)
			d := start(t, db, "admin", 120, 40)
			d.keys(c.open...)
			d.waitFor(c.opened)
			c.theirs(t, su2)
			d.keys(c.mine...)
			d.waitFor(c.note)
			c.check(t, su2)
		})
	}
}

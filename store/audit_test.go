package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// auditOf lists the whole trail as svc sees it.
func auditOf(t *testing.T, svc domain.Service) []domain.AuditEvent {
	t.Helper()
	evs, err := svc.Audit(t.Context(), domain.AuditQuery{})
	must(t, err)
	return evs
}

// mentions reports the events that name s anywhere.
func mentions(evs []domain.AuditEvent, s string) []domain.AuditEvent {
	var out []domain.AuditEvent
	for _, ev := range evs {
		if strings.Contains(ev.Name+" "+ev.Before+" "+ev.After, s) {
			out = append(out, ev)
		}
	}
	return out
}

// aboutUser reports the user, membership and sign-in events about id.
func aboutUser(evs []domain.AuditEvent, id domain.ID) []domain.AuditEvent {
	var out []domain.AuditEvent
	for _, ev := range evs {
		if (ev.Entity == "user" || ev.Entity == "membership" || ev.Entity == "session") && ev.EntityID == id {
			out = append(out, ev)
		}
	}
	return out
}

func historyWith(t *testing.T, d *district, name string, levels domain.ModuleLevels) domain.Service {
	t.Helper()
	return userWith(t, d, name, domain.Group{Flags: domain.FlagSetOf(domain.History), Levels: levels})
}

// History alone opens the trail, but an event about a ticket shows only to
// those who may see the ticket (R11): its title, thread names and posts
// are the ticket's.
func TestR11_AuditShowsTicketEventsOnlyToThoseWhoSeeTheTicket(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.StartThread(t.Context(), d.east, "Secret plan", "first post")
	must(t, err)
	h := historyWith(t, d, "historian", domain.ModuleLevels{})
	evs := auditOf(t, h)
	for _, ev := range evs {
		if ev.Entity == "ticket" && ev.EntityID != 0 {
			t.Fatalf("historian sees an event about a ticket they cannot see: %+v", ev)
		}
	}
	if m := mentions(evs, "Secret plan"); len(m) > 0 {
		t.Fatalf("thread title leaks: %+v", m)
	}
	if len(mentions(evs, "EAST")) == 0 {
		t.Fatal("building events, which History covers, are hidden too")
	}
	// staff reported both tickets: with History they see their events
	must(t, d.admin.Join(t.Context(), "staff", "G-historian", time.Time{}, ""))
	if m := mentions(auditOf(t, as(t, d.db, "staff")), "Secret plan"); len(m) != 1 || m[0].EntityID != domain.ID(d.east) {
		t.Fatalf("staff sees %+v", m)
	}
}

// A deleted ticket can be seen by nobody: its events stay with those who
// see every record.
func TestR11_AuditOfADeletedTicketShowsOnlyToThoseWhoSeeEverything(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.Close(t.Context(), d.west, "done"))
	must(t, d.admin.DeleteTicket(t.Context(), d.west))
	historyWith(t, d, "historian", domain.ModuleLevels{})
	must(t, d.admin.Join(t.Context(), "staff", "G-historian", time.Time{}, ""))
	if m := mentions(auditOf(t, as(t, d.db, "staff")), "No Wi-Fi"); len(m) != 0 {
		t.Fatalf("the reporter still sees the deleted ticket's title: %+v", m)
	}
	if m := mentions(auditOf(t, d.admin), "No Wi-Fi"); len(m) == 0 {
		t.Fatal("the administrator lost the deleted ticket's events")
	}
}

// Events about users carry emails and memberships: they show to those who
// may view the user (Manage Users view; Manage Technicians view for
// technicians), and one's own.
func TestAudit_UserEventsShowOnlyToThoseWhoMayViewTheUser(t *testing.T) {
	d := newDistrict(t)
	principal, _ := d.admin.User(t.Context(), "principal")
	tech, _ := d.admin.User(t.Context(), "tech")

	h := historyWith(t, d, "historian", domain.ModuleLevels{})
	evs := auditOf(t, h)
	if m := mentions(evs, "pat@example.org"); len(m) != 0 {
		t.Fatalf("historian sees principal's email: %+v", m)
	}
	if m := aboutUser(evs, principal.ID); len(m) != 0 {
		t.Fatalf("historian sees events about principal: %+v", m)
	}
	me, _ := d.admin.User(t.Context(), "historian")
	if len(aboutUser(evs, me.ID)) == 0 {
		t.Fatal("historian does not see events about themselves")
	}

	ht := historyWith(t, d, "htech", domain.ModuleLevels{domain.ModTechnicians: domain.LevelView})
	evs = auditOf(t, ht)
	if len(aboutUser(evs, tech.ID)) == 0 || len(aboutUser(evs, principal.ID)) != 0 {
		t.Fatal("Manage Technicians view shows technicians' events, and only theirs")
	}

	hu := historyWith(t, d, "husers", domain.ModuleLevels{domain.ModUsers: domain.LevelView})
	if len(mentions(auditOf(t, hu), "pat@example.org")) == 0 {
		t.Fatal("Manage Users view does not show events about users")
	}
}

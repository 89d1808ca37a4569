package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// TestOptOut_MutedUserGetsNoMessageOthersStillDo: a user who opted out of
// an event their group subscribes them to gets no message for it, the
// other members of the group still do, and the opt-out is audited.
func TestOptOut_MutedUserGetsNoMessageOthersStillDo(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.CreateGroup(t.Context(), domain.Group{Name: "Watchers", Flags: domain.FlagSetOf(domain.VisibilityOverride),
		Notify: domain.Notify{Events: []domain.Event{domain.EventNew, domain.EventClosed}}}, true)
	must(t, err)
	for _, u := range []string{"ann", "bob"} {
		_, err := d.admin.CreateUser(t.Context(), domain.User{Username: u})
		must(t, err)
		must(t, d.admin.Join(t.Context(), u, "Watchers", time.Time{}, ""))
	}
	// bob opts out himself: no Edit Own User Account needed for this
	g, err := domain.ParseGrant("account.edit-own")
	must(t, err)
	_, err = d.admin.RevokeGroup(t.Context(), "Users", []domain.Grant{g})
	must(t, err)
	bob := as(t, d.db, "bob")
	info, err := bob.User(t.Context(), "bob")
	must(t, err)
	info.Muted = []domain.Event{domain.EventNew}
	_, err = bob.UpdateUser(t.Context(), info.User.ID, wholeUser(info.User))
	must(t, err)

	tk, err := as(t, d.db, "staff").CreateTicket(t.Context(), domain.NewTicket{Title: "Leak", Building: "WEST"})
	must(t, err)
	to := strings.Join(outboxTo(t, d, tk.Number, domain.EventNew), ",")
	if !strings.Contains(to, "ann") || strings.Contains(to, "bob") {
		t.Fatalf("new-ticket messages went to %q: want ann and not bob", to)
	}
	evs, err := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "user"})
	must(t, err)
	found := false
	for _, e := range evs {
		if e.Name == "bob" && e.Action == "update" && e.ChangeText() == "muted: +new" {
			found = true
		}
	}
	if !found {
		t.Error("the opt-out left no audit event naming muted=new")
	}
}

// TestOptOut_RefusesUnknownEvent: only events a group can subscribe to
// can be muted (a patch names each of them as a field); anything else is
// refused naming it where it is read.
func TestOptOut_RefusesUnknownEvent(t *testing.T) {
	if _, err := domain.ParseEvents("new,lunch"); err == nil || !strings.Contains(err.Error(), `"lunch"`) {
		t.Fatalf("unknown event: err %v, want it named", err)
	}
}

// TestOptOut_SomeoneElsesNeedsTheRightsToChangeThem: staff (no Manage
// Users) cannot mute tech's notifications.
func TestOptOut_SomeoneElsesNeedsTheRightsToChangeThem(t *testing.T) {
	d := newDistrict(t)
	staff := as(t, d.db, "staff")
	info, err := staff.User(t.Context(), "tech")
	if err != nil {
		info, err = d.admin.User(t.Context(), "tech")
		must(t, err)
	}
	info.Muted = []domain.Event{domain.EventNew}
	if _, err := staff.UpdateUser(t.Context(), info.User.ID, wholeUser(info.User)); err == nil {
		t.Fatal("staff muted tech's notifications")
	}
	got, err := d.admin.User(t.Context(), "tech")
	must(t, err)
	if len(got.Muted) != 0 {
		t.Fatalf("tech muted %v after a refused change", got.Muted)
	}
}

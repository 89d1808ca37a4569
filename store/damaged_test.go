package store_test

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"

	bolt "go.etcd.io/bbolt"
)

// TestDamagedRecordIsAnErrorNamingIt: a record that fails to decode is an
// error naming the entity and its key (store.ErrDamaged), never "not
// found" and never silently skipped.
func TestDamagedRecordIsAnErrorNamingIt(t *testing.T) {
	d := newDistrict(t)
	ng, err := d.admin.User(t.Context(), "nogroup")
	must(t, err)
	tech, err := d.admin.User(t.Context(), "tech")
	must(t, err)
	ms, err := d.admin.Memberships(t.Context(), "tech")
	must(t, err)
	var techGroup domain.ID
	for _, m := range ms {
		if m.GroupName == "Technicians" {
			techGroup = m.GroupID
		}
	}
	be := func(ids ...uint64) []byte {
		var b []byte
		for _, id := range ids {
			b = binary.BigEndian.AppendUint64(b, id)
		}
		return b
	}
	garbage := []byte{0xff, 'n', 'o', 't', ' ', 'a', ' ', 'r', 'e', 'c', 'o', 'r', 'd'}
	must(t, d.db.Bolt().Update(func(tx *bolt.Tx) error {
		for bucket, k := range map[string][]byte{
			"users":   be(ng.User.ID),
			"tickets": be(uint64(d.west)),
			"members": be(tech.User.ID, techGroup),
		} {
			if err := tx.Bucket([]byte(bucket)).Put(k, garbage); err != nil {
				return err
			}
		}
		return nil
	}))
	check := func(what string, err error, want string) {
		t.Helper()
		if !errors.Is(err, store.ErrDamaged) || domain.ErrorCode(err) == domain.ENotFound ||
			!strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "not found") {
			t.Errorf("%s: got %v, want a damaged error naming %q", what, err, want)
		}
	}
	_, err = d.admin.User(t.Context(), "nogroup")
	check("user", err, "user #"+itoa(ng.User.ID)+": record damaged")
	_, err = d.admin.Ticket(t.Context(), d.west)
	check("ticket", err, "ticket #"+itoa(uint64(d.west))+": record damaged")
	_, err = d.admin.GroupMembers(t.Context(), "Technicians")
	check("membership", err, "membership of user #"+itoa(tech.User.ID))
	_, err = d.admin.Tickets(t.Context(), domain.TicketQuery{})
	check("ticket list", err, "ticket #"+itoa(uint64(d.west))+": record damaged")
	// the undamaged records still read
	if _, err := d.admin.Ticket(t.Context(), d.east); err != nil {
		t.Errorf("undamaged ticket: %v", err)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// TestFarFutureDatesAreFieldErrors: a date such as 9999-12-31 is refused
// with the field's name, before it reaches the encoder.
func TestFarFutureDatesAreFieldErrors(t *testing.T) {
	d := newDistrict(t)
	now := time.Now()
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	cases := map[string]error{
		"expiry (--until)": d.admin.Join(t.Context(), "staff", "Technicians", far, ""),
	}
	_, cases["end date"] = d.admin.CreateNotice(t.Context(), domain.Notice{Title: "Far", Start: now, End: far, Teams: []domain.ID{1}, Visible: true})
	_, cases["first run date"] = d.admin.CreateSchedule(t.Context(), domain.ScheduledTask{Title: "Far", Building: d.eastB.ID, Every: domain.Weekly,
		Interval: 1, NextRun: far, Enabled: true})
	for field, err := range cases {
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), field+" is out of range") {
			t.Errorf("%s: got %v", field, err)
		}
	}
}

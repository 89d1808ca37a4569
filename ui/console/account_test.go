package console

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"gatehouse/domain"
)

// My account, reached with m from Home: space turns a notification event
// off (saved through the store, audited there) and back on; the screen and
// its footer show the state at 80x24 and 120x40.
func TestAccountScreenGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openStore(t)
		d := startWith(t, Config{Service: session(t, db, "alice"), Feed: db, Now: fixedNow, NoColor: true,
			ChangePassword: db.ChangePassword}, w, h)
		d.keys("1", "m")
		d.waitFor("My account: alice")
		d.keys("j", "j", "j", "space")
		d.waitFor("no longer get notifications when a ticket is closed")
		d.waitFor("[ ] off  closed")
		d.golden()
		info, err := session(t, db, "admin").User(t.Context(), "alice")
		must(t, err)
		if !slices.Equal(info.Muted, []domain.Event{domain.EventClosed}) {
			t.Fatalf("alice muted %v, want [closed]", info.Muted)
		}
		d.keys("space")
		d.waitFor("you get notifications again when a ticket is closed")
		info, err = session(t, db, "admin").User(t.Context(), "alice")
		must(t, err)
		if len(info.Muted) != 0 {
			t.Fatalf("alice still muted %v", info.Muted)
		}
	})
}

// The change-password form, masked, at 80x24 and 120x40.
func TestAccountPasswordFormGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openStore(t)
		d := startWith(t, Config{Service: session(t, db, "alice"), Feed: db, Now: fixedNow, NoColor: true,
			ChangePassword: db.ChangePassword}, w, h)
		d.keys("1", "m")
		d.waitFor("My account: alice")
		d.keys("P", "secret-1", "tab", "x")
		d.waitFor("Change your password")
		d.golden()
	})
}

// P opens the change-password form: the fields are masked, a mismatched
// confirmation is refused beside the field, a wrong current password is
// refused by the store, and the right one changes the password.
func TestAccountChangePassword(t *testing.T) {
	db := openStore(t)
	must(t, session(t, db, "admin").SetPassword(t.Context(), "alice", "Temp-Pass-1"))
	d := startWith(t, Config{Service: session(t, db, "alice"), Feed: db, Now: fixedNow, NoColor: true,
		ChangePassword: db.ChangePassword}, 80, 24)
	d.keys("1", "m")
	d.waitFor("My account: alice")
	d.keys("P", "Temp-Pass-1", "tab", "New-Pass-22", "tab", "New-Pass-2X", "ctrl+s")
	s := d.waitFor("the two new passwords differ")
	if strings.Contains(s, "Temp-Pass-1") || strings.Contains(s, "New-Pass") {
		t.Fatalf("a password shows on screen:\n%s", s)
	}
	d.keys("backspace", "backspace", "22", "ctrl+s")
	d.waitFor("changed your password")
	if _, err := db.AuthenticatePassword("alice", "New-Pass-22"); err != nil {
		t.Fatalf("the new password does not work: %v", err)
	}
	d.keys("P", "wrong-pass-0", "tab", "Other-Pass-3", "tab", "Other-Pass-3", "ctrl+s")
	d.waitFor("wrong password for alice")
	if _, err := db.AuthenticatePassword("alice", "Other-Pass-3"); err == nil || errors.Is(err, domain.ErrMustChangePassword) {
		t.Fatalf("a wrong current password changed it: %v", err)
	}
}

// The new-user form takes a password and its confirmation, masked: a
// mismatch is refused beside the field and creates nobody; a match creates
// the user with that (temporary) password.
func TestUserFormSetsPassword(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 80, 24)
	d.keys("4")
	d.waitFor("alice")
	d.keys("n", "erin")
	for range ufPassword {
		d.keys("tab")
	}
	d.keys("Erin-Pass-1", "tab", "Erin-Pass-X", "ctrl+s")
	s := d.waitFor("the two passwords differ")
	if strings.Contains(s, "Erin-Pass") {
		t.Fatalf("the password shows on screen:\n%s", s)
	}
	if _, err := session(t, db, "admin").User(t.Context(), "erin"); err == nil {
		t.Fatal("a refused password still created erin")
	}
	d.keys("backspace", "1", "ctrl+s")
	d.waitFor("saved user erin with a temporary password")
	must(t, session(t, db, "admin").Join(t.Context(), "erin", "Users", fixed.AddDate(0, 0, 1), ""))
	if _, err := db.AuthenticatePassword("erin", "Erin-Pass-1"); !errors.Is(err, domain.ErrMustChangePassword) {
		t.Fatalf("erin's password from the form: %v", err)
	}
}

package console

import (
	"slices"
	"testing"

	"gatehouse/domain"
)

// My account, reached with m from Home: o opens the notification opt-outs
// (ticked = still notified); unticking closed and saving stores it on the
// user (the store audits it) and the screen says what is off; ticking it
// again restores it. Both the form and the screen at 80x24 and 120x40.
func TestAccountNotificationsGolden(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openStore(t)
		d := start(t, db, "alice", w, h)
		d.keys("1", "m")
		d.waitFor("My account · alice")
		d.keys("o", "tab", "tab", "tab", "space")
		d.waitFor("My notifications")
		goldenIn(t, d, "form")
		d.keys("ctrl+s")
		d.waitFor("you no longer get notifications for: closed")
		d.waitFor("Notifications: off for closed")
		goldenIn(t, d, "screen")
		info, err := session(t, db, "admin").User(t.Context(), "alice")
		must(t, err)
		if !slices.Equal(info.Muted, []domain.Event{domain.EventClosed}) {
			t.Fatalf("alice muted %v, want [closed]", info.Muted)
		}
		d.keys("o", "tab", "tab", "tab", "space", "ctrl+s")
		d.waitFor("you get every notification your groups subscribe you to")
		info, err = session(t, db, "admin").User(t.Context(), "alice")
		must(t, err)
		if len(info.Muted) != 0 {
			t.Fatalf("alice still muted %v", info.Muted)
		}
	})
}

// goldenIn compares the screen with the golden of subtest name, so one run
// can check several screens.
func goldenIn(t *testing.T, d *driver, name string) {
	t.Run(name, func(t *testing.T) {
		outer := d.t
		d.t = t
		defer func() { d.t = outer }()
		d.golden()
	})
}

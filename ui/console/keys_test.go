package console

import (
	"strings"
	"testing"

	"gatehouse/keymap"
)

// A keymap file's keys work and are the ones the footer and the help
// overlay show (k9s #625, lazygit #557).
func TestRemappedKeysGolden(t *testing.T) {
	km, err := keymap.Parse(strings.NewReader("[list]\nnew = \"a\"\nedit = [\"E\", \"f2\"]\n"), "keys.toml")
	must(t, err)
	eachSize(t, func(t *testing.T, w, h int) {
		db := openStore(t)
		d := startWith(t, Config{Service: session(t, db, "admin"), Feed: db, Now: fixedNow, NoColor: true, Keys: &km}, w, h)
		d.keys("4")
		s := d.waitFor("alice")
		if !strings.Contains(s, "a new") || strings.Contains(s, "n new") {
			t.Fatalf("the footer does not show the remapped new key:\n%s", s)
		}
		d.golden()
		d.keys("?")
		if s := d.waitFor("help"); !strings.Contains(s, "E/f2") {
			t.Errorf("the help overlay lacks the remapped edit keys:\n%s", s)
		}
		d.keys("esc", "n")
		if s := d.screen(); strings.Contains(s, "New user") {
			t.Fatalf("n still opens the new-user form:\n%s", s)
		}
		d.keys("a")
		d.waitFor("New user")
	})
}

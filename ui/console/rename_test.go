package console

import (
	"strings"
	"testing"
)

// Saving a changed username asks first, naming the old and the new login;
// n goes back to the form with what was typed, y renames.
func TestRenameLoginAsksFirst(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		db := openStore(t)
		d := start(t, db, "admin", w, h)
		d.keys("4", "g", "j", "e")
		d.waitFor("Edit user alice")
		d.keys("alice2", "enter")
		s := d.waitFor("Rename the login alice to alice2?")
		if !strings.Contains(s, "They sign in (SSH, mail) with the") {
			t.Fatalf("the question does not say what the login is for:\n%s", s)
		}
		goldenIn(t, d, "question")
		d.keys("n")
		s = d.waitFor("Edit user alice")
		if !strings.Contains(s, "alice2") {
			t.Fatalf("n lost the typed username:\n%s", s)
		}
		if _, err := session(t, db, "admin").User(t.Context(), "alice2"); err == nil {
			t.Fatal("n renamed the login")
		}
		d.keys("enter")
		d.waitFor("Rename the login alice to alice2?")
		d.keys("y")
		d.waitFor("saved user alice2")
		admin := session(t, db, "admin")
		if _, err := admin.User(t.Context(), "alice2"); err != nil {
			t.Fatalf("y did not rename: %v", err)
		}
		if _, err := admin.User(t.Context(), "alice"); err == nil {
			t.Fatal("the old login still exists")
		}
	})
}

// A user form that keeps the login saves without the question.
func TestEditUserWithoutRenameDoesNotAsk(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("4", "g", "j", "e")
	d.waitFor("Edit user alice")
	d.keys("tab", "Alicia", "enter")
	s := d.waitFor("saved user alice")
	if strings.Contains(s, "Rename the login") {
		t.Fatalf("asked about a rename that is not one:\n%s", s)
	}
}

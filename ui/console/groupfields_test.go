package console

import (
	"strings"
	"testing"

	"gatehouse/domain"
)

// The Fields tab of a group edits its field visibility in the draft and
// ctrl+s saves it: the store then withholds the field from the group.
func TestGroupFieldsTabSavesFieldVisibility(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	openPrincipals(d)
	d.keys("tab", "tab", "tab", "tab")
	d.waitFor("[Fields]")
	d.keys("j", "space") // Room, View
	if s := d.screen(); !strings.Contains(s, "unsaved (ctrl+s)") {
		t.Fatalf("the toggle did not change the draft:\n%s", s)
	}
	if group(t, session(t, db, "admin"), "Principals").Fields.Withholds(domain.FieldRoom, domain.RightView) {
		t.Fatal("the store changed before ctrl+s")
	}
	d.keys("ctrl+s")
	d.waitFor("saved group Principals")
	g := group(t, session(t, db, "admin"), "Principals")
	if !g.Fields.Withholds(domain.FieldRoom, domain.RightView) || g.Fields.Withholds(domain.FieldRoom, domain.RightEdit) {
		t.Fatalf("stored rules %v", g.Fields)
	}
}

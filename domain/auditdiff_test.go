package domain

import (
	"slices"
	"testing"
)

func TestChangeDiffNamesWhatWasAddedAndRemoved(t *testing.T) {
	before := `flags=account.edit-own,ticket.close,ticket.view levels=technicians:view,users:view building_admin`
	after := `flags=account.edit-own,ticket.view levels=technicians:edit,users:view name="Help Desk"`
	if a, r := ChangeDiff(`flags=a levels=`, `flags=a levels=users:edit`); !slices.Equal(a, []string{"users:edit"}) || len(r) != 0 {
		t.Fatalf("one-item lists: +%q -%q", a, r)
	}
	added, removed := ChangeDiff(before, after)
	if !slices.Equal(added, []string{"technicians:edit", `name="Help Desk"`}) {
		t.Fatalf("added %q", added)
	}
	if !slices.Equal(removed, []string{"ticket.close", "technicians:view", "building_admin"}) {
		t.Fatalf("removed %q", removed)
	}
	added, removed = ChangeDiff(`bob name="Bob Brown" regions=North,South`, `bob name="Bob Brown" regions=South`)
	if len(added) != 0 || !slices.Equal(removed, []string{"regions=North"}) {
		t.Fatalf("regions: +%q -%q", added, removed)
	}
}

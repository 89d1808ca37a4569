package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// fieldUser is a user whose one group sees every ticket and may view,
// edit, query, write work reports and comment; rules are then set on it.
func fieldUser(t *testing.T, d *district, name string) domain.Service {
	t.Helper()
	var g domain.Group
	for _, f := range []domain.Flag{domain.TicketView, domain.TicketEdit, domain.TicketHistory, domain.QueryRun, domain.WorkWrite,
		domain.WorkEdit, domain.TaskAll, domain.TicketAssignee, domain.TicketUserInfo, domain.VisibilityOverride, domain.TicketReport} {
		g.Flags.Add(f)
	}
	return userWith(t, d, name, g)
}

// setFields gives group G exactly the rights named on each field.
func setFields(t *testing.T, s domain.Service, group string, rights map[domain.TicketField]string) error {
	t.Helper()
	g, err := s.Group(t.Context(), group)
	must(t, err)
	var p domain.GroupPatch
	for f, r := range rights {
		rs, err := domain.ParseFieldRights(r)
		must(t, err)
		p.SetFieldRights(f, rs)
	}
	_, err = s.UpdateGroup(t.Context(), g.ID, p, true)
	return err
}

// Field visibility is enforced in the store: a field the actor's groups
// withhold from view reads blank (and is listed as hidden) in the detail
// and in lists; an edit of a field withheld from edit is refused naming
// it, as is a comment or work minutes; a query on a field withheld from
// query is refused, and free text does not search a withheld description.
func TestFieldVisibilityIsEnforcedInTheStore(t *testing.T) {
	d := newDistrict(t)
	vf := fieldUser(t, d, "vf")
	must(t, d.admin.Assign(t.Context(), d.east, "vf", ""))
	must(t, vf.Start(t.Context(), d.east, ""))
	_, err := vf.AddWork(t.Context(), d.east, 30, "swapped the lamp")
	must(t, err)
	burnt := "the lamp smells burnt"
	must(t, d.admin.EditTicket(t.Context(), d.east, domain.TicketChange{Description: &burnt}))
	// every standard user is in Users too (R1): it withholds the same
	rules := map[domain.TicketField]string{
		domain.FieldRoom:            "edit,query,email",
		domain.FieldDescription:     "view,query,email",
		domain.FieldPriority:        "view,edit,email",
		domain.FieldWorkMinutes:     "none",
		domain.FieldHistoryComments: "view,query,email",
	}
	must(t, setFields(t, d.admin, "G-vf", rules))
	must(t, setFields(t, d.admin, "Users", rules))

	det, err := vf.Ticket(t.Context(), d.east)
	must(t, err)
	if det.Room != "" || det.Title != "Projector dead" {
		t.Fatalf("room %q title %q", det.Room, det.Title)
	}
	hidden := map[domain.TicketField]bool{}
	for _, f := range det.HiddenFields {
		hidden[f] = true
	}
	if !hidden[domain.FieldRoom] || !hidden[domain.FieldWorkMinutes] || hidden[domain.FieldDescription] || len(det.HiddenFields) != 2 {
		t.Fatalf("hidden fields %v", det.HiddenFields)
	}
	if len(det.Work) != 1 || det.Work[0].Minutes != 0 || det.Work[0].Text != "swapped the lamp" {
		t.Fatalf("work %+v", det.Work)
	}
	if full, _ := d.admin.Ticket(t.Context(), d.east); full.Room != "101" || full.Work[0].Minutes != 30 {
		t.Fatalf("the superuser's view lost fields: %q %+v", full.Room, full.Work)
	}
	page, err := vf.Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	for _, r := range page.Tickets {
		if r.Room != "" {
			t.Fatalf("list row %s shows room %q", r.Label, r.Room)
		}
	}

	desc := "now it smokes"
	err = vf.EditTicket(t.Context(), d.east, domain.TicketChange{Description: &desc})
	mustCode(t, err, domain.EForbidden)
	if !strings.Contains(err.Error(), "may not edit the description field") {
		t.Fatalf("refusal does not name the field: %v", err)
	}
	room := "102"
	must(t, vf.EditTicket(t.Context(), d.east, domain.TicketChange{Room: &room})) // edit without view is allowed
	err = vf.EditTicket(t.Context(), d.east, domain.TicketChange{Room: &room, Comment: "moved"})
	mustCode(t, err, domain.EForbidden) // a history comment is withheld from edit
	_, err = vf.AddWork(t.Context(), d.east, 15, "checked")
	mustCode(t, err, domain.EForbidden)
	if _, err := vf.AddWork(t.Context(), d.east, 0, "checked, no time"); err != nil {
		t.Fatalf("a work report without minutes: %v", err)
	}
	// editing the text of a report whose minutes vf was shown as 0 keeps them
	must(t, vf.EditWork(t.Context(), d.east, det.Work[0].ID, 0, "swapped the lamp and the fuse"))
	if full, _ := d.admin.Ticket(t.Context(), d.east); full.Work[0].Minutes != 30 {
		t.Fatalf("hidden minutes overwritten: %+v", full.Work[0])
	}

	_, err = vf.Tickets(t.Context(), domain.TicketQuery{Priority: "High"})
	mustCode(t, err, domain.EForbidden)
	if !strings.Contains(err.Error(), "query on the priority field") {
		t.Fatalf("refusal does not name the field: %v", err)
	}
	_, err = vf.Tickets(t.Context(), domain.TicketQuery{Sort: domain.SortPriority})
	mustCode(t, err, domain.EForbidden)
	// the description is queryable here; withhold it and free text skips it
	if p, err := vf.Tickets(t.Context(), domain.TicketQuery{Text: "burnt"}); err != nil || p.Total != 1 {
		t.Fatalf("free text in a queryable description: %+v %v", p, err)
	}
	must(t, setFields(t, d.admin, "G-vf", map[domain.TicketField]string{domain.FieldDescription: "view"}))
	must(t, setFields(t, d.admin, "Users", map[domain.TicketField]string{domain.FieldDescription: "view"}))
	if p, err := vf.Tickets(t.Context(), domain.TicketQuery{Text: "burnt"}); err != nil || p.Total != 0 {
		t.Fatalf("free text searched a description withheld from query: %+v %v", p, err)
	}
}

// R1 for field visibility: a right to a field is the union over the
// user's active groups, but only groups holding the right's own privilege
// count (View Fields for view), so a group without View Fields does not
// undo another group's hiding, while the base group Users, which holds
// View Fields, does until it withholds the field too.
func TestR1_FieldVisibilityIsTheUnionOfGroupsHoldingThePrivilege(t *testing.T) {
	d := newDistrict(t)
	vf := fieldUser(t, d, "vf")
	must(t, setFields(t, d.admin, "G-vf", map[domain.TicketField]string{domain.FieldRoom: "none"}))
	if det, _ := vf.Ticket(t.Context(), d.east); det.Room != "101" {
		t.Fatalf("Users grants the room to every standard user: %q", det.Room)
	}
	must(t, setFields(t, d.admin, "Users", map[domain.TicketField]string{domain.FieldRoom: "none"}))
	if det, _ := vf.Ticket(t.Context(), d.east); det.Room != "" {
		t.Fatalf("room shown with every group withholding it: %q", det.Room)
	}
	var reportOnly domain.Group
	reportOnly.Name, reportOnly.Flags = "Reporters", domain.FlagSet{}
	reportOnly.Flags.Add(domain.TicketReport)
	_, err := d.admin.CreateGroup(t.Context(), reportOnly, true)
	must(t, err)
	must(t, d.admin.Join(t.Context(), "vf", "Reporters", time.Time{}, ""))
	if det, _ := vf.Ticket(t.Context(), d.east); det.Room != "" {
		t.Fatalf("a group without View Fields revealed the room: %q", det.Room)
	}
	var viewers domain.Group
	viewers.Name = "Viewers"
	viewers.Flags.Add(domain.TicketView)
	_, err = d.admin.CreateGroup(t.Context(), viewers, true)
	must(t, err)
	must(t, d.admin.Join(t.Context(), "vf", "Viewers", time.Time{}, ""))
	if det, _ := vf.Ticket(t.Context(), d.east); det.Room != "101" {
		t.Fatalf("a second group with View Fields that grants the room: %q", det.Room)
	}
}

// R12: an administrator who may not view a field cannot make a group
// grant it.
func TestR12_FieldRightsBeyondTheActorAreRefused(t *testing.T) {
	d := newDistrict(t)
	var g domain.Group
	g.Levels[domain.ModGroups] = domain.LevelEdit
	g.Flags.Add(domain.TicketView)
	g.Fields.Set(domain.FieldRoom, nil)
	ga := userWith(t, d, "ga", g)
	must(t, setFields(t, d.admin, "Users", map[domain.TicketField]string{domain.FieldRoom: "none"}))
	aides := domain.Group{Name: "Aides"}
	aides.Flags.Add(domain.TicketView)
	aides.Fields.Set(domain.FieldRoom, nil)
	_, err := d.admin.CreateGroup(t.Context(), aides, true)
	must(t, err)
	err = setFields(t, ga, "Aides", map[domain.TicketField]string{domain.FieldRoom: "view"})
	mustCode(t, err, domain.EForbidden)
	if !strings.Contains(err.Error(), "ga cannot give group Aides view on the room field, which they lack (R12)") {
		t.Fatalf("message: %v", err)
	}
	must(t, setFields(t, ga, "Aides", map[domain.TicketField]string{domain.FieldDescription: "view"})) // withholding is always allowed
}

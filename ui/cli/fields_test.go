package cli_test

import (
	"strings"
	"testing"
)

// group fields G shows a group's field visibility and --set changes it;
// the store then blanks what the group's members may not view.
func TestGroupFieldsCommand(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary", "--rooms", "101"), nil},
		{args("ticket", "create", "--title", "Projector", "--building", "EAST", "--room", "101"), nil},
		{args("group", "fields", "Users"), []string{"FIELD", "room", "yes"}},
		{args("group", "fields", "Users", "--set", "room=edit", "work_minutes=none"), []string{"changed the field visibility of group Users"}},
		{args("user", "create", "sam"), nil},
		{args("user", "join", "sam", "Users"), nil},
	})
	if r := row(h.ok("group", "fields", "Users"), "room"); strings.Join(strings.Fields(r), " ") != "room no yes no no" {
		t.Fatalf("room row %q", r)
	}
	var out struct {
		Group  string `json:"group"`
		Fields []struct {
			Field string `json:"field"`
			View  bool   `json:"view"`
			Edit  bool   `json:"edit"`
		} `json:"fields"`
	}
	h.jsonOf(&out, "group", "fields", "Users")
	if out.Group != "Users" || len(out.Fields) != 7 || out.Fields[1].Field != "room" || out.Fields[1].View || !out.Fields[1].Edit {
		t.Fatalf("json %+v", out)
	}
	// sam may set the room (edit) but not read it back (view)
	h.ok("--as", "sam", "ticket", "create", "--title", "Sink leaks", "--building", "EAST", "--room", "101")
	if r := field(h.ok("--as", "sam", "ticket", "show", "2"), "Room"); r != "hidden (field visibility)" {
		t.Fatalf("sam's room %q", r)
	}
	if r := field(h.ok("ticket", "show", "2"), "Room"); r != "101" {
		t.Fatalf("the owner's room %q", r)
	}
	h.okHas(args("--as", "sam", "ticket", "show", "2", "--json"), `"hidden_fields": [`, `"room"`)
	h.fails(args("group", "fields", "Users", "--set", "pay_rate=none"), `"pay_rate" is not a ticket field`)
	h.fails(args("group", "fields", "Users", "--set", "room=fly"), `room: "fly" is not a field right`)
	h.fails(args("group", "fields", "Users", "room=view"), "changes follow --set")
	h.fails(args("--as", "sam", "group", "fields", "Users", "--set", "room=all"), "sam lacks")
}

package cli_test

import (
	"slices"
	"strings"
	"testing"
)

// TestBadInput: every bad command line exits 1 with a message naming the
// thing, prints nothing on stdout and changes nothing.
func TestBadInput(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary"), nil},
		{args("user", "create", "tina"), nil},
		{args("user", "join", "tina", "Technicians"), nil},
		{args("user", "create", "ext", "--restricted"), nil},
		{args("user", "create", "boss"), nil},
		{args("user", "join", "boss", "Users"), nil},
		{args("user", "set", "tina", "--reports-to", "boss"), nil},
		{args("ticket", "create", "--title", "Open one", "--building", "EAST"), nil},
		{args("ticket", "create", "--title", "Unassigned", "--building", "EAST"), nil},
		{args("ticket", "assign", "1", "tina"), nil},
	})
	tests := []struct {
		name  string
		args  []string
		wants []string
	}{
		{"unknown group", args("group", "show", "Nope"), []string{"Nope"}},
		{"unknown group to join", args("user", "join", "tina", "Nope"), []string{"Nope"}},
		{"unknown user", args("user", "show", "ghost"), []string{"ghost"}},
		{"unknown user to join", args("user", "join", "ghost", "Users"), []string{"ghost"}},
		{"unknown acting user", args("user", "list", "--as", "ghost"), []string{"ghost"}},
		{"unknown building", args("building", "show", "NOPE"), []string{"NOPE"}},
		{"unknown building for a ticket", args("ticket", "create", "--title", "x", "--building", "NOPE"), []string{"NOPE"}},
		{"unknown building for a user", args("user", "set", "tina", "--buildings", "EAST,NOPE"), []string{"NOPE"}},
		{"unknown technician for a rule", args("building", "rule", "add", "EAST", "--type", "Hardware", "--tech", "ghost"), []string{"ghost"}},
		{"unknown team", args("team", "show", "Nope"), []string{"Nope"}},
		{"empty group name", args("group", "create", ""), []string{"name"}},
		{"empty team name", args("team", "create", ""), []string{"name"}},
		{"empty username", args("user", "create", ""), []string{"username"}},
		{"empty building name", args("building", "create", "NORTH", "--name", ""), []string{"name"}},
		{"empty ticket title", args("ticket", "create", "--title", "", "--building", "EAST"), []string{"title"}},
		{"duplicate group", args("group", "create", "technicians"), []string{"technicians"}},
		{"duplicate user", args("user", "create", "TINA"), []string{"tina"}},
		{"duplicate building", args("building", "create", "east", "--name", "Again"), []string{"east"}},
		{"duplicate team", args("team", "create", "global"), []string{"global"}},
		{"bad email", args("user", "create", "x", "--email", "not-an-address"), []string{"not-an-address"}},
		{"R3 restricted user into a standard group", args("user", "join", "ext", "Technicians"), []string{"ext", "Technicians", "R3"}},
		{"R3 standard user into a restricted group", args("user", "join", "tina", "RestrictedUsers"), []string{"tina", "RestrictedUsers"}},
		{"R9 delete the Global team", args("team", "delete", "Global"), []string{"Global"}},
		{"R9 suppress the Global team", args("team", "suppress", "Global"), []string{"Global"}},
		{"delete a built-in group", args("group", "delete", "Users"), []string{"Users"}},
		{"delete a built-in group, any case", args("group", "delete", "technicians"), []string{"Technicians"}},
		{"R7 delete an open ticket", args("ticket", "delete", "1"), []string{"T-000001", "closed"}},
		{"R8 delete a user with tickets", args("user", "delete", "tina"), []string{"tina"}},
		{"R10 reports-to loop", args("user", "set", "boss", "--reports-to", "tina"), []string{"boss"}},
		{"unknown privilege", args("group", "grant", "Technicians", "ticket.fly"), []string{"ticket.fly"}},
		{"unknown privilege to revoke", args("group", "revoke", "Technicians", "ticket.fly"), []string{"ticket.fly"}},
		{"unknown privilege to explain", args("can", "tina", "ticket.fly"), []string{"ticket.fly"}},
		{"unknown privilege for who", args("who", "fly"), []string{"fly"}},
		{"bad module level", args("group", "grant", "Technicians", "users:admin"), []string{"admin"}},
		{"level on a flag", args("group", "grant", "Technicians", "ticket.close:edit"), []string{"ticket.close"}},
		{"R6 requires", args("group", "grant", "Technicians", "metrics.save-charts"), []string{"metrics"}},
		{"bad --until date", args("user", "join", "tina", "Users", "--until", "2026-02-30"), []string{"--until", "2026-02-30", "YYYY-MM-DD"}},
		{"--until in words", args("user", "join", "tina", "Users", "--until", "next week"), []string{"--until", "next week"}},
		{"--until in the past", args("user", "join", "tina", "Users", "--until", "2001-01-01"), []string{"--until", "past"}},
		{"bad ticket number", args("ticket", "show", "abc"), []string{"abc"}},
		{"missing ticket", args("ticket", "show", "99"), []string{"T-000099 not found"}},
		{"bad --ticket", args("can", "tina", "ticket.close", "--ticket", "x1"), []string{"x1"}},
		{"bad --status", args("ticket", "list", "--status", "done"), []string{"done"}},
		{"bad --minutes", args("ticket", "work", "1", "--minutes", "-5", "--text", "x"), []string{"--minutes", "-5"}},
		{"zero --minutes", args("ticket", "work", "1", "--minutes", "0", "--text", "x"), []string{"--minutes"}},
		{"empty --text", args("ticket", "work", "1", "--minutes", "5", "--text", " "), []string{"--text"}},
		{"bad --limit", args("audit", "--limit", "ten"), []string{"--limit", "ten"}},
		{"empty --reason", args("user", "terminate", "tina", "--reason", ""), []string{"--reason"}},
		{"unknown reassign-to", args("user", "terminate", "tina", "--reason", "x", "--reassign-to", "ghost"), []string{"ghost"}},
		{"assign a non-technician", args("ticket", "assign", "2", "boss"), []string{"boss", "ticket.assignee"}},
		{"no privilege", args("group", "create", "Mine", "--as", "tina"), []string{"tina"}},
		{"invisible ticket is not found", args("ticket", "show", "1", "--as", "boss"), []string{"T-000001 not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			h.fails(tt.args, tt.wants...)
		})
	}
}

// TestScenario_BuildingAdminElevation is the acceptance scenario:
// R5 building administrators, the R4 warning and elevation, R2, R6 and `who`.
func TestScenario_BuildingAdminElevation(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary"), nil},
		{args("building", "create", "WEST", "--name", "West High"), nil},
		{args("user", "create", "principal", "--first", "Pat", "--last", "Rivera"), nil},
		{args("user", "join", "principal", "Building Administrator"), nil},
		{args("user", "set", "principal", "--buildings", "EAST"), nil},
		{args("user", "create", "westie"), nil},
		{args("user", "join", "westie", "Building Administrator"), nil},
		{args("user", "set", "westie", "--buildings", "WEST"), nil},
		{args("user", "create", "tech"), nil},
		{args("user", "join", "tech", "Technicians"), nil},
		{args("user", "create", "coord"), nil},
		{args("user", "join", "coord", "Technical Coordinator"), nil},
		{args("user", "create", "staff"), nil},
		{args("user", "join", "staff", "Users"), nil},
		{args("user", "create", "nogroup"), nil},
		{args("ticket", "create", "--title", "East projector", "--building", "EAST"), []string{"T-000001"}},
		{args("ticket", "create", "--title", "West boiler", "--building", "WEST"), []string{"T-000002"}},
		{args("ticket", "create", "--title", "East door", "--building", "EAST"), []string{"T-000003"}},
	})
	labels := func(as string) []string {
		var rows []struct {
			Label    string `json:"label"`
			Building string `json:"building"`
		}
		h.jsonOf(&rows, "ticket", "list", "--as", as)
		var out []string
		for _, r := range rows {
			out = append(out, r.Label)
		}
		slices.Sort(out)
		return out
	}
	whoCloses := func() []string {
		var rows []struct {
			Username string `json:"username"`
			Reason   string `json:"reason"`
		}
		h.jsonOf(&rows, "who", "ticket.close", "--building", "EAST")
		var out []string
		for _, r := range rows {
			out = append(out, r.Username)
		}
		slices.Sort(out)
		return out
	}

	// R5: the principal sees only the tickets of their building.
	if got := labels("principal"); !slices.Equal(got, []string{"T-000001", "T-000003"}) {
		t.Errorf("principal sees %v, want only EAST's T-000001 and T-000003", got)
	}
	out := h.ok("ticket", "list", "--as", "principal")
	if strings.Contains(out, "West boiler") || !strings.Contains(out, "East projector") {
		t.Errorf("ticket list --as principal:\n%s", out)
	}
	h.fails(args("ticket", "show", "2", "--as", "principal"), "T-000002 not found")
	h.okHas(args("can", "principal", "ticket.view", "--ticket", "2"), "no\n", "not found")
	// who closes EAST tickets: the superuser owner, the coordinator
	// (Override Record Visibility, Task All Records) and EAST's principal
	// (Building Administrator of EAST with Task All Records); not the
	// technician (Task Assigned Records only), WEST's principal, staff or
	// the user without a group.
	if got := whoCloses(); !slices.Equal(got, []string{"admin", "coord", "principal"}) {
		t.Errorf("who ticket.close --building EAST = %v, want admin, coord, principal", got)
	}
	h.okHas(args("who", "ticket.close", "--building", "EAST"), "Building Administrator of the building")

	// R4: the grant warns without --yes and changes nothing.
	errs := h.fails(args("group", "grant", "Building Administrator", "technicians:edit"), "R4", "--yes", "Building Administrator")
	if !strings.Contains(errs, "full administrator") {
		t.Errorf("warning does not say what elevation means: %s", errs)
	}
	var g struct {
		Levels map[string]string `json:"levels"`
		Admin  bool              `json:"admin"`
	}
	h.jsonOf(&g, "group", "show", "Building Administrator")
	if g.Levels["technicians"] != "none" || g.Admin {
		t.Fatalf("refused warning changed the group: %+v", g)
	}
	if got := labels("principal"); len(got) != 2 {
		t.Fatalf("principal sees %v after the refused grant", got)
	}
	h.okHas(args("group", "grant", "Building Administrator", "technicians:edit", "--yes"), "granted technicians:edit to group Building Administrator")
	h.jsonOf(&g, "group", "show", "Building Administrator")
	if g.Levels["technicians"] != "edit" || !g.Admin {
		t.Fatalf("after --yes: %+v", g)
	}

	// Elevated: the principal sees every ticket, and `can` says why.
	if got := labels("principal"); !slices.Equal(got, []string{"T-000001", "T-000002", "T-000003"}) {
		t.Errorf("elevated principal sees %v, want every ticket", got)
	}
	h.okHas(args("ticket", "show", "T-000002", "--as", "principal"), "West boiler")
	h.okHas(args("can", "principal", "ticket.view", "--ticket", "2"), "yes\n", "full administrator", "R4 elevation")
	h.okHas(args("can", "principal", "technicians:edit"), "yes\n", "Building Administrator", "full administrator", "R4 elevation")
	if got := whoCloses(); !slices.Equal(got, []string{"admin", "coord", "principal", "westie"}) {
		t.Errorf("after elevation who ticket.close --building EAST = %v, want admin, coord, principal, westie", got)
	}

	// R2: a user with no group shows "—" and cannot log in.
	if r := row(h.ok("user", "list"), "nogroup"); !strings.Contains(r, "—") {
		t.Errorf("user list row for nogroup = %q, want —", r)
	}
	out = h.ok("user", "show", "nogroup")
	if login := field(out, "Can log in"); !strings.HasPrefix(login, "no") || !strings.Contains(login, "R2") {
		t.Errorf("user show nogroup: Can log in = %q, want no with the R2 reason", login)
	}

	// R6: discussion.post implies discussion.view.
	h.ok("group", "grant", "Technicians", "discussion.post")
	h.okHas(args("can", "tech", "discussion.view"), "yes\n", "implied by discussion.post")
}

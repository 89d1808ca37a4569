package cli_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// step is one command of a table-driven sequence and what stdout must hold.
type step struct {
	args  []string
	wants []string
}

func runSteps(t *testing.T, h *harness, steps []step) {
	t.Helper()
	for _, s := range steps {
		h.okHas(s.args, s.wants...)
	}
}

func TestGroupCommands(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("group", "create", "Printers", "--description", "Printer fleet"), []string{"created standard group Printers"}},
		{args("group", "list"), []string{"NAME", "Printers", "Technicians", "Building Administrator", "built-in"}},
		{args("group", "grant", "printers", "ticket.close", "ticket.view", "users:view"), []string{"granted ticket.close, ticket.view, users:view to group Printers"}},
		{args("group", "show", "Printers"), []string{"ticket.close", "users:view", "Printer fleet"}},
		{args("group", "revoke", "Printers", "ticket.close"), []string{"revoked ticket.close from group Printers"}},
		{args("group", "grant", "Printers", "discussion.post"), []string{"granted discussion.post"}},
		{args("group", "show", "Printers"), []string{"discussion.view (by discussion.post)"}},
		{args("group", "create", "Outside", "--restricted"), []string{"created restricted group Outside"}},
		{args("group", "create", "Principals", "--building-admin"), []string{"created standard group Principals"}},
	})
	var g struct {
		Name          string            `json:"name"`
		Kind          string            `json:"kind"`
		BuildingAdmin bool              `json:"building_admin"`
		Flags         []string          `json:"flags"`
		Implied       []string          `json:"implied"`
		Levels        map[string]string `json:"levels"`
		Memberships   []any             `json:"memberships"`
	}
	h.jsonOf(&g, "group", "show", "Printers")
	if g.Name != "Printers" || slices.Contains(g.Flags, "ticket.close") || !slices.Contains(g.Flags, "ticket.view") ||
		!slices.Contains(g.Implied, "discussion.view") || g.Levels["users"] != "view" || g.Levels["groups"] != "none" ||
		g.Memberships == nil {
		t.Errorf("group show --json = %+v", g)
	}
	h.jsonOf(&g, "group", "show", "Principals")
	if !g.BuildingAdmin || g.Kind != "standard" {
		t.Errorf("Principals = %+v, want a standard building-admin group", g)
	}
	var list []map[string]any
	h.jsonOf(&list, "group", "list")
	if len(list) != 9 {
		t.Errorf("group list --json: %d groups, want the 6 built-in and 3 new", len(list))
	}
	// R6: an implied privilege cannot be revoked alone.
	h.fails(args("group", "revoke", "Printers", "discussion.view"), "discussion.post")
	h.okHas(args("group", "delete", "printers"), "deleted group Printers")
	h.fails(args("group", "show", "Printers"), "Printers")
}

func TestUserCommands(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("user", "create", "jdoe", "--first", "Jane", "--last", "Doe", "--email", "jdoe@example.org"), []string{"created standard user jdoe"}},
		{args("user", "create", "boss", "--first", "Bo"), nil},
		{args("building", "create", "EAST", "--name", "East Elementary"), nil},
		{args("user", "join", "jdoe", "Technicians", "--until", "2099-12-31", "--reason", "summer help"), []string{"jdoe joined group Technicians through 2099-12-31"}},
		{args("user", "set", "jdoe", "--reports-to", "boss", "--buildings", "east", "--regions", "North,South", "--start-screen", "tickets"), []string{"updated user jdoe"}},
	})
	out := h.ok("user", "show", "jdoe")
	for label, want := range map[string]string{"Name": "Jane Doe", "Can log in": "yes", "Groups": "Technicians",
		"Reports to": "boss", "Buildings": "EAST", "Regions": "North, South", "Technician": "yes"} {
		if got := field(out, label); got != want {
			t.Errorf("user show jdoe: %s = %q, want %q\n%s", label, got, want, out)
		}
	}
	if r := row(out, "Technicians"); !strings.Contains(r, "through 2099-12-31") || !strings.Contains(r, "summer help") {
		t.Errorf("membership row = %q", r)
	}
	var u struct {
		Username    string   `json:"username"`
		ReportsTo   string   `json:"reports_to"`
		Buildings   []string `json:"buildings"`
		StartScreen string   `json:"start_screen"`
		CanLogIn    bool     `json:"can_log_in"`
		Status      string   `json:"status"`
		Memberships []struct {
			Group string `json:"group"`
			Until string `json:"until"`
		} `json:"memberships"`
	}
	h.jsonOf(&u, "user", "show", "JDOE")
	wantUntil := time.Date(2100, 1, 1, 0, 0, 0, 0, time.Local)
	if len(u.Memberships) != 1 {
		t.Fatalf("memberships = %+v", u.Memberships)
	}
	if got, err := time.Parse(time.RFC3339, u.Memberships[0].Until); err != nil || !got.Equal(wantUntil) {
		t.Errorf("--until 2099-12-31 stored as %q, want the midnight starting 2100-01-01 local (%s)", u.Memberships[0].Until, wantUntil)
	}
	if u.ReportsTo != "boss" || !slices.Equal(u.Buildings, []string{"EAST"}) || u.StartScreen != "tickets" || !u.CanLogIn {
		t.Errorf("user show --json = %+v", u)
	}
	h.ok("user", "set", "jdoe", "--reports-to", "none", "--buildings", "")
	h.jsonOf(&u, "user", "show", "jdoe")
	if u.ReportsTo != "" || len(u.Buildings) != 0 {
		t.Errorf("after clearing: reports_to %q buildings %v", u.ReportsTo, u.Buildings)
	}

	// R2: leaving the only group makes the user inactive.
	h.okHas(args("user", "leave", "jdoe", "Technicians"), "jdoe left group Technicians")
	out = h.ok("user", "show", "jdoe")
	if !strings.HasPrefix(field(out, "Can log in"), "no") || field(out, "Groups") != "—" {
		t.Errorf("after leave: can log in %q, groups %q", field(out, "Can log in"), field(out, "Groups"))
	}
	if r := row(h.ok("user", "list"), "jdoe"); !strings.Contains(r, "—") {
		t.Errorf("user list row for jdoe = %q, want the — of R2", r)
	}

	// a far-future date is a field error, not an encoder's message
	h.fails(args("user", "join", "jdoe", "Users", "--until", "9999-12-31"), "expiry (--until) is out of range", "before 2200-01-01")
	h.ok("user", "join", "jdoe", "Users")
	h.okHas(args("user", "deactivate", "jdoe"), "deactivated jdoe")
	h.jsonOf(&u, "user", "show", "jdoe")
	if u.Status != "deactivated" || u.CanLogIn {
		t.Errorf("after deactivate: %+v", u)
	}
	h.okHas(args("user", "activate", "jdoe"), "activated jdoe")
	h.jsonOf(&u, "user", "show", "jdoe")
	if u.Status != "active" || !u.CanLogIn {
		t.Errorf("after activate: %+v", u)
	}

	// R14: terminate in one step.
	runSteps(t, h, []step{
		{args("user", "create", "tina"), nil},
		{args("user", "join", "tina", "Technicians"), nil},
		{args("building", "rule", "add", "EAST", "--type", "Hardware", "--tech", "tina"), nil},
		{args("ticket", "create", "--title", "Jam", "--building", "EAST", "--type", "Hardware"), []string{"created T-000001", "assigned to tina"}},
		{args("user", "terminate", "tina", "--reason", "left the district"), []string{"terminated tina", "1 membership(s) ended",
			"removed auto-assign rules: EAST/Hardware", "unassigned: T-000001"}},
	})
	out = h.ok("user", "show", "tina")
	if field(out, "Terminated") != "left the district" || field(out, "Status") != "deactivated" {
		t.Errorf("terminated tina:\n%s", out)
	}
	h.okHas(args("user", "create", "temp"), "created")
	h.okHas(args("user", "delete", "temp"), "deleted user temp")
	h.fails(args("user", "show", "temp"), "temp")
}

func TestUserKeys(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "jdoe")
	authorized := func(comment string) (string, string) {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		k, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment + "\n"
		return line, ssh.FingerprintSHA256(k)
	}
	line1, fp1 := authorized("jdoe@laptop")
	file := filepath.Join(t.TempDir(), "id_ed25519.pub")
	if err := os.WriteFile(file, []byte(line1), 0o600); err != nil {
		t.Fatal(err)
	}
	h.okHas(args("user", "key", "add", "jdoe", file), "added key "+fp1+" to jdoe")
	line2, fp2 := authorized("jdoe@desktop")
	h.stdin = line2
	h.okHas(args("user", "key", "add", "jdoe", "-"), fp2)
	h.stdin = ""
	out := h.okHas(args("user", "key", "list", "jdoe"), "FINGERPRINT", fp1, fp2, "ssh-ed25519", "jdoe@laptop", "jdoe@desktop")
	if strings.Count(out, "\n") != 3 {
		t.Errorf("key list: want a header and 2 rows\n%s", out)
	}
	h.okHas(args("user", "key", "remove", "jdoe", fp1), "removed key "+fp1)
	var keys []struct {
		Fingerprint string `json:"fingerprint"`
		Comment     string `json:"comment"`
	}
	h.jsonOf(&keys, "user", "key", "list", "jdoe")
	if len(keys) != 1 || keys[0].Fingerprint != fp2 || keys[0].Comment != "jdoe@desktop" {
		t.Errorf("key list --json = %+v, want only %s", keys, fp2)
	}

	bad := filepath.Join(t.TempDir(), "bad.pub")
	if err := os.WriteFile(bad, []byte("ssh-ed25519 not-base64 x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.fails(args("user", "key", "add", "jdoe", bad), "bad.pub", "no valid SSH public key")
	two := filepath.Join(t.TempDir(), "two.pub")
	l3, _ := authorized("a")
	l4, _ := authorized("b")
	if err := os.WriteFile(two, []byte(l3+l4), 0o600); err != nil {
		t.Fatal(err)
	}
	h.fails(args("user", "key", "add", "jdoe", two), "more than one key")
	h.fails(args("user", "key", "add", "jdoe", filepath.Join(t.TempDir(), "missing.pub")), "missing.pub")
	h.fails(args("user", "key", "remove", "jdoe", "SHA256:nope"), "SHA256:nope")
}

func TestTeamCommands(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("user", "create", "boss"), nil},
		{args("user", "create", "jdoe"), nil},
		{args("user", "set", "jdoe", "--reports-to", "boss"), nil},
		{args("team", "create", "Helpdesk", "--description", "First line"), []string{"created team Helpdesk"}},
		{args("team", "list"), []string{"Global", "Helpdesk", "First line"}},
		{args("team", "add", "Helpdesk", "jdoe"), []string{"added jdoe to team Helpdesk"}},
		{args("team", "duplicate", "Helpdesk", "Helpdesk Two"), []string{"duplicated team Helpdesk as Helpdesk Two"}},
	})
	out := h.ok("team", "show", "helpdesk")
	if r := row(out, "jdoe"); !strings.Contains(r, "Member") || strings.Contains(r, "reports-to") {
		t.Errorf("jdoe row = %q, want an explicit member", r)
	}
	// R10: the manager is an implicit member.
	if r := row(out, "boss"); !strings.Contains(r, "Member (reports-to)") || !strings.Contains(r, "manager of jdoe") {
		t.Errorf("boss row = %q, want Member (reports-to) via jdoe\n%s", r, out)
	}
	var team struct {
		Name       string `json:"name"`
		Members    int    `json:"members"`
		Suppressed bool   `json:"suppressed"`
		MemberList []struct {
			Username string `json:"username"`
			Implicit bool   `json:"implicit"`
		} `json:"member_list"`
	}
	h.jsonOf(&team, "team", "show", "Helpdesk Two")
	if team.Members != 1 || len(team.MemberList) != 2 {
		t.Errorf("duplicate: %+v, want jdoe explicit and boss implicit", team)
	}
	h.okHas(args("team", "remove", "Helpdesk", "jdoe"), "removed jdoe from team Helpdesk")
	h.jsonOf(&team, "team", "show", "Helpdesk")
	if team.Members != 0 {
		t.Errorf("after remove: %+v", team)
	}
	h.okHas(args("team", "suppress", "Helpdesk Two"), "suppressed team Helpdesk Two")
	h.jsonOf(&team, "team", "show", "Helpdesk Two")
	if !team.Suppressed {
		t.Error("team suppress did not suppress")
	}
	h.okHas(args("team", "repair"), "")
	h.okHas(args("team", "delete", "Helpdesk Two"), "deleted team Helpdesk Two")
	var teams []map[string]any
	h.jsonOf(&teams, "team", "list")
	for _, tm := range teams {
		if tm["name"] == "Helpdesk Two" {
			t.Error("deleted team still listed")
		}
	}
}

func TestBuildingCommands(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary", "--region", "North", "--rooms", "101, 102,Gym"), []string{"created building EAST (East Elementary)"}},
		{args("building", "create", "WEST", "--name", "West High"), nil},
		{args("building", "list"), []string{"CODE", "EAST", "East Elementary", "North", "WEST"}},
		{args("user", "create", "tina"), nil},
		{args("user", "join", "tina", "Technicians"), nil},
		{args("building", "rule", "add", "east", "--type", "Hardware", "--tech", "tina"), []string{"new Hardware tickets go to tina"}},
	})
	out := h.okHas(args("building", "show", "EAST"), "PROBLEM TYPE", "Hardware")
	if r := row(out, "Hardware"); !strings.Contains(r, "tina") {
		t.Errorf("rule row = %q", r)
	}
	var b struct {
		Code   string   `json:"code"`
		Region string   `json:"region"`
		Rooms  []string `json:"rooms"`
		Rules  []struct {
			ProblemType string `json:"problem_type"`
			Tech        string `json:"tech"`
		} `json:"rules"`
	}
	h.jsonOf(&b, "building", "show", "east")
	if b.Code != "EAST" || b.Region != "North" || !slices.Equal(b.Rooms, []string{"101", "102", "Gym"}) ||
		len(b.Rules) != 1 || b.Rules[0].Tech != "tina" {
		t.Errorf("building show --json = %+v", b)
	}
	h.okHas(args("building", "rule", "remove", "EAST", "--type", "Hardware"), "removed the auto-assign rule for Hardware")
	h.jsonOf(&b, "building", "show", "EAST")
	if len(b.Rules) != 0 {
		t.Errorf("rule not removed: %+v", b.Rules)
	}
	h.fails(args("building", "rule", "remove", "EAST", "--type", "Hardware"), "Hardware")
}

func TestTicketCommands(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary", "--rooms", "101"), nil},
		{args("user", "create", "tina"), nil},
		{args("user", "join", "tina", "Technicians"), nil},
		{args("user", "create", "tom"), nil},
		{args("user", "join", "tom", "Technicians"), nil},
		{args("ticket", "create", "--title", "Printer jam", "--building", "EAST", "--room", "101", "--type", "Hardware",
			"--priority", "High", "--description", "Room 101 printer"), []string{"created T-000001"}},
		{args("ticket", "create", "--title", "No Wi-Fi", "--building", "EAST"), []string{"created T-000002"}},
		{args("ticket", "list"), []string{"TICKET", "T-000001", "T-000002", "Printer jam", "new"}},
		{args("ticket", "assign", "1", "tina"), []string{"assigned T-000001 to tina"}},
		{args("ticket", "start", "T-000001", "--as", "tina"), []string{"started T-000001"}},
		{args("ticket", "work", "t-1", "--minutes", "15", "--text", "cleared the jam", "--as", "tina"), []string{"recorded 15 minute(s) of work on T-000001"}},
		{args("ticket", "show", "1"), []string{"Printer jam", "Room 101 printer", "High", "cleared the jam", "HISTORY"}},
		{args("ticket", "close", "1", "--comment", "done"), []string{"closed T-000001"}},
		{args("ticket", "reopen", "1"), []string{"reopened T-000001"}},
		{args("ticket", "reassign", "1", "tom"), []string{"reassigned T-000001 to tom"}},
	})
	list := func(filters ...string) []string {
		var rows []struct {
			Label string `json:"label"`
		}
		h.jsonOf(&rows, append(args("ticket", "list"), filters...)...)
		var out []string
		for _, r := range rows {
			out = append(out, r.Label)
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		filters []string
		want    []string
	}{
		{nil, []string{"T-000001", "T-000002"}},
		{args("--status", "open"), []string{"T-000001", "T-000002"}},
		{args("--status", "new"), []string{"T-000002"}},
		{args("--status", "assigned,new"), []string{"T-000001", "T-000002"}},
		{args("--status", "open,new"), []string{"T-000002"}},
		{args("--status", "closed"), nil},
		{args("--assignee", "tom"), []string{"T-000001"}},
		{args("--assignee", "none"), []string{"T-000002"}},
		{args("--building", "east"), []string{"T-000001", "T-000002"}},
		{args("--query", "printer"), []string{"T-000001"}},
		{args("--assignee", "me", "--as", "tom"), []string{"T-000001"}},
	} {
		if got := list(tt.filters...); !slices.Equal(got, tt.want) {
			t.Errorf("ticket list %s = %v, want %v", show(tt.filters), got, tt.want)
		}
	}
	h.ok("ticket", "close", "1")
	if got := list("--status", "closed"); !slices.Equal(got, []string{"T-000001"}) {
		t.Errorf("closed = %v", got)
	}
	var d struct {
		Label   string `json:"label"`
		Status  string `json:"status"`
		Work    []struct{ Author, Text string }
		History []struct{ Action string }
	}
	h.jsonOf(&d, "ticket", "show", "1")
	if d.Status != "closed" || len(d.Work) != 1 || d.Work[0].Author != "tina" || len(d.History) < 5 {
		t.Errorf("ticket show --json = %+v", d)
	}
	// R7: closed tickets can be deleted.
	h.okHas(args("ticket", "delete", "T-000001"), "deleted T-000001")
	h.fails(args("ticket", "show", "1"), "T-000001 not found")
}

func TestAccessCommands(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("user", "create", "tina"), nil},
		{args("user", "join", "tina", "Technicians"), nil},
		{args("user", "create", "nobody"), nil},
		{args("can", "admin", "ticket.close"), []string{"yes\n", "superuser"}},
		{args("can", "tina", "ticket.close"), []string{"yes\n", "group Technicians"}},
		{args("can", "tina", "users:edit"), []string{"no\n"}},
		{args("can", "nobody", "ticket.view"), []string{"no\n", "cannot log in"}},
		{args("who", "history"), []string{"USERNAME", "admin"}},
	})
	var e struct {
		Username  string   `json:"username"`
		Privilege string   `json:"privilege"`
		Granted   bool     `json:"granted"`
		Reasons   []string `json:"reasons"`
	}
	h.jsonOf(&e, "can", "tina", "buildings")
	if e.Granted || e.Privilege != "buildings:edit" || len(e.Reasons) == 0 {
		t.Errorf("can tina buildings --json = %+v", e)
	}
	out := h.ok("audit", "--limit", "2")
	if n := strings.Count(strings.TrimSpace(out), "\n"); n != 2 {
		t.Errorf("audit --limit 2: %d rows\n%s", n, out)
	}
	var evs []struct {
		Actor  string `json:"actor"`
		Entity string `json:"entity"`
		Name   string `json:"name"`
	}
	h.jsonOf(&evs, "audit", "--entity", "user")
	if len(evs) == 0 {
		t.Fatal("audit --entity user: no events")
	}
	for _, ev := range evs {
		if ev.Entity != "user" {
			t.Errorf("audit --entity user listed %+v", ev)
		}
	}
	h.jsonOf(&evs, "audit", "--actor", "admin")
	for _, ev := range evs {
		if ev.Actor != "admin" {
			t.Errorf("audit --actor admin listed %+v", ev)
		}
	}
	// History is needed to read the trail; Technicians lack it.
	h.fails(args("audit", "--as", "tina"), "history")
}

func TestR8_DeactivateAndLeaveNameAutoAssignRules(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary"), nil},
		{args("user", "create", "rick"), nil},
		{args("user", "join", "rick", "Technicians"), nil},
		{args("user", "join", "rick", "Users"), nil},
		{args("building", "rule", "add", "EAST", "--type", "Network", "--tech", "rick"), nil},
		{args("user", "deactivate", "rick"), []string{"deactivated rick", "auto-assign rules still name them: EAST/Network"}},
		{args("building", "show", "EAST"), []string{"Network"}},
		{args("user", "activate", "rick"), nil},
		{args("user", "deactivate", "rick", "--remove-rules"), []string{"removed auto-assign rules EAST/Network"}},
		{args("user", "activate", "rick"), nil},
		{args("building", "rule", "add", "EAST", "--type", "Network", "--tech", "rick"), nil},
		// Leaving Technicians ends rick's time as a technician.
		{args("user", "leave", "rick", "Technicians", "--remove-rules"), []string{"rick left group Technicians", "removed auto-assign rules EAST/Network"}},
	})
	var b struct {
		Rules []any `json:"rules"`
	}
	h.jsonOf(&b, "building", "show", "EAST")
	if len(b.Rules) != 0 {
		t.Errorf("rules after leave --remove-rules: %v", b.Rules)
	}
}

// TestR12_CLIRefusesWideningAHigherUser: a holder of Manage Users alone
// cannot give a Building Administrator more buildings, nor add a key to
// sign in as them; the store's refusal reaches the command line.
func TestR12_CLIRefusesWideningAHigherUser(t *testing.T) {
	h := newHarness(t)
	h.ok("building", "create", "EAST", "--name", "East Elementary")
	h.ok("building", "create", "WEST", "--name", "West Middle")
	h.ok("group", "create", "Clerks")
	h.ok("group", "grant", "Clerks", "users:edit", "--yes")
	h.ok("user", "create", "clerk")
	h.ok("user", "join", "clerk", "Clerks")
	h.ok("user", "create", "pat")
	h.ok("user", "join", "pat", "Building Administrator")
	h.ok("user", "set", "pat", "--buildings", "EAST")
	h.fails(args("user", "set", "pat", "--buildings", "EAST,WEST", "--as", "clerk"),
		"clerk cannot change pat's buildings: pat holds", "(R12)")
	h.fails(args("user", "deactivate", "pat", "--as", "clerk"), "clerk cannot deactivate pat", "(R12)")
	out := h.ok("user", "show", "pat")
	if !strings.Contains(out, "EAST") || strings.Contains(out, "WEST") {
		t.Errorf("pat's buildings changed:\n%s", out)
	}
}

// team set renames a team or changes its description; team list --search
// narrows by name (R15).
func TestTeamSetAndSearch(t *testing.T) {
	h := newHarness(t)
	h.ok("team", "create", "Science Lab")
	h.ok("team", "create", "Sports")
	h.okHas([]string{"team", "set", "Science Lab", "--name", "Science Labs", "--description", "both labs"}, "saved team Science Labs")
	h.okHas([]string{"team", "show", "Science Labs"}, "both labs")
	out := h.ok("team", "list", "--search", "sci")
	if !strings.Contains(out, "Science Labs") || strings.Contains(out, "Sports") {
		t.Fatalf("--search sci:\n%s", out)
	}
	out = h.ok("team", "list", "--search", "%ports")
	if !strings.Contains(out, "Sports") || strings.Contains(out, "Science") {
		t.Fatalf("--search %%ports:\n%s", out)
	}
	h.fails([]string{"team", "set", "Global", "--name", "Everyone"}, "cannot be renamed")
	h.fails([]string{"team", "set", "Sports"}, "nothing to change")
}

// ticket create --team and --visible-to put a new ticket on a team and
// limit it to groups; visible-to needs Edit Record Visibility.
func TestTicketCreateWithTeamAndVisibleTo(t *testing.T) {
	h := newHarness(t)
	h.ok("building", "create", "EAST", "--name", "East")
	h.ok("team", "create", "Lab")
	out := h.ok("ticket", "create", "--title", "Scope broken", "--building", "EAST", "--team", "Lab", "--visible-to", "Technicians", "--json")
	if !strings.Contains(out, `"number"`) {
		t.Fatalf("create: %s", out)
	}
	h.okHas([]string{"ticket", "show", "1"}, "Lab", "Technicians")
	h.fails([]string{"ticket", "create", "--title", "x", "--building", "EAST", "--team", "Nope"}, "Nope")
	h.ok("user", "create", "kim")
	h.ok("user", "join", "kim", "Users")
	h.fails([]string{"ticket", "create", "--title", "x", "--building", "EAST", "--visible-to", "Technicians", "--as", "kim"}, "visibility.edit")
}

// ticket delete --query lists the matches without --yes; with it, the closed
// ones go in one transaction and the open one is kept and named (R7).
func TestR7_TicketDeleteQueryDeletesClosedMatches(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary"), nil},
		{args("ticket", "create", "--title", "Old printer", "--building", "EAST"), nil},
		{args("ticket", "create", "--title", "Old projector", "--building", "EAST"), nil},
		{args("ticket", "create", "--title", "New laptop", "--building", "EAST"), nil},
		{args("ticket", "close", "1"), nil},
		{args("ticket", "close", "2"), nil},
	})
	h.fails(args("ticket", "delete", "--query", "Old"), "2 tickets match", "--yes", "T-000001", "T-000002")
	h.okHas(args("ticket", "list", "--status", "closed"), "T-000001", "T-000002")
	h.ok("ticket", "reopen", "2")
	h.okHas(args("ticket", "delete", "--query", "Old", "--yes"), "kept 1 of 2 tickets", "T-000001  deleted", "T-000002  kept", "closed")
	h.fails(args("ticket", "delete", "--query", "projector", "--yes"), "nothing deleted", "R7")
	h.fails(args("ticket", "show", "1"), "not found")
	h.okHas(args("ticket", "show", "2"), "Old projector")
	h.okHas(args("ticket", "show", "3"), "New laptop")
	h.fails(args("ticket", "delete", "3", "--query", "Old"), "not both")
}

// user terminate with several users is one transaction: one unknown name
// refuses the lot; otherwise every user is terminated and reported.
func TestR14_UserTerminateSeveral(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("user", "create", "ann"), nil},
		{args("user", "join", "ann", "Users"), nil},
		{args("user", "create", "ben"), nil},
		{args("user", "join", "ben", "Users"), nil},
	})
	h.fails(args("user", "terminate", "ann", "nobody", "--reason", "left"), "nobody", "nobody was terminated")
	h.okHas(args("user", "show", "ann"), "Users")
	h.okHas(args("user", "terminate", "ann", "ben", "--reason", "left"), "terminated ann", "terminated ben")
	var out []struct {
		Username string `json:"username"`
	}
	h.ok("user", "create", "cid")
	h.ok("user", "create", "dee")
	h.jsonOf(&out, "user", "terminate", "cid", "dee", "--reason", "left")
	if len(out) != 2 || out[1].Username != "dee" {
		t.Fatalf("json = %+v", out)
	}
}

// `can` names a group once: a user who joined the base group Users
// explicitly (R2) holds its privileges through that one group.
func TestCan_NamesAJoinedBaseGroupOnce(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "hank")
	h.ok("user", "join", "hank", "Users")
	out := h.okHas(args("can", "hank", "ticket.report"), "yes\n", "group Users (base group of every standard user; joined explicitly)")
	if n := strings.Count(out, "group Users"); n != 1 {
		t.Fatalf("can names group Users %d times:\n%s", n, out)
	}
}

// An address on a relay of the same host (a dotless domain) is accepted
// for a user as for the mail settings' From; both refuse what is not a
// plain address.
func TestEmail_ADotlessDomainIsAnAddressEverywhere(t *testing.T) {
	h := newHarness(t)
	h.okHas(args("user", "create", "hank", "--email", "hank@localhost"), "hank")
	h.ok("mail", "set", "--from", "helpdesk@localhost")
	h.fails(args("user", "create", "ivy", "--email", "<ivy@localhost>"), `email "<ivy@localhost>" is not a valid address`)
	h.fails(args("mail", "set", "--from", "<helpdesk@localhost>"), `from "<helpdesk@localhost>" is not a valid address`)
}

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// helpDeskPat makes Help Desk (Manage Technicians at Edit: its members are
// full administrators, R4) and pat, a Building Administrator of EAST.
func helpDeskPat(h *harness) {
	h.ok("building", "create", "EAST", "--name", "East Elementary")
	h.ok("group", "create", "Help Desk")
	h.ok("group", "grant", "Help Desk", "technicians:edit", "--yes")
	h.ok("user", "create", "pat")
	h.ok("user", "join", "pat", "Building Administrator")
	h.ok("user", "set", "pat", "--buildings", "EAST")
}

// Every membership path that would make a Building Administrator a full
// administrator refuses without --yes, naming who gains what, and changes
// nothing; with --yes it proceeds (R4).
func TestR4_CLIElevatingABuildingAdministratorNeedsYes(t *testing.T) {
	h := newHarness(t)
	helpDeskPat(h)
	h.fails(args("user", "join", "pat", "Help Desk"),
		"Building Administrator pat would become a full administrator", "pat gains technicians:edit via group Help Desk",
		"(R4)", "re-run with --yes")
	h.fails(args("user", "move", "pat", "Building Administrator", "Help Desk"), "pat gains technicians:edit", "--yes")
	if out := h.ok("user", "show", "pat"); !strings.Contains(field(out, "Groups"), "Building Administrator") || strings.Contains(out, "Help Desk") {
		t.Fatalf("refused commands changed pat:\n%s", out)
	}
	h.okHas(args("user", "move", "pat", "Building Administrator", "Help Desk", "--yes", "--reason", "promoted"),
		"moved pat from group Building Administrator to group Help Desk")
	if out := h.ok("user", "show", "pat"); field(out, "Groups") != "Help Desk" {
		t.Fatalf("after the move pat is in %q", field(out, "Groups"))
	}
	h.okHas(args("audit", "--entity", "membership"), "move", "pat from Building Administrator to Help Desk")

	// an import row that is a Building Administrator and elevated
	file := filepath.Join(t.TempDir(), "staff.csv")
	csv := "First Name,Last Name,Email Address,Username,Temporary Password,Group Name\n" +
		"Ann,Lee,ann@example.org,ann,,\"Building Administrator; Help Desk\"\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	h.fails(args("import", "users", file), "ann gains technicians:edit via group Help Desk", "--yes")
	h.ok("import", "users", file, "--yes")
	h.ok("user", "show", "ann")
}

// A one-step move keeps the membership's dates, is refused for a group
// the user is not in, and reports in JSON.
func TestCLIUserMove(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "sam")
	until := time.Now().UTC().AddDate(0, 0, 30).Format("2006-01-02")
	h.ok("user", "join", "sam", "Users", "--until", until)
	h.fails(args("user", "move", "sam", "Technicians", "Users"), "sam is not a member of Technicians")
	var res struct {
		OK      bool   `json:"ok"`
		Message string `json:"message"`
	}
	h.jsonOf(&res, "user", "move", "sam", "Users", "Technicians")
	if !res.OK || res.Message != "moved sam from group Users to group Technicians" {
		t.Fatalf("move --json = %+v", res)
	}
	var show struct {
		Memberships []struct {
			Group string `json:"group"`
			Until string `json:"until"`
		} `json:"memberships"`
	}
	h.jsonOf(&show, "user", "show", "sam")
	if len(show.Memberships) != 1 || show.Memberships[0].Group != "Technicians" || !strings.HasPrefix(show.Memberships[0].Until, time.Now().UTC().AddDate(0, 0, 31).Format("2006-01-02")) {
		t.Fatalf("memberships after the move = %+v", show.Memberships)
	}
}

// Temporary access with a start (R13): `user join --from` stores a
// membership that grants nothing before that day; user show marks it and
// the access review lists it as starting within 14 days.
func TestR13_CLIJoinFromGrantsNothingBeforeItsStart(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "sam")
	h.ok("user", "join", "sam", "Users")
	from := time.Now().UTC().AddDate(0, 0, 3).Format("2006-01-02")
	until := time.Now().UTC().AddDate(0, 0, 10).Format("2006-01-02")
	h.okHas(args("user", "join", "sam", "Technicians", "--from", from, "--until", until, "--reason", "cover"),
		"sam joined group Technicians from "+from+" through "+until)
	h.okHas(args("can", "sam", "ticket.assignee"), "no active group grants", "not active: group Technicians", "(starts "+from)
	if out := h.ok("user", "show", "sam"); !strings.Contains(row(out, "Technicians"), "from "+from) {
		t.Fatalf("user show does not mark the pending membership:\n%s", out)
	}
	h.okHas(args("access", "review"), "Memberships starting in the next 14 days (1)", "sam", from, "cover")
	var rv struct {
		Starting []struct {
			Username string `json:"username"`
			From     string `json:"from"`
			Pending  bool   `json:"pending"`
		} `json:"starting"`
	}
	h.jsonOf(&rv, "access", "review")
	if len(rv.Starting) != 1 || rv.Starting[0].Username != "sam" || !rv.Starting[0].Pending || !strings.HasPrefix(rv.Starting[0].From, from) {
		t.Fatalf("access review --json starting = %+v", rv.Starting)
	}
	h.fails(args("user", "join", "sam", "Users", "--from", until, "--until", from), "is not before the expiry")
	h.fails(args("user", "join", "sam", "Users", "--from", "next week"), "--from", "YYYY-MM-DD")
}

package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

func parseUpdateCSV(t testing.TB, s string) domain.UserImport {
	t.Helper()
	imp, err := domain.ParseUsersCSVUpdate(strings.NewReader(s), time.UTC)
	must(t, err)
	return imp
}

func importedGroups(t testing.TB, s domain.Service, user string) string {
	t.Helper()
	u, err := s.User(t.Context(), user)
	must(t, err)
	return strings.Join(u.Groups, ",")
}

// An update import changes existing users' fields, groups (replacing them),
// buildings, reports-to and status in one transaction, and reports what
// each gains and loses; a dry run reports the same and writes nothing.
func TestImportUpdateChangesUsersAndPreviewsAccess(t *testing.T) {
	d := newDistrict(t)
	in := "Username,Group Name,Buildings,Reports To,Status,Phone\n" +
		"staff,Technicians,WEST,principal,,555-0100\n" +
		"tech,,,,deactivated,\n"
	dry, err := d.admin.ImportUsers(t.Context(), parseUpdateCSV(t, in), domain.ImportOptions{DryRun: true, Source: "year.csv"})
	must(t, err)
	if !dry.DryRun || len(dry.Updated) != 2 {
		t.Fatalf("dry run %+v", dry)
	}
	staff := dry.Updated[0].String()
	for _, want := range []string{"staff: ", `phone "" → "555-0100"`, "buildings → WEST", "reports to → principal",
		"joins Technicians", "leaves Users", "gains ", "ticket.assignee"} {
		if !strings.Contains(staff, want) {
			t.Fatalf("staff's preview lacks %q: %s", want, staff)
		}
	}
	if got := dry.Updated[1].String(); !strings.Contains(got, "status → deactivated") {
		t.Fatalf("tech's preview: %s", got)
	}
	if g := importedGroups(t, d.admin, "staff"); g != "Users" {
		t.Fatalf("a dry run changed staff's groups: %s", g)
	}
	rep, err := d.admin.ImportUsers(t.Context(), parseUpdateCSV(t, in), domain.ImportOptions{Source: "year.csv"})
	must(t, err)
	if len(rep.Updated) != 2 || rep.Updated[0].String() != staff {
		t.Fatalf("import %+v, preview was %s", rep, staff)
	}
	u, err := d.admin.User(t.Context(), "staff")
	must(t, err)
	if strings.Join(u.Groups, ",") != "Technicians" || strings.Join(u.Buildings, ",") != "WEST" || u.ReportsTo != "principal" ||
		u.User.Phone != "555-0100" || u.User.First != "Sam" {
		t.Fatalf("staff after the import %+v", u)
	}
	if tu, _ := d.admin.User(t.Context(), "tech"); tu.User.Status != domain.StatusDeactivated {
		t.Fatalf("tech still %v", tu.User.Status)
	}
}

// Group Mode add (or --add-groups) joins without leaving; Until alone
// moves every membership's expiry; "-" clears a field.
func TestImportUpdateAddsGroupsMovesExpiriesAndClears(t *testing.T) {
	d := newDistrict(t)
	in := "Username,Group Name,Group Mode,Until,Buildings\n" +
		"staff,Technicians,add,2027-06-30,\n" +
		"principal,,,2027-06-30,-\n"
	rep, err := d.admin.ImportUsers(t.Context(), parseUpdateCSV(t, in), domain.ImportOptions{})
	must(t, err)
	if g := importedGroups(t, d.admin, "staff"); g != "Technicians,Users" {
		t.Fatalf("staff's groups %s (report %+v)", g, rep)
	}
	ms, err := d.admin.Memberships(t.Context(), "principal")
	must(t, err)
	end := time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)
	if len(ms) != 1 || !ms[0].Until.Equal(end) {
		t.Fatalf("principal's memberships %+v", ms)
	}
	if p, _ := d.admin.User(t.Context(), "principal"); len(p.Buildings) != 0 {
		t.Fatalf("buildings not cleared: %v", p.Buildings)
	}
}

// All or nothing: one bad row (an unknown user, a group that breaks R3)
// refuses the whole file with every row's problem, and nothing changes.
func TestImportUpdateIsAllOrNothing(t *testing.T) {
	d := newDistrict(t)
	in := "Username,Group Name,Phone\n" +
		"staff,,555-0100\n" +
		"ghost,Users,\n" +
		"tech,RestrictedUsers,\n"
	rep, err := d.admin.ImportUsers(t.Context(), parseUpdateCSV(t, in), domain.ImportOptions{})
	mustCode(t, err, domain.EInvalid)
	if len(rep.Problems) != 2 || rep.Problems[0].Line != 3 || rep.Problems[1].Line != 4 ||
		!strings.Contains(rep.Problems[0].Reason, `no user "ghost"`) || !strings.Contains(rep.Problems[1].Reason, "R3") {
		t.Fatalf("problems %+v", rep.Problems)
	}
	if u, _ := d.admin.User(t.Context(), "staff"); u.User.Phone != "" {
		t.Fatalf("staff changed by a refused import: %q", u.User.Phone)
	}
}

// R12 row by row: a Building Administrator of EAST who manages users
// cannot, by import, give a user WEST or change a user who holds more
// than they do; rows within their reach are not the problem.
func TestR12_ImportUpdateChecksEveryRow(t *testing.T) {
	d := newDistrict(t)
	c := eastClerk(t, d)
	in := "Username,Buildings,Phone\n" +
		"staff,WEST,\n" +
		"principal,,555-0199\n"
	rep, err := c.ImportUsers(t.Context(), parseUpdateCSV(t, in), domain.ImportOptions{})
	mustCode(t, err, domain.EInvalid)
	if len(rep.Problems) != 2 {
		t.Fatalf("problems %+v", rep.Problems)
	}
	for _, p := range rep.Problems {
		if !strings.Contains(p.Reason, "(R12)") {
			t.Fatalf("problem does not cite R12: %v", p)
		}
	}
	if rep.Problems[0].Column != domain.ColBuildings || !strings.Contains(rep.Problems[0].Reason, "WEST is outside eclerk's buildings") {
		t.Fatalf("first problem %v", rep.Problems[0])
	}
	ok := "Username,Phone\nstaff,555-0123\n"
	_, err = c.ImportUsers(t.Context(), parseUpdateCSV(t, ok), domain.ImportOptions{})
	must(t, err)
}

// The parser of an update import needs only Username, refuses passwords,
// and reads Status and Group Mode.
func TestParseUsersCSVUpdateColumns(t *testing.T) {
	imp, err := domain.ParseUsersCSVUpdate(strings.NewReader("Username,Status,Temporary Password,Group Mode\nann,gone,pw,sideways\n"), time.UTC)
	must(t, err)
	cols := map[string]bool{}
	for _, p := range imp.Problems {
		cols[p.Column] = true
	}
	if !cols[domain.ColStatus] || !cols[domain.ColPassword] || !cols[domain.ColGroupMode] || len(imp.Problems) != 3 {
		t.Fatalf("problems %+v", imp.Problems)
	}
	if _, err := domain.ParseUsersCSV(strings.NewReader("Username,Status\nann,active\n"), time.UTC); err == nil {
		t.Fatal("a create import accepted the Status column")
	}
}

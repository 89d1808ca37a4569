package cli_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTicketReport: Create Custom Reports runs a saved query and writes
// every row as CSV; an existing file is never overwritten; the privilege
// is named when missing.
func TestTicketReport(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "east.csv")
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary"), nil},
		{args("building", "create", "WEST", "--name", "West High"), nil},
		{args("ticket", "create", "--title", "Projector", "--building", "EAST"), nil},
		{args("ticket", "create", "--title", "Printer, jammed", "--building", "EAST"), nil},
		{args("ticket", "create", "--title", "Wi-Fi", "--building", "WEST"), nil},
	})
	admin, err := h.db.Session("admin")
	if err != nil {
		t.Fatal(err)
	}
	q, err := admin.SaveQuery(t.Context(), "East open", "status:open building:EAST", "")
	if err != nil {
		t.Fatal(err)
	}
	h.okHas(args("ticket", "report", "East open", "--out", out), `report "East open": 2 rows written to `+out)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "ticket" || rows[0][12] != "title" {
		t.Fatalf("csv %v", rows)
	}
	titles := map[string]bool{rows[1][12]: true, rows[2][12]: true}
	if !titles["Projector"] || !titles["Printer, jammed"] {
		t.Fatalf("report rows %v", rows)
	}
	// like export --out: only the user who ran the report reads it
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("report file mode: %v %v", st, err)
	}
	h.fails(args("ticket", "report", "1", "--out", out), "cannot write", "file exists")
	id := filepath.Join(dir, "by-id.csv")
	h.okHas(args("ticket", "report", strconv.FormatUint(q.ID, 10), "--out", id, "--json"), `"rows": 2`)
	h.fails(args("ticket", "report", "Nope", "--out", filepath.Join(dir, "x.csv")), `saved query "Nope" not found`, "East open")
	h.fails(args("ticket", "report", "1"), "--out")
	// a plain user lacks Create Custom Reports
	h.ok("user", "create", "sam")
	h.ok("user", "join", "sam", "Users")
	h.fails(args("ticket", "report", "1", "--out", filepath.Join(dir, "sam.csv"), "--as", "sam"), "Create Custom Reports (reports.custom)")
	if _, err := os.Stat(filepath.Join(dir, "sam.csv")); !os.IsNotExist(err) {
		t.Fatalf("a refused report wrote a file: %v", err)
	}
}

// report-format add|list|show|remove keep a group's report formats, and
// ticket report --format-name lays a report out by one, as CSV or --text.
func TestReportFormatCommands(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary", "--region", "North"), nil},
		{args("building", "create", "WEST", "--name", "West High"), nil},
		{args("ticket", "create", "--title", "Projector", "--building", "EAST"), nil},
		{args("ticket", "create", "--title", "Wi-Fi", "--building", "WEST"), nil},
		{args("report-format", "add", "By building", "--group", "District Administrator", "--columns", "ticket, Building,title",
			"--sort", "ticket", "--desc", "--group-by", "building", "--regions", "North"), []string{`report format "By building" (#1) saved for group District Administrator`}},
		{args("report-format", "list"), []string{"District Administrator", "By building", "ticket,building,title", "ticket (descending)", "North"}},
		{args("report-format", "show", "District Administrator/By building"), []string{"columns:", "ticket, building, title", "group by: building"}},
	})
	h.fails(args("report-format", "add", "Pay", "--group", "District Administrator", "--columns", "ticket,pay_rate"), `column "pay_rate" is not a report column`)
	h.fails(args("report-format", "add", "Odd", "--group", "District Administrator", "--columns", "ticket", "--desc"), "--desc needs --sort")
	h.fails(args("report-format", "show", "Nope"), `report format "Nope" not found (report formats: District Administrator/By building)`)
	admin, err := h.db.Session("admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.SaveQuery(t.Context(), "All open", "status:open", ""); err != nil {
		t.Fatal(err)
	}
	csvOut := filepath.Join(dir, "r.csv")
	h.okHas(args("ticket", "report", "All open", "--out", csvOut, "--format-name", "By building"),
		`report "All open" in format "By building": 2 rows written to `+csvOut)
	data, err := os.ReadFile(csvOut)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); got != "ticket,building,title\nT-000001,EAST,Projector\nT-000002,WEST,Wi-Fi\n" {
		t.Fatalf("csv:\n%s", got)
	}
	textOut := filepath.Join(dir, "r.txt")
	h.okHas(args("ticket", "report", "All open", "--out", textOut, "--format-name", "1", "--text"), "2 rows written")
	data, err = os.ReadFile(textOut)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); !strings.HasPrefix(got, "ticket    building  title\n\nbuilding: EAST (1)\nT-000001  EAST      Projector\n") {
		t.Fatalf("text:\n%s", got)
	}
	h.okHas(args("report-format", "remove", "By building"), `report format "By building" of group District Administrator removed`)
	h.fails(args("ticket", "report", "All open", "--out", filepath.Join(dir, "x.csv"), "--format-name", "By building"), "may use no report formats")
}

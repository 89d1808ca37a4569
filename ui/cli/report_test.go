package cli_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
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

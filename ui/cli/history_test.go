package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// R20 from the command line: access diff and access as-of.
func TestR20_CLIAccessDiffAndAsOf(t *testing.T) {
	h := newHarness(t)
	before := time.Now().UTC().Format(time.RFC3339Nano)
	h.ok("user", "create", "kim")
	h.ok("user", "join", "kim", "Technicians")
	h.okHas([]string{"access", "diff", "--since", before}, "USER", "kim", "ticket.assignee")
	h.okHas([]string{"access", "diff", "--since", before, "--group", "Users"}, "no change of effective access")
	h.fails([]string{"access", "diff", "--since", before, "--user", "kim", "--group", "Users"}, "not both")
	h.fails([]string{"access", "diff", "--since", "yesterday"}, "--since", "YYYY-MM-DD")
	h.fails([]string{"access", "as-of", "2000-01-01"}, "access history of this file starts at")
	today := time.Now().Format("2006-01-02")
	h.okHas([]string{"access", "as-of", today}, "kim", "active", "Technicians", "ticket.assignee")
	out := filepath.Join(t.TempDir(), "asof.csv")
	h.okHas([]string{"access", "as-of", today, "--format", "csv", "--out", out}, "written to "+out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "as_of,username,active") || !strings.Contains(string(b), ",kim,true,") {
		t.Fatalf("csv:\n%s", b)
	}
	h.okHas([]string{"access", "as-of", today, "--json"}, `"username": "kim"`, `"privileges": [`)
	h.fails([]string{"access", "as-of", today, "--as", "kim"}, "History")
}

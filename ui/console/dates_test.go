package console

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ui/cli"
)

// One meaning for an end date in every adapter: the console's Until field,
// the CLI's --until and the CSV import's Until column all keep access
// through the end of 2026-12-31 in the organization's zone (here New York,
// not the machine's), store the same instant and show "through 2026-12-31".
func TestDatesMeanTheSameDayInEveryAdapter(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata")
	}
	db := openStore(t)
	admin := session(t, db, "admin")
	ctx := t.Context()
	var p domain.OrgPatch
	_, err = admin.UpdateOrganization(ctx, *p.SetTimeZone("America/New_York"))
	must(t, err)
	want := time.Date(2027, 1, 1, 0, 0, 0, 0, ny)

	// console: the join form on the Users screen
	d := start(t, db, "admin", 120, 40)
	d.keys("4", "/", "bob", "enter", "enter", "n", "Principals", "tab", "tab", "2026-12-31", "tab", "console", "enter")
	d.waitFor("bob joined Principals")
	d.waitFor("2026-12-31") // the Through column of bob's memberships

	// CLI: --until
	run := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := cli.Run(ctx, admin, args, cli.Options{Now: fixedNow}, &out, &errb); code != 0 {
			t.Fatalf("gatehouse %s: %s", strings.Join(args, " "), errb.String())
		}
		return out.String()
	}
	if out := run("user", "join", "carol", "Principals", "--until", "2026-12-31"); !strings.Contains(out, "through 2026-12-31") {
		t.Fatalf("CLI join says %q", out)
	}

	// CSV: the Until column, through the CLI's import
	csv := filepath.Join(t.TempDir(), "u.csv")
	must(t, os.WriteFile(csv, []byte("First Name,Last Name,Email Address,Username,Temporary Password,Group Name,Until\r\n"+
		"Fay,Fox,fay@example.org,fay,,Principals,2026-12-31\r\n"), 0o600))
	run("import", "users", csv)

	for _, u := range []string{"bob", "carol", "fay"} {
		ms, err := admin.Memberships(ctx, u)
		must(t, err)
		found := false
		for _, m := range ms {
			if m.GroupName == "Principals" {
				found = true
				if !m.Until.Equal(want) {
					t.Fatalf("%s's membership ends %v, want %v", u, m.Until, want)
				}
			}
		}
		if !found {
			t.Fatalf("%s has no Principals membership", u)
		}
		if out := run("user", "show", u); !strings.Contains(out, "Principals") || !strings.Contains(out, "through 2026-12-31") {
			t.Fatalf("CLI shows %s as:\n%s", u, out)
		}
	}
	if got := domain.Through(want, ny); got != "through 2026-12-31" {
		t.Fatalf("display %q", got)
	}
}

// The Metrics range is days of the organization's zone: at 09:00 UTC on
// 2 March it is still 1 March in Honolulu, and the range ends there.
func TestMetricsRangeIsInTheOrganizationsZone(t *testing.T) {
	if _, err := time.LoadLocation("Pacific/Honolulu"); err != nil {
		t.Skip("no tzdata")
	}
	db := openStore(t)
	admin := session(t, db, "admin")
	var p domain.OrgPatch
	_, err := admin.UpdateOrganization(t.Context(), *p.SetTimeZone("Pacific/Honolulu"))
	must(t, err)
	d := start(t, db, "admin", 120, 40)
	d.keys(":", "go metrics", "enter")
	s := d.waitFor("Weekly trends")
	if !strings.Contains(s, "– 2026-03-01)") || strings.Contains(s, "2026-03-02") {
		t.Fatalf("the range should end on 1 March, Honolulu's day:\n%s", s)
	}
}

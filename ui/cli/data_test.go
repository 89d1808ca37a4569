package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/domain"
	"gatehouse/store"
)

const usersFile = "First Name,Last Name,Email Address,Username,Temporary Password,Group Name\n"

func TestImportUsersCommand(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte(usersFile+"Ann,Lee,ann@example.org,ann,,Users\nBo,Bad,not-mail,bo,,Nobody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.fails([]string{"import", "users", bad}, "1 row has problems", "line 3, Email Address", `line 3, Group Name: unknown group "Nobody"`)
	good := filepath.Join(dir, "good.csv")
	if err := os.WriteFile(good, []byte(usersFile+"Ann,Lee,ann@example.org,ann,Temp-Pass-1,Users\nBo,Good,bo@example.org,bo,,Technicians\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := h.auditLen()
	h.okHas([]string{"import", "users", good, "--dry-run"}, "dry run: 2 users would be imported", "nothing was written")
	if h.auditLen() != before {
		t.Fatal("a dry run wrote")
	}
	h.okHas([]string{"import", "users", good}, "imported 2 users", "1 with a temporary password")
	h.okHas([]string{"user", "show", "bo"}, "Technicians")
	// with --json the refusal is a report on stdout (and exit status 1)
	out, _, code := h.run("import", "users", good, "--json")
	if code != 1 || !strings.Contains(out, `"line": 2`) || !strings.Contains(out, `"column": "Username"`) {
		t.Fatalf("json refusal: %d %s", code, out)
	}
}

// import users --update changes existing users; --dry-run prints the same
// preview (who gains and loses what) and writes nothing.
func TestImportUsersUpdateCommand(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "ann", "--first", "Ann", "--email", "ann@example.org")
	h.ok("user", "join", "ann", "Users")
	file := filepath.Join(t.TempDir(), "year.csv")
	if err := os.WriteFile(file, []byte("Username,Group Name,Phone\nann,Technicians,555-0100\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := h.auditLen()
	h.okHas([]string{"import", "users", file, "--update", "--dry-run"},
		`ann: phone "" → "555-0100"; joins Technicians; leaves Users; gains `, "dry run: 1 users would change", "nothing was written")
	if h.auditLen() != before {
		t.Fatal("a dry run wrote")
	}
	h.fails([]string{"import", "users", file, "--add-groups"}, "--add-groups needs --update")
	var rep struct {
		Imported int                 `json:"imported"`
		Updated  []domain.UserUpdate `json:"updated"`
	}
	h.jsonOf(&rep, "import", "users", file, "--update", "--add-groups")
	if rep.Imported != 1 || len(rep.Updated) != 1 || strings.Contains(strings.Join(rep.Updated[0].Changes, ";"), "leaves") {
		t.Fatalf("json report %+v", rep)
	}
	h.okHas([]string{"user", "show", "ann"}, "Technicians", "Users")
	missing := filepath.Join(t.TempDir(), "ghost.csv")
	if err := os.WriteFile(missing, []byte("Username,Phone\nghost,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.fails([]string{"import", "users", missing, "--update"}, `line 2, Username: no user "ghost"`)
}

func TestExportBackupCheckAndImportAllCommands(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "ann", "--first", "Ann", "--email", "ann@example.org")
	h.ok("user", "join", "ann", "Users")
	h.okHas([]string{"export", "--format", "csv"}, "ann,", "Ann,,ann@example.org,ann,,Users")
	dir := t.TempDir()
	all := filepath.Join(dir, "all.json")
	h.okHas([]string{"export", "--out", all}, "exported to")
	h.okHas([]string{"check"}, "the file is consistent")
	backup := filepath.Join(dir, "backup.db")
	h.okHas([]string{"backup", backup}, "verified")
	if err := store.VerifyFile(backup); err != nil {
		t.Fatal(err)
	}
	h.fails([]string{"export", "--format", "xml"}, "use json or csv")
	h.fails([]string{"import", "all", all}, "holds nothing but its seed")
	h.fails([]string{"--as", "ann", "check"}, "only a superuser")

	fresh := newHarness(t)
	fresh.okHas([]string{"import", "all", all}, "the owner account is now admin")
	data, _ := os.ReadFile(all)
	again := fresh.ok("export")
	if !strings.HasPrefix(again, strings.TrimSuffix(string(data), "\n]\n}\n")) {
		t.Fatal("export after import all does not start with the first export")
	}
}

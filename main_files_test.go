package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The finding as reported: a manager who may export the user list names
// the data file as --out. The command is refused, naming the data file,
// and the file is the same file with the same bytes; the store still
// opens. Also through another spelling of its path (a symlinked
// directory), which only a device-and-inode comparison catches.
func TestExportNeverReplacesTheDataFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "g.db")
	for _, args := range [][]string{
		{"group", "create", "Managers"},
		{"group", "grant", "Managers", "users:view"},
		{"user", "create", "mgr"},
		{"user", "join", "mgr", "Managers"},
	} {
		if _, errs, code := runMain(t, append([]string{"--db", db}, args...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
	}
	link := filepath.Join(t.TempDir(), "via")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	content, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{db, filepath.Join(link, "g.db"), filepath.Join(dir, ".", "g.db")} {
		_, errs, code := runMain(t, "--db", db, "--as", "mgr", "export", "--format", "csv", "--out", out)
		if code != 1 || !strings.Contains(errs, "it is the data file this gatehouse has open") {
			t.Errorf("export --out %s: exit %d, stderr %q", out, code, errs)
		}
		after, err := os.Stat(db)
		if err != nil || !os.SameFile(before, after) {
			t.Fatalf("export --out %s replaced the data file", out)
		}
		if now, _ := os.ReadFile(db); !bytes.Equal(now, content) {
			t.Fatalf("export --out %s changed the data file", out)
		}
	}
	if out, errs, code := runMain(t, "--db", db, "user", "list"); code != 0 || !strings.Contains(out, "mgr") {
		t.Fatalf("the data file no longer opens: exit %d %s", code, errs)
	}
	// another file is still written
	other := filepath.Join(dir, "users.csv")
	if _, errs, code := runMain(t, "--db", db, "--as", "mgr", "export", "--format", "csv", "--out", other); code != 0 {
		t.Fatalf("export to a new file: exit %d: %s", code, errs)
	}
}

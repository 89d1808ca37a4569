package console

import (
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/store"
)

// A running console holds the file, so its backup and check are done from
// here; a non-superuser is refused with the reason.
func TestDataFileBackupAndCheck(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	dest := filepath.Join(t.TempDir(), "copy.db")
	d.keys(":", "back up the data", "enter")
	d.waitFor("Back up the data file to")
	d.keys(dest, "enter")
	d.waitFor("backed up to " + dest + " and verified")
	if err := store.VerifyFile(dest); err != nil {
		t.Fatalf("the backup does not verify: %v", err)
	}
	d.keys("c")
	d.waitFor("the file is consistent")
	d.keys("b") // the destination stays typed for the next backup
	d.waitUntil("the typed path in the form", func(s string) bool {
		return strings.Contains(s, "Back up the data file to") && strings.Contains(s, filepath.Base(dest))
	})
	d.keys("esc")
	d.waitFor("b back up")
}

func TestDataFileNeedsSuperuser(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "carol", 120, 40)
	d.keys(":", "back up the data", "enter")
	s := d.screen()
	if strings.Contains(s, "Back up the data file to") {
		t.Fatalf("a non-superuser reached the backup:\n%s", s)
	}
}

// A failed background job is shown on the Data file screen, not dropped.
func TestDataFileShowsFailedJobs(t *testing.T) {
	db := openStore(t)
	fails := func() []string {
		return []string{"2026-03-02 09:00 scheduled tasks: scheduled task \"Filters\": its building is gone"}
	}
	d := startWith(t, Config{Service: session(t, db, "admin"), Feed: db, Now: fixedNow, NoColor: true, JobFailures: fails}, 140, 40)
	d.keys(":", "back up the data", "enter")
	d.waitFor("Back up the data file to")
	d.keys("esc") // the screen behind the form
	d.waitFor("Background jobs failed")
	d.waitFor("its building is gone")
}

// Over SSH the backup names no path (a typed one would be a path on the
// server): it goes to backups/ beside the data file, newly named, and a
// second backup never replaces the first.
func TestDataFileBackupOverSSHGoesToTheDataDirectory(t *testing.T) {
	db := openStore(t)
	d := startWith(t, Config{Service: session(t, db, "admin"), Feed: db, Now: fixedNow, NoColor: true, Remote: true}, 160, 40)
	d.keys(":", "back up the data", "enter")
	s := d.waitFor("and verified")
	if strings.Contains(s, "Back up the data file to") {
		t.Fatalf("a remote session was asked for a path:\n%s", s)
	}
	dir := filepath.Join(filepath.Dir(db.Path()), "backups")
	files, err := filepath.Glob(filepath.Join(dir, "gatehouse-*.db"))
	if err != nil || len(files) != 1 {
		t.Fatalf("backups: %v %v", files, err)
	}
	if !strings.Contains(s, files[0]) {
		t.Fatalf("the status does not name %s:\n%s", files[0], s)
	}
	if err := store.VerifyFile(files[0]); err != nil {
		t.Fatalf("the backup does not verify: %v", err)
	}
	d.keys("b") // the same second (a fixed clock): refused, not replaced
	d.waitFor("exists")
}

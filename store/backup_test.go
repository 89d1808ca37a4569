package store_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/domain"
	"gatehouse/internal/safefile"
	"gatehouse/store"
)

func ticketTotal(t testing.TB, s domain.Service) int {
	t.Helper()
	page, err := s.Tickets(t.Context(), domain.TicketQuery{Limit: 1})
	must(t, err)
	return page.Total
}

// A backup taken while another goroutine keeps writing is one consistent
// state of the file: it opens, checks clean, and holds between the tickets
// seen before and after it was taken.
func TestBackupWhileAnotherGoroutineWrites(t *testing.T) {
	d := newDistrict(t)
	stop, done := make(chan struct{}), make(chan error)
	started := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := d.admin.CreateTicket(t.Context(), domain.NewTicket{Title: fmt.Sprintf("Load %d", i), Building: "WEST"}); err != nil {
				done <- err
				return
			}
			if i == 5 {
				close(started)
			}
		}
	}()
	<-started
	path := filepath.Join(t.TempDir(), "backups", "gatehouse-backup.db")
	var before, after int
	for round := range 3 { // the second and third replace the first
		before = ticketTotal(t, d.admin)
		must(t, d.admin.Backup(t.Context(), path))
		after = ticketTotal(t, d.admin)
		if round == 0 {
			if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("backup file: %v %v", st, err)
			}
		}
	}
	close(stop)
	must(t, <-done)
	if before == after {
		t.Log("the writer made no ticket during the backup; consistency is still checked")
	}
	must(t, store.VerifyFile(path))
	b, err := store.Open(path, store.Options{})
	must(t, err)
	defer b.Close()
	checkClean(t, b)
	if n := ticketTotal(t, as(t, b, "admin")); n < before || n > after {
		t.Fatalf("the backup holds %d tickets, not between %d and %d", n, before, after)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

// The file a store holds on this machine (the data file; on etcd the local
// mirror, whose path is not --store's) is never an output: backup and
// every safefile write refuse it, and it stays the same file.
func TestNoOutputReplacesTheStoresLocalFile(t *testing.T) {
	d := newDistrict(t)
	local := store.LocalFile(d.db)
	what := "the data file"
	if etcdURL != "" {
		what = "the local mirror of " + d.db.Path()
	}
	before, err := os.Stat(local)
	must(t, err)
	for name, err := range map[string]error{
		"backup":    d.admin.Backup(t.Context(), local),
		"safefile":  safefile.Write(local, func(w io.Writer) error { _, err := io.WriteString(w, "csv"); return err }),
		"write new": safefile.WriteNew(local, func(w io.Writer) error { _, err := io.WriteString(w, "csv"); return err }),
	} {
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "it is "+what+" this gatehouse has open") {
			t.Errorf("%s to %s = %v", name, local, err)
		}
	}
	after, err := os.Stat(local)
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("%s was replaced", local)
	}
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Still works"}, false)
	must(t, err)
}

func TestBackupRefusesTheLiveFileAndNonAdmins(t *testing.T) {
	bboltOnly(t)
	d := newDistrict(t)
	mustCode(t, d.admin.Backup(t.Context(), d.db.Path()), domain.EInvalid)
	mustCode(t, d.admin.Backup(t.Context(), t.TempDir()), domain.EInvalid)
	mustCode(t, as(t, d.db, "principal").Backup(t.Context(), filepath.Join(t.TempDir(), "b.db")), domain.EForbidden)
}

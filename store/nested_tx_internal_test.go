package store

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"gatehouse/domain"
)

// No read transaction may wait on another. A read that opened a second
// read transaction while its first was open deadlocks as soon as a writer
// must remap the growing file: the writer waits for the first, the second
// waits behind the writer, and the first waits for the second (bbolt's
// documented rule). Many free-text searches run here while another
// goroutine grows the file with large attachments, from a tiny first
// mapping so that it remaps many times; the test fails with every
// goroutine's stack if the work does not finish before the deadline.
func TestNoNestedRead_SearchWhileFileGrows(t *testing.T) {
	old := initialMmapSize
	initialMmapSize = 32 << 10
	t.Cleanup(func() { initialMmapSize = old })
	db, err := Open(filepath.Join(t.TempDir(), "g.db"), Options{Owner: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	// closed only when the work finished: Close would wait on a deadlock
	admin, err := db.Session("admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateBuilding(t.Context(), domain.Building{Code: "EAST", Name: "East"}); err != nil {
		t.Fatal(err)
	}
	var first domain.TicketNumber
	for i := range 40 {
		tk, err := admin.CreateTicket(t.Context(), domain.NewTicket{Title: fmt.Sprintf("Printer %d jams", i), Building: "EAST", ProblemType: "Hardware"})
		if err != nil {
			t.Fatal(err)
		}
		if first == 0 {
			first = tk.Number
		}
	}

	stop := make(chan struct{})
	finished := make(chan struct{})
	var searchers sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		searchers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, q := range []domain.TicketQuery{{Text: "printer"}, {Text: "jams", Priority: "normal"}, {Text: "printer", Sort: domain.SortAge}} {
					if _, err := admin.Tickets(t.Context(), q); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	go func() {
		defer close(finished)
		blob := make([]byte, 512<<10) // 24 MiB in all: a dozen remaps from 32 KiB
		for i := range 48 {
			blob[0] = byte(i)
			if _, err := admin.Attach(t.Context(), first, fmt.Sprintf("blob%d.bin", i), blob); err != nil {
				errs <- err
				break
			}
		}
		close(stop)
		searchers.Wait()
	}()
	select {
	case <-finished:
	case <-time.After(2 * time.Minute):
		buf := make([]byte, 1<<22)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("searches and a growing write did not finish: a read waits on another\n%s", buf)
	}
	if err := db.Close(); err != nil {
		t.Error(err)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

package store_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

func TestCompact_ShrinksAFileThatHeldMoreAndKeepsItsData(t *testing.T) {
	bboltOnly(t)
	d := newDistrict(t)
	path := d.db.Path()
	// grow the file with attachments, then delete them: bbolt keeps the pages
	for i := range 8 {
		a, err := d.admin.Attach(t.Context(), d.east, "scan.bin", bytes.Repeat([]byte{byte(i)}, 4<<20))
		must(t, err)
		must(t, d.admin.DeleteAttachment(t.Context(), d.east, a.ID))
	}
	_, err := store.Compact(path)
	if err == nil || !errors.Is(err, store.ErrInUse) {
		t.Fatalf("compacting a held file: %v", err)
	}
	d.db.Close()
	st, _ := os.Stat(path)
	rep, err := store.Compact(path)
	must(t, err)
	if rep.Before != st.Size() || rep.After >= rep.Before/2 {
		t.Fatalf("compact %+v (file was %d bytes)", rep, st.Size())
	}
	db, err := store.Open(path, store.Options{Now: d.clk.now, Timeout: time.Second})
	must(t, err)
	defer db.Close()
	admin := as(t, db, "admin")
	if rep, err := admin.Check(t.Context(), false); err != nil || !rep.Clean() {
		t.Fatalf("check after compact: %v %+v", err, rep.Findings)
	}
	page, _ := admin.Tickets(t.Context(), domain.TicketQuery{})
	if page.Total != 2 {
		t.Fatalf("tickets after compact: %d", page.Total)
	}
	evs, _ := admin.Audit(t.Context(), domain.AuditQuery{Entity: "file", Limit: 1})
	if len(evs) != 1 || evs[0].Action != "compact" {
		t.Fatalf("audit: %+v", evs)
	}
}

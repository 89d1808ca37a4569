package store

import (
	"os"
	"path/filepath"
	"testing"

	"gatehouse/domain"
)

// FuzzDecoders: the binary decoders of tickets, history, audit events and
// groups read any bytes without panicking: a damaged record is an error.
// A record that decodes encodes back to bytes that decode the same way.
func FuzzDecoders(f *testing.F) {
	t := domain.Ticket{ID: 7, Number: 42, Title: "Printer jam", Description: "Floor 2", Status: domain.StatusAssigned, Priority: "High",
		Teams: []domain.ID{1, 2}, VisibleTo: []domain.ID{3}}
	f.Add(encTicket(&t))
	f.Add(encHistory(&domain.HistoryEntry{Ticket: 42, Actor: 1, Action: "assign", Detail: "bob", Comment: "on it"}))
	f.Add(encAudit(&domain.AuditEvent{ID: 9, Entity: "ticket", EntityID: 42, Action: "assign", Before: "", After: "bob"}))
	if g, err := encGroup(&domain.Group{ID: 3, Name: "Technicians"}); err == nil {
		f.Add(g)
	}
	f.Add([]byte{})
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		var tk domain.Ticket
		if decTicket(b, &tk) == nil {
			var again domain.Ticket
			if err := decTicket(encTicket(&tk), &again); err != nil {
				t.Fatalf("a decoded ticket does not decode after encoding: %v", err)
			}
		}
		var h domain.HistoryEntry
		_ = decHistory(b, &h)
		var a domain.AuditEvent
		_ = decAudit(b, &a)
		var g domain.Group
		_ = decGroup(b, &g)
		_, _, _ = ticketText(b)
	})
}

// FuzzOpenDamagedFile: a small valid data file with bytes overwritten at
// any offset opens with a clear error, or opens and reads, never panics.
func FuzzOpenDamagedFile(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good.db")
	db, err := Open(good, Options{Owner: "root"})
	if err != nil {
		f.Fatal(err)
	}
	if err := db.Close(); err != nil {
		f.Fatal(err)
	}
	orig, err := os.ReadFile(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint32(0), []byte{0xff, 0xff})
	f.Add(uint32(16), []byte{0, 0, 0, 0})
	f.Add(uint32(4096+16), []byte{0xde, 0xad, 0xbe, 0xef})
	f.Add(uint32(2*4096), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint32(len(orig)-1), []byte{0})
	f.Fuzz(func(t *testing.T, off uint32, patch []byte) {
		b := append([]byte(nil), orig...)
		at := int(off) % (len(b) + 1)
		if at+len(patch) > len(b) {
			b = b[:at] // a patch past the end is a truncation there
		} else {
			copy(b[at:], patch)
		}
		path := filepath.Join(t.TempDir(), "damaged.db")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := Open(path, Options{Owner: "root"})
		if err != nil {
			return
		}
		defer func() {
			if err := db.Close(); err != nil {
				t.Logf("close: %v", err)
			}
		}()
		svc, err := db.Session(db.Owner())
		if err != nil {
			return
		}
		_, _ = svc.Groups(t.Context(), "")
		_, _ = svc.Users(t.Context(), domain.UserQuery{})
	})
}

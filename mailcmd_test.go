package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

func runMailgate(t *testing.T, path, msg string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"--db", path, "mailgate"}, args...), strings.NewReader(msg), &out, &errb)
	return out.String(), errb.String(), code
}

// mailFile is a data file with alice (Users, building EAST, an address).
func mailFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "g.db")
	db, err := store.Open(path, store.Options{Owner: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := db.Session("owner")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	b, err := svc.CreateBuilding(ctx, domain.Building{Code: "EAST", Name: "East"})
	if err == nil {
		_, err = svc.CreateUser(ctx, domain.User{Username: "alice", Email: "alice@school.example", Buildings: []domain.ID{b.ID}})
	}
	if err == nil {
		err = svc.Join(ctx, "alice", "Users", time.Time{}, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

const report = "From: Alice <alice@school.example>\r\nSubject: Heater off\r\n\r\nIt is cold in room 4.\r\n"

// mailgate's sysexits: 0 accepted or dropped, 67 refused, 75 when the
// file is busy and nobody takes the message.
func TestMailgateExitCodes(t *testing.T) {
	path := mailFile(t)
	out, _, code := runMailgate(t, path, report, "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run, nothing written: accepted: ticket T-000001") {
		t.Fatalf("dry run: exit %d, %q", code, out)
	}
	out, _, code = runMailgate(t, path, report)
	if code != 0 || !strings.Contains(out, "ticket T-000001 reported by alice") {
		t.Fatalf("report: exit %d, %q", code, out)
	}
	_, errOut, code := runMailgate(t, path, "From: bob@elsewhere.example\r\nSubject: hi\r\n\r\nhello\r\n")
	if code != domain.ExitNoUser || !strings.Contains(errOut, "unknown sender") {
		t.Fatalf("stranger: exit %d, %q", code, errOut)
	}
	out, _, code = runMailgate(t, path, "From: MAILER-DAEMON@mx.example\r\nSubject: failure\r\n\r\nbounced\r\n")
	if code != 0 || !strings.Contains(out, "dropped") {
		t.Fatalf("bounce: exit %d, %q", code, out)
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wait := mailLockWait
	mailLockWait = 50 * time.Millisecond
	defer func() { mailLockWait = wait }()
	_, errOut, code = runMailgate(t, path, report)
	if code != domain.ExitTempFail || !strings.Contains(errOut, "try again later") {
		t.Fatalf("busy file: exit %d, %q", code, errOut)
	}
}

// While a process holds the file, mailgate hands the message over the
// socket beside it, and `mail send` asks that process to deliver.
func TestMailgateHandsToTheProcessHoldingTheFile(t *testing.T) {
	path := mailFile(t)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hub := startMail(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer hub.Stop()
	if _, err := os.Stat(mailSocket(path)); err != nil {
		t.Fatalf("no socket beside the file: %v", err)
	}
	out, errOut, code := runMailgate(t, path, report)
	if code != 0 || !strings.Contains(out, "ticket T-000001 reported by alice") {
		t.Fatalf("through the socket: exit %d, %q %q", code, out, errOut)
	}
	svc, err := db.Session("owner")
	if err != nil {
		t.Fatal(err)
	}
	td, err := svc.Ticket(t.Context(), 1)
	if err != nil || td.Title != "Heater off" {
		t.Fatalf("ticket %+v, %v", td.TicketRow, err)
	}
	var o, e bytes.Buffer
	code = run([]string{"--db", path, "mail", "send"}, strings.NewReader(""), &o, &e)
	if code != 1 || !strings.Contains(e.String(), "not set up") {
		t.Fatalf("mail send without settings: exit %d, %q", code, e.String())
	}
}

package cli_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestDiscussionAndAttachmentCommands(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	note := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(note, []byte("lamp model X-200"), 0o644); err != nil {
		t.Fatal(err)
	}
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary"), nil},
		{args("user", "create", "tina"), nil},
		{args("user", "join", "tina", "Technicians"), nil},
		{args("ticket", "create", "--title", "Projector", "--building", "EAST"), nil},
		{args("ticket", "assign", "1", "tina"), nil},
		{args("ticket", "thread", "1", "--title", "Parts", "--text", "need a lamp", "--as", "tina"), []string{"started thread 1 \"Parts\" on T-000001"}},
		{args("ticket", "post", "1", "--thread", "1", "--reply-to", "1", "--text", "ordered"), []string{"posted message 2 in thread 1"}},
		{args("ticket", "messages", "1", "--as", "tina"), []string{"thread 1: Parts", "[1] tina", "need a lamp", "in reply to 1", "ordered"}},
		{args("ticket", "attach", "1", note, "--as", "tina"), []string{"attached note.txt (text/plain; charset=utf-8, 16 bytes) to T-000001"}},
		{args("ticket", "attachments", "1"), []string{"note.txt", "text/plain"}},
		{args("ticket", "save", "1", "note.txt", "--out", filepath.Join(dir, "copy.txt")), []string{"saved note.txt (16 bytes)"}},
	})
	if b, _ := os.ReadFile(filepath.Join(dir, "copy.txt")); string(b) != "lamp model X-200" {
		t.Fatalf("saved copy %q", b)
	}
	if st, err := os.Stat(filepath.Join(dir, "copy.txt")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("saved copy mode: %v %v", st, err)
	}
	h.fails(args("ticket", "save", "1", "note.txt", "--out", filepath.Join(dir, "copy.txt")), "file exists")
	h.fails(args("ticket", "post", "1", "--thread", "9", "--text", "x"), "thread 9 not found")
	h.fails(args("ticket", "post", "1", "--thread", "x", "--text", "x"), "--thread \"x\"")
	h.fails(args("ticket", "attach", "1", filepath.Join(dir, "missing.txt")), "cannot read")
	h.fails(args("ticket", "attach", "1", dir), "is a directory")
	// a pipe that holds more than the limit: refused without reading it
	// (the old code read any non-file to its end, /dev/zero forever)
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			_, _ = w.Write(make([]byte, 11<<20))
			_ = w.Close()
		}
	}()
	h.fails(args("ticket", "attach", "1", fifo), "not a regular file")
	if r, err := os.OpenFile(fifo, os.O_RDONLY, 0); err == nil { // let the writer finish
		_, _ = io.Copy(io.Discard, r)
		_ = r.Close()
	}
	// a user without View Messages is refused with the privilege named
	h.ok("user", "create", "sam")
	h.ok("user", "join", "sam", "Users")
	h.ok("ticket", "create", "--title", "Chair", "--building", "EAST", "--as", "sam")
	_, errs, code := h.run("ticket", "messages", "2", "--as", "sam")
	if code != 1 || !strings.Contains(errs, "View Messages (discussion.view)") {
		t.Fatalf("sam messages: %d %q", code, errs)
	}
	// and a ticket they may not see is not found
	_, errs, _ = h.run("ticket", "messages", "1", "--as", "sam")
	if !strings.Contains(errs, "ticket T-000001 not found") {
		t.Fatalf("sam on T-000001: %q", errs)
	}
}

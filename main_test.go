package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/store"
)

func runMain(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestHelpAndTyposDoNotOpenTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	t.Setenv("GATEHOUSE_DB", path)
	for _, a := range [][]string{{"help"}, {"--help"}, {"group", "-h"}} {
		out, _, code := runMain(t, a...)
		if code != 0 || !strings.Contains(out, "usage:") {
			t.Errorf("%q: exit %d, stdout %q", a, code, out)
		}
	}
	for _, a := range [][]string{{"frob"}, {"group", "show"}, {"user", "list", "--bogus"}, {"user", "list", "--as"}} {
		_, errs, code := runMain(t, a...)
		if code != 1 || !strings.HasPrefix(errs, "gatehouse: ") {
			t.Errorf("%q: exit %d, stderr %q", a, code, errs)
		}
	}
	if exists(path) {
		t.Error("help or a typo created the data file")
	}
}

func TestRunCommandWithGlobalFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "g.db")
	out, errs, code := runMain(t, "user", "list", "--db", path, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var users []map[string]any
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users) != 1 || users[0]["superuser"] != true {
		t.Fatalf("user list --json on a new file = %s (%v), want the owner", out, err)
	}
	if _, errs, code := runMain(t, "--db", path, "--as", "ghost", "user", "list"); code != 1 || !strings.Contains(errs, "ghost") {
		t.Errorf("--as ghost: exit %d, stderr %q", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "foreign.db")
	if err := os.WriteFile(bad, []byte("not a gatehouse file at all, just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runMain(t, "--db", bad, "user", "list"); code != 1 || !strings.Contains(errs, "not a gatehouse file") {
		t.Errorf("foreign file: exit %d, stderr %q", code, errs)
	}
}

func TestDemoSeedsOnFirstUse(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "gatehouse.db")
	out, errs, code := runMain(t, "--db", real, "--demo", "building", "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var bs []map[string]any
	if err := json.Unmarshal([]byte(out), &bs); err != nil || len(bs) == 0 {
		t.Fatalf("demo buildings = %s (%v)", out, err)
	}
	if !exists(filepath.Join(dir, "demo.db")) || exists(real) {
		t.Fatal("--demo must use demo.db beside the data file and leave the data file alone")
	}
	// Second use opens the same district without seeding again.
	out2, _, code := runMain(t, "--db", real, "--demo", "building", "list", "--json")
	if code != 0 || out2 != out {
		t.Errorf("second --demo differs or fails (exit %d)", code)
	}
}

// TestDemoOutKilledMidwayDoesNotBlockTheNextRun kills `gatehouse demo
// --out` (a child process) as soon as it has written anything, then runs it
// again: the half-made district must not sit under the name asked for.
func TestDemoOutKilledMidwayDoesNotBlockTheNextRun(t *testing.T) {
	if out := os.Getenv("GATEHOUSE_TEST_DEMO_OUT"); out != "" {
		os.Exit(run([]string{"demo", "--out", out, "--users", "20000", "--tickets", "2000000"}, strings.NewReader(""), io.Discard, io.Discard))
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "district.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDemoOutKilledMidwayDoesNotBlockTheNextRun$")
	cmd.Env = append(os.Environ(), "GATEHOUSE_TEST_DEMO_OUT="+out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// wait for the child's first bytes on disk (the deadline only guards
	// against a child that never writes), then kill it
	deadline := time.Now().Add(60 * time.Second)
	for written := false; !written; {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if info, err := e.Info(); err == nil && info.Size() > 0 {
				written = true
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the demo child never wrote anything")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // killed: the exit status is the signal
	if exists(out) {
		t.Errorf("a killed demo left a partial file at %s", out)
	}
	stdout, errs, code := runMain(t, "demo", "--out", out, "--users", "20", "--tickets", "10")
	if code != 0 || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("the next run: exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	if err := store.VerifyFile(out); err != nil {
		t.Fatal(err)
	}
	// an existing district is still never overwritten
	if _, errs, code := runMain(t, "demo", "--out", out); code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("demo over an existing file: exit %d, %q", code, errs)
	}
}

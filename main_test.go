package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

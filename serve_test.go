package main

import (
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/store"
)

func TestServeFlagsAreCheckedBeforeTheFileOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	t.Setenv("GATEHOUSE_DB", path)
	out, _, code := runMain(t, "serve", "--help")
	if code != 0 || !strings.Contains(out, "usage: gatehouse serve") {
		t.Errorf("serve --help: exit %d, %q", code, out)
	}
	for _, bad := range [][]string{{"serve", "--bogus"}, {"serve", "extra"}, {"serve", "--max-sessions", "0"},
		{"serve", "--idle", "-1m"}, {"serve", "--idle", "soon"}, {"serve", "--max-startups", "0:30:100"},
		{"serve", "--max-startups", "10:30"}, {"serve", "--max-startups", "10:30:5"}, {"serve", "--max-startups-per-address", "0"},
		{"serve", "--login-grace", "0"}} {
		_, errOut, code := runMain(t, bad...)
		if code != 1 || !strings.HasPrefix(errOut, "gatehouse: serve: ") {
			t.Errorf("%q: exit %d, stderr %q", bad, code, errOut)
		}
	}
	if exists(path) {
		t.Error("a refused serve command created the data file")
	}
}

// A file held by another gatehouse gives the store's clear message rather
// than a hang.
func TestServeOnAHeldFileSaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	db, err := store.Open(path, store.Options{Owner: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, errOut, code := runMain(t, "--db", path, "serve", "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, "in use by another gatehouse") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

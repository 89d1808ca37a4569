package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/internal/etcdtest"
)

// `gatehouse outcome WRITE-ID` answers for a write whose answer etcd
// never gave: on a cluster, an id based on the current guard that never
// arrived did not land (and the answer stays); on a bbolt file there is
// nothing to ask, and a malformed id is refused.
func TestOutcomeCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	if _, errs, code := runMain(t, "--db", path, "outcome", "12-0123456789abcdef"); code != 1 || !strings.Contains(errs, "bbolt file") {
		t.Errorf("outcome on bbolt: exit %d, stderr %q", code, errs)
	}
	if testing.Short() {
		return
	}
	c := etcdtest.StartT(t, 1)
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the mirror's cache
	url := c.URL("outcome")
	if _, errs, code := runMain(t, "--store", url, "group", "list"); code != 0 {
		t.Fatalf("group list: exit %d: %s", code, errs)
	}
	resp, err := c.Client().Get(t.Context(), "outcome/rev")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("the guard: %v %v", resp, err)
	}
	id := fmt.Sprintf("%d-00000000deadbeef", resp.Kvs[0].ModRevision)
	for range 2 {
		out, errs, code := runMain(t, "--store", url, "outcome", id)
		if code != 0 || !strings.Contains(out, "did not land") {
			t.Fatalf("outcome %s: exit %d, stdout %q, stderr %q", id, code, out, errs)
		}
	}
	out, errs, code := runMain(t, "--store", url, "--json", "outcome", id)
	var got struct {
		ID     string `json:"write_id"`
		Landed *bool  `json:"landed"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.ID != id || got.Landed == nil || *got.Landed {
		t.Fatalf("outcome --json: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, errs, code := runMain(t, "--store", url, "outcome", "banana"); code != 1 || !strings.Contains(errs, "not a write id") {
		t.Errorf("outcome banana: exit %d, stderr %q", code, errs)
	}
}

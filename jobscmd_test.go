package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// `gatehouse jobs run` runs what the console and serve run every minute:
// a scheduled task that fell due while nothing was open creates its
// ticket, the report says so, and a second run has nothing left to do.
func TestJobsRunCreatesDueScheduledTicketsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	if _, errs, code := runMain(t, "--db", path, "user", "list"); code != 0 {
		t.Fatalf("user list: %s", errs)
	}
	// two days ago a weekly task was set up to run an hour later
	then := time.Now().Add(-48 * time.Hour)
	db, err := store.Open(path, store.Options{Now: func() time.Time { return then }})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := db.Session(db.Owner())
	if err == nil {
		var b domain.Building
		if b, err = svc.CreateBuilding(t.Context(), domain.Building{Code: "EAST", Name: "East"}); err == nil {
			_, err = svc.CreateSchedule(t.Context(), domain.ScheduledTask{Title: "Check backups", Building: b.ID,
				Every: domain.Weekly, Interval: 1, NextRun: then.Add(time.Hour), Enabled: true})
		}
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := runMain(t, "--db", path, "jobs", "run", "--json")
	if code != 0 {
		t.Fatalf("jobs run: exit %d, %s", code, errs)
	}
	var rep jobsJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Tickets != 1 || !rep.Succeeded || len(rep.Failures) != 0 {
		t.Errorf("first run = %+v, want 1 scheduled ticket and ok", rep)
	}
	out, _, code = runMain(t, "--db", path, "jobs", "run")
	if code != 0 || !strings.Contains(out, "scheduled tasks:  0 tickets created") {
		t.Errorf("second run: exit %d, %q; want nothing left to create", code, out)
	}
}

// A failed job is named on stderr and makes the exit status 1, so cron
// mails the failure.
func TestJobsRunFailureExitsOne(t *testing.T) {
	var out, errb bytes.Buffer
	code := printJobs(store.JobReport{Tickets: 2, Failures: []string{"scheduled tasks: " + errors.New("disk full").Error()}}, false, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "gatehouse: job failed: scheduled tasks: disk full") ||
		!strings.Contains(out.String(), "scheduled tasks:  2 tickets created") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	if code := printJobs(store.JobReport{Stopped: true}, true, &out, &errb); code != 1 {
		t.Errorf("stopped run: exit %d, want 1", code)
	}
}

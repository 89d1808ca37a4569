package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"gatehouse/internal/mail"
	"gatehouse/store"
	"gatehouse/ui/cli"
)

// jobsJSON is one run of the periodic jobs as scripts read it.
type jobsJSON struct {
	At        string   `json:"at"`
	Expired   int      `json:"expired"`
	Tickets   int      `json:"tickets"`
	Overdue   int      `json:"overdue"`
	Alerts    int      `json:"alerts"`
	Reviews   int      `json:"reviews"`
	Failures  []string `json:"failures"`
	Stopped   bool     `json:"stopped"`
	Succeeded bool     `json:"ok"`
}

// runJobs runs `gatehouse jobs run`: the periodic jobs once, exactly what
// the console and `gatehouse serve` run every minute (store.RunJobs, which
// StartJobs calls), for sites that drive gatehouse from cron alone. It
// prints what each job did; a failed or interrupted job exits 1.
func runJobs(g cli.Global, stdout, stderr io.Writer) int {
	path, err := dataPath(g)
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	db, err := openStore(path, store.Options{})
	if err != nil {
		cli.PrintError(stderr, howToConnect(path, g.As, err))
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := db.RunJobs(ctx)
	// then the mail the jobs (and the day's changes) queued: what the
	// server's delivery worker does, once (`gatehouse mail send`)
	mailLine := "mail delivery:    not configured (gatehouse mail set), nothing sent"
	if ctx.Err() == nil {
		r, err := (&mail.Worker{Queue: db}).Drain(ctx)
		switch {
		case err != nil:
			rep.Failures = append(rep.Failures, "mail delivery: "+err.Error())
			mailLine = "mail delivery:    failed"
		case r.Configured:
			mailLine = "mail delivery:    " + r.String()
		}
	}
	if err := db.Close(); err != nil {
		rep.Failures = append(rep.Failures, "closing the file: "+err.Error())
	}
	if !g.JSON {
		defer fmt.Fprintln(stdout, mailLine)
	}
	return printJobs(rep, g.JSON, stdout, stderr)
}

// printJobs reports one run: a line per job, then each failure on stderr.
func printJobs(rep store.JobReport, asJSON bool, stdout, stderr io.Writer) int {
	ok := len(rep.Failures) == 0 && !rep.Stopped
	if asJSON {
		out := jobsJSON{At: rep.At.UTC().Format("2006-01-02T15:04:05Z"), Expired: rep.Expired, Tickets: rep.Tickets,
			Overdue: rep.Overdue, Alerts: rep.Alerts, Reviews: rep.Reviews, Failures: rep.Failures, Stopped: rep.Stopped, Succeeded: ok}
		if out.Failures == nil {
			out.Failures = []string{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			cli.PrintError(stderr, err)
			return 1
		}
	} else {
		fmt.Fprintf(stdout, "expiry records:   %d memberships expired\n", rep.Expired)
		fmt.Fprintf(stdout, "scheduled tasks:  %d tickets created\n", rep.Tickets)
		fmt.Fprintf(stdout, "overdue notices:  %d queued\n", rep.Overdue)
		fmt.Fprintf(stdout, "alerts:           %d queued\n", rep.Alerts)
		fmt.Fprintf(stdout, "review campaigns: %d started or closed\n", rep.Reviews)
	}
	for _, f := range rep.Failures {
		cli.PrintError(stderr, fmt.Errorf("job failed: %s", f))
	}
	if rep.Stopped {
		cli.PrintError(stderr, fmt.Errorf("the jobs were stopped before they finished; run again to finish (each job is idempotent)"))
	}
	if !ok {
		return 1
	}
	return 0
}

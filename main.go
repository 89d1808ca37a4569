// Command gatehouse is a keyboard-driven terminal admin console for helpdesk
// permissions and ticket triage, with a scriptable command line. This file
// is wiring only: global flags, the data file, the acting user, and which
// interface runs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/demo"
	"gatehouse/internal/safefile"
	"gatehouse/keymap"
	"gatehouse/store"
	"gatehouse/ui/cli"
	"gatehouse/ui/console"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs passed in; it returns the exit
// status and never lets a panic reach the user as a stack trace.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "gatehouse: internal error: %v\n", r)
			code = 1
		}
	}()
	g, words, err := cli.ParseGlobal(args)
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	if len(words) > 0 && words[0] == "serve" {
		return serve(g, words[1:], stdout, stderr)
	}
	if g.Help || cli.IsHelp(words) {
		cli.Help(stdout, words)
		return 0
	}
	if fa, ok, err := cli.File(words); ok {
		if err != nil {
			cli.PrintError(stderr, err)
			return 1
		}
		return runFile(fa, g, stdin, stdout, stderr)
	}
	// A typo in the command fails before the file is opened (or created).
	if len(words) > 0 {
		if err := cli.Check(words); err != nil {
			cli.PrintError(stderr, err)
			return 1
		}
	}
	path, err := dataPath(g)
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	// the keymap file is checked before anything opens: a bad line stops
	// the console at start, naming the line and the action
	var keys *keymap.KeyMap
	if len(words) == 0 {
		km, err := keymap.Load(g.Keys)
		if err != nil {
			cli.PrintError(stderr, err)
			return 1
		}
		keys = &km
	}
	// SIGINT or SIGTERM cancels the command's service calls (a long export,
	// check or import stops and writes nothing more); a second signal kills
	// the process as usual.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	if g.Demo && isNew(path) {
		if err := seedDemo(ctx, path); err != nil {
			cli.PrintError(stderr, howToConnect(path, g.As, err))
			return 1
		}
	}
	db, err := openStore(path, store.Options{})
	if err != nil {
		cli.PrintError(stderr, howToConnect(path, g.As, err))
		return 1
	}
	defer func() {
		if err := db.Close(); err != nil && code == 0 {
			cli.PrintError(stderr, err)
			code = 1
		}
	}()
	as := g.As
	if as == "" {
		as = db.Owner()
	}
	svc, err := db.Session(as)
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	if len(words) == 0 {
		return openConsole(ctx, svc, db, g.Demo, keys, stderr)
	}
	return cli.Run(ctx, svc, words, cli.Options{JSON: g.JSON, Yes: g.Yes, Stdin: stdin, IfVersion: g.IfVersion}, stdout, stderr)
}

// seedDemo makes a new demo file. The demo's clock spreads its tickets over
// past school days and is the store's clock only while seeding: the file
// is closed afterwards, and the console opens it with the real clock.
func seedDemo(ctx context.Context, path string) error {
	clock := &demo.Clock{}
	db, err := openStore(path, store.Options{Now: clock.Now})
	if err != nil {
		return err
	}
	if err := demo.SeedWith(db, demo.Options{Clock: clock, Context: ctx}); err != nil {
		// A half-made demo file would stay half-made: remove it so the
		// next --demo starts again.
		err = fmt.Errorf("cannot build the demo district: %w", err)
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		if rerr := os.Remove(path); rerr != nil {
			err = errors.Join(err, fmt.Errorf("remove it by hand: %w", rerr))
		}
		return err
	}
	return db.Close()
}

// dataPath is --db or the default path; --demo puts demo.db beside it, so
// the demo never touches real data.
func dataPath(g cli.Global) (string, error) {
	if u := g.Store; u != "" || (g.DB == "" && os.Getenv("GATEHOUSE_STORE") != "") {
		if u == "" {
			u = os.Getenv("GATEHOUSE_STORE")
		}
		if g.DB != "" {
			return "", fmt.Errorf("--db and --store name two stores: give one")
		}
		if _, _, err := store.ParseStoreURL(u); err != nil {
			return "", err
		}
		if g.Demo {
			return store.DemoStoreURL(u)
		}
		return u, nil
	}
	path := g.DB
	if path == "" {
		var err error
		if path, err = store.DefaultPath(); err != nil {
			return "", err
		}
	}
	if g.Demo {
		path = filepath.Join(filepath.Dir(path), "demo.db")
	}
	return path, nil
}

// isNew reports whether opening path will create (and seed) a new file,
// or an etcd prefix that holds nothing yet.
func isNew(path string) bool {
	if store.IsStoreURL(path) {
		empty, err := store.EtcdEmpty(path)
		return err == nil && empty
	}
	st, err := os.Stat(path)
	return errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0)
}

// openStore opens a bbolt file, or the store on etcd for an etcd:// URL.
func openStore(path string, opts store.Options) (*store.DB, error) {
	if store.IsStoreURL(path) {
		return store.OpenEtcd(path, opts)
	}
	return store.Open(path, opts)
}

// openConsole runs the full-screen console for the acting user until they
// quit or the process is told to stop. A user who cannot log in (R2,
// deactivated) is refused here as they are over SSH.
func openConsole(ctx context.Context, svc domain.Service, db *store.DB, demo bool, keys *keymap.KeyMap, stderr io.Writer) int {
	a := svc.Access(ctx)
	if err := a.LoginError(); err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	// expiries, scheduled tasks, overdue notices and alerts: at start and
	// every minute, stopped (and waited for) before the file is closed
	jobs := db.StartJobs(ctx, time.Minute, nil)
	defer jobs.Stop()
	// notifications leave while the console runs; failures stay on the
	// messages (the Outbox screen shows them), so the log goes nowhere
	hub := startMail(db, slog.New(slog.DiscardHandler))
	defer hub.Stop()
	// the demo opens on Home, where a newcomer reads who they are and how
	// to find anything
	if err := console.Run(ctx, console.Config{Service: svc, Feed: db, StartOnHome: demo, ViewAs: func(ctx context.Context, target string) (domain.Service, error) {
		return db.ViewAs(ctx, a.Username, target)
	}, JobFailures: jobs.Failures, Keys: keys}); err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	return 0
}

// runFile runs a command that works on a data file itself rather than as a
// user through the services.
func runFile(fa cli.FileArgs, g cli.Global, stdin io.Reader, stdout, stderr io.Writer) int {
	switch fa.Command {
	case "mailgate", "mail send", "mail test":
		return runMail(fa, g, stdin, stdout, stderr)
	case "demo":
		return generate(fa, stdout, stderr)
	case "jobs run":
		return runJobs(g, stdout, stderr)
	case "outcome":
		return runOutcome(fa, g, stdout, stderr)
	case "compact":
		path, err := dataPath(g)
		if err == nil && store.IsStoreURL(path) {
			err = domain.Errorf(domain.EInvalid, "compact rewrites a bbolt file; etcd compacts its own history (etcdctl compact REV, then etcdctl defrag)")
		}
		if err == nil {
			var rep store.CompactReport
			if rep, err = store.Compact(path); err == nil {
				fmt.Fprintf(stdout, "compacted %s: %d → %d bytes\n", path, rep.Before, rep.After)
				return 0
			}
		}
		cli.PrintError(stderr, howToConnect(path, g.As, err))
		return 1
	}
	cli.PrintError(stderr, fmt.Errorf("`gatehouse %s` is not available in this build", fa.Command))
	return 1
}

// runOutcome runs `gatehouse outcome WRITE-ID`: whether a write that
// ended "outcome unknown" on etcd (its answer was lost) landed. The
// answer is final: a write that did not land never will.
func runOutcome(fa cli.FileArgs, g cli.Global, stdout, stderr io.Writer) int {
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
	defer func() { _ = db.Close() }() // a read and at most one guard write, already acknowledged: nothing to flush
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	id := fa.Pos[0]
	landed, err := db.WriteOutcome(ctx, id)
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	if g.JSON {
		if err := json.NewEncoder(stdout).Encode(map[string]any{"write_id": id, "landed": landed}); err != nil {
			cli.PrintError(stderr, err)
			return 1
		}
		return 0
	}
	if landed {
		fmt.Fprintf(stdout, "write %s landed: it was applied; do not run it again\n", id)
	} else {
		fmt.Fprintf(stdout, "write %s did not land: nothing of it was applied, and now never will be; run it again if it is still wanted\n", id)
	}
	return 0
}

// generate makes a new sample district file of the asked size.
func generate(fa cli.FileArgs, stdout, stderr io.Writer) int {
	num := func(flag string, def int) (int, error) {
		v, ok := fa.Flag(flag)
		if !ok {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, domain.Errorf(domain.EInvalid, "--%s %q: a whole number", flag, v)
		}
		return n, nil
	}
	users, err := num("users", 1000)
	if err == nil {
		var tickets int
		if tickets, err = num("tickets", 10000); err == nil {
			err = generateFile(fa, users, tickets, stdout)
		}
	}
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	return 0
}

func generateFile(fa cli.FileArgs, users, tickets int, stdout io.Writer) error {
	out, _ := fa.Flag("out")
	if !isNew(out) {
		return domain.Errorf(domain.EConflict, "%s exists: gatehouse demo writes a new file only", out)
	}
	began := time.Now()
	if store.IsStoreURL(out) {
		// an empty etcd prefix: the load is staged, so readers see all of
		// each chunk or none of it
		db, err := store.OpenEtcd(out, store.Options{})
		if err != nil {
			return err
		}
		got, err := demo.Generate(db, demo.GenOptions{Users: users, Tickets: tickets, Seed: 1})
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("generating into %s: %w", out, err)
		}
		fmt.Fprintf(stdout, "wrote %s: %d buildings, %d users, %d tickets, %d history entries, %d work reports in %s\n",
			out, got.Buildings, got.Users, got.Tickets, got.History, got.Work, time.Since(began).Round(time.Millisecond))
		return nil
	}
	// built under a temporary name beside out and named out only when
	// complete: a run killed midway leaves no partial file that would
	// block the next one (only a hidden .NAME.tmp-* file)
	tmp, err := safefile.TempName(out, false)
	if err != nil {
		return err
	}
	db, err := store.Open(tmp, store.Options{})
	if err != nil {
		if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, fmt.Errorf("remove %s by hand: %w", tmp, rerr))
		}
		return err
	}
	got, err := demo.Generate(db, demo.GenOptions{Users: users, Tickets: tickets, Seed: 1})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		err = fmt.Errorf("generating %s: %w", out, err)
		// a half-generated file is of no use
		if rerr := os.Remove(tmp); rerr != nil {
			err = errors.Join(err, fmt.Errorf("remove it by hand: %w", rerr))
		}
		return err
	}
	// an empty file at out (isNew) may be replaced; anything else that
	// appeared meanwhile is refused by Place
	if err := safefile.Place(tmp, out, !isEmptyRegular(out)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d buildings, %d users, %d tickets, %d history entries, %d work reports in %s\n",
		out, got.Buildings, got.Users, got.Tickets, got.History, got.Work, time.Since(began).Round(time.Millisecond))
	return nil
}

// isEmptyRegular reports whether path is an empty regular file (one that
// `gatehouse demo --out` may replace).
func isEmptyRegular(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode().IsRegular() && st.Size() == 0
}

// servingNote is the file in which `gatehouse serve` leaves its address
// while it holds the data file.
func servingNote(path string) string { return path + ".serve" }

// howToConnect adds the ssh command to a "file in use" error when a
// server holds the file.
func howToConnect(path, as string, err error) error {
	b, rerr := os.ReadFile(servingNote(path))
	if rerr != nil || !errors.Is(err, store.ErrInUse) {
		return err
	}
	host, port, serr := net.SplitHostPort(strings.TrimSpace(string(b)))
	if serr != nil {
		return err
	}
	if as == "" {
		as = "USERNAME"
		if u, uerr := user.Current(); uerr == nil {
			as = u.Username
		}
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Errorf("%w\n`gatehouse serve` is running on it: connect with  ssh -p %s %s@%s", err, port, as, host)
}

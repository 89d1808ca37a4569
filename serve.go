package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"gatehouse/keymap"
	"gatehouse/store"
	"gatehouse/ui/cli"
	sshui "gatehouse/ui/ssh"
)

const serveUsage = `usage: gatehouse serve [--listen 127.0.0.1:2222] [--password-auth] [--idle 30m] [--max-sessions 50]
                      [--max-startups 10:30:100] [--max-startups-per-address 5] [--login-grace 2m]

Serves the console over SSH: each person logs in with a key stored on their
user (gatehouse user key add USER FILE.pub) and sees what their privileges
allow. Needs Remote Access (remote.ssh), an active account and a group.
--max-sessions counts console sessions only. Connections still logging in
have their own limits: --max-startups start:rate:full (as OpenSSH's
MaxStartups: from start on, a new one is dropped with probability rate%,
rising to 100% at full) and --max-startups-per-address (an IPv6 /64 is one
address); each must send its SSH identification within 5 seconds and log
in within --login-grace (long enough to change a temporary password).
The host key is kept beside the data file (with --store etcd://…, in the
data directory of this machine). SIGINT/SIGTERM shut down gracefully.
Every session uses the server's keymap file (--keys FILE, else keys.toml in
$XDG_CONFIG_HOME/gatehouse or ~/.config/gatehouse); colors follow each
client's own terminal background.
`

// serve runs `gatehouse serve`: it holds the data file until told to stop,
// runs the store's periodic jobs, and serves one console per SSH session.
func serve(g cli.Global, args []string, stdout, stderr io.Writer) (code int) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", sshui.DefaultListen, "address to listen on")
	password := fs.Bool("password-auth", false, "also accept stored passwords")
	idle := fs.Duration("idle", sshui.DefaultIdle, "log out after this long without input (0: never)")
	maxSessions := fs.Int("max-sessions", sshui.DefaultMaxSessions, "most sessions at once")
	startups := sshui.DefaultMaxStartups
	fs.Func("max-startups", "start:rate:full for connections still logging in", func(v string) (err error) {
		startups, err = sshui.ParseStartups(v)
		return err
	})
	perAddress := fs.Int("max-startups-per-address", sshui.DefaultMaxStartupsPerAddress, "most connections logging in from one address")
	loginGrace := fs.Duration("login-grace", sshui.DefaultLoginGrace, "time to log in, password change included")
	if g.Help {
		fmt.Fprint(stdout, serveUsage)
		return 0
	}
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "gatehouse: serve: %v\n%s", err, serveUsage)
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gatehouse: serve: unexpected argument %q\n%s", fs.Arg(0), serveUsage)
		return 1
	}
	if *maxSessions < 1 {
		fmt.Fprintf(stderr, "gatehouse: serve: --max-sessions must be at least 1\n")
		return 1
	}
	if *idle < 0 {
		fmt.Fprintf(stderr, "gatehouse: serve: --idle must not be negative\n")
		return 1
	}
	if *perAddress < 1 {
		fmt.Fprintf(stderr, "gatehouse: serve: --max-startups-per-address must be at least 1\n")
		return 1
	}
	if *loginGrace <= 0 {
		fmt.Fprintf(stderr, "gatehouse: serve: --login-grace must be positive\n")
		return 1
	}
	if *idle == 0 {
		*idle = -1 // the server's "no idle timeout"
	}
	// every session uses the server's keymap file: the client's own
	// ~/.config is out of reach over SSH
	keys, err := keymap.Load(g.Keys)
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	path, err := dataPath(g)
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	db, err := openStore(path, store.Options{})
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	defer func() {
		if err := db.Close(); err != nil && code == 0 {
			cli.PrintError(stderr, err)
			code = 1
		}
	}()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	// The jobs stop (and are waited for) before the deferred Close above.
	jobs := db.StartJobs(context.Background(), time.Minute, func(r store.JobReport) {
		for _, f := range r.Failures {
			log.Error("periodic job failed", "err", f)
		}
	})
	defer jobs.Stop()
	// the outbox is delivered over SMTP and mailgate hands messages in
	// through the socket beside the file; stopped before the file closes
	hub := startMail(db, log)
	defer hub.Stop()
	// on etcd there is no data file to keep the host key beside: it stays
	// in this machine's data directory (each site has its own)
	var hostKey string
	if store.IsStoreURL(path) {
		def, err := store.DefaultPath()
		if err != nil {
			cli.PrintError(stderr, err)
			return 1
		}
		if err := os.MkdirAll(filepath.Dir(def), 0o700); err != nil {
			cli.PrintError(stderr, fmt.Errorf("cannot create the data directory for the host key: %w", err))
			return 1
		}
		hostKey = filepath.Join(filepath.Dir(def), sshui.HostKeyName)
	}
	srv, err := sshui.New(sshui.Config{Store: db, Listen: *listen, PasswordAuth: *password, Idle: *idle, JobFailures: jobs.Failures,
		MaxSessions: *maxSessions, MaxStartups: startups, MaxStartupsPerAddress: *perAddress, LoginGrace: *loginGrace,
		Logger: log, Keys: &keys, HostKeyPath: hostKey})
	if err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal starts the graceful shutdown; a second one stops
	// the process at once, as it would without the handler.
	go func() { <-ctx.Done(); stop() }()
	log.Info("gatehouse serve", "db", db.Path())
	if err := srv.Start(); err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	// Other gatehouse commands find the file busy; this note tells them
	// where to connect instead. (A cluster is shared: nothing is busy.)
	if !store.IsStoreURL(db.Path()) {
		note := servingNote(db.Path())
		if err := os.WriteFile(note, []byte(srv.Addr().String()+"\n"), 0o600); err == nil {
			defer func() {
				// a stale note only adds a hint to later "file in use" errors
				// while the file is busy; once it is free the note is ignored
				if err := os.Remove(note); err != nil {
					log.Warn("cannot remove the serving note", "path", note, "err", err)
				}
			}()
		}
	}
	if err := srv.Run(ctx); err != nil {
		cli.PrintError(stderr, err)
		return 1
	}
	return 0
}

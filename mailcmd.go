package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/mail"
	"gatehouse/store"
	"gatehouse/ui/cli"
)

// mailSocket is the unix socket beside the data file on which a running
// `gatehouse serve` (or console) takes mail work from `gatehouse mailgate`
// and `gatehouse mail send|test`, which cannot open the file it holds.
// It is made 0600: whoever may write it may do what the file's owner may,
// which is already true of the data file itself.
func mailSocket(path string) string { return path + ".mail.sock" }

// mailHub is the mail side of a process that holds the data file: the
// delivery worker, woken by every outbox change, and the socket.
type mailHub struct {
	db     *store.DB
	worker *mail.Worker
	ln     net.Listener
	cancel context.CancelFunc
	wg     sync.WaitGroup
	log    *slog.Logger
}

// startMail starts the delivery worker and the mail socket. A socket that
// cannot be made (a path too long for a unix socket, a read-only
// directory) is logged: delivery still works, mailgate then answers
// "busy, retry".
func startMail(db *store.DB, log *slog.Logger) *mailHub {
	ctx, cancel := context.WithCancel(context.Background())
	h := &mailHub{db: db, cancel: cancel, log: log}
	h.worker = &mail.Worker{Queue: db, Report: func(r mail.Report, err error) {
		if err != nil {
			log.Error("mail delivery", "err", err)
		} else if r.Sent+r.Failed+r.GaveUp > 0 {
			log.Info("mail delivery", "sent", r.Sent, "failed", r.Failed, "gave_up", r.GaveUp)
		}
	}}
	changes, unsubscribe := db.Subscribe()
	h.wg.Add(2)
	go func() {
		defer h.wg.Done()
		h.worker.Run(ctx)
	}()
	go func() {
		defer h.wg.Done()
		defer unsubscribe()
		for {
			select {
			case <-ctx.Done():
				return
			case c, ok := <-changes:
				if !ok {
					return
				}
				if c.Entity == "outbox" && c.Action != string(domain.MailSent) && c.Action != string(domain.MailFailed) &&
					c.Action != string(domain.MailGaveUp) {
					h.worker.Wake()
				}
			}
		}
	}()
	if store.IsStoreURL(db.Path()) {
		return h // on etcd nothing holds the store: mailgate opens it itself
	}
	sock := mailSocket(db.Path())
	// this process holds the data file, so no other one serves this
	// socket: a file left there by a crash is stale
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("cannot remove the old mail socket", "path", sock, "err", err)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		log.Warn("no mail socket: mailgate will be told to retry while this process runs", "path", sock, "err", err)
		return h
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		log.Warn("cannot restrict the mail socket", "path", sock, "err", err)
	}
	h.ln = ln
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				h.serveConn(ctx, conn)
			}()
		}
	}()
	return h
}

// Stop ends the worker and the socket and waits for them.
func (h *mailHub) Stop() {
	h.cancel()
	if h.ln != nil {
		_ = h.ln.Close() // unix listeners remove their file on Close
	}
	h.wg.Wait()
}

// mailLockWait is how long a mail command waits for the data file held
// by another short command (a concurrent mailgate, a CLI write); a
// variable so that a test of the busy file need not wait it out.
var mailLockWait = 10 * time.Second

// socketTimeout bounds one request on the mail socket.
const socketTimeout = 2 * time.Minute

// serveConn answers one request: a first line naming the work
// ("mailgate", "mailgate dry-run", "send", "test ADDR", "imap"), then for
// mailgate the message until the client closes its side; the answer is
// one line "CODE TEXT".
func (h *mailHub) serveConn(ctx context.Context, conn net.Conn) {
	defer func() { _ = conn.Close() }() // the answer was written or could not be
	_ = conn.SetDeadline(time.Now().Add(socketTimeout))
	r := bufio.NewReader(io.LimitReader(conn, mail.MaxMessage+1024))
	line, err := r.ReadString('\n')
	if err != nil {
		return
	}
	code, text := mailWork(ctx, h.db, h.worker, strings.Fields(line), r)
	_, _ = fmt.Fprintf(conn, "%d %s\n", code, strings.ReplaceAll(text, "\n", " / "))
}

// mailWork runs one mail request on an open file: by the socket server,
// or by the command itself when no server holds the file.
func mailWork(ctx context.Context, db *store.DB, w *mail.Worker, req []string, body io.Reader) (int, string) {
	if len(req) == 0 {
		return 1, "empty request"
	}
	switch req[0] {
	case "mailgate":
		raw, err := io.ReadAll(io.LimitReader(body, mail.MaxMessage+1))
		if err != nil {
			return domain.ExitTempFail, "reading the message: " + err.Error()
		}
		dry := len(req) > 1 && req[1] == "dry-run"
		res, err := gateway(ctx, db, raw, dry)
		if err != nil {
			return domain.ExitTempFail, "temporary failure: " + err.Error()
		}
		text := string(res.Outcome) + ": " + res.Reason
		if dry {
			text = "dry run, nothing written: " + text
		}
		return res.Code(), text
	case "send":
		r, err := w.Drain(ctx)
		if err != nil {
			return 1, err.Error()
		}
		if !r.Configured {
			return 1, r.String()
		}
		return 0, r.String()
	case "test":
		if len(req) < 2 {
			return 1, "test needs an address"
		}
		cfg, err := db.MailConfig()
		if err != nil {
			return 1, err.Error()
		}
		reply, err := mail.Test(ctx, cfg, req[1])
		if err != nil {
			return 1, err.Error()
		}
		return 0, "sent; the server replied: " + reply
	case "imap":
		cfg, err := db.MailConfig()
		if err != nil {
			return domain.ExitTempFail, err.Error()
		}
		rep, err := mail.PollIMAP(ctx, cfg, func(ctx context.Context, raw []byte) (domain.MailResult, error) {
			return gateway(ctx, db, raw, false)
		})
		if err != nil {
			return domain.ExitTempFail, err.Error()
		}
		parts := []string{fmt.Sprintf("%d unseen", rep.Seen)}
		for _, r := range rep.Results {
			parts = append(parts, string(r.Outcome)+": "+r.Reason)
		}
		if rep.Deferred > 0 {
			parts = append(parts, fmt.Sprintf("%d left for the next poll after a temporary failure", rep.Deferred))
		}
		return 0, strings.Join(parts, "; ")
	}
	return 1, "unknown request " + strconv.Quote(req[0])
}

// gateway parses one raw message and hands it to the store; a message
// that cannot be read is dropped with an audit entry rather than bounced.
func gateway(ctx context.Context, db *store.DB, raw []byte, dryRun bool) (domain.MailResult, error) {
	in, err := mail.Parse(bytes.NewReader(raw))
	if err != nil {
		in.Auto = "unreadable: " + err.Error()
	}
	return db.ReceiveMail(ctx, in, dryRun)
}

// askServer sends a request to the process holding the file; ok is false
// when none answers on the socket.
func askServer(path string, req string, body io.Reader) (code int, text string, ok bool) {
	if store.IsStoreURL(path) {
		return 0, "", false
	}
	conn, err := net.DialTimeout("unix", mailSocket(path), 2*time.Second)
	if err != nil {
		return 0, "", false
	}
	defer func() { _ = conn.Close() }() // the answer is read
	_ = conn.SetDeadline(time.Now().Add(socketTimeout))
	if _, err := io.WriteString(conn, req+"\n"); err != nil {
		return domain.ExitTempFail, "the server did not take the request: " + err.Error(), true
	}
	if body != nil {
		if _, err := io.Copy(conn, io.LimitReader(body, mail.MaxMessage+1)); err != nil {
			return domain.ExitTempFail, "the server did not take the message: " + err.Error(), true
		}
	}
	if uc, isUnix := conn.(*net.UnixConn); isUnix {
		_ = uc.CloseWrite() // end of the message; the answer still comes back
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return domain.ExitTempFail, "no answer from the server: " + err.Error(), true
	}
	c, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	n, err := strconv.Atoi(c)
	if err != nil {
		return domain.ExitTempFail, "a garbled answer from the server: " + strconv.Quote(line), true
	}
	return n, rest, true
}

// runMail runs `gatehouse mailgate`, `mail send` and `mail test`: through
// the socket when a server holds the file, else on the file itself.
// mailgate's exit statuses are sysexits (0, 67, 75); a file that is busy
// without a server to hand to is 75, so the MTA retries.
func runMail(fa cli.FileArgs, g cli.Global, stdin io.Reader, stdout, stderr io.Writer) int {
	gate := fa.Command == "mailgate"
	fail := 1
	if gate {
		fail = domain.ExitTempFail
	}
	var req string
	var body io.Reader
	switch fa.Command {
	case "mailgate":
		req, body = "mailgate", stdin
		if _, dry := fa.Flag("dry-run"); dry {
			req += " dry-run"
		}
		if _, imapPoll := fa.Flag("imap"); imapPoll {
			if _, dry := fa.Flag("dry-run"); dry {
				cli.PrintError(stderr, domain.Errorf(domain.EInvalid, "--dry-run reads one message on stdin; --imap polls the mailbox for real: use one of them"))
				return 1
			}
			req, body = "imap", nil
		}
	case "mail send":
		req = "send"
	case "mail test":
		to, _ := fa.Flag("to")
		if strings.ContainsAny(to, " \t\r\n") || to == "" {
			cli.PrintError(stderr, domain.Errorf(domain.EInvalid, "--to %q: one email address", to))
			return 1
		}
		req = "test " + to
	}
	path, err := dataPath(g)
	if err != nil {
		cli.PrintError(stderr, err)
		return fail
	}
	report := func(code int, text string) int {
		out := stdout
		if code != 0 {
			out = stderr
		}
		fmt.Fprintf(out, "gatehouse: %s\n", text)
		return code
	}
	var raw []byte
	if body != nil {
		// read before anything else, so the server gets the whole message
		// and a retry after a failure here is the MTA's
		if raw, err = io.ReadAll(io.LimitReader(body, mail.MaxMessage+1)); err != nil {
			return report(domain.ExitTempFail, "reading the message: "+err.Error())
		}
		body = bytes.NewReader(raw)
	}
	if code, text, ok := askServer(path, req, body); ok {
		return report(code, text)
	}
	if body != nil {
		body = bytes.NewReader(raw)
	}
	if isNew(path) {
		return report(fail, "no data file at "+path+" (use --db PATH)")
	}
	// an MTA runs deliveries side by side: a second mailgate waits for the
	// first one's short hold of the file rather than asking for a retry
	db, err := openStore(path, store.Options{Timeout: mailLockWait})
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return report(fail, "the data file is in use by another gatehouse without a mail socket: try again later")
		}
		return report(fail, err.Error())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, text := mailWork(ctx, db, &mail.Worker{Queue: db}, strings.Fields(req), body)
	if err := db.Close(); err != nil && code == 0 {
		return report(fail, err.Error())
	}
	return report(code, text)
}

package mail

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"gatehouse/domain"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// startIMAP serves one user's INBOX holding msgs from go-imap's in-memory
// server on loopback, without TLS (scripts/e2e_imap.sh polls a real
// dovecot).
func startIMAP(t *testing.T, msgs ...string) domain.MailConfig {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("helpdesk", "imap-pw")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := u.Append("INBOX", bytes.NewReader([]byte(m)), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		InsecureAuth: true,
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }() // ends with Close below
	t.Cleanup(func() { _ = srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	return domain.MailConfig{
		Settings: domain.MailSettings{IMAPHost: "127.0.0.1", IMAPPort: port, IMAPTLS: domain.TLSNone, IMAPUser: "helpdesk"},
		Secrets:  domain.MailSecrets{IMAPPassword: "imap-pw"},
	}
}

// A poll hands every unseen message to the gateway and marks it seen; a
// temporary failure leaves it for the next poll, which sees only it.
func TestPollIMAPMarksHandledMessagesSeen(t *testing.T) {
	cfg := startIMAP(t,
		"From: a@x.example\r\nSubject: one\r\n\r\nfirst\r\n",
		"From: b@x.example\r\nSubject: two\r\n\r\nsecond\r\n",
	)
	var got []string
	failSecond := true
	gate := func(_ context.Context, raw []byte) (domain.MailResult, error) {
		in, err := Parse(bytes.NewReader(raw))
		if err != nil {
			return domain.MailResult{}, err
		}
		if in.Subject == "two" && failSecond {
			return domain.MailResult{}, errors.New("file busy")
		}
		got = append(got, in.Subject)
		return domain.MailResult{Outcome: domain.MailAccepted, Reason: in.Subject}, nil
	}
	rep, err := PollIMAP(t.Context(), cfg, gate)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Seen != 2 || rep.Deferred != 1 || strings.Join(got, ",") != "one" {
		t.Fatalf("first poll: %+v, handled %v", rep, got)
	}
	failSecond = false
	rep, err = PollIMAP(t.Context(), cfg, gate)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Seen != 1 || rep.Deferred != 0 || strings.Join(got, ",") != "one,two" {
		t.Fatalf("second poll: %+v, handled %v", rep, got)
	}
	rep, err = PollIMAP(t.Context(), cfg, gate)
	if err != nil || rep.Seen != 0 {
		t.Fatalf("third poll: %+v %v", rep, err)
	}
}

func TestPollIMAPWrongPasswordSaysSo(t *testing.T) {
	cfg := startIMAP(t)
	cfg.Secrets.IMAPPassword = "wrong"
	_, err := PollIMAP(t.Context(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "IMAP login as helpdesk") {
		t.Fatalf("%v", err)
	}
	cfg.Settings.IMAPHost = ""
	if _, err := PollIMAP(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "not set up") {
		t.Fatalf("%v", err)
	}
}

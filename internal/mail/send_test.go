package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gatehouse/domain"

	"github.com/emersion/go-smtp"
)

// smtpServer is an in-process SMTP server (emersion/go-smtp) that keeps
// what it accepts and refuses the recipients it is told to.
type smtpServer struct {
	mu     sync.Mutex
	got    []received
	refuse map[string]*smtp.SMTPError // recipient → refusal
	addr   string
}

type received struct {
	from string
	to   []string
	data []byte
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: s}, nil }

type smtpSession struct {
	srv  *smtpServer
	from string
	to   []string
}

func (x *smtpSession) Reset()        { x.from, x.to = "", nil }
func (x *smtpSession) Logout() error { return nil }
func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := x.srv.refuse[to]; e != nil {
		return e
	}
	x.to = append(x.to, to)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.srv.mu.Lock()
	defer x.srv.mu.Unlock()
	x.srv.got = append(x.srv.got, received{from: x.from, to: x.to, data: b})
	return nil
}

func startSMTP(t *testing.T, refuse map[string]*smtp.SMTPError) (*smtpServer, domain.MailConfig) {
	t.Helper()
	be := &smtpServer{refuse: refuse}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }() // ends with Close below
	t.Cleanup(func() { _ = srv.Close() })
	be.addr = ln.Addr().String()
	host, port, _ := net.SplitHostPort(be.addr)
	p, _ := strconv.Atoi(port)
	cfg := domain.MailConfig{
		Settings: domain.MailSettings{Host: host, Port: p, TLS: domain.TLSNone, From: "helpdesk@school.example"},
		Org:      domain.Organization{Name: "Lincoln District", TicketPrefix: "T"},
	}
	return be, cfg
}

func message(id domain.ID, to, email string) domain.Message {
	return domain.Message{ID: id, ToName: to, Email: email, Ticket: 123, Subject: "[T-000123] Projector broken",
		Text: "Hello " + to + ",\n\nT-000123 was assigned to you.\n", HTML: "<p>Hello</p>", State: domain.MailQueued}
}

// Every message carries the loop-prevention headers, its own Message-ID,
// the ticket's thread in References and In-Reply-To, and the label in the
// subject; per-recipient refusals come back as temporary or permanent
// with the server's reply.
func TestSendHeadersAndPerMessageResults(t *testing.T) {
	srv, cfg := startSMTP(t, map[string]*smtp.SMTPError{
		"gone@school.example": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"},
		"full@school.example": {Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"},
	})
	res := Send(t.Context(), cfg, []domain.Message{
		message(7, "tom", "tom@school.example"),
		message(8, "gone", "gone@school.example"),
		message(9, "full", "full@school.example"),
		message(10, "root", ""),
	})
	if !res[0].OK || res[0].Reply == "" {
		t.Fatalf("tom: %+v", res[0])
	}
	if res[1].OK || !res[1].Permanent || !strings.Contains(res[1].Reply, "no such user") {
		t.Fatalf("gone: %+v", res[1])
	}
	if res[2].OK || res[2].Permanent || !strings.Contains(res[2].Reply, "mailbox full") {
		t.Fatalf("full: %+v", res[2])
	}
	if res[3].OK || !res[3].Permanent {
		t.Fatalf("no address: %+v", res[3])
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.got) != 1 {
		t.Fatalf("the server took %d messages", len(srv.got))
	}
	m, err := netmail.ReadMessage(bytes.NewReader(srv.got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	h := m.Header
	for k, want := range map[string]string{
		"Auto-Submitted":           "auto-generated",
		"X-Auto-Response-Suppress": "All",
		"Message-Id":               "<t-000123.m7@school.example>",
		"References":               "<t-000123.thread@school.example>",
		"In-Reply-To":              "<t-000123.thread@school.example>",
		"Subject":                  "[T-000123] Projector broken",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if !strings.Contains(h.Get("Content-Type"), "multipart/alternative") {
		t.Errorf("text and HTML should be alternatives: %s", h.Get("Content-Type"))
	}
	if srv.got[0].from != "helpdesk@school.example" || len(srv.got[0].to) != 1 || srv.got[0].to[0] != "tom@school.example" {
		t.Errorf("envelope %+v", srv.got[0])
	}
}

// A server that cannot be reached fails the batch temporarily.
func TestSendUnreachableIsTemporary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	must(t, ln.Close())
	cfg := domain.MailConfig{Settings: domain.MailSettings{Host: "127.0.0.1", Port: addr.Port, TLS: domain.TLSNone, From: "h@x.example"}}
	res := Send(t.Context(), cfg, []domain.Message{message(1, "tom", "tom@x.example")})
	if res[0].OK || res[0].Permanent || res[0].Reply == "" {
		t.Fatalf("%+v", res[0])
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fakeQueue is an outbox in memory.
type fakeQueue struct {
	cfg  domain.MailConfig
	msgs map[domain.ID]*domain.Message
}

func (q *fakeQueue) MailConfig() (domain.MailConfig, error) { return q.cfg, nil }
func (q *fakeQueue) DueMail(_ context.Context, limit int) ([]domain.Message, error) {
	var out []domain.Message
	for id := domain.ID(1); id <= domain.ID(len(q.msgs)) && len(out) < limit; id++ {
		if m := q.msgs[id]; m.Pending() {
			out = append(out, *m)
		}
	}
	return out, nil
}

func (q *fakeQueue) RecordDelivery(ctx context.Context, id domain.ID, r domain.DeliveryResult) (domain.Message, error) {
	if err := ctx.Err(); err != nil {
		return domain.Message{}, err // as the store does: nothing recorded
	}
	m := q.msgs[id]
	m.Record(r, m.At)
	return *m, nil
}

// Drain sends what is due over the real SMTP path and records each
// result; a failed message is not retried within the same drain.
func TestDrainRecordsEachResult(t *testing.T) {
	_, cfg := startSMTP(t, map[string]*smtp.SMTPError{
		"full@school.example": {Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"},
	})
	q := &fakeQueue{cfg: cfg, msgs: map[domain.ID]*domain.Message{}}
	for i, to := range []string{"a", "b", "full", "c"} {
		m := message(domain.ID(i+1), to, to+"@school.example")
		q.msgs[m.ID] = &m
	}
	w := &Worker{Queue: q}
	r, err := w.Drain(context.Background())
	must(t, err)
	if r.Sent != 3 || r.Failed != 1 || r.GaveUp != 0 {
		t.Fatalf("report %+v", r)
	}
	if q.msgs[3].State != domain.MailFailed || q.msgs[3].Attempts != 1 {
		t.Fatalf("the full mailbox: %+v", q.msgs[3])
	}
	q.cfg.Settings.Host = ""
	r, err = w.Drain(context.Background())
	must(t, err)
	if r.Configured || !strings.Contains(r.String(), "not set up") {
		t.Fatalf("unconfigured: %+v", r)
	}
}

// A refused login (535) is the settings' fault, not the message's: the
// message waits for a retry instead of giving up.
func TestSendLoginRefusedIsTemporary(t *testing.T) {
	_, cfg := startSMTP(t, nil)
	cfg.Settings.User = "helpdesk" // the test server offers no AUTH at all
	cfg.Secrets.SMTPPassword = "wrong"
	res := Send(t.Context(), cfg, []domain.Message{message(1, "tom", "tom@school.example")})
	if res[0].OK || res[0].Permanent || res[0].Reply == "" {
		t.Fatalf("%+v", res[0])
	}
}

// The worker's context reaches the outbox's writes, but a batch that was
// sent is recorded even when the context ends during the send (a
// shutdown): a message that left and is not recorded would leave again.
// Nothing more is read or sent after that batch.
func TestDrainRecordsASentBatchAfterItsContextEnds(t *testing.T) {
	q := &fakeQueue{cfg: domain.MailConfig{Settings: domain.MailSettings{Host: "127.0.0.1", Port: 25, TLS: domain.TLSNone, From: "h@x.example"}},
		msgs: map[domain.ID]*domain.Message{}}
	for i, to := range []string{"a", "b"} {
		m := message(domain.ID(i+1), to, to+"@school.example")
		q.msgs[m.ID] = &m
	}
	ctx, cancel := context.WithCancel(t.Context())
	sends := 0
	r, err := Drain(ctx, q, func(_ context.Context, _ domain.MailConfig, msgs []domain.Message) []domain.DeliveryResult {
		sends++
		cancel() // the process is told to stop while the batch is on the wire
		out := make([]domain.DeliveryResult, len(msgs))
		for i := range out {
			out[i] = domain.DeliveryResult{OK: true, Reply: "250 ok"}
		}
		return out
	})
	if !errors.Is(err, context.Canceled) || r.Sent != 2 || sends != 1 {
		t.Fatalf("drain: %+v, %v, %d sends", r, err, sends)
	}
	for id, m := range q.msgs {
		if m.State != domain.MailSent {
			t.Errorf("message %d: %s, want sent", id, m.State)
		}
	}
}

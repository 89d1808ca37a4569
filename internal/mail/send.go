// Package mail is gatehouse's mail adapter: it delivers the outbox over
// SMTP, parses received messages for the mail gateway and polls an IMAP
// mailbox. It depends on domain only; the store is reached through the
// small interfaces declared here, so the worker is testable with a fake
// queue and an in-process SMTP server.
//
// SMTP is wneessen/go-mail: it is kept (releases through 2025), speaks
// mandatory STARTTLS and implicit TLS as policies, SMTP AUTH with
// mechanism discovery, and reports per message whether a failure is
// temporary (4xx) or permanent (5xx) along with the server's reply, which
// is exactly what retries with backoff need; net/smtp is frozen and
// reports none of that.
package mail

import (
	"context"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"gatehouse/domain"

	gomail "github.com/wneessen/go-mail"
)

// Timeout bounds one SMTP conversation (dial, TLS, AUTH, the messages).
const Timeout = 30 * time.Second

// client opens an SMTP client for the settings; it is not yet dialled.
func client(cfg domain.MailConfig) (*gomail.Client, error) {
	s := cfg.Settings
	if !s.Configured() {
		return nil, domain.Errorf(domain.EInvalid, "mail is not set up: gatehouse mail set --host H --from ADDR")
	}
	opts := []gomail.Option{gomail.WithPort(s.SMTPPort()), gomail.WithTimeout(Timeout)}
	switch s.TLS {
	case domain.TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case domain.TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.User != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if s.TLS == domain.TLSNone {
			// the administrator chose a plain connection (a relay on this
			// machine or network): PLAIN is then the one that works
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.User), gomail.WithPassword(cfg.Secrets.SMTPPassword))
	}
	// greet with the From domain, a name the relay can check better than
	// "localhost"
	if d := s.Domain(); d != "gatehouse.invalid" {
		opts = append(opts, gomail.WithHELO(d))
	}
	return gomail.NewClient(s.Host, opts...)
}

// Header names gatehouse sets on every message against mail loops.
const (
	HeaderAutoSubmitted = "Auto-Submitted"
	HeaderAutoSuppress  = "X-Auto-Response-Suppress"
)

// Build makes the SMTP message of one outbox message: the ticket label in
// the subject (the renderer puts it there), a Message-ID of its own,
// In-Reply-To and References naming the ticket's thread, and the headers
// that keep auto-responders quiet.
func Build(cfg domain.MailConfig, m domain.Message) (*gomail.Msg, error) {
	s := cfg.Settings
	msg := gomail.NewMsg()
	from := netmail.Address{Name: cfg.Org.Name + " helpdesk", Address: s.From}
	if err := msg.From(from.String()); err != nil {
		return nil, domain.Errorf(domain.EInvalid, "from address %q: %v", s.From, err)
	}
	name := m.ToFull
	if name == "" {
		name = m.ToName // queued before messages carried the full name
	}
	to := netmail.Address{Name: name, Address: m.Email}
	if err := msg.To(to.String()); err != nil {
		return nil, domain.Errorf(domain.EInvalid, "recipient %s's address %q: %v", m.ToName, m.Email, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	d := s.Domain()
	if m.Ticket == 0 {
		// an access request or review notice: no ticket thread a reply
		// could land in, so a reply finds no ticket and is refused
		msg.SetMessageIDWithValue(fmt.Sprintf("access.m%d@%s", m.ID, d))
	} else {
		msg.SetMessageIDWithValue(domain.MessageID(cfg.Org, m.Ticket, m.ID, d))
		thread := "<" + domain.ThreadID(cfg.Org, m.Ticket, d) + ">"
		msg.SetGenHeaderPreformatted(gomail.HeaderInReplyTo, thread)
		msg.SetGenHeaderPreformatted(gomail.HeaderReferences, thread)
	}
	autoHeaders(msg)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

func autoHeaders(msg *gomail.Msg) {
	msg.SetGenHeader(gomail.Header(HeaderAutoSubmitted), "auto-generated")
	msg.SetGenHeader(gomail.Header(HeaderAutoSuppress), "All")
	msg.SetUserAgent("gatehouse")
}

// Send delivers messages over one SMTP connection and returns one result
// per message, in order. A connection that cannot be made fails every
// message temporarily with the reason.
func Send(ctx context.Context, cfg domain.MailConfig, msgs []domain.Message) []domain.DeliveryResult {
	out := make([]domain.DeliveryResult, len(msgs))
	var built []*gomail.Msg
	var at []int
	for i, m := range msgs {
		if strings.TrimSpace(m.Email) == "" {
			out[i] = domain.DeliveryResult{Permanent: true, Reply: m.ToName + " has no email address"}
			continue
		}
		msg, err := Build(cfg, m)
		if err != nil {
			out[i] = domain.DeliveryResult{Permanent: true, Reply: err.Error()}
			continue
		}
		built = append(built, msg)
		at = append(at, i)
	}
	if len(built) == 0 {
		return out
	}
	c, err := client(cfg)
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, Timeout*time.Duration(1+len(built)/50))
		defer cancel()
		err = c.DialAndSendWithContext(ctx, built...)
	}
	for j, msg := range built {
		i := at[j]
		switch {
		case msg.HasSendError():
			out[i] = domain.DeliveryResult{Reply: msg.SendError().Error(), Permanent: !msg.SendErrorIsTemp()}
		case err != nil && msg.ServerResponse() == "":
			// the connection (dial, TLS, login) failed before this message
			// was tried: the message is not at fault, so it waits for the
			// settings or the server to be fixed, however final the reply
			out[i] = domain.DeliveryResult{Reply: err.Error()}
		default:
			out[i] = domain.DeliveryResult{OK: true, Reply: msg.ServerResponse()}
		}
	}
	return out
}

// Test sends one test message to addr and returns the server's reply.
func Test(ctx context.Context, cfg domain.MailConfig, addr string) (string, error) {
	a, err := netmail.ParseAddress(addr)
	if err != nil {
		return "", domain.Errorf(domain.EInvalid, "--to %q: not an email address", addr)
	}
	c, err := client(cfg)
	if err != nil {
		return "", err
	}
	msg := gomail.NewMsg()
	from := netmail.Address{Name: cfg.Org.Name + " helpdesk", Address: cfg.Settings.From}
	if err := msg.From(from.String()); err != nil {
		return "", domain.Errorf(domain.EInvalid, "from address %q: %v", cfg.Settings.From, err)
	}
	if err := msg.To(a.String()); err != nil {
		return "", domain.Errorf(domain.EInvalid, "--to %q: %v", addr, err)
	}
	msg.Subject("gatehouse test message")
	msg.SetDate()
	msg.SetMessageIDWithValue(fmt.Sprintf("test.%d@%s", time.Now().UnixNano(), cfg.Settings.Domain()))
	autoHeaders(msg)
	msg.SetBodyString(gomail.TypeTextPlain, "This is a test message from the "+cfg.Org.Name+
		" helpdesk (gatehouse mail test).\nIf you read this, notifications can reach you.\n")
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return "", fmt.Errorf("sending to %s through %s:%d: %w", a.Address, cfg.Settings.Host, cfg.Settings.SMTPPort(), err)
	}
	return msg.ServerResponse(), nil
}

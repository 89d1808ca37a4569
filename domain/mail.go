package domain

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// MailTLS is how the SMTP (or IMAP) connection is protected: STARTTLS on
// the plain port (required, not opportunistic), TLS from the first byte
// (SMTPS on 465, IMAPS on 993), or none (a relay on the same machine).
type MailTLS string

// TLS modes of a mail server connection.
const (
	TLSStartTLS MailTLS = "starttls"
	TLSImplicit MailTLS = "tls"
	TLSNone     MailTLS = "none"
)

// ParseMailTLS reads --tls; an unknown value names the choices.
func ParseMailTLS(field, s string) (MailTLS, error) {
	switch t := MailTLS(strings.ToLower(strings.TrimSpace(s))); t {
	case TLSStartTLS, TLSImplicit, TLSNone:
		return t, nil
	}
	return "", Errorf(EInvalid, "%s %q: use starttls, tls or none", field, s)
}

// DefaultHourlyLimit is how many tickets one sender may open by mail in an
// hour when the organization has not set a limit.
const DefaultHourlyLimit = 10

// MailSettings are the organization's mail server settings. The passwords
// are not part of them: they are kept apart by the store, set only through
// MailChange, and never read back by a service method, so no export, audit
// event or screen can show them (PasswordSet says whether one is stored).
type MailSettings struct {
	Rev
	Host string  `json:"host,omitempty"`
	Port int     `json:"port,omitempty"`
	TLS  MailTLS `json:"tls,omitempty"`
	User string  `json:"user,omitempty"`
	From string  `json:"from,omitempty"` // the helpdesk's address: sender of notifications, where mail to it arrives

	// IntakeBuilding (a code) is the building of tickets opened by mail;
	// "" means the sender's first assigned building.
	IntakeBuilding string `json:"intake_building,omitempty"`
	// HourlyLimit bounds the tickets one sender opens by mail per hour
	// (0: DefaultHourlyLimit).
	HourlyLimit int `json:"hourly_limit,omitempty"`

	IMAPHost    string  `json:"imap_host,omitempty"`
	IMAPPort    int     `json:"imap_port,omitempty"`
	IMAPTLS     MailTLS `json:"imap_tls,omitempty"`
	IMAPUser    string  `json:"imap_user,omitempty"`
	IMAPMailbox string  `json:"imap_mailbox,omitempty"` // default INBOX

	PasswordSet     bool `json:"-"`
	IMAPPasswordSet bool `json:"-"`
}

// Configured reports whether outgoing mail can be delivered.
func (m MailSettings) Configured() bool { return m.Host != "" && m.From != "" }

// Limit is the hourly ticket limit in force.
func (m MailSettings) Limit() int {
	if m.HourlyLimit > 0 {
		return m.HourlyLimit
	}
	return DefaultHourlyLimit
}

// SMTPPort is the port to dial: the set one, else the usual one for the
// TLS mode (587 submission with STARTTLS, 465 with TLS, 25 without).
func (m MailSettings) SMTPPort() int {
	if m.Port > 0 {
		return m.Port
	}
	switch m.TLS {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 587
}

// IMAPPortOrDefault is the IMAP port to dial (993 with TLS, else 143).
func (m MailSettings) IMAPPortOrDefault() int {
	if m.IMAPPort > 0 {
		return m.IMAPPort
	}
	if m.IMAPTLS == TLSImplicit || m.IMAPTLS == "" {
		return 993
	}
	return 143
}

// Domain is the part after @ of the From address: the right-hand side of
// every Message-ID gatehouse makes.
func (m MailSettings) Domain() string {
	if i := strings.LastIndexByte(m.From, '@'); i >= 0 {
		return strings.ToLower(m.From[i+1:])
	}
	return "gatehouse.invalid"
}

// MailSecrets are the stored passwords, read only by the delivery worker
// and the IMAP poller through the store itself, never through a Service.
type MailSecrets struct {
	SMTPPassword string
	IMAPPassword string
}

// MailChange edits mail settings; nil fields are left as they are. A
// password pointer to "" removes the stored password.
type MailChange struct {
	// Base is the version the edit started from (0: none): a field it
	// changes that someone changed since is a Conflict.
	Base                                     uint64
	Host, TLS, User, From, IntakeBuilding    *string
	Port, HourlyLimit                        *int
	IMAPHost, IMAPTLS, IMAPUser, IMAPMailbox *string
	IMAPPort                                 *int
	Password, IMAPPassword                   *string
}

// Apply validates the change against s and returns the new settings; the
// error names the field. Passwords are the store's business.
func (c MailChange) Apply(s MailSettings) (MailSettings, error) {
	str := func(field string, p *string, dst *string) error {
		if p == nil {
			return nil
		}
		v := strings.TrimSpace(*p)
		if err := CheckLine(field, v); err != nil {
			return err
		}
		if len(v) > 254 {
			return Errorf(EInvalid, "%s is longer than 254 characters", field)
		}
		*dst = v
		return nil
	}
	port := func(field string, p *int, dst *int) error {
		if p == nil {
			return nil
		}
		if *p < 0 || *p > 65535 {
			return Errorf(EInvalid, "%s %d: a port from 1 to 65535 (0: the usual one)", field, *p)
		}
		*dst = *p
		return nil
	}
	tls := func(field string, p *string, dst *MailTLS) error {
		if p == nil {
			return nil
		}
		t, err := ParseMailTLS(field, *p)
		*dst = t
		return err
	}
	for _, err := range []error{
		str("host", c.Host, &s.Host), port("port", c.Port, &s.Port), tls("tls", c.TLS, &s.TLS),
		str("user", c.User, &s.User), str("from", c.From, &s.From), str("intake building", c.IntakeBuilding, &s.IntakeBuilding),
		str("imap host", c.IMAPHost, &s.IMAPHost), port("imap port", c.IMAPPort, &s.IMAPPort), tls("imap tls", c.IMAPTLS, &s.IMAPTLS),
		str("imap user", c.IMAPUser, &s.IMAPUser), str("imap mailbox", c.IMAPMailbox, &s.IMAPMailbox),
	} {
		if err != nil {
			return s, err
		}
	}
	if c.HourlyLimit != nil {
		if *c.HourlyLimit < 0 || *c.HourlyLimit > 10000 {
			return s, Errorf(EInvalid, "hourly limit %d: from 0 (the default, %d) to 10000", *c.HourlyLimit, DefaultHourlyLimit)
		}
		s.HourlyLimit = *c.HourlyLimit
	}
	if s.From != "" {
		if err := CheckEmail("from", s.From); err != nil {
			return s, err
		}
	}
	if s.Host != "" && s.TLS == "" {
		s.TLS = TLSStartTLS
	}
	return s, nil
}

// Summary is the settings in one line for the audit trail: never a password.
func (m MailSettings) Summary() string {
	s := fmt.Sprintf("smtp=%s:%d tls=%s user=%s from=%s intake=%s limit=%d", m.Host, m.SMTPPort(), m.TLS, m.User, m.From,
		m.IntakeBuilding, m.Limit())
	if m.IMAPHost != "" {
		s += fmt.Sprintf(" imap=%s:%d tls=%s user=%s box=%s", m.IMAPHost, m.IMAPPortOrDefault(), m.IMAPTLS, m.IMAPUser, m.IMAPMailbox)
	}
	return s
}

// MailService reads and edits the mail settings. Both need the
// Organization module (Manage Organization): the relay, its account and
// the intake rules are the organization's infrastructure, not its look
// (Customize Application); view shows them, edit changes them.
type MailService interface {
	MailSettings(ctx context.Context) (MailSettings, error)
	UpdateMailSettings(ctx context.Context, c MailChange) (MailSettings, error)
}

// Delivery states of an outbox message.
type MailState string

const (
	// MailQueued waits for its first attempt (or for mail to be set up).
	MailQueued MailState = "queued"
	// MailSent was accepted by the SMTP server.
	MailSent MailState = "sent"
	// MailFailed failed and will be tried again at NextTry.
	MailFailed MailState = "failed"
	// MailGaveUp will not be tried again (a permanent refusal, no address,
	// or MaxAttempts failures).
	MailGaveUp MailState = "gave up"
)

// Label is the state as lists show it; "—" is a message queued before
// gatehouse delivered mail, which is never sent.
func (s MailState) Label() string {
	if s == "" {
		return "—"
	}
	return string(s)
}

// Retry policy: the first retry after FirstRetry, each next one twice as
// late but at most MaxRetryWait, MaxAttempts attempts in all (about two
// hours), then the message gives up.
const (
	FirstRetry   = 30 * time.Second
	MaxRetryWait = time.Hour
	MaxAttempts  = 8
)

// Backoff is the wait after the nth failed attempt (n from 1).
func Backoff(n int) time.Duration {
	d := FirstRetry
	for i := 1; i < n && d < MaxRetryWait; i++ {
		d *= 2
	}
	return min(d, MaxRetryWait)
}

// DeliveryResult is one attempt's outcome. Permanent is an SMTP 5xx
// refusal (or no address): retrying cannot help.
type DeliveryResult struct {
	OK        bool
	Reply     string // the server's reply, or why the attempt failed
	Permanent bool
}

// Enqueue marks a new outbox message at now: queued for delivery, or
// given up at once when the recipient has no address (nothing to try,
// nothing to audit).
func (m *Message) Enqueue(now time.Time) {
	m.At, m.NextTry, m.State = now, now, MailQueued
	if strings.TrimSpace(m.Email) == "" {
		m.State, m.NextTry, m.Reply = MailGaveUp, time.Time{}, "no email address: nothing to deliver to"
	}
}

// Pending reports whether the worker still has to try m.
func (m *Message) Pending() bool { return m.State == MailQueued || m.State == MailFailed }

// Record applies one attempt's result at now: sent, failed with the next
// try after Backoff, or gave up.
func (m *Message) Record(r DeliveryResult, now time.Time) {
	m.Attempts++
	m.Reply = PrintableLine(r.Reply, 300)
	switch {
	case r.OK:
		m.State, m.SentAt, m.NextTry = MailSent, now, time.Time{}
	case r.Permanent || m.Attempts >= MaxAttempts:
		m.State, m.NextTry = MailGaveUp, time.Time{}
	default:
		m.State, m.NextTry = MailFailed, now.Add(Backoff(m.Attempts))
	}
}

// PrintableLine is s on one line, control characters (bidirectional ones
// included: CheckLine refuses them) dropped, cut to max bytes at a rune
// boundary: a server reply or a mail header stored for lists.
func PrintableLine(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || controlRune(r) }), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utfStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

func utfStart(b byte) bool { return b&0xC0 != 0x80 }

// CleanText makes mail text storable as a multi-line field (CheckText):
// CRLF and CR become LF, other control characters but tab (bidirectional
// ones included, such as the marks mail clients put in right-to-left
// text) are dropped,
// invalid UTF-8 becomes U+FFFD, trailing space on lines and blank lines
// at the ends go.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !controlRune(r) {
			return r
		}
		return -1
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// ThreadID is the Message-ID (without angle brackets) that stands for a
// ticket's whole mail thread: every notification about the ticket
// names it in References and In-Reply-To, so mail clients thread them and
// a reply names it back.
func ThreadID(org Organization, n TicketNumber, domain string) string {
	return fmt.Sprintf("%s.thread@%s", strings.ToLower(org.FormatTicket(n)), domain)
}

// MessageID is one notification's own Message-ID (without brackets).
func MessageID(org Organization, n TicketNumber, msg ID, domain string) string {
	return fmt.Sprintf("%s.m%d@%s", strings.ToLower(org.FormatTicket(n)), msg, domain)
}

// ticketRef matches the ticket part of a gatehouse Message-ID.
var ticketRef = regexp.MustCompile(`(?i)^<?([a-z0-9]{1,8})-(\d{1,12})\.(?:thread|m\d+)@([^>]+)>?$`)

// TicketFromIDs finds the ticket a reply refers to among Message-IDs (the
// In-Reply-To and References headers) made by this organization at domain.
func TicketFromIDs(org Organization, domain string, ids []string) (TicketNumber, bool) {
	prefix := org.TicketPrefix
	if prefix == "" {
		prefix = "T"
	}
	for _, id := range ids {
		m := ticketRef.FindStringSubmatch(strings.TrimSpace(id))
		if m == nil || !strings.EqualFold(m[1], prefix) || !strings.EqualFold(m[3], domain) {
			continue
		}
		if n, err := strconv.ParseUint(m[2], 10, 64); err == nil && n > 0 {
			return TicketNumber(n), true
		}
	}
	return 0, false
}

// OwnMessageID reports whether a Message-ID is one gatehouse made at domain.
func OwnMessageID(org Organization, domain, id string) bool {
	_, ok := TicketFromIDs(org, domain, []string{id})
	return ok
}

// TicketFromSubject finds a label such as [T-000123] in a subject.
func TicketFromSubject(org Organization, subject string) (TicketNumber, bool) {
	prefix := org.TicketPrefix
	if prefix == "" {
		prefix = "T"
	}
	re := regexp.MustCompile(`(?i)\[` + regexp.QuoteMeta(prefix) + `-(\d{1,12})\]`)
	m := re.FindStringSubmatch(subject)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	return TicketNumber(n), true
}

// InboundMail is one received message as the mail gateway parsed it.
type InboundMail struct {
	From       string // the sender's address, lower case
	FromName   string
	Subject    string
	MessageID  string
	InReplyTo  []string
	References []string
	Text       string // the text body (text/plain, else HTML made text)
	// Auto says why the message is automatic (a bounce, an auto-reply,
	// bulk mail): it is dropped, never answered. "" for a person's mail.
	Auto        string
	Attachments []InboundAttachment
}

// InboundAttachment is one attached file of a received message.
type InboundAttachment struct {
	Name string
	Data []byte
}

// MailOutcome is what the gateway did with one message.
type MailOutcome string

const (
	MailAccepted MailOutcome = "accepted" // a ticket or a post was made (or would be, dry run)
	MailDropped  MailOutcome = "dropped"  // deliberately ignored (bounce, auto-reply, our own)
	MailRefused  MailOutcome = "refused"  // unknown or refused sender: bounce it
)

// MailResult reports one received message: the outcome, the ticket it
// made or reached, and a sentence saying why.
type MailResult struct {
	Outcome MailOutcome
	Ticket  string // label, "" when none
	Post    bool   // a discussion post rather than a new ticket
	Reason  string
}

// Sysexits codes of `gatehouse mailgate`, as MTAs read them.
const (
	ExitOK       = 0
	ExitNoUser   = 67 // EX_NOUSER: bounce
	ExitTempFail = 75 // EX_TEMPFAIL: retry later
)

// Code is the exit status for the MTA.
func (r MailResult) Code() int {
	if r.Outcome == MailRefused {
		return ExitNoUser
	}
	return ExitOK
}

// MailConfig is what the delivery worker and the IMAP poller read:
// settings, passwords and the organization (for ticket labels).
type MailConfig struct {
	Settings MailSettings
	Secrets  MailSecrets
	Org      Organization
}

// quoteHead matches the line mail clients put above the message a reply
// quotes.
var quoteHead = regexp.MustCompile(`(?i)^(on .{1,200} wrote:|-{2,} ?original message ?-{2,}|le .{1,200} a écrit ?:|am .{1,200} schrieb .{1,100}:)$`)

// StripQuoted is a reply's own text: from the client's "On … wrote:" (or
// "-----Original Message-----") line on, and any trailing "> " lines, is
// the message it answers, which the ticket already has. A reply that is
// all quote stays whole.
func StripQuoted(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if quoteHead.MatchString(strings.TrimSpace(l)) {
			lines = lines[:i]
			break
		}
	}
	for len(lines) > 0 {
		l := strings.TrimSpace(lines[len(lines)-1])
		if l != "" && !strings.HasPrefix(l, ">") {
			break
		}
		lines = lines[:len(lines)-1]
	}
	if s := strings.TrimSpace(strings.Join(lines, "\n")); s != "" {
		return s
	}
	return text
}

// Delivery is the message's delivery state as people read it, with the
// attempts, the sent time or next try (in loc) and the server's last reply:
// "failed after 2 attempt(s), next try 2026-03-02 09:30: 451 try later".
func (m *Message) Delivery(loc *time.Location) string {
	s := m.State.Label()
	if m.Attempts > 0 {
		s += fmt.Sprintf(" after %d attempt(s)", m.Attempts)
	}
	switch m.State {
	case MailSent:
		s += ", " + Stamp(m.SentAt, loc)
	case MailFailed:
		s += ", next try " + Stamp(m.NextTry, loc)
	}
	if m.Reply != "" {
		s += ": " + m.Reply
	}
	return s
}

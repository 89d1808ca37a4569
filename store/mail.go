package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// Mail settings live in their own bucket (exported like any setting); the
// passwords live in the meta bucket, which no export carries, and no
// service method returns them: only the store-level MailConfig, used by
// the delivery worker and the IMAP poller of this process, reads them.
var (
	keyMailSettings = []byte("settings")
	keyMailSecret   = []byte("mail_secret")
	// keyMailMark is the lowest outbox id that may still be pending, so
	// the worker does not rescan delivered mail.
	keyMailMark = []byte("mail_mark")
)

// MaxQueueAge is how old a message may be at its first attempt: mail
// queued long before delivery was set up (or while it was broken for
// days) is news no longer and gives up instead of arriving late.
const MaxQueueAge = 72 * time.Hour

func getMailSettings(tx *bolt.Tx) (domain.MailSettings, error) {
	var m domain.MailSettings
	b := tx.Bucket(bMail)
	if b == nil {
		return m, nil
	}
	if v := b.Get(keyMailSettings); v != nil {
		if err := decJSON(v, &m); err != nil {
			return m, damaged("mail settings", "", err)
		}
	}
	sec, err := getMailSecret(tx)
	m.PasswordSet, m.IMAPPasswordSet = sec.SMTPPassword != "", sec.IMAPPassword != ""
	return m, err
}

// mailSecret is the stored form of domain.MailSecrets.
type mailSecret struct {
	SMTP string `json:"smtp,omitempty"`
	IMAP string `json:"imap,omitempty"`
}

func getMailSecret(tx *bolt.Tx) (domain.MailSecrets, error) {
	var s mailSecret
	if v := tx.Bucket(bMeta).Get(keyMailSecret); v != nil {
		if err := decJSON(v, &s); err != nil {
			return domain.MailSecrets{}, damaged("mail password", "", err)
		}
	}
	return domain.MailSecrets{SMTPPassword: s.SMTP, IMAPPassword: s.IMAP}, nil
}

// MailSettings implements domain.MailService: organization:view.
func (s *session) MailSettings(ctx context.Context) (domain.MailSettings, error) {
	var m domain.MailSettings
	err := s.read(func(r *txn) error {
		if err := r.acc.RequireLevel(domain.ModOrganization, domain.LevelView); err != nil {
			return err
		}
		var err error
		m, err = getMailSettings(r.tx)
		return err
	})
	return m, err
}

// UpdateMailSettings implements domain.MailService: organization:edit. The
// audit event names a password change, never the password.
func (s *session) UpdateMailSettings(ctx context.Context, c domain.MailChange) (domain.MailSettings, error) {
	var after domain.MailSettings
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModOrganization, domain.LevelEdit); err != nil {
			return err
		}
		before, err := getMailSettings(w.tx)
		if err != nil {
			return err
		}
		if err := w.expect("mail", "settings", before.Rev); err != nil {
			return err
		}
		if after, err = c.Apply(before); err != nil {
			return err
		}
		if after.IntakeBuilding != "" {
			b, err := buildingByCode(w.tx, after.IntakeBuilding)
			if err != nil {
				return domain.Errorf(domain.EInvalid, "intake building: %v", err)
			}
			after.IntakeBuilding = b.Code
		}
		sec, err := getMailSecret(w.tx)
		if err != nil {
			return err
		}
		var notes []string
		changedPw := map[string]bool{}
		for _, p := range []struct {
			v    *string
			dst  *string
			what string
			key  string
		}{{c.Password, &sec.SMTPPassword, "smtp password", "password"}, {c.IMAPPassword, &sec.IMAPPassword, "imap password", "imap_password"}} {
			if p.v == nil {
				continue
			}
			if strings.ContainsAny(*p.v, "\r\n\x00") {
				return domain.Errorf(domain.EInvalid, "%s: one line, no control characters", p.what)
			}
			switch {
			case *p.v == "":
				notes = append(notes, p.what+" removed")
			case *p.v != *p.dst:
				notes = append(notes, p.what+" changed")
				changedPw[p.key] = true
			}
			*p.dst = *p.v
		}
		after.PasswordSet, after.IMAPPasswordSet = sec.SMTPPassword != "", sec.IMAPPassword != ""
		// a password is a field: set or not, and "changed" when replaced
		// (its value is never read back, so it cannot be shown)
		afterFields := domain.MailFields(&after)
		for i, f := range afterFields {
			if changedPw[f.Key] {
				afterFields[i].Value = "changed"
			}
		}
		changes, err := w.revise("mail", "settings", 0, &after.Rev, c.Base, domain.MailFields(&before), afterFields)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			w.touch(&after.Rev)
		}
		b, err := w.tx.CreateBucketIfNotExists(bMail)
		if err != nil {
			return err
		}
		v, err := encJSON(after)
		if err != nil {
			return err
		}
		if err := kvPut(b, keyMailSettings, v); err != nil {
			return err
		}
		sv, err := encJSON(mailSecret{SMTP: sec.SMTPPassword, IMAP: sec.IMAPPassword})
		if err != nil {
			return err
		}
		if err := kvPut(w.tx.Bucket(bMeta), keyMailSecret, sv); err != nil {
			return err
		}
		sum := after.Summary()
		if len(notes) > 0 {
			sum += "; " + strings.Join(notes, ", ")
		}
		return w.auditEvent(domain.AuditEvent{Entity: "mail", Name: "mail settings", Action: "update",
			Before: before.Summary(), After: sum, Changes: changes})
	})
	return after, err
}

// MailConfig is what the delivery worker and the IMAP poller need,
// passwords included. It is not part of domain.Service: only code in this
// process that holds the *DB reaches it.
func (db *DB) MailConfig() (domain.MailConfig, error) {
	var c domain.MailConfig
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		if c.Settings, err = getMailSettings(tx); err != nil {
			return err
		}
		if c.Secrets, err = getMailSecret(tx); err != nil {
			return err
		}
		c.Org, err = getOrg(tx)
		return err
	})
	return c, err
}

// mailScan bounds the outbox records one DueMail call reads.
const mailScan = 4096

// DueMail returns up to limit pending messages whose next try has come,
// oldest first. It reads from the mark below which nothing is pending and
// moves the mark up in a small write when the first records are final.
// ctx is the delivery worker's: its claims and the mark are written under
// it.
func (db *DB) DueMail(ctx context.Context, limit int) ([]domain.Message, error) {
	var out []domain.Message
	var mark, newMark uint64
	now := db.now()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		mark = btoi(tx.Bucket(bMeta).Get(keyMailMark))
		newMark = mark
		c := tx.Bucket(bOutbox).Cursor()
		pendingSeen := false
		n := 0
		for k, v := c.Seek(itob(mark)); k != nil && n < mailScan; k, v = c.Next() {
			n++
			var m domain.Message
			if decJSON(v, &m) != nil || !m.Pending() {
				if !pendingSeen {
					newMark = btoi(k) + 1
				}
				continue
			}
			pendingSeen = true
			if !m.NextTry.After(now) && len(out) < limit {
				out = append(out, m)
			}
		}
		return nil
	})
	if err == nil && db.remote != nil && len(out) > 0 {
		out, err = db.claimMail(ctx, out, now)
	}
	if err != nil || newMark == mark {
		return out, err
	}
	return out, db.update(ctx, func(tx *bolt.Tx) ([]domain.Change, error) {
		// only ever up: a concurrent caller may have moved it already
		if btoi(tx.Bucket(bMeta).Get(keyMailMark)) >= newMark {
			return nil, nil
		}
		return nil, kvPut(tx.Bucket(bMeta), keyMailMark, itob(newMark))
	})
}

// mailClaim is how long a delivery worker on a shared etcd store holds the
// messages it took: another site's worker skips them meanwhile.
const mailClaim = 2 * time.Minute

// claimMail moves the next try of the messages one worker is about to send
// past the claim, in one transaction, and keeps those still due: on etcd
// several `gatehouse serve` instances deliver from one outbox, and a
// message must leave once. (A bbolt file has one process.) The message is
// sent again only if its worker stops before recording the result.
func (db *DB) claimMail(ctx context.Context, due []domain.Message, now time.Time) ([]domain.Message, error) {
	var out []domain.Message
	err := db.update(ctx, func(tx *bolt.Tx) ([]domain.Change, error) {
		out = out[:0]
		for _, m := range due {
			var cur domain.Message
			found, err := getJSON(tx, bOutbox, m.ID, &cur)
			if err != nil {
				return nil, err
			}
			if !found || !cur.Pending() || cur.NextTry.After(now) {
				continue // taken by another site's worker
			}
			cur.NextTry = now.Add(mailClaim)
			if err := putJSON(tx, bOutbox, m.ID, cur); err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return nil, nil
	})
	return out, err
}

// RecordDelivery stores one attempt's result on the message in a short
// write of its own (the SMTP round trip happened outside any transaction).
// A message that gives up leaves an audit event. The delivery worker
// passes a context that outlives its own stop for a message that left:
// a result not recorded sends the message again.
func (db *DB) RecordDelivery(ctx context.Context, id domain.ID, r domain.DeliveryResult) (domain.Message, error) {
	var m domain.Message
	err := db.update(ctx, func(tx *bolt.Tx) ([]domain.Change, error) {
		found, err := getJSON(tx, bOutbox, id, &m)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, domain.Errorf(domain.ENotFound, "message %d not found", id)
		}
		if !m.Pending() {
			return nil, nil // recorded by another worker meanwhile
		}
		now := db.now()
		if m.Attempts == 0 && !r.OK && now.Sub(m.At) > MaxQueueAge {
			r.Permanent = true
		}
		m.Record(r, now)
		if err := putJSON(tx, bOutbox, id, m); err != nil {
			return nil, err
		}
		changes := []domain.Change{{Entity: "outbox", ID: id, Action: string(m.State)}}
		if m.State == domain.MailGaveUp {
			return changes, systemAudit(tx, now, "mail", "outbox", id, fmt.Sprintf("message %d to %s", id, m.ToName), "mail gave up", "", m.Reply)
		}
		return changes, nil
	})
	return m, err
}

// systemAudit records an event of a process rather than a person (the
// mail gateway, the delivery worker) in the caller's transaction.
func systemAudit(tx *bolt.Tx, now time.Time, actor, entity string, id domain.ID, name, action, before, after string) error {
	seq, err := kvSeq(tx.Bucket(bAudit))
	if err != nil {
		return err
	}
	ev := domain.AuditEvent{ID: seq, At: now, ActorName: actor, Entity: entity, EntityID: id, Name: name, Action: action,
		Before: before, After: after}
	return kvPut(tx.Bucket(bAudit), itob(seq), encAudit(&ev))
}

// maxMailText bounds the description a message makes; maxPostText its
// post (posts hold at most 20000 characters).
const (
	maxMailText = 64 << 10
	maxPostText = 19000
)

// cutText keeps the start of a long text (a quoted thread, a pasted log:
// the start is what a person reads) and says it was cut.
func cutText(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	cut := limit
	for cut > 0 && text[cut]&0xC0 == 0x80 {
		cut--
	}
	return text[:cut] + "\n[… cut: the message was longer]"
}

// errDryRun rolls back a mail gateway transaction that only looked.
var errDryRun = errors.New("dry run")

// ReceiveMail is the mail gateway: it drops automatic mail and our own
// (with an audit event), refuses unknown senders and what the sender may
// not do (with the reason, for the bounce), and otherwise makes a ticket
// or, for a reply, a discussion post, acting as the sender so that every
// privilege applies exactly as in the console. Everything a message makes
// is one transaction. With dryRun nothing is written. An error is
// temporary: the MTA should try again.
func (db *DB) ReceiveMail(ctx context.Context, in domain.InboundMail, dryRun bool) (domain.MailResult, error) {
	if err := ctx.Err(); err != nil {
		return domain.MailResult{}, err
	}
	cfg, err := db.MailConfig()
	if err != nil {
		return domain.MailResult{}, err
	}
	st := cfg.Settings
	from := strings.ToLower(strings.TrimSpace(in.From))
	subject := domain.PrintableLine(in.Subject, 200)
	drop := func(reason string) (domain.MailResult, error) {
		res := domain.MailResult{Outcome: domain.MailDropped, Reason: reason}
		if dryRun {
			return res, nil
		}
		return res, db.update(ctx, func(tx *bolt.Tx) ([]domain.Change, error) {
			return nil, systemAudit(tx, db.now(), "mailgate", "mail", 0, domain.PrintableLine(from, 100), "mail dropped", subject, reason)
		})
	}
	switch {
	case in.Auto != "":
		return drop(in.Auto)
	case st.From != "" && strings.EqualFold(from, st.From):
		return drop("sent from the helpdesk's own address")
	case in.MessageID != "" && domain.OwnMessageID(cfg.Org, st.Domain(), in.MessageID):
		return drop("a message gatehouse sent itself")
	}
	var sender domain.User
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		id := btoi(tx.Bucket(bUserEmail).Get(lower(from)))
		if id == 0 {
			return nil
		}
		var err error
		sender, err = getUser(tx, id)
		return err
	}); err != nil {
		return domain.MailResult{}, err
	}
	if from == "" || sender.ID == 0 {
		return domain.MailResult{Outcome: domain.MailRefused,
			Reason: fmt.Sprintf("unknown sender %q: no gatehouse user has this address", domain.PrintableLine(from, 100))}, nil
	}
	s := &session{db: db, actor: sender.ID}
	var res domain.MailResult
	err = s.write(ctx, func(w *txn) error {
		var err error
		if res, err = w.receive(in, st); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	switch {
	case err == nil || errors.Is(err, errDryRun):
		return res, nil
	case domain.ErrorCode(err) == domain.EInternal:
		return domain.MailResult{}, err
	}
	res = domain.MailResult{Outcome: domain.MailRefused, Reason: err.Error()}
	if dryRun {
		return res, nil
	}
	return res, db.update(ctx, func(tx *bolt.Tx) ([]domain.Change, error) {
		return nil, systemAudit(tx, db.now(), "mailgate", "mail", sender.ID, sender.Username, "mail refused", subject, res.Reason)
	})
}

// receive makes the ticket or the post of one message as the sender.
func (w *txn) receive(in domain.InboundMail, st domain.MailSettings) (domain.MailResult, error) {
	ids := append(append([]string{}, in.InReplyTo...), in.References...)
	n, reply := domain.TicketFromIDs(w.org, st.Domain(), ids)
	if !reply {
		n, reply = domain.TicketFromSubject(w.org, in.Subject)
	}
	text := domain.CleanText(in.Text)
	if reply {
		return w.receiveReply(n, in, cutText(domain.StripQuoted(text), maxPostText))
	}
	text = cutText(text, maxMailText)
	if err := w.acc.Require(domain.TicketReport); err != nil {
		return domain.MailResult{}, err
	}
	if len(in.Attachments) > 0 && !w.acc.Has(domain.TicketAttach) && !w.acc.Has(domain.AttachEdit) {
		return domain.MailResult{}, domain.Errorf(domain.EForbidden, "%s may not attach files (Add Attachments via Add Page, ticket.attach): send the message without attachments", w.actor.Username)
	}
	limit := st.Limit()
	if recent := w.ticketsSince(w.now.Add(-time.Hour), limit); recent >= limit {
		return domain.MailResult{}, domain.Errorf(domain.EForbidden, "%s opened %d tickets in the last hour, the most by mail: try again later", w.actor.Username, recent)
	}
	code := st.IntakeBuilding
	if code == "" {
		for _, id := range w.actor.Buildings {
			if b, err := getBuilding(w.tx, id); err == nil {
				code = b.Code
				break
			}
		}
	}
	if code == "" {
		return domain.MailResult{}, domain.Errorf(domain.EInvalid, "%s has no building and the helpdesk sets no intake building: report the problem in gatehouse instead", w.actor.Username)
	}
	title := strings.TrimSpace(domain.PrintableLine(in.Subject, 200))
	if title == "" {
		title = "(no subject)"
	}
	t, err := w.buildTicket(domain.NewTicket{Title: title, Description: text, Building: code})
	if err != nil {
		return domain.MailResult{}, err
	}
	if err := w.number(&t); err != nil {
		return domain.MailResult{}, err
	}
	w.autoAssign(&t)
	if err := w.saveTicket(nil, &t, "report", "by mail", ""); err != nil {
		return domain.MailResult{}, err
	}
	for _, a := range in.Attachments {
		if _, err := w.attach(&t, a.Name, a.Data); err != nil {
			return domain.MailResult{}, err
		}
	}
	label := w.org.FormatTicket(t.Number)
	why := "ticket " + label + " reported by " + w.actor.Username
	if len(in.Attachments) > 0 {
		why += fmt.Sprintf(" with %d attachment(s)", len(in.Attachments))
	}
	return domain.MailResult{Outcome: domain.MailAccepted, Ticket: label, Reason: why}, nil
}

// receiveReply posts a reply in the ticket's latest thread, or in a new
// thread named after the subject when the ticket has none (which needs
// Initiate Threads).
func (w *txn) receiveReply(n domain.TicketNumber, in domain.InboundMail, text string) (domain.MailResult, error) {
	t, err := w.visibleTicket(n)
	if err != nil {
		return domain.MailResult{}, err
	}
	label := w.org.FormatTicket(n)
	if err := w.acc.Require(domain.DiscussionPost); err != nil {
		return domain.MailResult{}, domain.Errorf(domain.EForbidden, "a reply to %s: %v", label, err)
	}
	if strings.TrimSpace(text) == "" {
		return domain.MailResult{}, domain.Errorf(domain.EInvalid, "the reply to %s has no text", label)
	}
	var thread domain.ID
	c := w.tx.Bucket(bThreads).Cursor()
	p := itob(uint64(n))
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		thread = btoi(k[8:])
	}
	if thread == 0 {
		if err := w.acc.Require(domain.DiscussionInitiate); err != nil {
			return domain.MailResult{}, domain.Errorf(domain.EForbidden, "%s has no discussion yet and starting one needs Initiate Threads: %v", label, err)
		}
		title := strings.TrimSpace(domain.PrintableLine(in.Subject, 200))
		if title == "" {
			title = "Email"
		}
		id, err := kvSeq(w.tx.Bucket(bThreads))
		if err != nil {
			return domain.MailResult{}, err
		}
		th := domain.Thread{ID: id, Ticket: n, Title: title, Author: w.actor.ID, Created: w.now}
		if err := putJSONKey(w, bThreads, key(uint64(n), id), th); err != nil {
			return domain.MailResult{}, err
		}
		thread = id
	}
	if _, err := w.addPost(n, thread, 0, text); err != nil {
		return domain.MailResult{}, err
	}
	if len(in.Attachments) > 0 && !w.acc.Has(domain.AttachEdit) {
		return domain.MailResult{}, domain.Errorf(domain.EForbidden, "attaching files to %s needs Edit Attachments (attach.edit): send the reply without attachments", label)
	}
	for _, a := range in.Attachments {
		if _, err := w.attach(&t, a.Name, a.Data); err != nil {
			return domain.MailResult{}, err
		}
	}
	if err := w.audit("ticket", domain.ID(n), label, "post", "", "by mail: "+excerpt(text)); err != nil {
		return domain.MailResult{}, err
	}
	return domain.MailResult{Outcome: domain.MailAccepted, Ticket: label, Post: true,
		Reason: "reply posted on " + label + " by " + w.actor.Username}, nil
}

// ticketsSince counts the actor's reported tickets created at or after
// since, newest first, stopping at limit.
func (w *txn) ticketsSince(since time.Time, limit int) int {
	n := 0
	p := itob(w.actor.ID)
	c := w.tx.Bucket(bTReporter).Cursor()
	k, _ := c.Seek(key(w.actor.ID+1, 0))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, p) && n < limit; k, _ = c.Prev() {
		t, ok, err := getTicket(w.tx, domain.TicketNumber(btoi(k[8:])))
		if err != nil || !ok {
			continue
		}
		if t.Created.Before(since) {
			break
		}
		n++
	}
	return n
}

package store_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

func ptr[T any](v T) *T { return &v }

// mailDistrict is a district with mail set up and addresses on its people.
func mailDistrict(t *testing.T) *district {
	t.Helper()
	d := newDistrict(t)
	_, err := d.admin.UpdateMailSettings(t.Context(), domain.MailChange{Host: ptr("smtp.example.org"), TLS: ptr("none"),
		From: ptr("helpdesk@example.org"), User: ptr("relay"), Password: ptr("pa55-word!")})
	must(t, err)
	for _, u := range []struct{ name, email string }{{"staff", "sam@example.org"}, {"tech", "terry@example.org"}} {
		info, err := d.admin.User(t.Context(), u.name)
		must(t, err)
		info.User.Email = u.email
		if u.name == "staff" {
			info.User.Buildings = []domain.ID{d.eastB.ID}
		}
		_, err = d.admin.UpdateUser(t.Context(), info.User.ID, wholeUser(info.User))
		must(t, err)
	}
	return d
}

// Mail settings are the Organization module's: view reads them, edit
// changes them, others cannot even read them.
func TestGate_MailSettingsNeedOrganization(t *testing.T) {
	d := mailDistrict(t)
	_, err := as(t, d.db, "staff").MailSettings(t.Context())
	mustCode(t, err, domain.EForbidden)
	var lv domain.ModuleLevels
	lv[domain.ModOrganization] = domain.LevelView
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Org viewers", Levels: lv}, false)
	must(t, err)
	must(t, d.admin.Join(t.Context(), "tech", "Org viewers", time.Time{}, ""))
	m, err := as(t, d.db, "tech").MailSettings(t.Context())
	must(t, err)
	if m.Host != "smtp.example.org" || !m.PasswordSet {
		t.Fatalf("tech reads %+v", m)
	}
	_, err = as(t, d.db, "tech").UpdateMailSettings(t.Context(), domain.MailChange{Host: ptr("evil.example")})
	mustCode(t, err, domain.EForbidden)
	_, err = d.admin.UpdateMailSettings(t.Context(), domain.MailChange{TLS: ptr("ssl")})
	if err == nil || !strings.Contains(err.Error(), "tls") {
		t.Fatalf("a bad --tls should name the field: %v", err)
	}
	_, err = d.admin.UpdateMailSettings(t.Context(), domain.MailChange{IntakeBuilding: ptr("NOPE")})
	if err == nil || !strings.Contains(err.Error(), "intake building") {
		t.Fatalf("an unknown intake building should name the field: %v", err)
	}
}

// The SMTP password reaches the delivery worker and nothing else: not the
// service, not the export, not the audit trail.
func TestMailPasswordNeverLeavesTheStore(t *testing.T) {
	d := mailDistrict(t)
	cfg, err := d.db.MailConfig()
	must(t, err)
	if cfg.Secrets.SMTPPassword != "pa55-word!" {
		t.Fatalf("the worker reads %q", cfg.Secrets.SMTPPassword)
	}
	var buf bytes.Buffer
	must(t, d.admin.Export(t.Context(), &buf, domain.ExportJSON))
	if strings.Contains(buf.String(), "pa55-word!") {
		t.Fatal("the export holds the SMTP password")
	}
	if !strings.Contains(buf.String(), "smtp.example.org") {
		t.Fatal("the export should carry the mail settings")
	}
	_, err = d.admin.UpdateMailSettings(t.Context(), domain.MailChange{Password: ptr("n3w-secret")})
	must(t, err)
	evs, err := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "mail"})
	must(t, err)
	if len(evs) == 0 {
		t.Fatal("mail settings changes should be audited")
	}
	for _, e := range evs {
		if strings.Contains(e.Before+e.After, "pa55") || strings.Contains(e.Before+e.After, "n3w-secret") {
			t.Fatalf("the audit trail shows a password: %+v", e)
		}
	}
	if !strings.Contains(evs[0].After, "smtp password changed") {
		t.Fatalf("the audit event should say the password changed: %q", evs[0].After)
	}
}

// The worker's queue: a temporary failure waits out its backoff, a
// permanent one gives up with an audit event, a sent message stays sent.
func TestMailDeliveryStatesAndBackoff(t *testing.T) {
	d := mailDistrict(t)
	_, err := as(t, d.db, "staff").CreateTicket(t.Context(), domain.NewTicket{Title: "Heater", Building: "EAST"})
	must(t, err)
	due, err := d.db.DueMail(t.Context(), 50)
	must(t, err)
	if len(due) == 0 {
		t.Fatal("a new ticket should queue notifications")
	}
	first := due[0]
	if first.State != domain.MailQueued {
		t.Fatalf("a new message is %q", first.State)
	}
	m, err := d.db.RecordDelivery(t.Context(), first.ID, domain.DeliveryResult{Reply: "421 4.7.0 try later"})
	must(t, err)
	if m.State != domain.MailFailed || !m.NextTry.Equal(epoch.Add(domain.FirstRetry)) || m.Reply != "421 4.7.0 try later" {
		t.Fatalf("after a temporary failure: %+v", m)
	}
	due, err = d.db.DueMail(t.Context(), 50)
	must(t, err)
	for _, x := range due {
		if x.ID == first.ID {
			t.Fatal("a failed message is due again before its backoff ends")
		}
	}
	d.clk.t = d.clk.t.Add(domain.FirstRetry)
	due, err = d.db.DueMail(t.Context(), 50)
	must(t, err)
	if len(due) == 0 || due[0].ID != first.ID {
		t.Fatalf("the failed message should be due after its backoff: %+v", due)
	}
	m, err = d.db.RecordDelivery(t.Context(), first.ID, domain.DeliveryResult{Reply: "550 5.1.1 no such user", Permanent: true})
	must(t, err)
	if m.State != domain.MailGaveUp || m.Attempts != 2 {
		t.Fatalf("after a permanent failure: %+v", m)
	}
	evs, err := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "outbox"})
	must(t, err)
	if len(evs) != 1 || evs[0].Action != "mail gave up" || !strings.Contains(evs[0].After, "550") {
		t.Fatalf("giving up should be audited with the reply: %+v", evs)
	}
	for _, x := range due[1:] {
		_, err := d.db.RecordDelivery(t.Context(), x.ID, domain.DeliveryResult{OK: true, Reply: "250 ok"})
		must(t, err)
	}
	due, err = d.db.DueMail(t.Context(), 50)
	must(t, err)
	if len(due) != 0 {
		t.Fatalf("nothing should be pending: %+v", due)
	}
	got, err := d.admin.OutboxMessage(t.Context(), first.ID)
	must(t, err)
	if got.State != domain.MailGaveUp || got.Reply == "" {
		t.Fatalf("the outbox shows %+v", got)
	}
}

// A message queued long before delivery was set up gives up at its first
// failure instead of being retried for hours.
func TestMailOldMessageGivesUpAtFirstFailure(t *testing.T) {
	d := mailDistrict(t)
	_, err := as(t, d.db, "staff").CreateTicket(t.Context(), domain.NewTicket{Title: "Heater", Building: "EAST"})
	must(t, err)
	d.clk.t = d.clk.t.Add(store.MaxQueueAge + time.Hour)
	due, err := d.db.DueMail(t.Context(), 1)
	must(t, err)
	m, err := d.db.RecordDelivery(t.Context(), due[0].ID, domain.DeliveryResult{Reply: "connection refused"})
	must(t, err)
	if m.State != domain.MailGaveUp {
		t.Fatalf("an old message should give up: %+v", m)
	}
}

func inbound(from, subject, text string) domain.InboundMail {
	return domain.InboundMail{From: from, Subject: subject, Text: text, MessageID: "x1@mua.example"}
}

// A known user who may report opens a ticket by mail, in their first
// building, with the attachments.
func TestMailgate_TicketWithAttachments(t *testing.T) {
	d := mailDistrict(t)
	in := inbound("Sam@Example.org", "Printer jammed", "Room 101 printer\nis jammed.")
	in.Attachments = []domain.InboundAttachment{{Name: "jam.txt", Data: []byte("paper")}}
	res, err := d.db.ReceiveMail(t.Context(), in, false)
	must(t, err)
	if res.Outcome != domain.MailAccepted || res.Ticket == "" || res.Code() != domain.ExitOK {
		t.Fatalf("result %+v", res)
	}
	n, err := domain.ParseTicketNumber(res.Ticket)
	must(t, err)
	td, err := d.admin.Ticket(t.Context(), n)
	must(t, err)
	if td.Title != "Printer jammed" || td.Building != "EAST" || td.Reporter != "staff" || td.Description != "Room 101 printer\nis jammed." {
		t.Fatalf("ticket %+v", td.TicketRow)
	}
	atts, err := d.admin.Attachments(t.Context(), n)
	must(t, err)
	if len(atts) != 1 || atts[0].Name != "jam.txt" {
		t.Fatalf("attachments %+v", atts)
	}
}

// An attachment over the limit refuses the whole message: nothing is made.
func TestMailgate_OversizeAttachmentRefusedWhole(t *testing.T) {
	d := mailDistrict(t)
	before, err := d.admin.Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	in := inbound("sam@example.org", "Big", "see attached")
	in.Attachments = []domain.InboundAttachment{{Name: "big.bin", Data: make([]byte, domain.MaxAttachment+1)}}
	res, err := d.db.ReceiveMail(t.Context(), in, false)
	must(t, err)
	if res.Outcome != domain.MailRefused || !strings.Contains(res.Reason, "limited to 10 MiB") || res.Code() != domain.ExitNoUser {
		t.Fatalf("result %+v", res)
	}
	after, err := d.admin.Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	if after.Total != before.Total {
		t.Fatal("a refused message made a ticket")
	}
}

// A reply (by our Message-ID, or by the label in the subject) becomes a
// post on the ticket when the sender may post; otherwise it is refused
// with the reason.
func TestMailgate_ReplyBecomesPostOrIsRefused(t *testing.T) {
	d := mailDistrict(t)
	must(t, d.admin.Assign(t.Context(), d.east, "tech", ""))
	cfg, err := d.db.MailConfig()
	must(t, err)
	in := inbound("terry@example.org", "Re: something", "On my way.\n\nOn Mon, 2 Mar 2026, helpdesk wrote:\n> Projector dead")
	in.References = []string{domain.ThreadID(cfg.Org, d.east, "example.org")}
	res, err := d.db.ReceiveMail(t.Context(), in, false)
	must(t, err)
	if res.Outcome != domain.MailAccepted || !res.Post {
		t.Fatalf("tech's reply: %+v", res)
	}
	disc, err := d.admin.Discussion(t.Context(), d.east)
	must(t, err)
	if len(disc.Threads) != 1 || len(disc.Threads[0].Posts) != 1 || disc.Threads[0].Posts[0].Text != "On my way." {
		t.Fatalf("discussion %+v", disc)
	}
	// staff (Users) may not post in discussions: refused, with the reason
	label := cfg.Org.FormatTicket(d.east)
	res, err = d.db.ReceiveMail(t.Context(), inbound("sam@example.org", "Re: ["+label+"] Projector dead", "any news?"), false)
	must(t, err)
	if res.Outcome != domain.MailRefused || !strings.Contains(res.Reason, label) {
		t.Fatalf("staff's reply: %+v", res)
	}
	evs, err := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "mail"})
	must(t, err)
	if len(evs) == 0 || evs[0].Action != "mail refused" {
		t.Fatalf("a refusal should be audited: %+v", evs)
	}
}

// Bounces, auto-replies and our own messages are dropped with an audit
// entry; unknown senders are refused (67); nothing is answered.
func TestMailgate_DropsAutomaticMailAndRefusesStrangers(t *testing.T) {
	d := mailDistrict(t)
	bounce := inbound("mailer-daemon@example.org", "Undelivered", "")
	bounce.Auto = "a delivery or disposition report (multipart/report): bounces are never answered"
	res, err := d.db.ReceiveMail(t.Context(), bounce, false)
	must(t, err)
	if res.Outcome != domain.MailDropped || res.Code() != domain.ExitOK {
		t.Fatalf("bounce: %+v", res)
	}
	own := inbound("helpdesk@example.org", "[T-000001] loop", "x")
	res, err = d.db.ReceiveMail(t.Context(), own, false)
	must(t, err)
	if res.Outcome != domain.MailDropped {
		t.Fatalf("our own message: %+v", res)
	}
	evs, err := d.admin.Audit(t.Context(), domain.AuditQuery{Entity: "mail"})
	must(t, err)
	drops := 0
	for _, e := range evs {
		if e.Action == "mail dropped" {
			drops++
		}
	}
	if drops != 2 {
		t.Fatalf("want 2 drop audit events, got %+v", evs)
	}
	res, err = d.db.ReceiveMail(t.Context(), inbound("stranger@elsewhere.example", "hi", "hello"), false)
	must(t, err)
	if res.Outcome != domain.MailRefused || res.Code() != domain.ExitNoUser {
		t.Fatalf("stranger: %+v", res)
	}
}

// At most the hourly limit of tickets per sender; the next hour opens again.
func TestMailgate_HourlyLimitPerSender(t *testing.T) {
	d := mailDistrict(t)
	_, err := d.admin.UpdateMailSettings(t.Context(), domain.MailChange{HourlyLimit: ptr(3)})
	must(t, err)
	// staff reported two tickets in the fixture already, in this hour
	res, err := d.db.ReceiveMail(t.Context(), inbound("sam@example.org", "one", "a"), false)
	must(t, err)
	if res.Outcome != domain.MailAccepted {
		t.Fatalf("third ticket of the hour: %+v", res)
	}
	res, err = d.db.ReceiveMail(t.Context(), inbound("sam@example.org", "two", "b"), false)
	must(t, err)
	if res.Outcome != domain.MailRefused || !strings.Contains(res.Reason, "last hour") {
		t.Fatalf("fourth ticket of the hour: %+v", res)
	}
	d.clk.t = d.clk.t.Add(time.Hour + time.Second)
	res, err = d.db.ReceiveMail(t.Context(), inbound("sam@example.org", "three", "c"), false)
	must(t, err)
	if res.Outcome != domain.MailAccepted {
		t.Fatalf("next hour: %+v", res)
	}
}

// A dry run says what would happen and writes nothing.
func TestMailgate_DryRunWritesNothing(t *testing.T) {
	d := mailDistrict(t)
	before, err := d.admin.Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	audit, err := d.admin.Audit(t.Context(), domain.AuditQuery{})
	must(t, err)
	res, err := d.db.ReceiveMail(t.Context(), inbound("sam@example.org", "Printer", "jam"), true)
	must(t, err)
	if res.Outcome != domain.MailAccepted || res.Ticket == "" {
		t.Fatalf("dry run: %+v", res)
	}
	after, err := d.admin.Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	audit2, err := d.admin.Audit(t.Context(), domain.AuditQuery{})
	must(t, err)
	if after.Total != before.Total || len(audit2) != len(audit) {
		t.Fatal("a dry run wrote")
	}
}

// A very long reply is cut to what a post holds rather than refused.
func TestMailgate_LongReplyIsCut(t *testing.T) {
	d := mailDistrict(t)
	must(t, d.admin.Assign(t.Context(), d.east, "tech", ""))
	cfg, err := d.db.MailConfig()
	must(t, err)
	in := inbound("terry@example.org", "Re: ["+cfg.Org.FormatTicket(d.east)+"]", strings.Repeat("é long log line\n", 5000))
	res, err := d.db.ReceiveMail(t.Context(), in, false)
	must(t, err)
	if res.Outcome != domain.MailAccepted {
		t.Fatalf("%+v", res)
	}
	disc, err := d.admin.Discussion(t.Context(), d.east)
	must(t, err)
	if got := disc.Threads[0].Posts[0].Text; len(got) > 20000 || !strings.HasSuffix(got, "[… cut: the message was longer]") {
		t.Fatalf("post of %d bytes ends %q", len(got), got[len(got)-40:])
	}
}

// On etcd several `gatehouse serve` instances deliver from one outbox: a
// message one worker took is not handed to another until the claim runs
// out, so it leaves once.
func TestMailClaimOnASharedStoreSendsOnce(t *testing.T) {
	if etcdURL == "" {
		t.Skip("runs on the etcd pass: a bbolt file has one process")
	}
	d := mailDistrict(t)
	_, err := as(t, d.db, "staff").CreateTicket(t.Context(), domain.NewTicket{Title: "Heater", Building: "EAST"})
	must(t, err)
	other, err := store.OpenEtcd(d.db.Path(), store.Options{Now: d.clk.now})
	must(t, err)
	defer other.Close()
	first, err := d.db.DueMail(t.Context(), 50)
	must(t, err)
	second, err := other.DueMail(t.Context(), 50)
	must(t, err)
	if len(first) == 0 || len(second) != 0 {
		t.Fatalf("first worker took %d, the second %d: want all, then none", len(first), len(second))
	}
	d.clk.t = d.clk.t.Add(3 * time.Minute) // the first worker stopped without recording
	again, err := other.DueMail(t.Context(), 50)
	must(t, err)
	if len(again) != len(first) {
		t.Fatalf("after the claim ran out the second worker took %d of %d", len(again), len(first))
	}
}

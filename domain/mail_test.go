package domain

import (
	"strings"
	"testing"
	"time"
)

func TestMailBackoffDoublesUpToAnHour(t *testing.T) {
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestMailRecordStates(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := Message{State: MailQueued}
	m.Record(DeliveryResult{Reply: "421 busy\r\n"}, now)
	if m.State != MailFailed || m.Attempts != 1 || !m.NextTry.Equal(now.Add(FirstRetry)) || m.Reply != "421 busy" {
		t.Fatalf("after a temporary failure: %+v", m)
	}
	for m.State == MailFailed {
		m.Record(DeliveryResult{Reply: "421 busy"}, now)
	}
	if m.State != MailGaveUp || m.Attempts != MaxAttempts {
		t.Fatalf("gives up after %d attempts: %+v", MaxAttempts, m)
	}
	p := Message{State: MailQueued}
	p.Record(DeliveryResult{Reply: "550 no such user", Permanent: true}, now)
	if p.State != MailGaveUp || p.Pending() {
		t.Fatalf("a permanent refusal gives up at once: %+v", p)
	}
	s := Message{State: MailFailed, Attempts: 3}
	s.Record(DeliveryResult{OK: true, Reply: "250 ok"}, now)
	if s.State != MailSent || !s.SentAt.Equal(now) || s.Pending() {
		t.Fatalf("sent: %+v", s)
	}
}

// Replies find their ticket by our Message-IDs only: another domain or
// another prefix is not ours.
func TestMailThreadIDsFindTheirTicket(t *testing.T) {
	org := Organization{TicketPrefix: "T"}
	for _, id := range []string{ThreadID(org, 123, "school.example"), MessageID(org, 123, 77, "school.example"),
		"<" + ThreadID(org, 123, "School.Example") + ">"} {
		n, ok := TicketFromIDs(org, "school.example", []string{"other@x", id})
		if !ok || n != 123 {
			t.Errorf("%s: got %d %v", id, n, ok)
		}
	}
	if _, ok := TicketFromIDs(org, "school.example", []string{ThreadID(org, 123, "evil.example")}); ok {
		t.Error("another domain's id was taken for ours")
	}
	if _, ok := TicketFromIDs(Organization{TicketPrefix: "HD"}, "school.example", []string{ThreadID(org, 123, "school.example")}); ok {
		t.Error("another prefix's id was taken for ours")
	}
	if n, ok := TicketFromSubject(org, "Re: [t-000042] Projector"); !ok || n != 42 {
		t.Errorf("subject label: %d %v", n, ok)
	}
	if _, ok := TicketFromSubject(org, "Re: T-000042 Projector"); ok {
		t.Error("a label without brackets is not a reply marker")
	}
}

func TestMailChangeNamesTheField(t *testing.T) {
	bad := "smtp"
	cases := []struct {
		c    MailChange
		want string
	}{
		{MailChange{TLS: &bad}, "tls"},
		{MailChange{Port: new(int(70000))}, "port"},
		{MailChange{From: new("Help Desk <help@x.example>")}, "from"},
		{MailChange{Host: new("a\nb")}, "host"},
		{MailChange{HourlyLimit: new(int(-1))}, "hourly limit"},
	}
	for _, c := range cases {
		_, err := c.c.Apply(MailSettings{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error naming %q, got %v", c.want, err)
		}
	}
	s, err := MailChange{Host: new("smtp.x.example"), From: new(" help@x.example ")}.Apply(MailSettings{})
	if err != nil || s.TLS != TLSStartTLS || s.From != "help@x.example" || s.SMTPPort() != 587 {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	if !strings.Contains(s.Summary(), "smtp.x.example") {
		t.Fatalf("summary %q", s.Summary())
	}
}

func TestMailCleanText(t *testing.T) {
	got := CleanText("\r\nline one  \r\nline\x1b[2J two\rthree\xff\n\n")
	if got != "line one\nline[2J two\nthree\uFFFD" {
		t.Fatalf("%q", got)
	}
	if err := CheckText("description", got); err != nil {
		t.Fatal(err)
	}
}

func TestMailStripQuoted(t *testing.T) {
	cases := map[string]string{
		"I will come at 3pm.\n\nOn Mon, 2 Mar 2026 at 09:00, helpdesk <h@x> wrote:\n> T-000001 was assigned\n> to tom.": "I will come at 3pm.",
		"Done.\n\n-----Original Message-----\nFrom: helpdesk\nSubject: x":                                               "Done.",
		"Fixed it\n> old line\n>\n":         "Fixed it",
		"> only a quote":                    "> only a quote",
		"See inline:\n> question?\nanswer.": "See inline:\n> question?\nanswer.",
	}
	for in, want := range cases {
		if got := StripQuoted(in); got != want {
			t.Errorf("StripQuoted(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMailEnqueueWithoutAddressGivesUp(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := Message{Email: "a@x.example"}
	m.Enqueue(now)
	if m.State != MailQueued || !m.NextTry.Equal(now) || !m.Pending() {
		t.Fatalf("%+v", m)
	}
	n := Message{}
	n.Enqueue(now)
	if n.State != MailGaveUp || n.Pending() || !strings.Contains(n.Reply, "no email address") {
		t.Fatalf("%+v", n)
	}
}

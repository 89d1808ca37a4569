package console

import (
	"strings"
	"testing"

	"gatehouse/domain"
)

// The Outbox shows each message's delivery state, and a message's view the
// attempts and the server's reply; the Email tab of Settings shows the mail
// settings with whether a password is stored, never the password.
func TestMailScreensGolden(t *testing.T) {
	db := openTicketStore(t)
	admin := session(t, db, "admin")
	pw, host, from, port := "s3cret-pw", "smtp.school.example", "helpdesk@school.example", 587
	_, err := admin.UpdateMailSettings(t.Context(), domain.MailChange{Host: &host, Port: &port, From: &from, Password: &pw})
	must(t, err)
	// the fixture's people have no addresses (their messages gave up at
	// once): give two of them one, then report a ticket that tells them
	for _, u := range []string{"admin", "carol"} {
		info, err := admin.User(t.Context(), u)
		must(t, err)
		var email domain.UserPatch
		_, err = admin.UpdateUser(t.Context(), info.User.ID, *email.SetEmail(u + "@school.example"))
		must(t, err)
	}
	_, err = session(t, db, "bob").CreateTicket(t.Context(), domain.NewTicket{Title: "Smartboard frozen", Building: "EAST"})
	must(t, err)
	msgs, err := admin.Outbox(t.Context(), 0)
	must(t, err)
	if len(msgs) < 2 || msgs[0].State != domain.MailQueued || msgs[1].State != domain.MailQueued {
		t.Fatalf("the new ticket should queue two messages: %+v", msgs[:2])
	}
	_, err = db.RecordDelivery(t.Context(), msgs[0].ID, domain.DeliveryResult{Reply: "451 4.3.0 try again later"})
	must(t, err)
	_, err = db.RecordDelivery(t.Context(), msgs[1].ID, domain.DeliveryResult{OK: true, Reply: "2.0.0 Ok: queued as 4VGX"})
	must(t, err)
	cases := []struct {
		name string
		keys []string
		wait string
		more []string
	}{
		{"outbox", []string{":", "go outbox", "enter"}, "Outbox:", nil},
		{"outbox_failed", []string{":", "go outbox", "enter"}, "Outbox:", []string{"enter"}},
		{"email_tab", []string{"9", "tab"}, "Outgoing mail", nil},
		{"email_form", []string{"9", "tab"}, "Outgoing mail", []string{"e"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachSize(t, func(t *testing.T, w, h int) {
				d := start(t, db, "admin", w, h)
				d.keys(c.keys...)
				d.waitFor(c.wait)
				d.keys(c.more...)
				s := d.screen()
				if strings.Contains(s, pw) {
					t.Fatalf("the SMTP password is on screen:\n%s", s)
				}
				d.golden()
			})
		})
	}
}

// Saving the Email tab's form stores the settings; a password typed there
// is stored and masked while typed.
func TestSettingsEmailTabSaves(t *testing.T) {
	db := openStore(t)
	d := start(t, db, "admin", 120, 40)
	d.keys("9", "tab")
	d.waitFor("not set up: notifications stay queued")
	d.keys("e", "mail.example.org", "tab", "2525", "tab", "tab", "tab", "hunter22")
	s := d.waitFor("********")
	if strings.Contains(s, "hunter22") {
		t.Fatalf("the password is shown while typed:\n%s", s)
	}
	d.keys("tab", "helpdesk@example.org", "enter")
	d.waitFor("saved email settings")
	m, err := session(t, db, "admin").MailSettings(t.Context())
	must(t, err)
	if m.Host != "mail.example.org" || m.Port != 2525 || m.From != "helpdesk@example.org" || !m.PasswordSet {
		t.Fatalf("stored %+v", m)
	}
	cfg, err := db.MailConfig()
	must(t, err)
	if cfg.Secrets.SMTPPassword != "hunter22" {
		t.Fatalf("stored password %q", cfg.Secrets.SMTPPassword)
	}
	d.waitFor("stored (never shown)")
}

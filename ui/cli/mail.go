package cli

import (
	"strconv"
	"strings"

	"gatehouse/domain"
)

// mailSetFlags are `mail set`'s flags: each one given changes one setting.
var mailSetFlags = []flagSpec{{"host", true}, {"port", true}, {"tls", true}, {"user", true}, {"password-file", true},
	{"from", true}, {"intake-building", true}, {"hourly-limit", true}, {"imap-host", true}, {"imap-port", true},
	{"imap-tls", true}, {"imap-user", true}, {"imap-password-file", true}, {"imap-mailbox", true}}

func mailCommands() []*command {
	return []*command{
		{path: "mail set", opts: "[--host H] [--port P] [--tls starttls|tls|none] [--user U] [--password-file F|-] [--from ADDR]" +
			" [--intake-building C] [--hourly-limit N] [--imap-host H] [--imap-port P] [--imap-tls tls|starttls|none]" +
			" [--imap-user U] [--imap-password-file F|-] [--imap-mailbox BOX]", flags: mailSetFlags, run: mailSet},
		{path: "mail show", run: mailShow},
		// run by main on the data file (or through a running server)
		{path: "mail send"},
		{path: "mail test", opts: "--to ADDR", flags: []flagSpec{{"to", true}}, required: []string{"to"}},
		{path: "mailgate", opts: "[--dry-run] [--imap]", flags: []flagSpec{{"dry-run", false}, {"imap", false}}},
	}
}

func mailSet(c *call) error {
	var ch domain.MailChange
	changed := false
	str := func(flag string, dst **string) {
		if c.args.has(flag) {
			v := c.args.str(flag)
			*dst, changed = &v, true
		}
	}
	num := func(flag string, dst **int) error {
		if !c.args.has(flag) {
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(c.args.str(flag)))
		if err != nil {
			return domain.Errorf(domain.EInvalid, "--%s %q: a whole number", flag, c.args.str(flag))
		}
		*dst, changed = &n, true
		return nil
	}
	secret := func(flag string, dst **string) error {
		if !c.args.has(flag) {
			return nil
		}
		// an empty file removes the password
		v, err := c.secretFile(flag)
		if err != nil {
			return err
		}
		*dst, changed = &v, true
		return nil
	}
	str("host", &ch.Host)
	str("tls", &ch.TLS)
	str("user", &ch.User)
	str("from", &ch.From)
	str("intake-building", &ch.IntakeBuilding)
	str("imap-host", &ch.IMAPHost)
	str("imap-tls", &ch.IMAPTLS)
	str("imap-user", &ch.IMAPUser)
	str("imap-mailbox", &ch.IMAPMailbox)
	for _, err := range []error{num("port", &ch.Port), num("hourly-limit", &ch.HourlyLimit), num("imap-port", &ch.IMAPPort),
		secret("password-file", &ch.Password), secret("imap-password-file", &ch.IMAPPassword)} {
		if err != nil {
			return err
		}
	}
	if !changed {
		return domain.Errorf(domain.EInvalid, "nothing to change: give at least one flag (gatehouse mail set --help)")
	}
	m, err := c.svc.UpdateMailSettings(c.ctx, ch)
	if err != nil {
		return err
	}
	return c.printMail(m)
}

func mailShow(c *call) error {
	m, err := c.svc.MailSettings(c.ctx)
	if err != nil {
		return err
	}
	return c.printMail(m)
}

// mailJSON is the mail settings as scripts read them: whether a password
// is stored, never the password.
type mailJSON struct {
	Host            string `json:"host"`
	Port            int    `json:"port"`
	TLS             string `json:"tls"`
	User            string `json:"user"`
	PasswordSet     bool   `json:"password_set"`
	From            string `json:"from"`
	IntakeBuilding  string `json:"intake_building"`
	HourlyLimit     int    `json:"hourly_limit"`
	IMAPHost        string `json:"imap_host,omitempty"`
	IMAPPort        int    `json:"imap_port,omitempty"`
	IMAPTLS         string `json:"imap_tls,omitempty"`
	IMAPUser        string `json:"imap_user,omitempty"`
	IMAPPasswordSet bool   `json:"imap_password_set"`
	IMAPMailbox     string `json:"imap_mailbox,omitempty"`
	Version         uint64 `json:"version"`
}

func (c *call) printMail(m domain.MailSettings) error {
	if c.opts.JSON {
		j := mailJSON{Version: m.Version, Host: m.Host, Port: m.SMTPPort(), TLS: string(m.TLS), User: m.User, PasswordSet: m.PasswordSet, From: m.From,
			IntakeBuilding: m.IntakeBuilding, HourlyLimit: m.Limit(), IMAPPasswordSet: m.IMAPPasswordSet}
		if m.IMAPHost != "" {
			j.IMAPHost, j.IMAPPort, j.IMAPTLS, j.IMAPUser, j.IMAPMailbox = m.IMAPHost, m.IMAPPortOrDefault(), string(m.IMAPTLS), m.IMAPUser, mailbox(m)
		}
		return c.json(j)
	}
	set := func(b bool) string {
		if b {
			return "(set)"
		}
		return "(none)"
	}
	or := func(s, none string) string {
		if s == "" {
			return none
		}
		return s
	}
	smtp := "(not set up: notifications stay queued)"
	if m.Host != "" {
		smtp = m.Host + ":" + strconv.Itoa(m.SMTPPort()) + " " + string(m.TLS)
	}
	pairs := []string{"SMTP", smtp, "User", or(m.User, "(no login)"), "Password", set(m.PasswordSet),
		"From", or(m.From, "(none)"), "Intake building", or(m.IntakeBuilding, "(the sender's first building)"),
		"Hourly limit", strconv.Itoa(m.Limit()) + " tickets per sender"}
	if m.IMAPHost != "" {
		pairs = append(pairs, "IMAP", m.IMAPHost+":"+strconv.Itoa(m.IMAPPortOrDefault())+" "+string(m.IMAPTLS)+" "+mailbox(m),
			"IMAP user", or(m.IMAPUser, "(none)"), "IMAP password", set(m.IMAPPasswordSet))
	}
	return c.fields(pairs...)
}

func mailbox(m domain.MailSettings) string {
	if m.IMAPMailbox == "" {
		return "INBOX"
	}
	return m.IMAPMailbox
}

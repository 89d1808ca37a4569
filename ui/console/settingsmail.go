package console

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// Field indexes of the email settings form.
const (
	mfHost = iota
	mfPort
	mfTLS
	mfUser
	mfPassword
	mfFrom
	mfIntake
	mfLimit
	mfIMAPHost
	mfIMAPPort
	mfIMAPTLS
	mfIMAPUser
	mfIMAPPassword
	mfIMAPBox
)

// mailSavedMsg is the outcome of saving the email settings.
type mailSavedMsg struct {
	form     *form
	settings domain.MailSettings
	err      error
	res      resolution
}

var tlsModes = []string{string(domain.TLSStartTLS), string(domain.TLSImplicit), string(domain.TLSNone)}

// tabs is the Settings screen's tab line.
func (s *settingsScreen) tabs() string {
	st := s.c.Styles
	org, mail := st.Title.Render("[Organization]"), "Email"
	if s.emailTab {
		org, mail = "Organization", st.Title.Render("[Email]")
	}
	return org + "  " + mail + "   (tab: switch)"
}

func portText(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}

func (s *settingsScreen) openMailForm() {
	if s.mailErr != nil {
		s.c.Fail(s.mailErr)
		return
	}
	m := s.mail
	s.mailBase = m.VersionOrFirst()
	port := func(field string) func(string) error {
		return func(v string) error {
			if v == "" {
				return nil
			}
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 65535 {
				return domain.Errorf(domain.EInvalid, "%s %q: a port from 1 to 65535, or empty for the usual one", field, v)
			}
			return nil
		}
	}
	limit := func(v string) error {
		if v == "" {
			return nil
		}
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return domain.Errorf(domain.EInvalid, "hourly limit %q: a whole number (empty: %d)", v, domain.DefaultHourlyLimit)
		}
		return nil
	}
	keep := func(set bool) string {
		if set {
			return "stored: type to replace, empty keeps it"
		}
		return "none stored"
	}
	tls := string(m.TLS)
	if tls == "" {
		tls = string(domain.TLSStartTLS)
	}
	itls := string(m.IMAPTLS)
	if itls == "" {
		itls = string(domain.TLSImplicit)
	}
	limitText := ""
	if m.HourlyLimit > 0 {
		limitText = strconv.Itoa(m.HourlyLimit)
	}
	s.mailForm = newForm(s.c, "Email settings").
		text("SMTP host", m.Host, "smtp.school.example", nil).
		text("SMTP port", portText(m.Port), "587 with starttls, 465 with tls", port("port")).
		choose("SMTP TLS", tlsModes, tls).
		text("SMTP user", m.User, "no login", nil).
		secret("SMTP password", keep(m.PasswordSet)).
		text("From", m.From, "helpdesk@school.example", nil).
		pickText("Intake building", m.IntakeBuilding, "the sender's first building", nil, s.c.buildingChoices).
		text("Hourly limit", limitText, strconv.Itoa(domain.DefaultHourlyLimit)+" tickets per sender", limit).
		text("IMAP host", m.IMAPHost, "none: mail arrives through mailgate", nil).
		text("IMAP port", portText(m.IMAPPort), "993 with tls, 143 otherwise", port("imap port")).
		choose("IMAP TLS", tlsModes, itls).
		text("IMAP user", m.IMAPUser, "", nil).
		secret("IMAP password", keep(m.IMAPPasswordSet)).
		text("IMAP mailbox", m.IMAPMailbox, "INBOX", nil)
	s.mailForm.note = "Passwords never show; an empty one keeps the stored one."
	s.mailForm.SetSize(s.w, s.h)
}

// saveMail saves the form in a command, off the Update loop: the fields
// changed, on the version the form opened (res: a conflict's answer).
func (s *settingsScreen) saveMail(res resolution) tea.Cmd {
	f := s.mailForm
	// only what was changed: a patch of the settings as they were opened,
	// so another administrator's change of another field stays
	str := func(i int) *string {
		if !f.fieldChanged(i) {
			return nil
		}
		v := f.Value(i)
		return &v
	}
	num := func(i int) *int {
		if !f.fieldChanged(i) {
			return nil
		}
		n, _ := strconv.Atoi(f.Value(i)) // validated by the field; empty is 0, the default
		return &n
	}
	c := domain.MailChange{Base: s.mailBase, Host: str(mfHost), Port: num(mfPort), TLS: str(mfTLS), User: str(mfUser), From: str(mfFrom),
		IntakeBuilding: str(mfIntake), HourlyLimit: num(mfLimit), IMAPHost: str(mfIMAPHost), IMAPPort: num(mfIMAPPort),
		IMAPTLS: str(mfIMAPTLS), IMAPUser: str(mfIMAPUser), IMAPMailbox: str(mfIMAPBox)}
	if p := f.Raw(mfPassword); p != "" {
		c.Password = &p
	}
	if p := f.Raw(mfIMAPPassword); p != "" {
		c.IMAPPassword = &p
	}
	if res.onto(&c.Base, mailPatch{&c}) {
		s.mailForm = nil
		s.c.nothingLeft("the email settings")
		return s.Reload()
	}
	svc, ctx := s.c.Svc, s.c.Ctx
	s.saving = true
	return s.c.saving(s, func() tea.Msg {
		m, err := svc.UpdateMailSettings(ctx, c)
		return mailSavedMsg{form: f, settings: m, err: err, res: res}
	})
}

// mailSaved applies the outcome of the email form's save: a conflict
// opens the conflict view over the form, another refusal keeps the form.
func (s *settingsScreen) mailSaved(m mailSavedMsg) tea.Cmd {
	s.saving = false
	if m.err != nil {
		discard := func() tea.Cmd { s.mailForm = nil; return s.Reload() }
		e := edit{what: "the email settings", view: &s.conflict, w: s.w, h: s.h, res: m.res, resend: s.saveMail, discard: discard}
		if m.form != s.mailForm || !catchConflict(s.c, m.err, e) {
			s.c.Fail(m.err)
		}
		return nil
	}
	if m.form == s.mailForm {
		s.mailForm = nil
	}
	s.mail, s.mailErr = m.settings, nil
	s.c.Ok("%s", s.c.savedNote("The email configuration", m.settings.Rev, "saved email settings", m.res))
	return nil
}

// mailPatch is a MailChange as a resolution drops fields from it: a
// conflict's field key (domain.MailFields) names the change's field.
type mailPatch struct{ c *domain.MailChange }

func (p mailPatch) Drop(keys ...string) {
	c := p.c
	for _, k := range keys {
		switch k {
		case "host":
			c.Host = nil
		case "port":
			c.Port = nil
		case "tls":
			c.TLS = nil
		case "user":
			c.User = nil
		case "password":
			c.Password = nil
		case "from":
			c.From = nil
		case "intake_building":
			c.IntakeBuilding = nil
		case "hourly_limit":
			c.HourlyLimit = nil
		case "imap_host":
			c.IMAPHost = nil
		case "imap_port":
			c.IMAPPort = nil
		case "imap_tls":
			c.IMAPTLS = nil
		case "imap_user":
			c.IMAPUser = nil
		case "imap_password":
			c.IMAPPassword = nil
		case "imap_mailbox":
			c.IMAPMailbox = nil
		}
	}
}

func (p mailPatch) Empty() bool {
	c := p.c
	return c.Host == nil && c.Port == nil && c.TLS == nil && c.User == nil && c.Password == nil && c.From == nil &&
		c.IntakeBuilding == nil && c.HourlyLimit == nil && c.IMAPHost == nil && c.IMAPPort == nil && c.IMAPTLS == nil &&
		c.IMAPUser == nil && c.IMAPPassword == nil && c.IMAPMailbox == nil
}

// mailView is the Email tab: what is set, whether passwords are stored
// (never what they are).
func (s *settingsScreen) mailView() string {
	st := s.c.Styles
	if s.mailErr != nil {
		return "  " + s.mailErr.Error()
	}
	m := s.mail
	or := func(v, none string) string {
		if v == "" {
			return none
		}
		return v
	}
	stored := func(b bool) string {
		if b {
			return "stored (never shown)"
		}
		return "none"
	}
	smtp := "not set up: notifications stay queued in the outbox"
	if m.Host != "" {
		smtp = m.Host + ":" + strconv.Itoa(m.SMTPPort()) + " (" + string(m.TLS) + ")"
	}
	imap := "not set up: mail arrives through gatehouse mailgate"
	if m.IMAPHost != "" {
		imap = m.IMAPHost + ":" + strconv.Itoa(m.IMAPPortOrDefault()) + " (" + string(m.IMAPTLS) + ") " + or(m.IMAPMailbox, "INBOX")
	}
	lines := []string{
		st.Title.Render("Outgoing mail"),
		"  SMTP server        " + smtp,
		"  Login              " + or(m.User, "none"),
		"  Password           " + stored(m.PasswordSet),
		"  From               " + or(m.From, "none"),
		"",
		st.Title.Render("Incoming mail"),
		"  Intake building    " + or(m.IntakeBuilding, "the sender's first building"),
		"  Hourly limit       " + strconv.Itoa(m.Limit()) + " tickets per sender",
		"  IMAP mailbox       " + imap,
		"  IMAP login         " + or(m.IMAPUser, "none"),
		"  IMAP password      " + stored(m.IMAPPasswordSet),
		"",
		"  Editing needs Manage Organization (organization:edit).",
	}
	return strings.Join(lines, "\n")
}

package cli

import (
	"strconv"

	"gatehouse/domain"
)

func outboxCommands() []*command {
	return []*command{
		{path: "outbox list", opts: "[--limit N]", flags: []flagSpec{{"limit", true}}, run: outboxList},
		{path: "outbox show", args: "ID", min: 1, max: 1, run: outboxShow},
	}
}

// messageJSON is an outbox message as scripts read it.
type messageJSON struct {
	ID       uint64   `json:"id"`
	At       string   `json:"at"`
	To       string   `json:"to"`
	Email    string   `json:"email,omitempty"`
	Event    string   `json:"event"`
	Level    int      `json:"level,omitempty"`
	Ticket   string   `json:"ticket"`
	Subject  string   `json:"subject"`
	Reason   string   `json:"reason"`
	Sections []string `json:"sections"`
	Text     string   `json:"text,omitempty"`
	HTML     string   `json:"html,omitempty"`
	State    string   `json:"state"`
	Attempts int      `json:"attempts,omitempty"`
	NextTry  string   `json:"next_try,omitempty"`
	Reply    string   `json:"reply,omitempty"`
	SentAt   string   `json:"sent_at,omitempty"`
}

func (c *call) messageJSON(m domain.Message, full bool) messageJSON {
	j := messageJSON{ID: m.ID, At: jsonTime(m.At), To: m.ToName, Email: m.Email, Event: string(m.Event), Level: m.Level,
		Ticket: c.ticketLabel(m.Ticket), Subject: m.Subject, Reason: m.Reason, Sections: m.Sections,
		State: m.State.Label(), Attempts: m.Attempts, Reply: m.Reply}
	if !m.NextTry.IsZero() && m.State == domain.MailFailed {
		j.NextTry = jsonTime(m.NextTry)
	}
	if !m.SentAt.IsZero() {
		j.SentAt = jsonTime(m.SentAt)
	}
	if full {
		j.Text, j.HTML = m.Text, m.HTML
	}
	return j
}

func outboxList(c *call) error {
	limit := 0
	if c.args.has("limit") {
		n, err := strconv.Atoi(c.args.str("limit"))
		if err != nil || n < 1 {
			return domain.Errorf(domain.EInvalid, "--limit %q: a positive number", c.args.str("limit"))
		}
		limit = n
	}
	msgs, err := c.svc.Outbox(c.ctx, limit)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]messageJSON, 0, len(msgs))
		for _, m := range msgs {
			out = append(out, c.messageJSON(m, false))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(msgs))
	for _, m := range msgs {
		format := "html+text"
		if m.HTML == "" {
			format = "text"
		}
		rows = append(rows, []string{strconv.FormatUint(m.ID, 10), c.stamp(m.At), m.ToName, string(m.Event), format, m.State.Label(), m.Subject})
	}
	return c.table([]string{"ID", "AT", "TO", "EVENT", "FORMAT", "STATE", "SUBJECT"}, rows)
}

func outboxShow(c *call) error {
	id, err := strconv.ParseUint(c.pos(0), 10, 64)
	if err != nil {
		return domain.Errorf(domain.EInvalid, "message id %q: a number from `gatehouse outbox list`", c.pos(0))
	}
	m, err := c.svc.OutboxMessage(c.ctx, id)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(c.messageJSON(m, true))
	}
	format := "HTML+Text"
	if m.HTML == "" {
		format = "Text only"
	}
	to := m.ToName
	if m.Email != "" {
		to += " <" + m.Email + ">"
	} else {
		to += " (no email address: nothing to deliver to)"
	}
	if err := c.fields("Message", strconv.FormatUint(m.ID, 10), "To", to, "Why", m.Reason,
		"Event", string(m.Event), "Ticket", c.ticketLabel(m.Ticket), "Format", format, "Subject", m.Subject,
		"State", c.deliveryState(m)); err != nil {
		return err
	}
	_, err = c.out.Write([]byte("\n" + m.Text))
	return err
}

// deliveryState is the state with what goes with it: attempts, the next
// try of a failed message, the server's reply.
func (c *call) deliveryState(m domain.Message) string {
	return m.Delivery(c.zone())
}

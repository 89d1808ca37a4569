package domain

import (
	"fmt"
	"html"
	"strings"
	"time"
)

// OverduePolicy is a group's overdue timing: first notice after Days open,
// the second Second days later, the third Third days after that (0: none).
type OverduePolicy struct {
	Days, Second, Third int
}

// Policy returns the group's overdue timing when it has overdue notices on.
func (n Notify) Policy() (OverduePolicy, bool) {
	if !n.Overdue || n.OverdueDays <= 0 {
		return OverduePolicy{}, false
	}
	return OverduePolicy{Days: n.OverdueDays, Second: n.SecondAfter, Third: n.ThirdAfter}, true
}

// Level is the notice level a ticket open since created has reached at now.
func (p OverduePolicy) Level(created, now time.Time) int {
	day := 24 * time.Hour
	age := now.Sub(created)
	lvl := 0
	at := time.Duration(p.Days) * day
	if age < at {
		return 0
	}
	lvl = 1
	if p.Second > 0 {
		at += time.Duration(p.Second) * day
		if age >= at {
			lvl = 2
			if p.Third > 0 && age >= at+time.Duration(p.Third)*day {
				lvl = 3
			}
		}
	}
	return lvl
}

// OverdueLevel is the highest level any policy gives an open ticket.
func OverdueLevel(t *Ticket, policies []OverduePolicy, now time.Time) int {
	if !t.Status.Open() {
		return 0
	}
	lvl := 0
	for _, p := range policies {
		lvl = max(lvl, p.Level(t.Created, now))
	}
	return lvl
}

// Message is one notification to one recipient, rendered and final; the
// outbox stores it for delivery.
type Message struct {
	ID       ID           `json:"id"`
	At       time.Time    `json:"at"`
	To       ID           `json:"to"`
	ToName   string       `json:"to_name"`
	ToFull   string       `json:"to_full,omitempty"` // the display name of the To address
	Email    string       `json:"email,omitempty"`
	Event    Event        `json:"event"`
	Level    int          `json:"level,omitempty"` // overdue notice 1..3
	Ticket   TicketNumber `json:"ticket"`
	Subject  string       `json:"subject"`
	Text     string       `json:"text"`
	HTML     string       `json:"html,omitempty"` // empty for Text only groups
	Sections []string     `json:"sections"`       // the Email Content sections included
	Reason   string       `json:"reason"`         // why this person receives it

	// Delivery: the state, attempts so far, the next try of a failed
	// message, the server's last reply (or why it failed), when it was sent.
	State    MailState `json:"state,omitempty"`
	Attempts int       `json:"attempts,omitempty"`
	NextTry  time.Time `json:"next_try,omitzero"`
	Reply    string    `json:"reply,omitempty"`
	SentAt   time.Time `json:"sent_at,omitzero"`
}

// MessageInput is what rendering needs; the store gathers it.
type MessageInput struct {
	Org       *Organization
	Ticket    TicketRow
	Event     Event
	Level     int
	Actor     string // who acted ("" for the system)
	Comment   string
	Recipient User
	Access    *Access // the recipient's: Email Content privileges pick sections
	TextOnly  bool
	Reason    string
}

func eventPhrase(in MessageInput) string {
	t := in.Ticket
	by := ""
	if in.Actor != "" {
		by = " by " + in.Actor
	}
	switch in.Event {
	case EventNew:
		return fmt.Sprintf("%s was reported%s in %s.", t.Label, by, t.Building)
	case EventAssigned:
		return fmt.Sprintf("%s was assigned to %s%s.", t.Label, t.Assignee, by)
	case EventReassigned:
		return fmt.Sprintf("%s was reassigned to %s%s.", t.Label, t.Assignee, by)
	case EventReassignRequest:
		return fmt.Sprintf("%s asks for %s to be reassigned to someone else.", t.Assignee, t.Label)
	case EventWorkReport:
		return fmt.Sprintf("A work report was added to %s%s.", t.Label, by)
	case EventClosed:
		return fmt.Sprintf("%s was closed%s.", t.Label, by)
	case EventOverdue:
		return fmt.Sprintf("%s is overdue (notice %d of 3): open since %s.", t.Label, in.Level, t.Created.Format("2006-01-02"))
	case EventAlert:
		return fmt.Sprintf("%s has not changed state for %d days (alert).", t.Label, in.Level)
	}
	return t.Label + " changed."
}

// RenderMessage builds the message with the sections the recipient's Email
// Content privileges allow, as text and, unless the group wants Text only,
// as HTML too.
func RenderMessage(in MessageInput) Message {
	t := in.Ticket
	a := in.Access
	type section struct {
		flag Flag
		name string
		text string
	}
	var fields []string
	for _, kv := range [][2]string{{"Title", t.Title}, {"Status", t.Status.String()}, {"Priority", t.Priority},
		{"Building", t.Building}, {"Room", t.Room}, {"Problem type", t.ProblemType}, {"Assignee", t.Assignee}, {"Reporter", t.Reporter}} {
		if kv[1] != "" {
			fields = append(fields, kv[0]+": "+kv[1])
		}
	}
	orgName := in.Org.Name
	sections := []section{
		{EmailGreeting, "greeting", "Hello " + in.Recipient.Name() + ","},
		{EmailIntro, "introduction", "This is a notification from the " + orgName + " helpdesk."},
		{EmailOperation, "operation", eventPhrase(in)},
		{EmailLink, "link", "Open it: gatehouse ticket show " + t.Label},
		{EmailComment, "comment", "Comment: " + in.Comment},
		{EmailFields, "fields", strings.Join(fields, "\n")},
		{EmailSignature, "signature", "-- \n" + orgName + " helpdesk (gatehouse)"},
	}
	m := Message{To: in.Recipient.ID, ToName: in.Recipient.Username, ToFull: in.Recipient.Name(), Email: in.Recipient.Email, Event: in.Event,
		Level: in.Level, Ticket: t.Number, Reason: in.Reason}
	m.Subject = fmt.Sprintf("[%s] %s", t.Label, t.Title)
	switch in.Event {
	case EventOverdue:
		m.Subject = fmt.Sprintf("[%s] overdue (notice %d): %s", t.Label, in.Level, t.Title)
	case EventAlert:
		m.Subject = fmt.Sprintf("[%s] alert: no state change for %d days: %s", t.Label, in.Level, t.Title)
	}
	var text, htm []string
	for _, s := range sections {
		if !a.Has(s.flag) || s.flag == EmailComment && in.Comment == "" {
			continue
		}
		m.Sections = append(m.Sections, s.name)
		text = append(text, s.text)
		htm = append(htm, "<p>"+strings.ReplaceAll(html.EscapeString(s.text), "\n", "<br>")+"</p>")
	}
	if len(text) == 0 {
		// no content privilege at all: the subject alone still tells what happened
		text = append(text, eventPhrase(in))
		htm = append(htm, "<p>"+html.EscapeString(eventPhrase(in))+"</p>")
	}
	m.Text = strings.Join(text, "\n\n") + "\n"
	if !in.TextOnly {
		m.HTML = "<html><body>" + strings.Join(htm, "") + "</body></html>"
	}
	return m
}

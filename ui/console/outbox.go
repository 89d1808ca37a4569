package console

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

const outboxLimit = 500

// outboxScreen lists rendered notifications (all of them for holders of
// users:view, otherwise the actor's own); enter shows one as it will be
// delivered.
type outboxScreen struct {
	c     *Common
	table *table
	msgs  []domain.Message
	org   domain.Organization
	open  *domain.Message
	body  *scroller
	w, h  int
}

func newOutboxScreen(c *Common) *outboxScreen {
	s := &outboxScreen{c: c, body: &scroller{c: c}, table: newTable(c, "the outbox is empty",
		column{title: "When", width: 16},
		column{title: "To", width: 10},
		column{title: "Event", width: 11},
		column{title: "Ticket", width: 8},
		column{title: "Format", width: 9},
		column{title: "State", width: 7},
		column{title: "Subject", width: 10, flex: 1})}
	return s
}

func eventName(m domain.Message) string {
	if m.Level > 0 {
		return fmt.Sprintf("%s %d", m.Event, m.Level)
	}
	return string(m.Event)
}

func messageFormat(m domain.Message) string {
	if m.HTML != "" {
		return "HTML+Text"
	}
	return "Text only"
}

func (s *outboxScreen) Reload() tea.Cmd {
	return s.c.load(s, func() func() tea.Cmd {
		msgs, err := s.c.Svc.Outbox(s.c.Ctx, outboxLimit)
		o, oErr := s.c.Svc.Organization(s.c.Ctx)
		return func() tea.Cmd { return s.apply(msgs, err, o, oErr) }
	})
}

func (s *outboxScreen) apply(msgs []domain.Message, err error, o domain.Organization, oErr error) tea.Cmd {
	if err != nil {
		s.c.Fail(err)
		return nil
	}
	s.msgs = msgs
	if oErr == nil {
		s.org = o
	}
	keys := make([]string, len(msgs))
	rows := make([][]string, len(msgs))
	for i, m := range msgs {
		keys[i] = strconv.FormatUint(m.ID, 10)
		rows[i] = []string{s.c.stamp(m.At), m.ToName, eventName(m), s.org.FormatTicket(m.Ticket), messageFormat(m), m.State.Label(), m.Subject}
	}
	s.table.SetRows(keys, rows)
	if s.open != nil {
		return s.show(s.open.ID)
	}
	return nil
}

// show returns the command that reads a message; it opens when it arrives.
func (s *outboxScreen) show(id domain.ID) tea.Cmd {
	return s.c.open(s, func() func() tea.Cmd {
		m, err := s.c.Svc.OutboxMessage(s.c.Ctx, id)
		return func() tea.Cmd { s.showMessage(m, err); return nil }
	})
}

// showMessage lays out a message read by show.
func (s *outboxScreen) showMessage(m domain.Message, err error) {
	if err != nil {
		s.open = nil
		s.c.Fail(err)
		return
	}
	s.open = &m
	html := "no (Text only)"
	if m.HTML != "" {
		html = fmt.Sprintf("yes (%d bytes)", len(m.HTML))
	}
	st := s.c.Styles
	lines := []string{
		st.Title.Render(m.Subject),
		"To       " + m.ToName + " " + dash(m.Email),
		"When     " + s.c.stamp(m.At),
		"Event    " + eventName(m),
		"Why      " + dash(m.Reason),
		"Sections " + dash(strings.Join(m.Sections, ", ")),
		"HTML     " + html,
		"Delivery " + delivery(s.c, m),
		"",
	}
	lines = append(lines, strings.Split(strings.TrimRight(m.Text, "\n"), "\n")...)
	s.body.lines = lines
	s.body.clamp()
}

// delivery is a message's delivery state with its attempts, next try and
// the server's last reply.
func delivery(c *Common, m domain.Message) string {
	return domain.Printable(m.Delivery(c.zone()))
}

func (s *outboxScreen) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	n := s.c.Keys.Nav
	if s.open != nil {
		if key.Matches(k, n.Back) {
			s.open = nil
			return nil
		}
		s.body.Update(k)
		return nil
	}
	if s.table.Update(k) {
		return nil
	}
	if key.Matches(k, n.Open) {
		if id, err := strconv.ParseUint(s.table.Key(), 10, 64); err == nil {
			return s.show(id)
		}
	}
	return nil
}

func (s *outboxScreen) View() string {
	if s.open != nil {
		return s.body.View()
	}
	head := fmt.Sprintf("Outbox: %s (newest first, at most %d)", plural(len(s.msgs), "message"), outboxLimit)
	return pad(head, s.w) + "\n" + s.table.View()
}

func (s *outboxScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.table.SetSize(w, h-1)
	s.body.SetSize(w, h)
}

func (s *outboxScreen) Dirty() bool     { return false }
func (s *outboxScreen) Capturing() bool { return false }
func (s *outboxScreen) Hint() string {
	if s.open == nil {
		for _, m := range s.msgs {
			if strconv.FormatUint(m.ID, 10) == s.table.Key() {
				h := "why: " + m.Reason
				if m.Reply != "" && (m.State == domain.MailFailed || m.State == domain.MailGaveUp) {
					h += " · " + string(m.State) + ": " + domain.Printable(m.Reply)
				}
				return h
			}
		}
	}
	return ""
}

func (s *outboxScreen) ShortHelp() []key.Binding {
	n := s.c.Keys.Nav
	if s.open != nil {
		return []key.Binding{n.Up, n.Down, n.Back}
	}
	return []key.Binding{n.Open, n.Up, n.Down}
}

func (s *outboxScreen) FullHelp() [][]key.Binding { return nil }

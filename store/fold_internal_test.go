package store

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		s, needle string
		want      bool
	}{
		{"Printer jam in Room 101", "printer", true},
		{"the PRINTER", "printer", true},
		{"pppppprinter", "printer", true},
		{"PpPpPrinter", "printer", true},
		{"print", "printer", false},
		{"", "x", false},
		{"abc", "", true},
		{"Projector", "printer", false},
		{"Drucker ärger", "ärger", true},
	} {
		if got := containsFold([]byte(c.s), []byte(strings.ToLower(c.needle))); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v", c.s, c.needle, got)
		}
	}
}

// ticketText reads the same title and description as the full decoder,
// and refuses a truncated record instead of reading past it.
func TestTicketTextMatchesDecode(t *testing.T) {
	for i, tk := range []domain.Ticket{
		{},
		{ID: 1, Number: 1, Status: domain.StatusNew, Title: "Printer jam", Description: "Room 101", Teams: []uint64{3, 4}, VisibleTo: []uint64{9}},
		{ID: 1 << 40, Number: 1 << 40, Title: strings.Repeat("é", 300), ProblemType: "Hardware", CommonProblem: "Printer jam",
			Priority: "Urgent", Room: "Gym", Description: strings.Repeat("x", 5000), Created: time.Unix(1700000000, 5)},
	} {
		b := encTicket(&tk)
		title, desc, ok := ticketText(b)
		if !ok || string(title) != tk.Title || string(desc) != tk.Description {
			t.Errorf("ticket %d: %q %q %v", i, title, desc, ok)
		}
		for cut := 0; cut < len(b)-1; cut += 7 {
			if _, _, ok := ticketText(b[:cut]); ok && cut < len(b)-len(tk.Description) {
				t.Errorf("ticket %d cut at %d read as whole", i, cut)
			}
		}
	}
}

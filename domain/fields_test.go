package domain_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "gatehouse/domain"
)

// Outbox bodies leave out the fields the recipient's groups withhold from
// email (field visibility), the comment included.
func TestFieldVisibilityInEmail(t *testing.T) {
	g := grp(7, "Staff", EmailFields, EmailComment, EmailOperation)
	g.Fields.Set(FieldRoom, []FieldRight{RightView})
	g.Fields.Set(FieldHistoryComments, nil)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a := Resolve(Subject{User: User{ID: 2, Username: "sam"}, Grants: []GroupGrant{{Group: g, Membership: Membership{UserID: 2, GroupID: 7}}}}, now)
	row := TicketRow{Ticket: Ticket{Number: 1, Title: "Projector", Room: "101", Priority: "High"}, Label: "T-000001"}
	m := RenderMessage(MessageInput{Org: &Organization{Name: "District"}, Ticket: row, Event: EventClosed, Comment: "lamp swapped",
		Recipient: User{ID: 2, Username: "sam"}, Access: &a, TextOnly: true})
	if strings.Contains(m.Text, "101") || strings.Contains(m.Text, "lamp swapped") || !strings.Contains(m.Text, "Priority: High") {
		t.Fatalf("message:\n%s", m.Text)
	}
	open := a
	open.FieldsDenied = FieldRules{}
	m = RenderMessage(MessageInput{Org: &Organization{Name: "District"}, Ticket: row, Event: EventClosed, Comment: "lamp swapped",
		Recipient: User{ID: 2, Username: "sam"}, Access: &open, TextOnly: true})
	if !strings.Contains(m.Text, "Room: 101") || !strings.Contains(m.Text, "lamp swapped") {
		t.Fatalf("message without field rules:\n%s", m.Text)
	}
}

// Field rules survive JSON as withheld rights by id; unknown ids are an
// error rather than silently granted.
func TestFieldRulesJSON(t *testing.T) {
	var fr FieldRules
	fr.Set(FieldRoom, []FieldRight{RightView, RightEdit})
	b, err := json.Marshal(fr)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"room":["query","email"]}` {
		t.Fatalf("json %s", b)
	}
	var back FieldRules
	if err := json.Unmarshal(b, &back); err != nil || back != fr {
		t.Fatalf("round trip %v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"pay_rate":["view"]}`), &back); err == nil {
		t.Fatal("an unknown field was accepted")
	}
	if got := fr.RightsText(FieldRoom); got != "view,edit" {
		t.Fatalf("rights %q", got)
	}
	if _, err := ParseFieldRights("view,fly"); err == nil || !strings.Contains(err.Error(), `"fly"`) {
		t.Fatalf("bad right: %v", err)
	}
}

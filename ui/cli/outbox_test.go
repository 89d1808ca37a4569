package cli_test

import (
	"strings"
	"testing"
)

func TestQueryLineAndOutbox(t *testing.T) {
	h := newHarness(t)
	runSteps(t, h, []step{
		{args("building", "create", "EAST", "--name", "East Elementary"), nil},
		{args("user", "create", "pat", "--email", "pat@example.org"), nil},
		{args("user", "join", "pat", "Building Administrator"), nil},
		{args("user", "set", "pat", "--buildings", "EAST"), nil},
		{args("ticket", "create", "--title", "Printer jam", "--building", "EAST", "--priority", "High"), nil},
		{args("ticket", "create", "--title", "Broken chair", "--building", "EAST"), nil},
		{args("ticket", "list", "--query", "status:open priority:high"), []string{"Printer jam"}},
		{args("ticket", "list", "--query", "building:EAST chair"), []string{"Broken chair"}},
		{args("outbox", "list"), []string{"pat", "new", "html+text", "[T-000001] Printer jam"}},
		{args("outbox", "show", "1"), []string{"pat <pat@example.org>", "member of Building Administrator", "Hello pat"}},
	})
	if out := h.ok("ticket", "list", "--query", "status:open priority:high"); strings.Contains(out, "Broken chair") {
		t.Fatalf("priority filter let the chair through:\n%s", out)
	}
	h.fails(args("ticket", "list", "--query", "status:lost"), "status \"lost\"")
	h.fails(args("outbox", "show", "99"), "message 99 not found")
	h.fails(args("outbox", "show", "x"), "message id \"x\"")
	// pat sees only messages addressed to them
	if out := h.ok("outbox", "list", "--as", "pat"); !strings.Contains(out, "Printer jam") {
		t.Fatalf("pat's outbox:\n%s", out)
	}
}

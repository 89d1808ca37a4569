package cli_test

import (
	"testing"
)

// R17 from the command line: guard add, list, check and remove, and a
// membership change a guard refuses with its name and the users.
func TestR17_CLIGuards(t *testing.T) {
	h := newHarness(t)
	h.ok("group", "create", "Closers")
	h.ok("group", "grant", "Closers", "ticket.close")
	h.ok("group", "create", "Assigners")
	h.ok("group", "grant", "Assigners", "ticket.assign")
	h.ok("user", "create", "kim")
	h.ok("user", "join", "kim", "Closers")
	h.fails([]string{"guard", "add", "sod"}, "exactly one of")
	h.fails([]string{"guard", "add", "sod", "--max-holders", "groups:edit"}, "PRIV=N")
	h.okHas([]string{"guard", "add", "sod", "--never-together", "ticket.assign,ticket.close"}, "guard sod added: never-together ticket.assign, ticket.close")
	h.okHas([]string{"guard", "add", "admins", "--min-holders", "groups:edit=1"}, "at least 1 holding groups:edit")
	h.okHas([]string{"guard", "list"}, "sod", "never-together ticket.assign, ticket.close", "admins")
	h.fails([]string{"user", "join", "kim", "Assigners"}, `guard "sod"`, "kim holds", "(R17)")
	h.okHas([]string{"guard", "check"}, "every guard holds")
	var got []struct {
		Name string `json:"name"`
	}
	h.jsonOf(&got, "guard", "list", "--json")
	if len(got) != 2 {
		t.Fatalf("guard list --json: %+v", got)
	}
	// a guard the state already breaks is kept, and check says so (exit 1)
	h.ok("guard", "add", "few", "--min-holders", "groups:edit=5")
	h.fails([]string{"guard", "check"}, "1 guard(s) broken:", `guard "few" (at least 5 holding groups:edit): only admin (1) hold groups:edit (at least 5)`)
	h.ok("guard", "remove", "few")
	h.okHas([]string{"guard", "remove", "sod"}, "guard sod removed")
	h.okHas([]string{"user", "join", "kim", "Assigners"})
}

package cli_test

import (
	"strconv"
	"strings"
	"testing"
)

// versionOf reads a record's "version" from a command's --json.
func (h *harness) versionOf(args ...string) uint64 {
	h.t.Helper()
	var v struct {
		Version uint64 `json:"version"`
	}
	h.jsonOf(&v, args...)
	if v.Version == 0 {
		h.t.Fatalf("gatehouse %s --json has no version", show(args))
	}
	return v.Version
}

// --if-version N: refused (exit 1, naming who changed it, nothing written)
// when the record moved on, accepted at its version; refused on bulk and
// read commands.
func TestIfVersion(t *testing.T) {
	h := newHarness(t)
	h.ok("group", "create", "Helpers")
	v := h.versionOf("group", "show", "Helpers")
	h.ok("group", "grant", "Helpers", "ticket.report")
	h.fails(args("--if-version", strconv.FormatUint(v, 10), "group", "grant", "Helpers", "ticket.close"),
		"group Helpers is at version "+strconv.FormatUint(v+1, 10), "changed by admin", "nothing was changed")
	h.ok("--if-version", strconv.FormatUint(v+1, 10), "group", "grant", "Helpers", "ticket.close")
	if got := h.versionOf("group", "show", "Helpers"); got != v+2 {
		t.Fatalf("version %d after two grants from %d", got, v)
	}
	h.ok("user", "create", "ann")
	uv := h.versionOf("user", "show", "ann")
	h.ok("--if-version="+strconv.FormatUint(uv, 10), "user", "set", "ann", "--phone", "555-0100")
	h.fails(args("--if-version", strconv.FormatUint(uv, 10), "user", "set", "ann", "--phone", "555-0101"), "not "+strconv.FormatUint(uv, 10))
	h.ok("user", "create", "bob")
	h.fails(args("--if-version", "1", "user", "terminate", "ann", "bob", "--reason", "left"), "--if-version applies to a command that changes one record")
	h.fails(args("--if-version", "1", "group", "list"), "does not")
	h.fails(args("--if-version", "x", "group", "list"), "expected a version number")
}

// user set takes every field the console's user form has; a username
// change needs --yes.
func TestUserSetFields(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "ann", "--phone", "555-0100")
	h.okHas(args("user", "show", "ann"), "555-0100")
	h.ok("user", "set", "ann", "--first", "Ann", "--last", "Lee", "--email", "ann@example.org", "--phone", "555-0199")
	out := h.ok("user", "show", "ann")
	for label, want := range map[string]string{"Name": "Ann Lee", "Email": "ann@example.org", "Phone": "555-0199"} {
		if got := field(out, label); got != want {
			t.Errorf("%s: %q, want %q\n%s", label, got, want, out)
		}
	}
	h.ok("user", "set", "ann", "--kind", "restricted")
	h.okHas(args("user", "show", "ann"), "restricted")
	h.fails(args("user", "set", "ann", "--kind", "guest"), "--kind")
	h.fails(args("user", "set", "ann", "--username", "annlee"), "--yes")
	h.ok("user", "set", "ann", "--username", "annlee", "--yes")
	h.okHas(args("user", "show", "annlee"), "Ann Lee")
	h.okHas(args("audit", "--limit", "1"), "Username: ann → annlee")
}

// group set renames a group and edits its description; building set and
// delete edit and remove a building.
func TestGroupAndBuildingSet(t *testing.T) {
	h := newHarness(t)
	h.ok("group", "create", "Helpers")
	h.ok("group", "set", "Helpers", "--name", "Helpdesk", "--description", "first line")
	h.okHas(args("group", "show", "Helpdesk"), "first line")
	h.fails(args("group", "show", "Helpers"), "not found")
	h.ok("building", "create", "EAST", "--name", "East")
	h.ok("building", "set", "EAST", "--name", "East Elementary", "--region", "North", "--rooms", "101,102")
	out := h.ok("building", "show", "EAST")
	for _, want := range []string{"East Elementary", "North", "101, 102"} {
		if !strings.Contains(out, want) {
			t.Fatalf("building show lacks %q:\n%s", want, out)
		}
	}
	h.ok("user", "create", "pat")
	h.ok("user", "set", "pat", "--buildings", "EAST")
	h.fails(args("building", "delete", "EAST"), "cannot be deleted", "pat")
	h.ok("user", "set", "pat", "--buildings", "")
	h.ok("building", "delete", "EAST")
	h.fails(args("building", "show", "EAST"), "not found")
	h.okHas(args("audit", "--limit", "4"), "Buildings: EAST → —")
	h.okHas(args("audit", "--entity", "building"), "Rooms: — → 101, 102")
}

// R12 on email from the command line: a holder of Manage Users cannot
// change the email of someone who holds more (mailgate trusts it).
func TestR12_CLIRefusesAnotherStrongerUsersEmail(t *testing.T) {
	h := newHarness(t)
	h.ok("group", "create", "Clerks")
	h.ok("group", "grant", "Clerks", "users:edit")
	h.ok("user", "create", "clerk")
	h.ok("user", "join", "clerk", "Clerks")
	h.ok("user", "create", "pat", "--email", "pat@example.org")
	h.ok("user", "join", "pat", "Building Administrator")
	h.fails(args("--as", "clerk", "user", "set", "pat", "--email", "clerk@example.org"), "(R12)", "email")
	h.okHas(args("user", "show", "pat"), "pat@example.org")
	h.ok("--as", "clerk", "user", "set", "pat", "--phone", "555-0100") // not identity
}

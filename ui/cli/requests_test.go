package cli_test

import "testing"

// R18 from the command line: mark a group requestable, ask, list, deny,
// ask again and have it approved by someone else.
func TestR18_CLIRequests(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "kim")
	h.ok("user", "join", "kim", "Users")
	h.fails([]string{"request", "Technicians", "--hours", "2", "--reason", "cover", "--as", "kim"}, "not requestable", "(R18)")
	h.fails([]string{"group", "requestable", "Technicians"}, "--max-hours N or --off")
	h.okHas([]string{"group", "requestable", "Technicians", "--max-hours", "8"}, "requestable for up to 8 hours")
	h.fails([]string{"request", "Technicians", "--hours", "two", "--reason", "cover", "--as", "kim"}, "--hours")
	h.okHas([]string{"request", "Technicians", "--hours", "2", "--reason", "cover", "--as", "kim"}, "request #1: Technicians for 2 hours")
	h.okHas([]string{"request", "list", "--pending"}, "kim", "Technicians", "2h", "pending", "cover")
	h.fails([]string{"request", "approve", "1", "--as", "kim"}, "nobody decides their own request")
	h.fails([]string{"request", "deny", "1"}, "--reason")
	h.okHas([]string{"request", "deny", "1", "--reason", "ask Terry"}, "denied #1")
	h.okHas([]string{"request", "Technicians", "--hours", "2", "--reason", "cover again", "--as", "kim"}, "request #2")
	h.okHas([]string{"request", "approve", "#2"}, "approved #2: kim is in Technicians until")
	h.okHas([]string{"user", "show", "kim"}, "Technicians")
	h.okHas([]string{"outbox", "list"}, "access_request")
	h.fails([]string{"request", "approve", "x"}, "want a request number")
	h.okHas([]string{"group", "requestable", "Technicians", "--off"}, "no longer requestable")
}

package cli_test

import "testing"

// R19 from the command line: start, list, show and decide a campaign, and
// set a group's review interval.
func TestR19_CLIReviews(t *testing.T) {
	h := newHarness(t)
	h.ok("group", "create", "Coaches")
	h.ok("group", "grant", "Coaches", "ticket.history")
	for _, u := range []string{"c1", "c2"} {
		h.ok("user", "create", u)
		h.ok("user", "join", u, "Coaches")
	}
	h.fails([]string{"review", "start", "--group", "Coaches", "--reviewer", "admin", "--due", "2999-01-01", "--on-miss", "maybe"}, "--on-miss: keep, flag or revoke")
	h.fails([]string{"review", "start", "--group", "Coaches", "--reviewer", "admin", "--due", "soon", "--on-miss", "keep"}, "--due")
	h.okHas([]string{"review", "start", "--group", "Coaches", "--reviewer", "admin", "--due", "2199-01-01", "--on-miss", "revoke"},
		"review #1 of Coaches started: 2 members for admin")
	h.okHas([]string{"review", "list", "--open"}, "Coaches", "admin", "revoke", "0/2", "open")
	h.okHas([]string{"review", "decide", "1", "c1", "keep", "--reason", "still coaching"}, "review #1: keep c1; 1 undecided")
	h.okHas([]string{"review", "decide", "#1", "c2", "revoke"}, "revoke c2 (left Coaches); 0 undecided")
	h.fails([]string{"review", "decide", "1", "c2", "sure"}, "keep or revoke")
	h.okHas([]string{"review", "show", "1"}, "Reviewer:", "admin", "c1", "keep", "still coaching", "c2", "revoke",
		"revoke (with admin's authority; what they may not revoke is flagged)")
	h.okHas([]string{"user", "show", "c1"}, "Coaches")
	h.fails([]string{"group", "review-interval", "Coaches", "--days", "90"}, "--reviewer")
	h.okHas([]string{"group", "review-interval", "Coaches", "--days", "90", "--reviewer", "admin"}, "every 90 days by admin (on miss: flag)")
	h.okHas([]string{"group", "review-interval", "Coaches", "--off"}, "no review interval")
}

package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// requestable marks the district's Technicians group requestable for at
// most 8 hours.
func requestable(t *testing.T, d *district, group string, hours int) {
	t.Helper()
	info, err := d.admin.Group(t.Context(), group)
	must(t, err)
	var p domain.GroupPatch
	_, err = d.admin.UpdateGroup(t.Context(), info.ID, *p.SetRequestHours(hours), true)
	must(t, err)
}

// noticesOf are the outbox messages of event ev to user, newest first.
func noticesOf(t *testing.T, d *district, user string, ev domain.Event) []domain.Message {
	t.Helper()
	ms, err := d.admin.Outbox(t.Context(), 0)
	must(t, err)
	var out []domain.Message
	for _, m := range ms {
		if m.ToName == user && m.Event == ev {
			out = append(out, m)
		}
	}
	return out
}

func requestNotices(t *testing.T, d *district, user string) []domain.Message {
	t.Helper()
	return noticesOf(t, d, user, domain.EventAccessRequest)
}

func TestR18_ApprovedRequestStartsAtApprovalAndExpiresByItself(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	requestable(t, d, "Technicians", 8)
	staff := as(t, d.db, "staff")
	req, err := staff.RequestAccess(ctx, "technicians", 4, "covering for Terry")
	must(t, err)
	if req.Status != domain.RequestPending || req.GroupName != "Technicians" || req.Username != "staff" {
		t.Fatalf("request %+v", req)
	}
	// the deciders hear of it; the requester's own list shows it
	if ms := requestNotices(t, d, "admin"); len(ms) != 1 || !strings.Contains(ms[0].Text, "staff asks for Technicians for 4 hours: covering for Terry") {
		t.Fatalf("admin's notices %+v", ms)
	}
	mine, err := staff.AccessRequests(ctx, true)
	must(t, err)
	if len(mine) != 1 || mine[0].ID != req.ID {
		t.Fatalf("staff's requests %+v", mine)
	}
	// nobody decides their own; a user without Manage Users/Groups cannot
	_, err = staff.DecideRequest(ctx, req.ID, true, "")
	mustCode(t, err, domain.EForbidden)
	_, err = as(t, d.db, "tech").DecideRequest(ctx, req.ID, true, "")
	mustCode(t, err, domain.EForbidden)

	d.clk.t = d.clk.t.Add(5 * time.Hour) // approved the next morning
	approvedAt := d.clk.t
	got, err := d.admin.DecideRequest(ctx, req.ID, true, "")
	must(t, err)
	if got.Status != domain.RequestApproved || !got.Until.Equal(approvedAt.Add(4*time.Hour)) || got.DecidedBy != "admin" {
		t.Fatalf("approved %+v", got)
	}
	e, err := d.admin.Explain(ctx, "staff", grant(t, "ticket.assignee")[0], 0)
	must(t, err)
	if !e.Granted {
		t.Fatalf("approved membership grants nothing: %v", e)
	}
	if ms := requestNotices(t, d, "staff"); len(ms) != 1 || !strings.Contains(ms[0].Subject, "approved") {
		t.Fatalf("staff's notices %+v", ms)
	}
	_, err = d.admin.DecideRequest(ctx, req.ID, false, "too late")
	mustCode(t, err, domain.EConflict)

	d.clk.t = approvedAt.Add(4*time.Hour + time.Minute) // nobody acts
	e, err = d.admin.Explain(ctx, "staff", grant(t, "ticket.assignee")[0], 0)
	must(t, err)
	if e.Granted {
		t.Fatalf("the membership outlived its hours: %v", e)
	}
}

func TestR18_RequestsAreRefusedOutsideTheGroupsLimit(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	staff := as(t, d.db, "staff")
	_, err := staff.RequestAccess(ctx, "Technicians", 4, "please")
	mustCode(t, err, domain.EForbidden) // not requestable
	requestable(t, d, "Technicians", 8)
	_, err = staff.RequestAccess(ctx, "Technicians", 9, "please")
	mustCode(t, err, domain.EInvalid)
	_, err = staff.RequestAccess(ctx, "Technicians", 4, "")
	mustCode(t, err, domain.EInvalid)
	gs, err := staff.RequestableGroups(ctx)
	must(t, err)
	if len(gs) != 1 || gs[0].Name != "Technicians" || gs[0].RequestHours != 8 || gs[0].Flags.Len() != 0 {
		t.Fatalf("requestable groups %+v", gs)
	}
	_, err = staff.RequestAccess(ctx, "Technicians", 4, "please")
	must(t, err)
	_, err = staff.RequestAccess(ctx, "Technicians", 2, "again")
	mustCode(t, err, domain.EConflict)
}

func TestR18_DenialNeedsAReasonAndTellsTheRequester(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	requestable(t, d, "Technicians", 8)
	info, err := d.admin.User(ctx, "staff")
	must(t, err)
	info.User.Email = "sam@example.org"
	_, err = d.admin.UpdateUser(ctx, info.User.ID, wholeUser(info.User))
	must(t, err)
	req, err := as(t, d.db, "staff").RequestAccess(ctx, "Technicians", 4, "please")
	must(t, err)
	_, err = d.admin.DecideRequest(ctx, req.ID, false, "")
	mustCode(t, err, domain.EInvalid)
	got, err := d.admin.DecideRequest(ctx, req.ID, false, "use the help desk")
	must(t, err)
	if got.Status != domain.RequestDenied {
		t.Fatalf("denied %+v", got)
	}
	if ms := requestNotices(t, d, "staff"); len(ms) != 1 || !strings.Contains(ms[0].Text, "denied") || !strings.Contains(ms[0].Text, "use the help desk") ||
		ms[0].State != domain.MailQueued || ms[0].Email != "sam@example.org" {
		t.Fatalf("staff's notices (queued for delivery by mail): %+v", ms)
	}
	u, err := d.admin.User(ctx, "staff")
	must(t, err)
	if strings.Contains(strings.Join(u.Groups, ","), "Technicians") {
		t.Fatal("a denied request made a membership")
	}
}

func TestR18_AnApprovalIsAJoinThatGuardsCheck(t *testing.T) {
	d := sodDistrict(t)
	ctx := t.Context()
	requestable(t, d, "Assigners", 2)
	closer := as(t, d.db, "closer")
	req, err := closer.RequestAccess(ctx, "Assigners", 1, "one hour")
	must(t, err)
	_, err = d.admin.DecideRequest(ctx, req.ID, true, "")
	refusedR17(t, err, "sod", "closer")
	reqs, err := d.admin.AccessRequests(ctx, true)
	must(t, err)
	if len(reqs) != 1 || reqs[0].Status != domain.RequestPending {
		t.Fatalf("a refused approval changed the request: %+v", reqs)
	}
}

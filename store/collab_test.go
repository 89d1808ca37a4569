package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// The catalog's Discussion, Attachment, Alert and Metrics entries each gate a
// store feature; every row refuses without the privilege and allows with it.
func TestGate_CollaborationPrivileges(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.Assign(t.Context(), d.east, "tech", ""))
	_, err := d.admin.CreateGroup(t.Context(), domain.Group{Name: "Gate", Flags: domain.FlagSetOf(domain.TaskAll)}, true)
	must(t, err)
	_, err = d.admin.CreateUser(t.Context(), domain.User{Username: "gk"})
	must(t, err)
	must(t, d.admin.Join(t.Context(), "gk", "Gate", time.Time{}, ""))
	// the base group Users holds View Attachments: take it away so the row tests Gate alone
	_, err = d.admin.RevokeGroup(t.Context(), "Users", grant(t, "attach.view"))
	must(t, err)
	th, err := d.admin.StartThread(t.Context(), d.east, "Parts", "ordered a lamp")
	must(t, err)
	disc, _ := d.admin.Discussion(t.Context(), d.east)
	post := disc.Threads[0].Posts[0].ID
	att, err := d.admin.Attach(t.Context(), d.east, "photo.png", []byte("\x89PNG\r\n\x1a\n0000"))
	must(t, err)
	// gk sees the EAST ticket through Override Record Visibility, added below
	rows := []struct {
		flag  domain.Flag
		extra domain.Flag
		try   func(s domain.Service) error
	}{
		{domain.DiscussionView, 0, func(s domain.Service) error { _, err := s.Discussion(t.Context(), d.east); return err }},
		{domain.DiscussionPost, 0, func(s domain.Service) error {
			_, err := s.PostMessage(t.Context(), d.east, th.ID, post, "thanks")
			return err
		}},
		{domain.DiscussionInitiate, 0, func(s domain.Service) error { _, err := s.StartThread(t.Context(), d.east, "New", ""); return err }},
		{domain.DiscussionEdit, 0, func(s domain.Service) error { return s.EditMessage(t.Context(), d.east, post, "ordered two lamps") }},
		{domain.DiscussionDelete, 0, func(s domain.Service) error {
			p, err := d.admin.PostMessage(t.Context(), d.east, th.ID, 0, "dup")
			must(t, err)
			return s.DeleteMessage(t.Context(), d.east, p.ID)
		}},
		{domain.AttachView, 0, func(s domain.Service) error { _, _, err := s.AttachmentData(t.Context(), d.east, att.ID); return err }},
		{domain.AttachEdit, 0, func(s domain.Service) error {
			_, err := s.Attach(t.Context(), d.east, "log.txt", []byte("x"))
			return err
		}},
		{domain.AlertsView, 0, func(s domain.Service) error { _, err := s.Alerts(t.Context(), d.east); return err }},
		{domain.AlertsEdit, 0, func(s domain.Service) error { return s.SetAlerts(t.Context(), d.east, 3, []string{"admin"}, nil, true) }},
		{domain.MetricsRun, 0, func(s domain.Service) error { _, err := s.Metrics(t.Context(), domain.MetricsQuery{}); return err }},
		{domain.MetricsSaveCharts, domain.MetricsRun, func(s domain.Service) error {
			_, err := s.SaveChart(t.Context(), "Gate", domain.Chart{Name: "c", Kind: "by-building", Days: 30})
			return err
		}},
		{domain.MetricsSaveLayouts, domain.MetricsRun, func(s domain.Service) error { return s.SaveLayout(t.Context(), "Gate", nil) }},
		{domain.ReportsCustom, 0, func(s domain.Service) error {
			q, err := s.SaveQuery(t.Context(), "mine", "status:open", "")
			if err != nil {
				return err
			}
			_, err = s.Report(t.Context(), q.ID)
			return err
		}},
	}
	for _, r := range rows {
		name := r.flag.String()
		base := domain.FlagSetOf(domain.TaskAll, domain.VisibilityOverride, domain.QueryRun)
		if r.extra != 0 {
			base.Add(r.extra)
		}
		g, err := d.admin.Group(t.Context(), "Gate")
		must(t, err)
		orig := g.Group
		g.Flags = base
		_, err = d.admin.UpdateGroup(t.Context(), g.ID, domain.DiffGroup(orig, g.Group), true)
		must(t, err)
		orig = g.Group
		gk := as(t, d.db, "gk")
		if err := r.try(gk); domain.ErrorCode(err) != domain.EForbidden {
			t.Errorf("%s: without it: %v", name, err)
			continue
		}
		g.Flags.Add(r.flag)
		_, err = d.admin.UpdateGroup(t.Context(), g.ID, domain.DiffGroup(orig, g.Group), true)
		must(t, err)
		if err := r.try(as(t, d.db, "gk")); err != nil {
			t.Errorf("%s: with it: %v", name, err)
		}
	}
}

func TestR6_DiscussionImplicationsHoldInTheStore(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.Assign(t.Context(), d.east, "tech", ""))
	// Technicians hold Initiate Threads, which implies Post and View (R6)
	th, err := as(t, d.db, "tech").StartThread(t.Context(), d.east, "Question", "which lamp?")
	must(t, err)
	_, err = as(t, d.db, "tech").PostMessage(t.Context(), d.east, th.ID, 0, "the big one")
	must(t, err)
	disc, err := as(t, d.db, "tech").Discussion(t.Context(), d.east)
	must(t, err)
	if len(disc.Threads) != 1 || len(disc.Threads[0].Posts) != 2 || disc.Threads[0].Posts[0].AuthorName != "tech" {
		t.Fatalf("discussion %+v", disc)
	}
	// a ticket the user may not see is not found, discussion included (R11)
	_, err = as(t, d.db, "tech").Discussion(t.Context(), d.west)
	mustCode(t, err, domain.ENotFound)
}

func TestAttachments_AddPageSizeAndMIME(t *testing.T) {
	d := newDistrict(t)
	staff := as(t, d.db, "staff")
	// Users hold Add Attachments via Add Page: on their own new ticket only
	a, err := staff.Attach(t.Context(), d.east, "notes.txt", []byte("room 101 projector"))
	must(t, err)
	if a.MIME != "text/plain; charset=utf-8" || a.Size != 18 {
		t.Fatalf("attachment %+v", a)
	}
	must(t, d.admin.Assign(t.Context(), d.east, "tech", ""))
	_, err = staff.Attach(t.Context(), d.east, "more.txt", []byte("x"))
	mustCode(t, err, domain.EForbidden)
	_, err = d.admin.Attach(t.Context(), d.east, "big.bin", bytes.Repeat([]byte{0}, domain.MaxAttachment+1))
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "limited to 10 MiB") {
		t.Fatalf("oversize: %v", err)
	}
	_, err = d.admin.Attach(t.Context(), d.east, "../etc/passwd", []byte("x"))
	mustCode(t, err, domain.EInvalid)
	got, data, err := staff.AttachmentData(t.Context(), d.east, a.ID)
	must(t, err)
	if got.Name != "notes.txt" || string(data) != "room 101 projector" {
		t.Fatalf("read back %+v %q", got, data)
	}
	must(t, d.admin.DeleteAttachment(t.Context(), d.east, a.ID))
	list, _ := d.admin.Attachments(t.Context(), d.east)
	if len(list) != 0 {
		t.Fatalf("after delete: %+v", list)
	}
}

func TestAlerts_NotifyOncePerStagnantPeriod(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.Assign(t.Context(), d.east, "tech", ""))
	// Technicians hold Edit Own Alert Settings: on their own tickets only
	must(t, as(t, d.db, "tech").SetAlerts(t.Context(), d.east, 2, []string{"admin", "tech"}, nil, true))
	mustCode(t, as(t, d.db, "tech").SetAlerts(t.Context(), d.west, 2, []string{"tech"}, nil, true), domain.ENotFound)
	count := func() int {
		msgs, _ := d.admin.Outbox(t.Context(), 0)
		n := 0
		for _, m := range msgs {
			if m.Event == domain.EventAlert {
				n++
			}
		}
		return n
	}
	for _, step := range []struct {
		days int
		want int
	}{{1, 0}, {2, 2}, {3, 2}} {
		d.clk.t = epoch.AddDate(0, 0, step.days)
		_, err := d.db.RunAlerts(context.Background())
		must(t, err)
		if got := count(); got != step.want {
			t.Fatalf("day %d: %d alert messages, want %d", step.days, got, step.want)
		}
	}
	must(t, as(t, d.db, "tech").Start(t.Context(), d.east, "")) // a state change starts a new period
	d.clk.t = epoch.AddDate(0, 0, 6)
	_, err := d.db.RunAlerts(context.Background())
	must(t, err)
	if count() != 4 {
		t.Fatalf("after a new stagnant period: %d", count())
	}
}

func TestMetrics_CountsVisibleTicketsAndHomeOnlyCharts(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.Close(t.Context(), d.west, ""))
	m, err := d.admin.Metrics(t.Context(), domain.MetricsQuery{From: epoch.AddDate(0, 0, -7), To: epoch.AddDate(0, 0, 1)})
	must(t, err)
	if m.Total != 2 || len(m.ByBuilding) != 2 || m.ByBuilding[0].Open+m.ByBuilding[0].Closed != 1 {
		t.Fatalf("metrics %+v", m)
	}
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Principals", BuildingAdmin: true,
		Flags: domain.FlagSetOf(domain.MetricsHomeOnly)}, true)
	must(t, err)
	must(t, d.admin.Join(t.Context(), "principal", "Principals", time.Time{}, ""))
	_, err = d.admin.SaveChart(t.Context(), "Technicians", domain.Chart{Name: "x", Kind: "by-building", Days: 30})
	mustCode(t, err, domain.EForbidden) // only for groups the actor is in
	_, err = d.admin.CreateGroup(t.Context(), domain.Group{Name: "Charts", Flags: domain.FlagSetOf(domain.MetricsRun, domain.MetricsSaveCharts)}, true)
	must(t, err)
	must(t, d.admin.Join(t.Context(), "admin", "Charts", time.Time{}, ""))
	must(t, d.admin.Join(t.Context(), "principal", "Charts", time.Time{}, ""))
	chart, err := d.admin.SaveChart(t.Context(), "Charts", domain.Chart{Name: "Open by building", Kind: "by-building", Days: 30})
	must(t, err)
	// principal: Home Page Only via Principals, but Metrics via Charts too (union, R1)
	p := as(t, d.db, "principal")
	if _, err := p.ChartData(t.Context(), chart.ID); err != nil {
		t.Fatal(err)
	}
	_, err = d.admin.Leave(t.Context(), "principal", "Charts", false)
	must(t, err)
	_, err = p.Metrics(t.Context(), domain.MetricsQuery{})
	if domain.ErrorCode(err) != domain.EForbidden || !strings.Contains(err.Error(), "Home Page Only") {
		t.Fatalf("home-only metrics: %v", err)
	}
}

// R7 with issue 8: deleting a closed ticket removes its discussion,
// attachments and alerts too; check finds nothing left behind.
func TestR7_DeleteRemovesEverythingOfTheTicket(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.StartThread(t.Context(), d.east, "Parts", "lamp")
	must(t, err)
	_, err = d.admin.Attach(t.Context(), d.east, "a.txt", []byte("x"))
	must(t, err)
	must(t, d.admin.SetAlerts(t.Context(), d.east, 2, []string{"admin"}, nil, true))
	must(t, d.admin.Close(t.Context(), d.east, ""))
	must(t, d.admin.DeleteTicket(t.Context(), d.east))
	rep, err := d.admin.Check(t.Context(), false)
	must(t, err)
	if !rep.Clean() {
		t.Fatalf("left behind: %+v", rep.Findings)
	}
}

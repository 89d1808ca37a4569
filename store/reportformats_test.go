package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// reporter holds Create Custom Reports, Query and Save Group Queries, and
// optionally the given regions.
func reporter(t *testing.T, d *district, name string, regions ...string) domain.Service {
	t.Helper()
	var g domain.Group
	for _, f := range []domain.Flag{domain.ReportsCustom, domain.QueryRun, domain.QuerySaveGroup, domain.TicketView} {
		g.Flags.Add(f)
	}
	s := userWith(t, d, name, g)
	if len(regions) > 0 {
		u, err := d.admin.User(t.Context(), name)
		must(t, err)
		u.User.Regions = regions
		_, err = d.admin.UpdateUser(t.Context(), u.User.ID, wholeUser(u.User))
		must(t, err)
	}
	return s
}

var triage = domain.ReportFormat{Name: "Triage", Columns: []string{"ticket", "building", "title"}, Sort: "building", GroupBy: "building"}

// Save Group Report Formats: a format is saved for a group its author is
// in, with Create Custom Reports and Save Group Queries; only that group's
// members list and use it, and a report run through it has its columns.
func TestReportFormatsAreSavedPerGroup(t *testing.T) {
	d := newDistrict(t)
	ann := reporter(t, d, "ann")
	f, err := ann.SaveReportFormat(t.Context(), "G-ann", triage)
	must(t, err)
	_, err = ann.SaveReportFormat(t.Context(), "Technicians", triage)
	mustCode(t, err, domain.EForbidden) // not ann's group
	_, err = ann.SaveReportFormat(t.Context(), "G-ann", triage)
	mustCode(t, err, domain.EConflict) // the name is taken in the group
	_, err = as(t, d.db, "staff").SaveReportFormat(t.Context(), "Users", triage)
	mustCode(t, err, domain.EForbidden) // staff lacks Create Custom Reports
	bad := triage
	bad.Name, bad.Columns = "Pay", []string{"ticket", "pay_rate"}
	_, err = ann.SaveReportFormat(t.Context(), "G-ann", bad)
	mustCode(t, err, domain.EInvalid)

	fs, err := ann.ReportFormats(t.Context())
	must(t, err)
	if len(fs) != 1 || fs[0].GroupName != "G-ann" || fs[0].CreatorName != "ann" {
		t.Fatalf("ann's formats %+v", fs)
	}
	bob := reporter(t, d, "bob")
	if fs, _ := bob.ReportFormats(t.Context()); len(fs) != 0 {
		t.Fatalf("bob sees another group's formats: %+v", fs)
	}
	q, err := ann.SaveQuery(t.Context(), "Everything", "", "")
	must(t, err)
	_, err = bob.FormatReport(t.Context(), q.ID, f.ID)
	mustCode(t, err, domain.ENotFound)
	tab, err := ann.FormatReport(t.Context(), q.ID, f.ID)
	must(t, err)
	if strings.Join(tab.Columns, ",") != "ticket,building,title" || tab.Format != "Triage" {
		t.Fatalf("table %+v", tab)
	}
	mustCode(t, bob.DeleteReportFormat(t.Context(), f.ID), domain.ENotFound)
	must(t, ann.DeleteReportFormat(t.Context(), f.ID))
	if fs, _ := ann.ReportFormats(t.Context()); len(fs) != 0 {
		t.Fatalf("deleted format still listed: %+v", fs)
	}
	// deleting a group deletes its formats
	_, err = bob.SaveReportFormat(t.Context(), "G-bob", triage)
	must(t, err)
	_, err = d.admin.Leave(t.Context(), "bob", "G-bob", false)
	must(t, err)
	must(t, d.admin.DeleteGroup(t.Context(), "G-bob"))
	if fs, _ := d.admin.ReportFormats(t.Context()); len(fs) != 0 {
		t.Fatalf("a deleted group's format is left: %+v", fs)
	}
}

// Region-scoped formats (TrackTik's region-level report templates): only a
// user whose scope covers every region of a format creates, lists, uses or
// deletes it; buildings in the region do not cover it, an assigned region
// and full administration do. A region no building is in is refused.
func TestReportFormatsScopedToRegions(t *testing.T) {
	d := newDistrict(t)
	north := reporter(t, d, "nora", "North")
	south := reporter(t, d, "sid", "South")
	must(t, d.admin.Join(t.Context(), "sid", "G-nora", time.Time{}, ""))
	scoped := triage
	scoped.Regions = []string{"North"}
	_, err := south.SaveReportFormat(t.Context(), "G-sid", scoped)
	mustCode(t, err, domain.EForbidden)
	if !strings.Contains(err.Error(), "region North") {
		t.Fatalf("refusal does not name the region: %v", err)
	}
	typo := triage
	typo.Regions = []string{"Nort"}
	_, err = north.SaveReportFormat(t.Context(), "G-nora", typo)
	mustCode(t, err, domain.EInvalid)
	f, err := north.SaveReportFormat(t.Context(), "G-nora", scoped)
	must(t, err)

	// sid is in G-nora too, but South does not cover North
	if fs, _ := south.ReportFormats(t.Context()); len(fs) != 0 {
		t.Fatalf("sid lists a North format: %+v", fs)
	}
	q, err := south.SaveQuery(t.Context(), "Mine", "", "")
	must(t, err)
	_, err = south.FormatReport(t.Context(), q.ID, f.ID)
	mustCode(t, err, domain.EForbidden)
	mustCode(t, south.DeleteReportFormat(t.Context(), f.ID), domain.EForbidden)
	// a user given the region may use it from then on
	u, _ := d.admin.User(t.Context(), "sid")
	u.User.Regions = []string{"South", "North"}
	_, err = d.admin.UpdateUser(t.Context(), u.User.ID, wholeUser(u.User))
	must(t, err)
	if _, err := south.FormatReport(t.Context(), q.ID, f.ID); err != nil {
		t.Fatalf("sid with North: %v", err)
	}
	// the superuser covers every region
	if fs, err := d.admin.ReportFormats(t.Context()); err != nil || len(fs) != 1 {
		t.Fatalf("admin's formats %+v %v", fs, err)
	}
}

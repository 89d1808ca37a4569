package store_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/store"
)

// Long operations stop when their context is cancelled and say so with
// ctx.Err(): the console cancels a superseded query, an SSH disconnect the
// session's work, SIGINT a CLI command.

func mustCancelled(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%s with a cancelled context: got %v, want context.Canceled", what, err)
	}
}

// printerDistrict is the district with n more tickets, all saying "printer".
func printerDistrict(t *testing.T, n int) *district {
	t.Helper()
	d := newDistrict(t)
	tech, _ := d.admin.User(t.Context(), "tech")
	staff, _ := d.admin.User(t.Context(), "staff")
	if err := store.BulkLoadTickets(d.db, n, []domain.ID{d.eastB.ID, d.west2.ID}, staff.ID, tech.ID); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCancel_FreeTextScanStops(t *testing.T) {
	d := printerDistrict(t, 3000)
	page, err := d.admin.Tickets(t.Context(), domain.TicketQuery{Text: "printer", Limit: 5})
	must(t, err)
	if page.Total != 3000 {
		t.Fatalf("uncancelled scan found %d", page.Total)
	}
	for _, q := range []domain.TicketQuery{
		{Text: "printer", Limit: 5},
		{Text: "printer", Sort: domain.SortAge, Limit: 5},
		{Limit: 5},
	} {
		_, err := d.admin.Tickets(cancelledContext(), q)
		mustCancelled(t, "Tickets "+q.String(), err)
	}
}

// cancelOnWrite cancels its context when the export first reaches it, so
// the export is cancelled part way through.
type cancelOnWrite struct {
	bytes.Buffer
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Buffer.Write(p)
}

func TestCancel_ExportStopsPartWay(t *testing.T) {
	d := printerDistrict(t, 3000)
	var full bytes.Buffer
	must(t, d.admin.Export(t.Context(), &full, domain.ExportJSON))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w := &cancelOnWrite{cancel: cancel}
	mustCancelled(t, "Export", d.admin.Export(ctx, w, domain.ExportJSON))
	if w.Len() >= full.Len() || strings.HasSuffix(w.String(), "}\n") {
		t.Fatalf("cancelled export wrote %d of %d bytes, complete: %v", w.Len(), full.Len(), strings.HasSuffix(w.String(), "}\n"))
	}
	var b bytes.Buffer
	mustCancelled(t, "Export csv", d.admin.Export(cancelledContext(), &b, domain.ExportCSV))
}

func TestCancel_CheckAndMetricsStop(t *testing.T) {
	d := printerDistrict(t, 2000)
	rep, err := d.admin.Check(t.Context(), false)
	must(t, err)
	if !rep.Clean() {
		t.Fatalf("findings %v", rep.Findings)
	}
	_, err = d.admin.Check(cancelledContext(), false)
	mustCancelled(t, "Check", err)
	_, err = d.admin.Check(cancelledContext(), true)
	mustCancelled(t, "Check --repair", err)
	_, err = d.db.Check(cancelledContext(), false)
	mustCancelled(t, "DB.Check", err)
	q := domain.MetricsQuery{From: time.Time{}, To: time.Now().AddDate(10, 0, 0)}
	_, err = d.admin.Metrics(cancelledContext(), q)
	mustCancelled(t, "Metrics", err)
}

func TestCancel_ImportsWriteNothing(t *testing.T) {
	d := newDistrict(t)
	in := importHeader + "\r\nAnn,Lee,ann@example.org,ann,Temp-Pass-1,Users\r\n"
	_, err := d.admin.ImportUsers(cancelledContext(), parseCSV(t, in), domain.ImportOptions{})
	mustCancelled(t, "ImportUsers", err)
	if _, err := d.admin.User(t.Context(), "ann"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("cancelled import created ann: %v", err)
	}

	var exp bytes.Buffer
	must(t, d.admin.Export(t.Context(), &exp, domain.ExportJSON))
	db2, _ := openTest(t)
	_, err = as(t, db2, "admin").ImportAll(cancelledContext(), bytes.NewReader(exp.Bytes()))
	mustCancelled(t, "ImportAll", err)
	if _, err := as(t, db2, "admin").User(t.Context(), "principal"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("cancelled ImportAll loaded principal: %v", err)
	}
}

func TestCancel_BulkStopsBetweenTickets(t *testing.T) {
	d := newDistrict(t)
	res, err := d.admin.Bulk(cancelledContext(), []domain.TicketNumber{d.east, d.west}, domain.BulkAction{Kind: domain.BulkClose})
	mustCancelled(t, "Bulk", err)
	if len(res) != 0 {
		t.Fatalf("cancelled bulk acted on %+v", res)
	}
}

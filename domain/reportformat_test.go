package domain

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func reportRows() []TicketRow {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	row := func(n TicketNumber, prio, building, title string) TicketRow {
		return TicketRow{Ticket: Ticket{Number: n, Title: title, Priority: prio, Created: at}, Label: "T-" + strings.Repeat("0", 5) + string(rune('0'+n)), Building: building}
	}
	return []TicketRow{row(3, "High", "EAST", "Projector"), row(1, "Low", "WEST", "=HYPERLINK(\"x\")"), row(2, "High", "WEST", "Wi-Fi")}
}

// A format chooses the columns and their order, sorts (ties keep the
// query's order) and groups; CSV keeps cells as text.
func TestApplyFormatColumnsSortAndGroups(t *testing.T) {
	f := &ReportFormat{Name: "Triage", Columns: []string{"title", "ticket"}, Sort: "ticket", GroupBy: "priority"}
	tab := ApplyFormat(reportRows(), f)
	var got []string
	for _, r := range tab.Rows {
		got = append(got, r[1])
	}
	if strings.Join(got, ",") != "T-000002,T-000003,T-000001" {
		t.Fatalf("order %v", got)
	}
	if len(tab.Groups) != 2 || tab.Groups[0] != (RowGroup{Value: "High", Start: 0, End: 2}) || tab.Groups[1].Value != "Low" {
		t.Fatalf("groups %+v", tab.Groups)
	}
	var csv bytes.Buffer
	if err := tab.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	if want := "title,ticket\nWi-Fi,T-000002\nProjector,T-000003\n\"'=HYPERLINK(\"\"x\"\")\",T-000001\n"; csv.String() != want {
		t.Fatalf("csv\n%q\nwant\n%q", csv.String(), want)
	}
	var text bytes.Buffer
	if err := tab.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := "title            ticket\n" +
		"\npriority: High (2)\n" +
		"Wi-Fi            T-000002\n" +
		"Projector        T-000003\n" +
		"\npriority: Low (1)\n" +
		"=HYPERLINK(\"x\")  T-000001\n"
	if text.String() != want {
		t.Fatalf("text\n%s\nwant\n%s", text.String(), want)
	}
	desc := ApplyFormat(reportRows(), &ReportFormat{Name: "d", Columns: []string{"ticket"}, Sort: "ticket", Desc: true})
	if desc.Rows[0][0] != "T-000003" || desc.Rows[2][0] != "T-000001" {
		t.Fatalf("descending %v", desc.Rows)
	}
	if all := ApplyFormat(reportRows(), nil); len(all.Columns) != len(ReportColumns) || all.Rows[0][0] != "T-000003" {
		t.Fatalf("no format %+v", all)
	}
}

func TestReportFormatValidateNamesTheField(t *testing.T) {
	for _, c := range []struct {
		f    ReportFormat
		want string
	}{
		{ReportFormat{Name: "x"}, "at least one column"},
		{ReportFormat{Name: "x", Columns: []string{"ticket", "pay"}}, `column "pay" is not a report column`},
		{ReportFormat{Name: "x", Columns: []string{"ticket", "ticket"}}, "listed twice"},
		{ReportFormat{Name: "x", Columns: []string{"ticket"}, Sort: "size"}, `sort column "size"`},
		{ReportFormat{Name: "x", Columns: []string{"ticket"}, GroupBy: "size"}, `group by column "size"`},
		{ReportFormat{Name: "", Columns: []string{"ticket"}}, "report format name"},
	} {
		err := c.f.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.f, err, c.want)
		}
	}
}

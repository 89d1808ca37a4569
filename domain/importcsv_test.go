package domain

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, s string) ([]ImportRow, []RowProblem) {
	t.Helper()
	imp, err := ParseUsersCSV(strings.NewReader(s), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return imp.Rows, imp.Problems
}

func TestParseUsersCSVBOMCRLFQuotedAnyOrder(t *testing.T) {
	in := "\uFEFFgroup name,USERNAME, email address ,First Name,Last Name,Temporary Password,Buildings,until\r\n" +
		"Users,ann,ann@example.org,Ann,\"Lee, Jr.\",s3cret pass,EAST;WEST,2026-06-30\r\n" +
		"\"Technicians; Users\",bob,bob@example.org,Bob,\"Multi\nLine\",,,\r\n" +
		"Users,cy,cy@example.org,Cy,Young,,\"EAST, WEST\",\r\n"
	rows, ps := parse(t, in)
	if len(rows) != 3 {
		t.Fatalf("rows %d", len(rows))
	}
	ann := rows[0]
	if ann.Line != 2 || ann.Username != "ann" || ann.Last != "Lee, Jr." || ann.Password != "s3cret pass" ||
		!reflect.DeepEqual(ann.Buildings, []string{"EAST", "WEST"}) || !ann.Until.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("ann %+v", ann)
	}
	if !reflect.DeepEqual(rows[1].Groups, []string{"Technicians", "Users"}) || rows[1].Line != 3 {
		t.Fatalf("bob %+v", rows[1])
	}
	// the quoted line break puts cy on line 5
	if rows[2].Line != 5 || !reflect.DeepEqual(rows[2].Buildings, []string{"EAST", "WEST"}) {
		t.Fatalf("cy %+v", rows[2])
	}
	// bob's last name holds a line break: that row alone is reported
	if len(ps) != 1 || ps[0].Line != 3 || ps[0].Column != ColLast {
		t.Fatalf("problems %v", ps)
	}
}

func TestParseUsersCSVReportsEveryProblem(t *testing.T) {
	in := "First Name,Last Name,Email Address,Username,Temporary Password,Group Name,Kind,Until\n" +
		"Ann,Lee,ann@example.org,ann,,Users,,\n" +
		",Lee,not-an-email,bad name!,,,robot,31/12/2026\n" +
		"Ann,Again,ANN@example.org,ANN,,Users,,\n" +
		"Short,Row\n"
	rows, ps := parse(t, in)
	if len(rows) != 4 {
		t.Fatalf("rows %d", len(rows))
	}
	want := map[string]bool{
		"3 First Name": true, "3 Email Address": true, "3 Username": true, "3 Group Name": true,
		"3 Kind": true, "3 Until": true, "4 Username": true, "4 Email Address": true,
		"5 ": true, "5 Email Address": true, "5 Username": true, "5 Group Name": true,
	}
	got := map[string]bool{}
	for _, p := range ps {
		got[fmt.Sprintf("%d %s", p.Line, p.Column)] = true
		if p.Reason == "" {
			t.Fatalf("problem without reason: %+v", p)
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing problem %q in %v", k, ps)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("problems %v", ps)
	}
}

func TestParseUsersCSVFileErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"header only":    "First Name,Last Name,Email Address,Username,Temporary Password,Group Name\n",
		"missing column": "First Name,Last Name,Username,Temporary Password,Group Name\nA,B,c,,Users\n",
		"unknown column": "First Name,Last Name,Email Address,Username,Temporary Password,Group Name,Shoe Size\n",
		"twice":          "First Name,first name,Last Name,Email Address,Username,Temporary Password,Group Name\n",
		"bad quote":      "First Name,Last Name,Email Address,Username,Temporary Password,Group Name\nA,\"B,c@d.org,u,,Users\n",
	} {
		_, err := ParseUsersCSV(strings.NewReader(in), time.UTC)
		if ErrorCode(err) != EInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestWriteUsersCSVRoundTrip(t *testing.T) {
	rows := []ImportRow{
		{Line: 2, First: "Ann", Last: "Lee, Jr.", Email: "ann@example.org", Username: "ann", Groups: []string{"Users", "Technicians"},
			Kind: KindStandard, Buildings: []string{"EAST"}, ReportsTo: "boss", Until: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)},
		{Line: 3, First: "Rae", Last: "Out", Email: "rae@example.org", Username: "rae", Groups: []string{"RestrictedUsers"},
			Kind: KindRestricted, Phone: "555-0100"},
	}
	var buf bytes.Buffer
	if err := WriteUsersCSV(&buf, rows, time.UTC); err != nil {
		t.Fatal(err)
	}
	back, ps := parse(t, buf.String())
	if len(ps) > 0 || !reflect.DeepEqual(back, rows) {
		t.Fatalf("round trip\n%s\n%+v\n%v", buf.String(), back, ps)
	}
	// an expiry that is not at midnight is moved earlier, never later
	rows[0].Until = time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC)
	buf.Reset()
	if err := WriteUsersCSV(&buf, rows[:1], time.UTC); err != nil {
		t.Fatal(err)
	}
	back, _ = parse(t, buf.String())
	if !back[0].Until.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("until %v", back[0].Until)
	}
}

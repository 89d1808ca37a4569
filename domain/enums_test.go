package domain

import (
	"strings"
	"testing"
)

func TestParseEnumsAcceptKnownAndNameTheChoices(t *testing.T) {
	if s, err := ParseSort("Age"); err != nil || s != SortAge {
		t.Fatalf("ParseSort(Age) = %q, %v", s, err)
	}
	if s, err := ParseSort("newest"); err != nil || s != SortNewest {
		t.Fatalf("ParseSort(newest) = %q, %v", s, err)
	}
	if k, err := ParseBulkKind("close"); err != nil || k != BulkClose {
		t.Fatalf("ParseBulkKind(close) = %q, %v", k, err)
	}
	if f, err := ParseExportFormat("CSV"); err != nil || f != ExportCSV {
		t.Fatalf("ParseExportFormat(CSV) = %q, %v", f, err)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := ParseSort("oldest"); return err }(), `sort "oldest": use age, priority, updated or newest`},
		{func() error { _, err := ParseBulkKind("purge"); return err }(), `bulk action "purge": use assign, close, priority or delete`},
		{func() error { _, err := ParseExportFormat("xml"); return err }(), `export format "xml": use json or csv`},
	} {
		if c.err == nil || ErrorCode(c.err) != EInvalid || c.err.Error() != c.want {
			t.Errorf("got %v, want EInvalid %q", c.err, c.want)
		}
	}
	if _, err := ParseQuery("sort:oldest"); err == nil {
		t.Error("ParseQuery accepted sort:oldest")
	}
}

// reassign:yes (or asked) reads into TicketQuery.Reassign and writes back
// as reassign:yes; another value is refused naming the choices.
func TestParseQueryReassign(t *testing.T) {
	for _, in := range []string{"reassign:yes", "reassign:asked", "Reassign:YES"} {
		q, err := ParseQuery(in)
		if err != nil || !q.Reassign || q.String() != "reassign:yes" {
			t.Fatalf("%q: %+v %v (%q)", in, q, err, q.String())
		}
	}
	if q, err := ParseQuery("reassign:no"); err != nil || q.Reassign {
		t.Fatalf("reassign:no: %+v %v", q, err)
	}
	if _, err := ParseQuery("reassign:maybe"); ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), "use yes") {
		t.Fatalf("reassign:maybe: %v", err)
	}
}

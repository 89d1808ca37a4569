package domain

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzParseUsersCSV: any bytes are a users CSV or a clear error, never a
// panic; a parsed import writes back as CSV and parses to the same rows.
func FuzzParseUsersCSV(f *testing.F) {
	f.Add("username,first,last,email,groups,until\njdoe,Jane,Doe,jdoe@example.org,Users;Technicians,2026-12-31\n")
	f.Add("Username;Email\n'=cmd,a@b\n")
	f.Add("username\n\"unterminated\n")
	f.Add("username,until\nx,9999-12-31\n")
	f.Add("\xef\xbb\xbfusername,password\nbob,Temp-Pass-1\n")
	f.Fuzz(func(t *testing.T, in string) {
		imp, err := ParseUsersCSV(strings.NewReader(in), time.UTC)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteUsersCSV(&b, imp.Rows, time.UTC); err != nil {
			return // a row may hold what a CSV cannot write back (checked on import)
		}
		if _, err := ParseUsersCSV(&b, time.UTC); err != nil && len(imp.Problems) == 0 {
			t.Fatalf("a clean import does not parse again after writing: %v\n%q", err, b.String())
		}
	})
}

// FuzzParseQuery: any query line parses or says why, never panics, and a
// parsed query prints as a line that parses to the same query.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"status:open", "building:EAST assignee:me printer", "sort:priority overdue", `"two words" team:Net`, "status:new,closed priority:High", ":", "%", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := ParseQuery(in)
		if err != nil {
			return
		}
		again, err := ParseQuery(q.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", in, q.String(), err)
		}
		if again.String() != q.String() {
			t.Fatalf("%q: %q then %q", in, q.String(), again.String())
		}
	})
}

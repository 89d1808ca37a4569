package domain

import (
	"testing"
	"time"
)

func TestThroughIsTheEndOfTheDayInTheZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata")
	}
	now := time.Date(2026, 12, 31, 20, 0, 0, 0, ny) // the evening of the last day
	end, err := ParseThrough("--until", "2026-12-31", ny, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 1, 1, 0, 0, 0, 0, ny); !end.Equal(want) {
		t.Fatalf("end %v, want %v", end, want)
	}
	if got := Through(end, ny); got != "through 2026-12-31" {
		t.Fatalf("shown as %q", got)
	}
	// in another zone the same instant is not a midnight: it says when
	if got := Through(end, time.UTC); got != "until 2027-01-01 05:00" {
		t.Fatalf("in UTC shown as %q", got)
	}
	if _, err := ParseThrough("--until", "2026-12-30", ny, now); ErrorCode(err) != EInvalid {
		t.Fatalf("yesterday accepted: %v", err)
	}
	if _, err := ParseThrough("Until", "31/12/2026", ny, now); ErrorCode(err) != EInvalid || err.Error() != `Until "31/12/2026": expected a date as YYYY-MM-DD, such as 2026-12-31` {
		t.Fatalf("bad date: %v", err)
	}
	if end, err := ParseThrough("--until", " ", ny, now); err != nil || !end.IsZero() {
		t.Fatalf("empty: %v %v", end, err)
	}
	o := Organization{TimeZone: "Nowhere/Atlantis"}
	if o.Zone() != time.UTC {
		t.Fatal("an unknown zone is not UTC")
	}
}

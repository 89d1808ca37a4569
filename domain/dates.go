package domain

import (
	"strings"
	"time"
)

// One meaning for dates in every adapter (the CLI's --until, the console's
// Until field, the CSV import's Until column, a review's due date): a day
// means that day in the organization's time zone, and an end date means
// "through the end of that day". Ends are stored as the midnight that
// starts the next day and shown as "through YYYY-MM-DD".

// DateLayout is how days are typed and shown.
const DateLayout = "2006-01-02"

// Zone is the organization's time zone: where its days begin and end. An
// unknown or empty zone is UTC (the store refuses unknown zones on save).
func (o *Organization) Zone() *time.Location {
	if o == nil || strings.TrimSpace(o.TimeZone) == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ParseDay reads YYYY-MM-DD as the start of that day in loc. field names
// what was typed ("--since", "start"); "" is the zero time.
func ParseDay(field, s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(DateLayout, s, loc)
	if err != nil {
		return time.Time{}, Errorf(EInvalid, "%s %q: expected a date as YYYY-MM-DD, such as 2026-12-31", field, s)
	}
	return d, nil
}

// ParseFrom reads a start date: access starts at the beginning of that
// day in loc (the counterpart of ParseThrough, kept apart so that both
// meanings stay in this file). "" is the zero time: at once.
func ParseFrom(field, s string, loc *time.Location) (time.Time, error) {
	return ParseDay(field, s, loc)
}

// ParseThrough reads an end date: access (or a campaign) lasts through the
// end of that day in loc, so the instant returned is the next midnight
// there. Today is allowed; a day already over at now is refused, naming
// field ("--until", "Until", "due"). A zero now skips that check (the
// store checks at save time). "" is the zero time: no end.
func ParseThrough(field, s string, loc *time.Location, now time.Time) (time.Time, error) {
	d, err := ParseDay(field, s, loc)
	if err != nil || d.IsZero() {
		return time.Time{}, err
	}
	end := d.AddDate(0, 0, 1)
	if !now.IsZero() && !end.After(now) {
		return time.Time{}, Errorf(EInvalid, "%s %s is in the past: it would end at once (today or later, YYYY-MM-DD)", field, strings.TrimSpace(s))
	}
	return end, nil
}

// Through shows an end: "through 2026-12-31" for one made by ParseThrough
// (a midnight in loc), else "until 2026-12-31 14:00" (an approved request's
// hours end at a time of day). The zero time is "".
func Through(end time.Time, loc *time.Location) string {
	if end.IsZero() {
		return ""
	}
	t := end.In(loc)
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return "through " + t.AddDate(0, 0, -1).Format(DateLayout)
	}
	return "until " + t.Format(StampLayout)
}

// LastDay is Through for a table column titled "Through": the last day
// ("2026-12-31"), or the instant an end at a time of day comes.
func LastDay(end time.Time, loc *time.Location) string {
	s := Through(end, loc)
	if d, ok := strings.CutPrefix(s, "through "); ok {
		return d
	}
	return strings.TrimPrefix(s, "until ")
}

// StampLayout is how instants are shown to people.
const StampLayout = "2006-01-02 15:04"

// Stamp shows an instant in loc; "" for the zero time.
func Stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(StampLayout)
}

// Day shows the day an instant falls on in loc; "" for the zero time.
func Day(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(DateLayout)
}

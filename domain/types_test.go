package domain_test

import (
	"strings"
	"testing"
	"time"

	. "gatehouse/domain"
)

func TestTicketNumbers(t *testing.T) {
	o := Organization{TicketPrefix: "HD"}
	if got := o.FormatTicket(123); got != "HD-000123" {
		t.Errorf("FormatTicket = %q", got)
	}
	for _, in := range []string{"T-000123", "t-123", "123", " HD-123 "} {
		if n, err := ParseTicketNumber(in); err != nil || n != 123 {
			t.Errorf("ParseTicketNumber(%q) = %d, %v", in, n, err)
		}
	}
	for _, in := range []string{"", "T-", "T-0", "abc", "T-12x", "-"} {
		_, err := ParseTicketNumber(in)
		wantErrContains(t, err, EInvalid, "expected a number such as T-000123")
	}
}

func TestStatuses(t *testing.T) {
	for _, st := range AllStatuses {
		back, ok := ParseStatus(st.String())
		if !ok || back != st {
			t.Errorf("ParseStatus(%s) = %v, %v", st, back, ok)
		}
		if st.Open() != (st != StatusClosed) {
			t.Errorf("%s.Open() = %v", st, st.Open())
		}
	}
	for _, in := range []string{"In Progress", "in-progress", "INPROGRESS"} {
		if st, ok := ParseStatus(in); !ok || st != StatusInProgress {
			t.Errorf("ParseStatus(%q) = %v, %v", in, st, ok)
		}
	}
	if _, ok := ParseStatus("open"); ok {
		t.Errorf(`"open" parsed as a status`)
	}
}

func TestUserName(t *testing.T) {
	if n := (&User{Username: "jdoe"}).Name(); n != "jdoe" {
		t.Errorf("Name without first/last = %q", n)
	}
	if n := (&User{Username: "jdoe", First: "Jane", Last: "Doe"}).Name(); n != "Jane Doe" {
		t.Errorf("Name = %q", n)
	}
	if n := (&User{Username: "jdoe", Last: "Doe"}).Name(); n != "Doe" {
		t.Errorf("Name with last only = %q", n)
	}
}

func TestScheduledTaskAdvance(t *testing.T) {
	start := time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		every    Recurrence
		interval int
		want     time.Time
	}{
		{Daily, 0, start.AddDate(0, 0, 1)},
		{Daily, 3, start.AddDate(0, 0, 3)},
		{Weekly, 2, start.AddDate(0, 0, 14)},
		{Monthly, 1, start.AddDate(0, 1, 0)},
		{Yearly, 1, start.AddDate(1, 0, 0)},
	}
	for _, c := range cases {
		if got := (ScheduledTask{Every: c.every, Interval: c.interval}).Advance(start); !got.Equal(c.want) {
			t.Errorf("%s every %d: %v, want %v", c.every, c.interval, got, c.want)
		}
	}
}

func TestValidators(t *testing.T) {
	good := map[string]func(string) error{
		"Technicians":       func(s string) error { return ValidateName("group name", s) },
		"j.doe-2@district":  ValidateUsername,
		"":                  ValidateEmail,
		"jane@example.org":  ValidateEmail,
		"hank@localhost":    ValidateEmail, // a relay on the same host
		"help@mailhost":     ValidateEmail,
		"https://x.example": ValidateURL,
	}
	for in, f := range good {
		wantOK(t, f(in))
	}
	bad := []struct {
		in   string
		f    func(string) error
		want string
	}{
		{"", func(s string) error { return ValidateName("group name", s) }, "group name is required"},
		{" Techs", func(s string) error { return ValidateName("group name", s) }, "leading or trailing spaces"},
		{"a\tb", func(s string) error { return ValidateName("group name", s) }, "control character"},
		{string(make([]byte, 81)), func(s string) error { return ValidateName("team name", s) }, "team name"},
		{"", ValidateUsername, "username is required"},
		{"jane doe", ValidateUsername, "only letters, digits"},
		{"Jane <jane@example.org>", ValidateEmail, "not a valid address"},
		{"<jane@example.org>", ValidateEmail, "not a valid address"},
		{"jane", ValidateEmail, "not a valid address"},
		{"jane@", ValidateEmail, "not a valid address"},
		{"jane@a..b", ValidateEmail, "not a valid address"},
		{"jane@" + strings.Repeat("a", 250) + ".org", ValidateEmail, "not a valid address"},
		{"javascript:alert(1)", ValidateURL, "must start with http:// or https://"},
		{"ftp://example.org", ValidateURL, "must start with http:// or https://"},
		{"https://", ValidateURL, "name a host"},
	}
	for _, c := range bad {
		wantErrContains(t, c.f(c.in), EInvalid, c.want)
	}
}

func TestGroupNotifyValidation(t *testing.T) {
	g := grp(techID, "Technicians")
	g.Notify = Notify{Overdue: true}
	wantErrContains(t, ValidateGroup(g), EInvalid, "days until overdue")
	g.Notify = Notify{Overdue: true, OverdueDays: 3, SecondAfter: -1}
	wantErrContains(t, ValidateGroup(g), EInvalid, "cannot be negative")
	g.Notify = Notify{Overdue: true, OverdueDays: 3, SecondAfter: 2, ThirdAfter: 2}
	wantOK(t, ValidateGroup(g))
	g.TaskStates = []Status{Status(9)}
	wantErrContains(t, ValidateGroup(g), EInvalid, "unknown task state 9")
}

func TestErrorCodes(t *testing.T) {
	if ErrorCode(nil) != "" {
		t.Errorf("ErrorCode(nil) = %q", ErrorCode(nil))
	}
	if ErrorCode(errPlain("disk full")) != EInternal {
		t.Errorf("a non-domain error is not internal")
	}
	w := Errorf(EWarning, "group %s elevates", "X")
	if !IsWarning(w) || IsWarning(Errorf(EForbidden, "no")) || w.Error() != "group X elevates" {
		t.Errorf("warning handling: %v", w)
	}
}

type errPlain string

func (e errPlain) Error() string { return string(e) }

// One rule for every email address: a user's and the From of the mail
// settings accept and refuse the same addresses, a dotless domain such as
// localhost (a relay on the same host) included.
func TestEmail_UsersAndTheFromAddressShareOneRule(t *testing.T) {
	for _, addr := range []string{"hank@localhost", "helpdesk@school.example", "<helpdesk@school.example>",
		"Help Desk <helpdesk@school.example>", "helpdesk", "help desk@school.example", "helpdesk@school..example"} {
		userErr := ValidateEmail(addr)
		_, fromErr := MailChange{From: &addr}.Apply(MailSettings{})
		if (userErr == nil) != (fromErr == nil) {
			t.Errorf("%q: as a user's email %v, as From %v", addr, userErr, fromErr)
		}
		if (userErr == nil) != (addr == "hank@localhost" || addr == "helpdesk@school.example") {
			t.Errorf("%q: %v", addr, userErr)
		}
	}
}

package store_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode"

	"gatehouse/domain"
)

// hostileSequences are the terminal instructions a stored value could carry:
// each must be refused wherever text enters the store.
var hostileSequences = map[string]string{
	"ESC": "\x1b",
	"CSI": "\x1b[2J",
	"OSC": "\x1b]0;pwned\x07",
	"CR":  "\r",
	"BEL": "\x07",
	"DEL": "\x7f",
	"C1":  "\u009b",
	// bidirectional controls: an override or an isolate reorders what
	// follows on a terminal that lays out right-to-left text
	"RLO": "\u202e",
	"LRE": "\u202a",
	"RLI": "\u2067",
	"PDI": "\u2069",
	"RLM": "\u200f",
}

// rawControlRune is what a terminal would act on in a message.
func rawControlRune(r rune) bool { return unicode.IsControl(r) || domain.BidiControl(r) }

// TestHostileTextRefusedAtEveryStorePath sends every kind of control
// sequence through every store method that stores text, and wants a clear
// "invalid" error that names the field and shows the character escaped
// (the message itself carries no raw control character).
func TestHostileTextRefusedAtEveryStorePath(t *testing.T) {
	d := newDistrict(t)
	a := d.admin
	teams, err := a.Teams(t.Context(), "")
	must(t, err)
	if len(teams) == 0 {
		t.Fatal("no teams")
	}
	global := teams[0].ID
	must(t, a.Assign(t.Context(), d.west, "tech", ""))
	n := 0
	uniq := func() string { n++; return strconv.Itoa(n) }
	paths := []struct {
		name, field string
		write       func(v string) error
	}{
		{"user first", "first name", func(v string) error {
			_, err := a.CreateUser(t.Context(), domain.User{Username: "u" + uniq(), First: v})
			return err
		}},
		{"user last", "last name", func(v string) error {
			_, err := a.CreateUser(t.Context(), domain.User{Username: "u" + uniq(), Last: v})
			return err
		}},
		{"user phone", "phone", func(v string) error {
			_, err := a.CreateUser(t.Context(), domain.User{Username: "u" + uniq(), Phone: v})
			return err
		}},
		{"user email", "email", func(v string) error {
			_, err := a.CreateUser(t.Context(), domain.User{Username: "u" + uniq(), Email: "a" + v + "@example.org"})
			return err
		}},
		{"user update", "first name", func(v string) error {
			u, err := a.User(t.Context(), "staff")
			if err != nil {
				return err
			}
			u.User.First = v
			_, err = a.UpdateUser(t.Context(), u.User.ID, wholeUser(u.User))
			return err
		}},
		{"group name", "group name", func(v string) error {
			_, err := a.CreateGroup(t.Context(), domain.Group{Name: v}, true)
			return err
		}},
		{"group description", "group description", func(v string) error {
			_, err := a.CreateGroup(t.Context(), domain.Group{Name: "G" + uniq(), Description: v}, true)
			return err
		}},
		{"team name", "team name", func(v string) error {
			_, err := a.CreateTeam(t.Context(), domain.Team{Name: v})
			return err
		}},
		{"team description", "team description", func(v string) error {
			_, err := a.CreateTeam(t.Context(), domain.Team{Name: "T" + uniq(), Description: v})
			return err
		}},
		{"building code", "building code", func(v string) error {
			_, err := a.CreateBuilding(t.Context(), domain.Building{Code: v, Name: "B"})
			return err
		}},
		{"building name", "building name", func(v string) error {
			_, err := a.CreateBuilding(t.Context(), domain.Building{Code: "B" + uniq(), Name: v})
			return err
		}},
		{"building region", "region", func(v string) error {
			_, err := a.CreateBuilding(t.Context(), domain.Building{Code: "B" + uniq(), Name: "B", Region: v})
			return err
		}},
		{"building room", "room", func(v string) error {
			_, err := a.CreateBuilding(t.Context(), domain.Building{Code: "B" + uniq(), Name: "B", Rooms: []string{v}})
			return err
		}},
		{"ticket title", "title", func(v string) error {
			_, err := a.CreateTicket(t.Context(), domain.NewTicket{Title: v, Building: "WEST"})
			return err
		}},
		{"ticket room", "room", func(v string) error {
			_, err := a.CreateTicket(t.Context(), domain.NewTicket{Title: "t", Building: "WEST", Room: v})
			return err
		}},
		{"ticket description", "description", func(v string) error {
			_, err := a.CreateTicket(t.Context(), domain.NewTicket{Title: "t", Building: "WEST", Description: v})
			return err
		}},
		{"ticket edit title", "title", func(v string) error {
			return a.EditTicket(t.Context(), d.west, domain.TicketChange{Title: &v})
		}},
		{"ticket comment", "comment", func(v string) error { return a.Assign(t.Context(), d.east, "tech", v) }},
		{"work report", "work report text", func(v string) error {
			_, err := a.AddWork(t.Context(), d.west, 5, v)
			return err
		}},
		{"thread title", "thread title", func(v string) error {
			_, err := a.StartThread(t.Context(), d.west, v, "")
			return err
		}},
		{"message", "message", func(v string) error {
			_, err := a.StartThread(t.Context(), d.west, "ok", v)
			return err
		}},
		{"attachment name", "attachment name", func(v string) error {
			_, err := a.Attach(t.Context(), d.west, "a"+v+".txt", []byte("x"))
			return err
		}},
		{"notice title", "notice title", func(v string) error {
			_, err := a.CreateNotice(t.Context(), domain.Notice{Title: v, Start: epoch, End: epoch, Teams: []domain.ID{global}})
			return err
		}},
		{"notice url title", "URL title", func(v string) error {
			_, err := a.CreateNotice(t.Context(), domain.Notice{Title: "n", URLTitle: v, URL: "https://example.org", Start: epoch, End: epoch, Teams: []domain.ID{global}})
			return err
		}},
		{"notice description", "notice description", func(v string) error {
			_, err := a.CreateNotice(t.Context(), domain.Notice{Title: "n", Description: v, Start: epoch, End: epoch, Teams: []domain.ID{global}})
			return err
		}},
		{"schedule title", "task title", func(v string) error {
			_, err := a.CreateSchedule(t.Context(), domain.ScheduledTask{Title: v, Building: d.eastB.ID, Every: domain.Daily, Interval: 1, NextRun: epoch})
			return err
		}},
		{"schedule description", "task description", func(v string) error {
			_, err := a.CreateSchedule(t.Context(), domain.ScheduledTask{Title: "s", Description: v, Building: d.eastB.ID, Every: domain.Daily, Interval: 1, NextRun: epoch})
			return err
		}},
		{"saved query name", "query name", func(v string) error {
			_, err := a.SaveQuery(t.Context(), v, "status:open", "")
			return err
		}},
		{"organization name", "organization name", func(v string) error {
			var p domain.OrgPatch
			_, err := a.UpdateOrganization(t.Context(), *p.SetName(v))
			return err
		}},
		{"problem type", "problem type", func(v string) error {
			o, err := a.Organization(t.Context())
			if err != nil {
				return err
			}
			var p domain.OrgPatch
			_, err = a.UpdateOrganization(t.Context(), *p.SetProblemTypes(append(o.ProblemTypes, domain.ProblemType{Name: v})))
			return err
		}},
		{"membership reason", "reason", func(v string) error { return a.Join(t.Context(), "tech", "Users", epoch.AddDate(1, 0, 0), v) }},
		{"terminate reason", "reason", func(v string) error {
			_, err := a.Terminate(t.Context(), "nogroup", v, "")
			return err
		}},
		{"key comment", "key comment", func(v string) error {
			return a.AddKey(t.Context(), "staff", domain.SSHKey{Fingerprint: "SHA256:" + uniq(), Key: "ssh-ed25519 AAAA", Comment: v})
		}},
	}
	for _, p := range paths {
		for kind, seq := range hostileSequences {
			err := p.write("Evil" + seq + "Value")
			switch {
			case err == nil:
				t.Errorf("%s with %s: stored, want refused", p.name, kind)
			case domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), p.field):
				t.Errorf("%s with %s: %v, want an invalid error naming %q", p.name, kind, err, p.field)
			case strings.IndexFunc(err.Error(), rawControlRune) >= 0:
				t.Errorf("%s with %s: the error carries a raw control character: %q", p.name, kind, err.Error())
			}
		}
	}
	// multi-line text keeps its newlines and tabs
	if _, err := a.AddWork(t.Context(), d.west, 5, "line one\n\tline two"); err != nil {
		t.Errorf("a work report with a newline and a tab: %v", err)
	}
}

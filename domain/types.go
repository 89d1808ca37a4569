package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ID identifies a stored record; it comes from a bbolt sequence and is never
// shown to people, who see names, codes and ticket numbers instead.
type ID = uint64

// Kind separates standard from restricted users and groups (R3).
type Kind uint8

const (
	KindStandard Kind = iota
	KindRestricted
)

func (k Kind) String() string {
	if k == KindRestricted {
		return "restricted"
	}
	return "standard"
}

// Names of the built-in groups and team.
const (
	GroupUsers           = "Users"
	GroupRestrictedUsers = "RestrictedUsers"
	TeamGlobal           = "Global"
)

// Organization holds the settings of the one helpdesk in the file.
type Organization struct {
	Rev
	Name             string            `json:"name"`
	TimeZone         string            `json:"time_zone"`
	TicketPrefix     string            `json:"ticket_prefix"`
	NextTicket       TicketNumber      `json:"next_ticket"`
	Priorities       []string          `json:"priorities"`
	ProblemTypes     []ProblemType     `json:"problem_types"`
	RecordVisibility bool              `json:"record_visibility"`
	OverdueDays      int               `json:"overdue_days"`
	Extra            map[string]string `json:"extra,omitempty"`
}

// ProblemType is a category of ticket with its common problems.
type ProblemType struct {
	Name           string   `json:"name"`
	CommonProblems []string `json:"common_problems,omitempty"`
}

// TicketNumber is a ticket's number as people see it (T-000123), a type of
// its own so it cannot be mixed up with an entity ID.
type TicketNumber uint64

// FormatTicket renders a ticket number with the organization's prefix: T-000123.
func (o Organization) FormatTicket(n TicketNumber) string {
	p := o.TicketPrefix
	if p == "" {
		p = "T"
	}
	return fmt.Sprintf("%s-%06d", p, n)
}

// ParseTicketNumber accepts "T-000123", "t-123" or "123".
func ParseTicketNumber(s string) (TicketNumber, error) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		s = s[i+1:]
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, Errorf(EInvalid, "ticket number %q: expected a number such as T-000123 or 123", s)
	}
	return TicketNumber(n), nil
}

// Notification events a group can subscribe to (TroubleTrakkerPRO).
type Event string

const (
	EventNew        Event = "new"
	EventAssigned   Event = "assigned"
	EventWorkReport Event = "work_report"
	EventClosed     Event = "closed"
	EventReassigned Event = "reassigned"
	EventOverdue    Event = "overdue"
	// EventAlert comes from a ticket's own alert settings, not a group's list.
	EventAlert Event = "alert"
	// EventAccessRequest tells of an access request and its decision (R18);
	// it concerns no ticket.
	EventAccessRequest Event = "access_request"
	// EventReview tells of a review campaign: started, or closed at its
	// due date (R19).
	EventReview Event = "review"
	// EventReassignRequest: the assignee asks for someone else to take the
	// ticket (TroubleTrakkerPRO); groups subscribe to it like the others.
	EventReassignRequest Event = "reassign_request"
)

// AllEvents in display order.
var AllEvents = []Event{EventNew, EventAssigned, EventWorkReport, EventClosed, EventReassigned, EventOverdue, EventReassignRequest}

// ParseEvents reads a comma-separated list of event names ("new,closed")
// as one of AllEvents each, in AllEvents order without repeats; an unknown
// name is refused naming it and the valid ones.
func ParseEvents(list string) ([]Event, error) {
	seen := map[Event]bool{}
	for _, f := range strings.Split(list, ",") {
		name := Event(strings.ToLower(strings.TrimSpace(f)))
		if name == "" {
			continue
		}
		if !slices.Contains(AllEvents, name) {
			return nil, Errorf(EInvalid, "event %q: expected one of %s", string(name), eventNames())
		}
		seen[name] = true
	}
	var out []Event
	for _, e := range AllEvents {
		if seen[e] {
			out = append(out, e)
		}
	}
	return out, nil
}

// ValidateMuted accepts only AllEvents, each once: the events a group can
// subscribe a user to are the only ones a user can opt out of.
func ValidateMuted(muted []Event) error {
	seen := map[Event]bool{}
	for _, e := range muted {
		if !slices.Contains(AllEvents, e) {
			return Errorf(EInvalid, "muted event %q: expected one of %s", string(e), eventNames())
		}
		if seen[e] {
			return Errorf(EInvalid, "muted event %q is listed twice", string(e))
		}
		seen[e] = true
	}
	return nil
}

func eventNames() string {
	names := make([]string, len(AllEvents))
	for i, e := range AllEvents {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

// Notify holds a group's notification preferences.
type Notify struct {
	Events      []Event `json:"events,omitempty"`
	TextOnly    bool    `json:"text_only,omitempty"`  // email format Text only; otherwise HTML+Text
	Unassigned  string  `json:"unassigned,omitempty"` // "notify" (default) or "ignore"
	Overdue     bool    `json:"overdue,omitempty"`
	OverdueDays int     `json:"overdue_days,omitempty"`
	SecondAfter int     `json:"second_after,omitempty"` // days after the first notice
	ThirdAfter  int     `json:"third_after,omitempty"`  // days after the second notice
}

// Group is a set of privileges that users join.
type Group struct {
	Rev
	ID            ID           `json:"id"`
	Name          string       `json:"name"`
	Description   string       `json:"description,omitempty"`
	Kind          Kind         `json:"kind"`
	BuiltIn       bool         `json:"built_in,omitempty"`
	Base          bool         `json:"base,omitempty"` // the implicit Users / RestrictedUsers group (R1)
	Flags         FlagSet      `json:"-"`
	Levels        ModuleLevels `json:"-"`
	TaskStates    []Status     `json:"task_states,omitempty"`
	BuildingAdmin bool         `json:"building_admin,omitempty"`
	Fields        FieldRules   `json:"fields,omitzero"` // the ticket fields it withholds from its members, per right
	Notify        Notify       `json:"notify"`
	// RequestHours > 0 makes the group requestable: a user may ask for a
	// membership of at most this many hours, which someone else approves
	// (R18).
	RequestHours int `json:"request_hours,omitempty"`
	// ReviewDays > 0 starts a review campaign of the group by itself every
	// so many days, with ReviewBy as reviewer and ReviewOnMiss at its due
	// date, ReviewDays later (R19).
	ReviewDays   int    `json:"review_days,omitempty"`
	ReviewBy     ID     `json:"review_by,omitempty"`
	ReviewOnMiss OnMiss `json:"review_on_miss,omitempty"`
	// ReviewSetBy is who last set the review interval, its reviewer or its
	// on-miss action, recorded by the store at that save: the campaigns
	// the interval starts act with their authority (R19). 0 without an
	// interval, or for one set before it was recorded.
	ReviewSetBy ID `json:"review_set_by,omitempty"`
}

// Elevates reports whether the group makes its members full administrators (R4).
func (g *Group) Elevates() bool {
	for m := Module(0); m < NumModules; m++ {
		if m.Info().Elevates && g.Levels[m] >= LevelEdit {
			return true
		}
	}
	return false
}

// UserStatus is active or deactivated.
type UserStatus uint8

const (
	StatusActive UserStatus = iota
	StatusDeactivated
)

func (s UserStatus) String() string {
	if s == StatusDeactivated {
		return "deactivated"
	}
	return "active"
}

// SSHKey is an authorized public key (authorized_keys form).
type SSHKey struct {
	Fingerprint string    `json:"fingerprint"`
	Key         string    `json:"key"`
	Comment     string    `json:"comment,omitempty"`
	Added       time.Time `json:"added"`
}

// User is a person who may log in.
type User struct {
	Rev
	ID          ID         `json:"id"`
	Username    string     `json:"username"`
	First       string     `json:"first,omitempty"`
	Last        string     `json:"last,omitempty"`
	Email       string     `json:"email,omitempty"`
	Phone       string     `json:"phone,omitempty"`
	Kind        Kind       `json:"kind"`
	Status      UserStatus `json:"status"`
	Superuser   bool       `json:"superuser,omitempty"`
	ReportsTo   ID         `json:"reports_to,omitempty"`
	Buildings   []ID       `json:"buildings,omitempty"`
	Regions     []string   `json:"regions,omitempty"`
	StartScreen string     `json:"start_screen,omitempty"`
	// Muted are the events this user opted out of (IndusTrack's per-user
	// notification settings): their groups' subscriptions to these events
	// send them nothing. Other group members are still told.
	Muted []Event `json:"muted,omitempty"`
	// MustChange: the password is temporary (imported, or set by someone
	// else) and must be replaced at the next password login. The hash
	// itself stays in the store and never travels on a User.
	MustChange bool      `json:"must_change,omitempty"`
	Keys       []SSHKey  `json:"keys,omitempty"`
	Created    time.Time `json:"created"`
	Terminated string    `json:"terminated,omitempty"` // off-boarding reason (R14)
}

// Name is "First Last", or the username when both are empty.
func (u *User) Name() string {
	n := strings.TrimSpace(u.First + " " + u.Last)
	if n == "" {
		return u.Username
	}
	return n
}

// StartScreens are the screens a user may open on (IndusTrack's "Default
// Login Screen"); the console shows one only when the user may open it.
var StartScreens = []string{"home", "tickets", "groups", "users", "teams", "buildings", "review", "audit", "settings"}

// ValidateStartScreen accepts "" (the default) or one of StartScreens.
func ValidateStartScreen(s string) error {
	if s == "" {
		return nil
	}
	for _, x := range StartScreens {
		if x == s {
			return nil
		}
	}
	return Errorf(EInvalid, "start screen %q: use one of %s", s, strings.Join(StartScreens, ", "))
}

// Membership puts a user in a group, possibly until an expiry (R13).
type Membership struct {
	UserID    ID        `json:"user_id"`
	GroupID   ID        `json:"group_id"`
	GrantedBy ID        `json:"granted_by"`
	GrantedAt time.Time `json:"granted_at"`
	Reason    string    `json:"reason,omitempty"`
	Until     time.Time `json:"until,omitzero"` // zero: no expiry
	// From is when a temporary membership starts (TrackTik's start and end
	// dates); zero: at once. Before it the membership grants nothing.
	From time.Time `json:"from,omitzero"`
}

// Active reports whether the membership grants anything at now: it has
// started (From) and not yet ended (Until).
func (m Membership) Active(now time.Time) bool { return !m.Pending(now) && !m.Ended(now) }

// Pending reports whether the membership starts after now.
func (m Membership) Pending(now time.Time) bool { return !m.From.IsZero() && now.Before(m.From) }

// Ended reports whether the membership's Until has passed at now.
func (m Membership) Ended(now time.Time) bool { return !m.Until.IsZero() && !now.Before(m.Until) }

// TeamType is global, standard or private (ProTracker).
type TeamType uint8

const (
	TeamStandard TeamType = iota
	TeamGlobalType
	TeamPrivate
)

func (t TeamType) String() string {
	switch t {
	case TeamGlobalType:
		return "global"
	case TeamPrivate:
		return "private"
	}
	return "standard"
}

// Team groups users for record visibility.
type Team struct {
	Rev
	ID          ID       `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Type        TeamType `json:"type"`
	Owner       ID       `json:"owner,omitempty"` // the user of a private team
	Suppressed  bool     `json:"suppressed,omitempty"`
}

// TeamMember is a resolved member of a team: explicit, or implicit through
// reports-to (R10).
type TeamMember struct {
	User     User
	Implicit bool
	Via      string // the subordinate whose membership makes this one implicit
}

// Label is how lists show the membership kind.
func (m TeamMember) Label() string {
	if m.Implicit {
		return "Member (reports-to)"
	}
	return "Member"
}

// AutoAssign sends new tickets of a problem type in a building to a technician.
type AutoAssign struct {
	ProblemType string `json:"problem_type"`
	Tech        ID     `json:"tech"`
}

// Building is a site with rooms.
type Building struct {
	Rev
	ID     ID           `json:"id"`
	Code   string       `json:"code"`
	Name   string       `json:"name"`
	Region string       `json:"region,omitempty"`
	Rooms  []string     `json:"rooms,omitempty"`
	Rules  []AutoAssign `json:"rules,omitempty"`
}

// Status is a ticket's workflow state.
type Status uint8

const (
	StatusNew Status = iota + 1
	StatusAssigned
	StatusInProgress
	StatusClosed
	StatusReopened
)

var statusNames = map[Status]string{StatusNew: "new", StatusAssigned: "assigned",
	StatusInProgress: "in_progress", StatusClosed: "closed", StatusReopened: "reopened"}

// AllStatuses in workflow order.
var AllStatuses = []Status{StatusNew, StatusAssigned, StatusInProgress, StatusClosed, StatusReopened}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "?"
}

// Open is true for every state but closed.
func (s Status) Open() bool { return s != StatusClosed }

// ParseStatus reads a status name; "open" is not a status (filters handle it).
func ParseStatus(s string) (Status, bool) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	if s == "inprogress" || s == "in progress" {
		s = "in_progress"
	}
	for st, n := range statusNames {
		if n == s {
			return st, true
		}
	}
	return 0, false
}

// Ticket is a reported problem.
type Ticket struct {
	Rev
	ID            ID
	Number        TicketNumber
	Title         string
	Description   string
	ProblemType   string
	CommonProblem string
	Priority      string
	Status        Status
	Reporter      ID
	Assignee      ID
	Building      ID
	Room          string
	Teams         []ID
	VisibleTo     []ID         // groups (record visibility)
	Parent        TicketNumber // the ticket this one was cloned from
	Created       time.Time
	Updated       time.Time
	Closed        time.Time
}

// WorkReport records work done on a ticket.
type WorkReport struct {
	ID      ID        `json:"id"`
	Ticket  ID        `json:"ticket"`
	Author  ID        `json:"author"`
	Minutes int       `json:"minutes"`
	Text    string    `json:"text"`
	Created time.Time `json:"created"`
	Edited  time.Time `json:"edited,omitzero"`
}

// HistoryEntry is one change to a ticket.
type HistoryEntry struct {
	Ticket  ID        `json:"ticket"`
	At      time.Time `json:"at"`
	Actor   ID        `json:"actor"`
	Action  string    `json:"action"`
	Detail  string    `json:"detail,omitempty"`
	Comment string    `json:"comment,omitempty"`
}

// Notice is a team notice shown between its dates (R16).
type Notice struct {
	Rev
	ID          ID        `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	URLTitle    string    `json:"url_title,omitempty"`
	URL         string    `json:"url,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Teams       []ID      `json:"teams"`
	Visible     bool      `json:"visible"`
}

// Recurrence units for scheduled tasks.
type Recurrence string

const (
	Daily   Recurrence = "daily"
	Weekly  Recurrence = "weekly"
	Monthly Recurrence = "monthly"
	Yearly  Recurrence = "yearly"
)

// ScheduledTask creates a ticket on a recurring schedule.
type ScheduledTask struct {
	Rev
	ID          ID         `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Building    ID         `json:"building"`
	ProblemType string     `json:"problem_type,omitempty"`
	Priority    string     `json:"priority,omitempty"`
	Every       Recurrence `json:"every"`
	Interval    int        `json:"interval"`
	NextRun     time.Time  `json:"next_run"`
	Enabled     bool       `json:"enabled"`
}

// Advance returns the run after t.
func (s ScheduledTask) Advance(t time.Time) time.Time {
	n := s.Interval
	if n < 1 {
		n = 1
	}
	switch s.Every {
	case Weekly:
		return t.AddDate(0, 0, 7*n)
	case Monthly:
		return t.AddDate(0, n, 0)
	case Yearly:
		return t.AddDate(n, 0, 0)
	}
	return t.AddDate(0, 0, n)
}

// AuditEvent records one mutation; every write stores one in its transaction.
type AuditEvent struct {
	ID        ID        `json:"id"`
	At        time.Time `json:"at"`
	Actor     ID        `json:"actor"`
	ActorName string    `json:"actor_name"` // kept so the trail reads after a user is deleted
	Entity    string    `json:"entity"`     // "group", "user", "ticket", …
	EntityID  ID        `json:"entity_id"`
	Name      string    `json:"name"` // what people call the entity: username, T-000123, …
	Action    string    `json:"action"`
	Before    string    `json:"before,omitempty"`
	After     string    `json:"after,omitempty"`
	// Changes are an update's changed fields with their before and after
	// values; events written before versions existed have only the
	// summaries above.
	Changes []FieldChange `json:"changes,omitempty"`
}

// DefaultOrganization is what a new file starts with.
func DefaultOrganization() Organization {
	return Organization{
		Name: "gatehouse", TimeZone: "UTC", TicketPrefix: "T", NextTicket: 1,
		Priorities: []string{"Low", "Normal", "High", "Urgent"},
		ProblemTypes: []ProblemType{
			{Name: "Hardware", CommonProblems: []string{"Printer jam", "No power", "Broken screen"}},
			{Name: "Software", CommonProblems: []string{"Won't start", "License"}},
			{Name: "Network", CommonProblems: []string{"No Wi-Fi", "Slow"}},
			{Name: "Account", CommonProblems: []string{"Password reset"}},
		},
		OverdueDays: 3,
	}
}

// HasPriority reports whether p is one of the organization's priorities.
func (o Organization) HasPriority(p string) (string, bool) {
	for _, x := range o.Priorities {
		if strings.EqualFold(x, p) {
			return x, true
		}
	}
	return "", false
}

// ProblemTypeNamed finds a problem type case-insensitively.
func (o Organization) ProblemTypeNamed(name string) (ProblemType, bool) {
	for _, x := range o.ProblemTypes {
		if strings.EqualFold(x.Name, name) {
			return x, true
		}
	}
	return ProblemType{}, false
}

// ChangeText is what an event changed in one line: its changed fields
// ("priority: Normal → High; flags: +ticket.close"), or for events written
// before versions existed, and for creations and deletions, its summaries.
func (e AuditEvent) ChangeText() string {
	if len(e.Changes) > 0 {
		parts := make([]string, len(e.Changes))
		for i, c := range e.Changes {
			parts[i] = c.String()
		}
		return strings.Join(parts, "; ")
	}
	switch {
	case e.Before != "" && e.After != "":
		return e.Before + " → " + e.After
	case e.After != "":
		return e.After
	case e.Before != "":
		return "was " + e.Before
	}
	return ""
}

package domain

import (
	"context"
	"time"
)

// Service is everything a person can do, bound to the acting user. The
// store implements it and enforces authorization on that user for every
// call; the console, the CLI and the SSH server only call it. Names are what
// people type: group and team names (case-insensitive), usernames, building
// codes, ticket numbers.
type Service interface {
	// Actor is the acting user; Access their effective access now.
	Actor() User
	Access() Access

	Organization() (Organization, error)
	// UpdateOrganization saves changed settings; each part needs its module:
	// name, time zone, overdue days, record visibility: organization:edit;
	// problem types: reporting:edit; ticket prefix and priorities: appearance:edit.
	UpdateOrganization(o Organization) error

	Groups(search string) ([]GroupInfo, error)
	Group(name string) (GroupInfo, error)
	// CreateGroup and UpdateGroup return an EWarning error for R4 elevation
	// unless confirm is true.
	CreateGroup(g Group, confirm bool) (Group, error)
	UpdateGroup(g Group, confirm bool) (Group, error)
	GrantGroup(name string, grants []Grant, confirm bool) (Group, error)
	RevokeGroup(name string, grants []Grant) (Group, error)
	DeleteGroup(name string) error
	GroupMembers(name string) ([]MemberInfo, error)
	// WhatIf compares access before and after a group change without saving.
	WhatIf(after Group) ([]AccessChange, error)

	Users(q UserQuery) (UserPage, error)
	User(username string) (UserInfo, error)
	Memberships(username string) ([]MemberInfo, error)
	CreateUser(u User) (User, error)
	// UpdateUser saves the user's fields by ID (not memberships or keys).
	UpdateUser(u User) (User, error)
	Join(username, group string, until time.Time, reason string) error
	// Leave ends a membership. When the user stops being a technician it
	// returns the auto-assign rules naming them, and with removeRules removes
	// them in the same transaction (R8).
	Leave(username, group string, removeRules bool) ([]RuleRef, error)
	// Deactivate stops logins; with removeRules it also removes the
	// auto-assign rules naming the user in the same transaction (R8). It
	// returns the rules that name the user.
	Deactivate(username string, removeRules bool) ([]RuleRef, error)
	Activate(username string) error
	// Terminate off-boards in one step (R14); open tickets go to reassignTo,
	// or are unassigned when it is "".
	Terminate(username, reason, reassignTo string) (TerminateReport, error)
	DeleteUser(username string) error
	AddKey(username string, key SSHKey) error
	RemoveKey(username, fingerprint string) error
	// SetPassword sets a password: one's own needs Edit Own User Account
	// and clears the must-change flag; anyone else's needs the rights to
	// change them and sets the flag (changed at their next password login).
	SetPassword(username, password string) error

	Teams(search string) ([]TeamInfo, error)
	Team(name string) (TeamInfo, []TeamMember, error)
	CreateTeam(t Team) (Team, error)
	UpdateTeam(t Team) (Team, error)
	DeleteTeam(name string) error
	AddTeamMember(team, username string) error
	RemoveTeamMember(team, username string) error
	DuplicateTeam(src, newName string) (Team, error)
	SuppressTeam(name string) error
	RepairTeams() ([]string, error)

	Buildings(search string) ([]Building, error)
	Building(code string) (Building, error)
	CreateBuilding(b Building) (Building, error)
	UpdateBuilding(b Building) (Building, error)
	DeleteBuilding(code string) error
	AddRule(code, problemType, tech string) error
	RemoveRule(code, problemType string) error

	Tickets(q TicketQuery) (TicketPage, error)
	Ticket(number uint64) (TicketDetail, error)
	CreateTicket(n NewTicket) (Ticket, error)
	Assign(number uint64, tech, comment string) error
	Reassign(number uint64, tech, comment string) error
	Start(number uint64, comment string) error
	Close(number uint64, comment string) error
	Reopen(number uint64, comment string) error
	DeleteTicket(number uint64) error
	EditTicket(number uint64, e TicketChange) error
	AddWork(number uint64, minutes int, text string) (WorkReport, error)
	EditWork(number uint64, report ID, minutes int, text string) error
	Clone(number uint64) (Ticket, error)
	SetVisibility(number uint64, groups []string) error
	// Bulk applies one action to many tickets (Edit Query Result Set), each
	// in its own transaction, and reports per ticket.
	Bulk(numbers []uint64, a BulkAction) ([]BulkResult, error)

	// SavedQueries are the actor's own and their groups' queue queries.
	SavedQueries() ([]SavedQuery, error)
	// SaveQuery stores a query for the actor, or for a group they are in
	// (Save Group Queries) when group is not "".
	SaveQuery(name, query, group string) (SavedQuery, error)
	DeleteSavedQuery(id ID) error

	// Outbox lists rendered notifications: all for holders of users:view,
	// otherwise the actor's own.
	Outbox(limit int) ([]Message, error)
	OutboxMessage(id ID) (Message, error)

	CollabService
	DataService

	// Subject gathers a user's grants for the engine (users:view, or self).
	Subject(username string) (Subject, error)
	Explain(username string, g Grant, ticket uint64) (Explanation, error)
	Who(g Grant, building string, ticket uint64) ([]WhoRow, error)
	AccessReview(now time.Time) (AccessReview, error)

	Audit(q AuditQuery) ([]AuditEvent, error)

	Notices(search string) ([]Notice, error)
	MyNotices(now time.Time) ([]Notice, error)
	CreateNotice(n Notice) (Notice, error)
	UpdateNotice(n Notice) (Notice, error)
	DeleteNotice(id ID) error

	Schedules() ([]ScheduledTask, error)
	CreateSchedule(t ScheduledTask) (ScheduledTask, error)
	UpdateSchedule(t ScheduledTask) (ScheduledTask, error)
	DeleteSchedule(id ID) error
}

// GroupInfo is a group with what lists show beside it.
type GroupInfo struct {
	Group
	Members int // active explicit members
	Admin   bool
}

// MemberInfo is one membership with names resolved.
type MemberInfo struct {
	Membership
	Username  string
	GroupName string
	GrantedBy string
	Expired   bool
}

// UserQuery pages and filters the user list (R15 search on username and names).
type UserQuery struct {
	Search string
	Offset int
	Limit  int // 0: all
}

// UserPage is one page of users.
type UserPage struct {
	Users []UserInfo
	Total int
}

// UserInfo is a user with resolved names for lists and detail.
type UserInfo struct {
	User
	Groups     []string // active explicit groups; empty shows "—" (R2)
	ReportsTo  string   // username
	Buildings  []string // codes
	Technician bool     // holds Can Be Assignee
	Inactive   string   // why the user cannot log in, or ""
}

// GroupColumn is the Group column of user lists: names, or "—" (R2).
func (u UserInfo) GroupColumn() string {
	if len(u.Groups) == 0 {
		return "—"
	}
	s := u.Groups[0]
	for _, g := range u.Groups[1:] {
		s += ", " + g
	}
	return s
}

// RuleRef names an auto-assign rule.
type RuleRef struct {
	Building    string
	ProblemType string
}

// TerminateReport says what off-boarding changed (R14).
type TerminateReport struct {
	Memberships int
	Rules       []RuleRef
	Reassigned  []uint64
	Unassigned  []uint64
}

// TeamInfo is a team with what lists show.
type TeamInfo struct {
	Team
	Members int // explicit members
	Owner   string
}

// TicketQuery filters the ticket list; every filter is optional.
type TicketQuery struct {
	Status   []Status
	OpenOnly bool
	Building string // code
	Assignee string // username, "me" or "none"
	Priority string
	Team     string
	Overdue  bool
	Text     string // free text in title and description
	Sort     string // SortNewest, SortAge, SortPriority, SortUpdated
	Offset   int
	Limit    int // 0: all
	// Context, when set, cancels a long query: the queue starts one per
	// keystroke and cancels the one before.
	Context context.Context `json:"-"`
}

// TicketPage is one page of visible tickets, newest first.
type TicketPage struct {
	Tickets []TicketRow
	Total   int
}

// TicketRow is a ticket with names resolved for the queue.
type TicketRow struct {
	Ticket
	Label    string // T-000123
	Building string
	Assignee string
	Reporter string
	Overdue  int // overdue level reached: 0 none, 1..3 (first, second, third notice)
}

// TicketDetail is a ticket as the actor may see it: sections they lack the
// privilege for are empty and flagged.
type TicketDetail struct {
	TicketRow
	FieldsHidden  bool // no View Fields: only number, title and status
	History       []HistoryEntry
	HistoryHidden bool
	Work          []WorkReport
	Parent        string
	Children      []string
	CloneHidden   bool
	ReporterEmail string // with View User Information
	AssigneeEmail string
	VisibleTo     []string
	ActorNames    map[ID]string
}

// NewTicket is what reporting needs.
type NewTicket struct {
	Title         string
	Description   string
	Building      string
	Room          string
	ProblemType   string
	CommonProblem string
	Priority      string
	VisibleTo     []string // group names; needs Edit Record Visibility
	Teams         []string
}

// TicketChange edits fields; nil pointers are left as they are.
type TicketChange struct {
	Title       *string
	Description *string
	ProblemType *string
	Priority    *string
	Building    *string
	Room        *string
	Comment     string
}

// WhoRow is one user who holds a privilege, with the reason.
type WhoRow struct {
	Username string
	Name     string
	Reason   string
}

// AccessChange is one user's gain or loss in a what-if.
type AccessChange struct {
	Username string
	Gains    []string
	Losses   []string
}

// AccessReview lists what an access review looks at (R13).
type AccessReview struct {
	Admins      []WhoRow     // superusers and elevated administrators
	Overlapping []UserInfo   // users in several groups
	Expiring    []MemberInfo // memberships ending in the next 14 days
	Inactive    []UserInfo   // deactivated users still holding groups
}

// AuditQuery filters the audit trail.
type AuditQuery struct {
	Actor  string
	Entity string
	Since  time.Time
	Until  time.Time
	Limit  int
}

// BulkAction is one change for many tickets: "assign" (Value: username),
// "close", or "priority" (Value: priority).
type BulkAction struct {
	Kind    string
	Value   string
	Comment string
}

// BulkResult is one ticket's outcome in a bulk action.
type BulkResult struct {
	Number uint64
	Label  string
	Err    error
}

// SavedQuery is a named queue query of a user or a group.
type SavedQuery struct {
	ID      ID     `json:"id"`
	Name    string `json:"name"`
	Query   string `json:"query"`
	Owner   ID     `json:"owner,omitempty"` // user; 0 for a group query
	Group   ID     `json:"group,omitempty"`
	GroupOf string `json:"group_name,omitempty"`
}

package domain

import (
	"context"
	"strings"
	"time"
)

// Service is everything a person can do, bound to the acting user. The
// store implements it and enforces authorization on that user for every
// call; the console, the CLI and the SSH server only call it. Names are what
// people type: group and team names (case-insensitive), usernames, building
// codes, ticket numbers.
//
// Every method takes a context first: the console cancels a query a newer
// keystroke superseded, an SSH disconnect cancels the session's work, and
// the CLI's context ends on SIGINT or SIGTERM. A cancelled call returns
// ctx.Err(); a write cancelled before it commits writes nothing.
//
// Service is the composition of small per-entity interfaces, so code that
// needs only one part (and a second store) can name just that part.
type Service interface {
	AccessService
	OrgService
	GroupService
	UserService
	TeamService
	BuildingService
	TicketService
	OutboxService
	MailService
	CollabService
	MetricsService
	DataService
	NoticeService
	ScheduleService
	GovernanceService
}

// GovernanceService keeps the guards every access-changing save is
// checked against (R17: listing and checking them needs groups:view,
// adding and removing them groups:edit) and the access requests (R18).
type GovernanceService interface {
	Guards(ctx context.Context) ([]Guard, error)
	AddGuard(ctx context.Context, g Guard) (Guard, error)
	RemoveGuard(ctx context.Context, name string) error
	// CheckGuards lists the guards the current state breaks.
	CheckGuards(ctx context.Context) ([]GuardViolation, error)
	// GuardsWhatIf lists the guards saving after would break (the what-if
	// panel shows them before the save is refused).
	GuardsWhatIf(ctx context.Context, after Group) ([]GuardViolation, error)

	// RequestAccess asks, as the acting user, for a membership of a
	// requestable group for hours.
	RequestAccess(ctx context.Context, group string, hours int, reason string) (AccessRequest, error)
	// RequestableGroups are the groups of the acting user's kind anyone may
	// ask for, with their longest duration: what a request form offers.
	RequestableGroups(ctx context.Context) ([]Group, error)
	// AccessRequests lists one's own requests, or every request for those
	// who manage memberships (groups:edit or users:edit).
	AccessRequests(ctx context.Context, pendingOnly bool) ([]AccessRequest, error)
	// DecideRequest approves or denies a pending request; the decider is
	// not the requester and may add them to the group (R12).
	DecideRequest(ctx context.Context, id ID, approve bool, reason string) (AccessRequest, error)

	// StartReview opens a campaign on a group's members (groups:edit); the
	// reviewer must be able to end those memberships (R19).
	StartReview(ctx context.Context, group, reviewer string, due time.Time, onMiss OnMiss) (Review, error)
	// Reviews lists every campaign for holders of groups:view, else the
	// acting user's own as reviewer.
	Reviews(ctx context.Context, openOnly bool) ([]Review, error)
	Review(ctx context.Context, id ID) (Review, error)
	// DecideReview is the reviewer's keep or revoke of one membership.
	DecideReview(ctx context.Context, id ID, username string, d Decision, reason string) (Review, error)

	// AccessAsOf is everyone's effective access at a moment since the
	// file's access history began; AccessDiff each user's net gain and
	// loss between two moments (until zero: now), for one user or the
	// members of one group when named. Both need History and users:view
	// (R20).
	AccessAsOf(ctx context.Context, at time.Time) ([]AccessRow, error)
	AccessDiff(ctx context.Context, since, until time.Time, user, group string) ([]AccessDiffRow, error)
}

// AccessService is who the acting user is and why anyone may do what.
type AccessService interface {
	// Actor is the acting user; Access their effective access now.
	Actor(ctx context.Context) User
	Access(ctx context.Context) Access

	// Subject gathers a user's grants for the engine (users:view, or self).
	Subject(ctx context.Context, username string) (Subject, error)
	Explain(ctx context.Context, username string, g Grant, ticket TicketNumber) (Explanation, error)
	Who(ctx context.Context, g Grant, building string, ticket TicketNumber) ([]WhoRow, error)
	AccessReview(ctx context.Context, now time.Time) (AccessReview, error)

	Audit(ctx context.Context, q AuditQuery) ([]AuditEvent, error)
}

// OrgService reads and changes the organization's settings.
type OrgService interface {
	Organization(ctx context.Context) (Organization, error)
	// UpdateOrganization saves changed settings; each part needs its module:
	// name, time zone, overdue days, record visibility: organization:edit;
	// problem types: reporting:edit; ticket prefix and priorities: appearance:edit.
	// The patch lands on the settings as stored, with UpdateGroup's
	// conflict rules; the ticket counter is not a setting.
	UpdateOrganization(ctx context.Context, p OrgPatch) (Organization, error)
}

// GroupService manages permission groups.
type GroupService interface {
	Groups(ctx context.Context, search string) ([]GroupInfo, error)
	Group(ctx context.Context, name string) (GroupInfo, error)
	// CreateGroup and UpdateGroup return an EWarning error for R4 elevation
	// unless confirm is true.
	CreateGroup(ctx context.Context, g Group, confirm bool) (Group, error)
	// UpdateGroup applies a patch to the group as stored: fields changed
	// since the patch's base by someone else and changed by the patch too
	// are a Conflict (nothing written); the rest lands on top (the returned
	// group's OnTopOf says on what).
	UpdateGroup(ctx context.Context, id ID, p GroupPatch, confirm bool) (Group, error)
	GrantGroup(ctx context.Context, name string, grants []Grant, confirm bool) (Group, error)
	RevokeGroup(ctx context.Context, name string, grants []Grant) (Group, error)
	DeleteGroup(ctx context.Context, name string) error
	GroupMembers(ctx context.Context, name string) ([]MemberInfo, error)
	// WhatIf compares access before and after a group change without saving.
	WhatIf(ctx context.Context, after Group) ([]AccessChange, error)
}

// UserService manages users, their memberships and their SSH keys.
type UserService interface {
	Users(ctx context.Context, q UserQuery) (UserPage, error)
	User(ctx context.Context, username string) (UserInfo, error)
	Memberships(ctx context.Context, username string) ([]MemberInfo, error)
	CreateUser(ctx context.Context, u User) (User, error)
	// UpdateUser applies a patch of the user's own fields (not memberships,
	// keys, status or password: their commands change them) to the user as
	// stored, with UpdateGroup's conflict rules. Username, email and kind
	// of someone else fall under R12's subset rule, as scope does.
	UpdateUser(ctx context.Context, id ID, p UserPatch) (User, error)
	// Join is JoinGroup without a start date or confirmation.
	Join(ctx context.Context, username, group string, until time.Time, reason string) error
	// JoinGroup adds (or renews) a membership. It returns an EWarning error
	// when it would make a Building Administrator a full administrator (R4)
	// unless the request confirms.
	JoinGroup(ctx context.Context, j JoinRequest) error
	// MoveUser ends the membership of From and grants To in one
	// transaction, audited as one move; R12 and R4 as for JoinGroup. When
	// the user stops being a technician it returns the auto-assign rules
	// naming them, removed in the same transaction with RemoveRules (R8).
	MoveUser(ctx context.Context, m MoveRequest) ([]RuleRef, error)
	// Leave ends a membership. When the user stops being a technician it
	// returns the auto-assign rules naming them, and with removeRules removes
	// them in the same transaction (R8).
	Leave(ctx context.Context, username, group string, removeRules bool) ([]RuleRef, error)
	// Deactivate stops logins; with removeRules it also removes the
	// auto-assign rules naming the user in the same transaction (R8). It
	// returns the rules that name the user.
	Deactivate(ctx context.Context, username string, removeRules bool) ([]RuleRef, error)
	Activate(ctx context.Context, username string) error
	// Terminate off-boards in one step (R14); open tickets go to reassignTo,
	// or are unassigned when it is "".
	Terminate(ctx context.Context, username, reason, reassignTo string) (TerminateReport, error)
	// TerminateUsers terminates several users in one transaction, all or
	// none: a refusal names its user. Reports follow usernames' order.
	TerminateUsers(ctx context.Context, usernames []string, reason, reassignTo string) ([]TerminateReport, error)
	DeleteUser(ctx context.Context, username string) error
	AddKey(ctx context.Context, username string, key SSHKey) error
	RemoveKey(ctx context.Context, username, fingerprint string) error
	// SetPassword sets a password: one's own needs Edit Own User Account
	// and clears the must-change flag; anyone else's needs the rights to
	// change them and sets the flag (changed at their next password login).
	SetPassword(ctx context.Context, username, password string) error
	// CreateUserWithPassword is CreateUser with a first password, set in the
	// same transaction and to be changed at the first password login.
	CreateUserWithPassword(ctx context.Context, u User, password string) (User, error)
	// ChangeOwnPassword replaces the acting user's password after checking
	// the current one.
	ChangeOwnPassword(ctx context.Context, current, next string) error
}

// TeamService manages teams.
type TeamService interface {
	Teams(ctx context.Context, search string) ([]TeamInfo, error)
	Team(ctx context.Context, name string) (TeamInfo, []TeamMember, error)
	CreateTeam(ctx context.Context, t Team) (Team, error)
	// UpdateTeam applies a patch of the team's name and description, with
	// UpdateGroup's conflict rules.
	UpdateTeam(ctx context.Context, id ID, p TeamPatch) (Team, error)
	DeleteTeam(ctx context.Context, name string) error
	AddTeamMember(ctx context.Context, team, username string) error
	RemoveTeamMember(ctx context.Context, team, username string) error
	DuplicateTeam(ctx context.Context, src, newName string) (Team, error)
	SuppressTeam(ctx context.Context, name string) error
	RepairTeams(ctx context.Context) ([]string, error)
}

// BuildingService manages buildings and their auto-assign rules.
type BuildingService interface {
	Buildings(ctx context.Context, search string) ([]Building, error)
	Building(ctx context.Context, code string) (Building, error)
	CreateBuilding(ctx context.Context, b Building) (Building, error)
	// UpdateBuilding applies a patch of the building's code, name, region
	// and rooms, with UpdateGroup's conflict rules (rules have their own).
	UpdateBuilding(ctx context.Context, id ID, p BuildingPatch) (Building, error)
	// DeleteBuilding is refused, naming them, while tickets, users,
	// scheduled tasks, its auto-assign rules, the mail intake setting or a
	// guard refer to the building.
	DeleteBuilding(ctx context.Context, code string) error
	AddRule(ctx context.Context, code, problemType, tech string) error
	RemoveRule(ctx context.Context, code, problemType string) error
}

// TicketService is the ticket queue, the ticket workflow and saved queries.
type TicketService interface {
	Tickets(ctx context.Context, q TicketQuery) (TicketPage, error)
	Ticket(ctx context.Context, number TicketNumber) (TicketDetail, error)
	CreateTicket(ctx context.Context, n NewTicket) (Ticket, error)
	Assign(ctx context.Context, number TicketNumber, tech, comment string) error
	Reassign(ctx context.Context, number TicketNumber, tech, comment string) error
	// RequestReassign is the assignee asking for someone else to take the
	// ticket, with a reason; DeclineReassign answers it without reassigning
	// (Reassign privilege), telling the assignee why. Reassign answers it too.
	RequestReassign(ctx context.Context, number TicketNumber, reason string) error
	DeclineReassign(ctx context.Context, number TicketNumber, reason string) error
	Start(ctx context.Context, number TicketNumber, comment string) error
	Close(ctx context.Context, number TicketNumber, comment string) error
	Reopen(ctx context.Context, number TicketNumber, comment string) error
	DeleteTicket(ctx context.Context, number TicketNumber) error
	EditTicket(ctx context.Context, number TicketNumber, e TicketChange) error
	AddWork(ctx context.Context, number TicketNumber, minutes int, text string) (WorkReport, error)
	EditWork(ctx context.Context, number TicketNumber, report ID, minutes int, text string) error
	Clone(ctx context.Context, number TicketNumber) (Ticket, error)
	SetVisibility(ctx context.Context, number TicketNumber, groups []string) error
	// Bulk applies one action to many tickets (Edit Query Result Set), each
	// in its own transaction, and reports per ticket; cancelling ctx stops
	// it between tickets.
	Bulk(ctx context.Context, numbers []TicketNumber, a BulkAction) ([]BulkResult, error)
	// BulkAtomic applies assign, close or priority to many tickets in ONE
	// transaction, each ticket checked and audited on its own: all or
	// nothing, so a refusal of any ticket (named with its rule) changes
	// none. The console's bulk actions use it.
	BulkAtomic(ctx context.Context, numbers []TicketNumber, a BulkAction) ([]BulkResult, error)
	// DeleteTickets deletes many tickets in ONE transaction (Edit Query
	// Result Set, and Delete on each ticket): a row the actor cannot delete
	// (not closed, not visible, no Delete) is reported and kept, the rest go.
	DeleteTickets(ctx context.Context, numbers []TicketNumber) ([]BulkResult, error)

	// SavedQueries are the actor's own and their groups' queue queries.
	SavedQueries(ctx context.Context) ([]SavedQuery, error)
	// SaveQuery stores a query for the actor, or for a group they are in
	// (Save Group Queries) when group is not "".
	SaveQuery(ctx context.Context, name, query, group string) (SavedQuery, error)
	DeleteSavedQuery(ctx context.Context, id ID) error
}

// OutboxService reads rendered notifications.
type OutboxService interface {
	// Outbox lists rendered notifications: all for holders of users:view,
	// otherwise the actor's own.
	Outbox(ctx context.Context, limit int) ([]Message, error)
	OutboxMessage(ctx context.Context, id ID) (Message, error)
}

// NoticeService manages the notices shown on Home.
type NoticeService interface {
	Notices(ctx context.Context, search string) ([]Notice, error)
	MyNotices(ctx context.Context, now time.Time) ([]Notice, error)
	CreateNotice(ctx context.Context, n Notice) (Notice, error)
	UpdateNotice(ctx context.Context, id ID, p NoticePatch) (Notice, error)
	DeleteNotice(ctx context.Context, id ID) error
}

// ScheduleService manages scheduled tasks.
type ScheduleService interface {
	Schedules(ctx context.Context) ([]ScheduledTask, error)
	CreateSchedule(ctx context.Context, t ScheduledTask) (ScheduledTask, error)
	UpdateSchedule(ctx context.Context, id ID, p SchedulePatch) (ScheduledTask, error)
	DeleteSchedule(ctx context.Context, id ID) error
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
	Pending   bool // starts later (From): grants nothing yet
}

// JoinRequest is one membership to grant.
type JoinRequest struct {
	Username, Group string
	From            time.Time // zero: at once; before it the membership grants nothing
	Until           time.Time // zero: no end
	Reason          string
	Confirm         bool // proceed past the R4 elevation warning
}

// MoveRequest moves a user from one group to another.
type MoveRequest struct {
	Username, From, To string
	Reason             string
	Confirm            bool // proceed past the R4 elevation warning
	RemoveRules        bool // remove the auto-assign rules naming a former technician (R8)
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
	Reassigned  []TicketNumber
	Unassigned  []TicketNumber
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
	// Reassign keeps open tickets whose assignee asked to be reassigned
	// and nobody has acted yet (query line reassign:yes; the queue's ↻).
	Reassign bool
	Text     string // free text in title and description
	Sort     Sort
	Offset   int
	Limit    int // 0: all
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
	// ReassignAsked is the assignee's reason when they asked to be
	// reassigned and nobody has acted yet ("" otherwise).
	ReassignAsked string
	Overdue       int // overdue level reached: 0 none, 1..3 (first, second, third notice)
}

// TicketDetail is a ticket as the actor may see it: sections they lack the
// privilege for are empty and flagged.
type TicketDetail struct {
	TicketRow
	FieldsHidden bool // no View Fields: only number, title and status
	// HiddenFields are the fields the actor's groups withhold from view
	// (field visibility), blanked: shown as hidden, not as empty.
	HiddenFields  []TicketField
	History       []HistoryEntry
	HistoryHidden bool
	Work          []WorkReport
	Parent        string
	Children      []string
	CloneHidden   bool
	ReporterEmail string // with View User Information
	AssigneeEmail string
	VisibleTo     []string
	TeamNames     []string // the teams the ticket is on
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

// TicketChange edits fields; nil pointers are left as they are. It is the
// ticket's patch: Base is the version the edit started from (0: none); a
// field it changes that someone changed since is a Conflict.
type TicketChange struct {
	Base        uint64
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
	Starting    []MemberInfo // memberships starting in the next 14 days
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

// BulkKind is what a bulk action does to each ticket.
type BulkKind string

// Bulk action kinds.
const (
	BulkAssign   BulkKind = "assign"   // Value: username
	BulkClose    BulkKind = "close"    // Value unused
	BulkPriority BulkKind = "priority" // Value: priority
	// BulkDelete deletes closed tickets (Delete Problem Report, R7); an
	// open one is refused and reported, the others go.
	BulkDelete BulkKind = "delete"
)

// ParseBulkKind reads a bulk action kind; an unknown one is an EInvalid
// error naming the choices.
func ParseBulkKind(s string) (BulkKind, error) {
	switch k := BulkKind(strings.ToLower(strings.TrimSpace(s))); k {
	case BulkAssign, BulkClose, BulkPriority, BulkDelete:
		return k, nil
	}
	return "", Errorf(EInvalid, "bulk action %q: use assign, close, priority or delete", s)
}

// BulkAction is one change for many tickets: BulkAssign (Value: username),
// BulkClose, or BulkPriority (Value: priority).
type BulkAction struct {
	Kind    BulkKind
	Value   string
	Comment string
}

// BulkResult is one ticket's outcome in a bulk action.
type BulkResult struct {
	Number TicketNumber
	Label  string
	Err    error
}

// SavedQuery is a named queue query of a user or a group.
type SavedQuery struct {
	Rev
	ID      ID     `json:"id"`
	Name    string `json:"name"`
	Query   string `json:"query"`
	Owner   ID     `json:"owner,omitempty"` // user; 0 for a group query
	Group   ID     `json:"group,omitempty"`
	GroupOf string `json:"group_name,omitempty"`
}

package domain

import (
	"sort"
	"strings"
)

// Flag is a yes/no privilege. Its value indexes a FlagSet bit, which keeps a
// privilege check to one shift and mask.
type Flag uint8

// Module is an administrative area with a level (IndusTrack style).
type Module uint8

// Level orders module access: None < View < Edit.
type Level uint8

const (
	LevelNone Level = iota
	LevelView
	LevelEdit
)

var levelNames = [...]string{"none", "view", "edit"}

func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "?"
}

// ParseLevel reads "none", "view" or "edit".
func ParseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if strings.EqualFold(s, n) {
			return Level(i), true
		}
	}
	return 0, false
}

// Module levels, one per admin module.
const (
	ModUsers Module = iota
	ModGroups
	ModTeams
	ModBuildings
	ModTechnicians
	ModOrganization
	ModReporting
	ModAppearance
	ModSchedules
	ModNotices
	NumModules
)

// Flag privileges. The order is the bit order in FlagSet; the catalog below
// gives each its id, label and rules.
const (
	TicketReport Flag = iota
	TicketAttach
	AttachView
	AttachEdit
	TicketAssignee
	TicketView
	TicketHistory
	TicketUserInfo
	TicketEdit
	WorkWrite
	WorkEdit
	TicketAssign
	TicketReassign
	TicketClose
	TicketReopen
	TicketDelete
	TicketClone
	TicketCloneInfo

	TaskAssigned
	TaskAll
	TaskStates

	QueryRun
	QuerySaveGroup
	QueryBulkEdit
	ReportsCustom
	MetricsRun
	MetricsSaveCharts
	MetricsSaveLayouts
	MetricsHomeOnly

	VisibilityEdit
	VisibilityOverride

	DiscussionView
	DiscussionPost
	DiscussionInitiate
	DiscussionEdit
	DiscussionDelete

	AlertsView
	AlertsEdit
	AlertsEditOwn

	EmailGreeting
	EmailIntro
	EmailOperation
	EmailLink
	EmailComment
	EmailFields
	EmailSignature

	History
	Help
	AccountEditOwn
	SessionStay
	RemoteSSH

	NumFlags
)

// Source documents, named for the catalog's provenance column.
const (
	SrcTroubleTrakker = "TroubleTrakkerPRO"
	SrcNetResults     = "NetResults ProblemTracker"
	SrcProTracker     = "ProTracker Cloud"
	SrcTrackTik       = "TrackTik"
	SrcIndusTrack     = "IndusTrack"
)

// Privilege is one row of the catalog. A row is either a flag (IsModule false)
// or a module with levels.
type Privilege struct {
	ID           string
	Category     string
	Label        string
	Help         string
	IsModule     bool
	Flag         Flag   // when !IsModule
	Module       Module // when IsModule
	RestrictedOK bool   // offered to restricted groups (NetResults' list)
	Implies      []Flag // granting this grants these too (R6)
	Requires     []Flag // cannot be granted without these (R6)
	Excludes     []Flag // cannot be held together with these (R6)
	Elevates     bool   // Edit makes the holder a full administrator (R4)
	Source       string
}

// Categories in display order.
var Categories = []string{"Modules", "Tickets", "Task", "Query and metrics",
	"Record visibility", "Discussion", "Alerts", "Email content", "General"}

// Catalog is the one privilege table every screen, command and check reads.
var Catalog = []Privilege{
	// Modules: Edit is TroubleTrakker's "Manage X".
	{ID: "users", Category: "Modules", IsModule: true, Module: ModUsers, Label: "Manage Users", Help: "View or create, edit, deactivate and delete users who are not technicians.", Source: SrcTroubleTrakker},
	{ID: "groups", Category: "Modules", IsModule: true, Module: ModGroups, Label: "Manage Groups", Help: "View or create, edit and delete groups, their privileges, notifications and members. Edit makes the holder a full administrator.", Elevates: true, Source: SrcTroubleTrakker},
	{ID: "teams", Category: "Modules", IsModule: true, Module: ModTeams, Label: "Team Management", Help: "View or create, duplicate, suppress and repair teams and their explicit members.", Source: SrcProTracker},
	{ID: "buildings", Category: "Modules", IsModule: true, Module: ModBuildings, Label: "Manage Buildings", Help: "View or create, edit and delete buildings and rooms, and configure auto-assign rules. Edit makes the holder a full administrator.", Elevates: true, Source: SrcTroubleTrakker},
	{ID: "technicians", Category: "Modules", IsModule: true, Module: ModTechnicians, Label: "Manage Technicians", Help: "View or create, edit, deactivate and delete technicians (users who can be assignee). Edit makes the holder a full administrator.", Elevates: true, Source: SrcTroubleTrakker},
	{ID: "organization", Category: "Modules", IsModule: true, Module: ModOrganization, Label: "Manage Organization", Help: "View or edit the organization's name, time zone and overdue defaults.", Source: SrcTroubleTrakker},
	{ID: "reporting", Category: "Modules", IsModule: true, Module: ModReporting, Label: "Advanced Reporting Options", Help: "View or edit problem types and their common problems.", Source: SrcTroubleTrakker},
	{ID: "appearance", Category: "Modules", IsModule: true, Module: ModAppearance, Label: "Customize Application", Help: "View or edit ticket numbering (prefix) and priorities.", Source: SrcTroubleTrakker},
	{ID: "schedules", Category: "Modules", IsModule: true, Module: ModSchedules, Label: "Schedule Tasks", Help: "View or create recurring tasks that generate tickets.", Source: SrcTroubleTrakker},
	{ID: "notices", Category: "Modules", IsModule: true, Module: ModNotices, Label: "Team Notices", Help: "View or create and edit team notices.", Source: SrcProTracker},

	{ID: "ticket.report", Category: "Tickets", Flag: TicketReport, Label: "Report a Problem", Help: "Submit new tickets.", RestrictedOK: true, Source: SrcTroubleTrakker},
	{ID: "ticket.attach", Category: "Tickets", Flag: TicketAttach, Label: "Add Attachments via Add Page", Help: "Attach files when reporting a ticket.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "attach.view", Category: "Tickets", Flag: AttachView, Label: "View Attachments", Help: "List and save a ticket's attachments.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "attach.edit", Category: "Tickets", Flag: AttachEdit, Label: "Edit Attachments", Help: "Add, replace or delete attachments on existing tickets.", Source: SrcNetResults},
	{ID: "ticket.assignee", Category: "Tickets", Flag: TicketAssignee, Label: "Can Be Assignee", Help: "Appear in the assignee list: the holder is a technician.", Source: SrcNetResults},
	{ID: "ticket.view", Category: "Tickets", Flag: TicketView, Label: "View Fields", Help: "See a ticket's fields beyond its number, title and status.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "ticket.history", Category: "Tickets", Flag: TicketHistory, Label: "View Record History", Help: "See who changed what on a ticket, and when.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "ticket.userinfo", Category: "Tickets", Flag: TicketUserInfo, Label: "View User Information", Help: "See the reporter's and assignee's email and phone.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "ticket.edit", Category: "Tickets", Flag: TicketEdit, Label: "Edit Problem Reports", Help: "Change a ticket's title, description, type, priority, building and room.", Source: SrcTroubleTrakker},
	{ID: "work.write", Category: "Tickets", Flag: WorkWrite, Label: "Write Work Report", Help: "Add work reports to tickets assigned to you.", Source: SrcTroubleTrakker},
	{ID: "work.edit", Category: "Tickets", Flag: WorkEdit, Label: "Edit Work Report", Help: "Change work reports you wrote.", Source: SrcTroubleTrakker},
	{ID: "ticket.assign", Category: "Tickets", Flag: TicketAssign, Label: "Assign New Problem to Tech", Help: "Assign a new, unassigned ticket to a technician.", Source: SrcTroubleTrakker},
	{ID: "ticket.reassign", Category: "Tickets", Flag: TicketReassign, Label: "Reassign Problem to New Tech", Help: "Move an assigned ticket to another technician.", Source: SrcTroubleTrakker},
	{ID: "ticket.close", Category: "Tickets", Flag: TicketClose, Label: "Close Problem Report", Help: "Close tickets that need no more work.", Source: SrcTroubleTrakker},
	{ID: "ticket.reopen", Category: "Tickets", Flag: TicketReopen, Label: "Reopen Problem Report", Help: "Reopen closed tickets.", Source: SrcTroubleTrakker},
	{ID: "ticket.delete", Category: "Tickets", Flag: TicketDelete, Label: "Delete Problem Report", Help: "Permanently delete closed tickets (R7).", Source: SrcTroubleTrakker},
	{ID: "ticket.clone", Category: "Tickets", Flag: TicketClone, Label: "Clone Record", Help: "Copy a ticket into a new child ticket.", Source: SrcNetResults},
	{ID: "ticket.cloneinfo", Category: "Tickets", Flag: TicketCloneInfo, Label: "View Clone Information", Help: "See a ticket's parent and children.", Source: SrcNetResults},

	{ID: "task.assigned", Category: "Task", Flag: TaskAssigned, Label: "Task Assigned Records", Help: "Act on tickets you are the assignee of.", Source: SrcNetResults},
	{ID: "task.all", Category: "Task", Flag: TaskAll, Label: "Task All Records", Help: "Act on every ticket you can see, whatever its status or assignee.", Source: SrcNetResults},
	{ID: "task.states", Category: "Task", Flag: TaskStates, Label: "Task Records in States", Help: "Act on tickets whose status is one of the group's task states.", Source: SrcNetResults},

	{ID: "query.run", Category: "Query and metrics", Flag: QueryRun, Label: "Query", Help: "Search tickets with field:value queries and free text.", Source: SrcNetResults},
	{ID: "query.save-group", Category: "Query and metrics", Flag: QuerySaveGroup, Label: "Save Group Queries", Help: "Add, edit and delete saved queries of your groups.", Source: SrcNetResults},
	{ID: "query.bulk-edit", Category: "Query and metrics", Flag: QueryBulkEdit, Label: "Edit Query Result Set", Help: "Apply one change to every ticket of a query result.", Source: SrcNetResults},
	{ID: "reports.custom", Category: "Query and metrics", Flag: ReportsCustom, Label: "Create Custom Reports", Help: "Run saved queries as reports and export their rows.", Source: SrcTroubleTrakker},
	{ID: "metrics.run", Category: "Query and metrics", Flag: MetricsRun, Label: "Metrics", Help: "Open the Metrics screen and run charts.", Source: SrcNetResults},
	{ID: "metrics.save-charts", Category: "Query and metrics", Flag: MetricsSaveCharts, Label: "Save Group Charts", Help: "Add, edit and delete your groups' saved charts.", Requires: []Flag{MetricsRun}, Source: SrcNetResults},
	{ID: "metrics.save-layouts", Category: "Query and metrics", Flag: MetricsSaveLayouts, Label: "Save Group Chart Layouts", Help: "Add, edit and delete your groups' chart layouts.", Requires: []Flag{MetricsRun}, Source: SrcNetResults},
	{ID: "metrics.home-only", Category: "Query and metrics", Flag: MetricsHomeOnly, Label: "Home Page Only", Help: "See your groups' saved charts on the Home screen only.", Excludes: []Flag{MetricsRun, MetricsSaveCharts, MetricsSaveLayouts}, Source: SrcNetResults},

	{ID: "visibility.edit", Category: "Record visibility", Flag: VisibilityEdit, Label: "Edit Record Visibility", Help: "Choose which groups may see a ticket.", Source: SrcNetResults},
	{ID: "visibility.override", Category: "Record visibility", Flag: VisibilityOverride, Label: "Override Record Visibility", Help: "See every ticket; with Edit Record Visibility, make tickets visible to any group.", Source: SrcNetResults},

	{ID: "discussion.view", Category: "Discussion", Flag: DiscussionView, Label: "View Messages", Help: "Read discussion threads on tickets you can see.", Source: SrcNetResults},
	{ID: "discussion.post", Category: "Discussion", Flag: DiscussionPost, Label: "Post Messages", Help: "Post messages and replies.", Implies: []Flag{DiscussionView}, Source: SrcNetResults},
	{ID: "discussion.initiate", Category: "Discussion", Flag: DiscussionInitiate, Label: "Initiate Discussion Threads", Help: "Start new threads.", Implies: []Flag{DiscussionPost, DiscussionView}, Source: SrcNetResults},
	{ID: "discussion.edit", Category: "Discussion", Flag: DiscussionEdit, Label: "Edit Messages", Help: "Edit messages in threads.", Implies: []Flag{DiscussionView}, Source: SrcNetResults},
	{ID: "discussion.delete", Category: "Discussion", Flag: DiscussionDelete, Label: "Delete Messages and Threads", Help: "Delete messages and whole threads.", Implies: []Flag{DiscussionView}, Source: SrcNetResults},

	{ID: "alerts.view", Category: "Alerts", Flag: AlertsView, Label: "View Alert Settings", Help: "See a ticket's alert settings.", Source: SrcNetResults},
	{ID: "alerts.edit", Category: "Alerts", Flag: AlertsEdit, Label: "Edit Alert Settings", Help: "Change any ticket's alert settings.", Source: SrcNetResults},
	{ID: "alerts.edit-own", Category: "Alerts", Flag: AlertsEditOwn, Label: "Edit Own Alert Settings", Help: "Change alert settings of tickets assigned to you.", Source: SrcNetResults},

	{ID: "email.greeting", Category: "Email content", Flag: EmailGreeting, Label: "Greeting", Help: "Notification emails include the greeting.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "email.intro", Category: "Email content", Flag: EmailIntro, Label: "Introduction", Help: "Notification emails include the introduction.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "email.operation", Category: "Email content", Flag: EmailOperation, Label: "Operation Description", Help: "Notification emails describe the operation.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "email.link", Category: "Email content", Flag: EmailLink, Label: "Link", Help: "Notification emails link to the ticket.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "email.comment", Category: "Email content", Flag: EmailComment, Label: "History Comment", Help: "Notification emails include the history comment.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "email.fields", Category: "Email content", Flag: EmailFields, Label: "Fields", Help: "Notification emails include the ticket's fields.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "email.signature", Category: "Email content", Flag: EmailSignature, Label: "Signature", Help: "Notification emails include the signature.", RestrictedOK: true, Source: SrcNetResults},

	{ID: "history", Category: "General", Flag: History, Label: "History", Help: "Query the audit trail.", Source: SrcNetResults},
	{ID: "help", Category: "General", Flag: Help, Label: "Help", Help: "Open the help overlay and privilege explanations.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "account.edit-own", Category: "General", Flag: AccountEditOwn, Label: "Edit Own User Account", Help: "Change your own name, email and phone.", RestrictedOK: true, Source: SrcNetResults},
	{ID: "session.stay", Category: "General", Flag: SessionStay, Label: "Stay Logged On", Help: "No idle logout for your sessions.", Source: SrcTroubleTrakker},
	// Remote Access is restricted-ok: without it restricted users could never reach the console over SSH.
	{ID: "remote.ssh", Category: "General", Flag: RemoteSSH, Label: "Remote Access", Help: "Log in over SSH (gatehouse serve).", RestrictedOK: true, Source: SrcTrackTik},
}

var (
	flagIndex   [NumFlags]*Privilege
	moduleIndex [NumModules]*Privilege
	byID        = map[string]*Privilege{}
)

func init() {
	for i := range Catalog {
		p := &Catalog[i]
		byID[p.ID] = p
		if p.IsModule {
			moduleIndex[p.Module] = p
		} else {
			flagIndex[p.Flag] = p
		}
	}
}

// Lookup finds a catalog row by id ("ticket.close", "buildings").
func Lookup(id string) (*Privilege, bool) {
	p, ok := byID[strings.ToLower(strings.TrimSpace(id))]
	return p, ok
}

// Info returns the catalog row of a flag.
func (f Flag) Info() *Privilege { return flagIndex[f] }

// String is the flag's stable id.
func (f Flag) String() string {
	if f < NumFlags && flagIndex[f] != nil {
		return flagIndex[f].ID
	}
	return "?"
}

// Info returns the catalog row of a module.
func (m Module) Info() *Privilege { return moduleIndex[m] }

// String is the module's stable id.
func (m Module) String() string {
	if m < NumModules && moduleIndex[m] != nil {
		return moduleIndex[m].ID
	}
	return "?"
}

// Grant is one privilege as written on the command line: a flag id, or a
// module with a level ("buildings:edit").
type Grant struct {
	Priv  *Privilege
	Level Level // for modules
}

func (g Grant) String() string {
	if g.Priv.IsModule {
		return g.Priv.ID + ":" + g.Level.String()
	}
	return g.Priv.ID
}

// ParseGrant reads "ticket.close" or "buildings:edit". A bare module id means
// edit when granting; callers that revoke treat any level as "none".
func ParseGrant(s string) (Grant, error) {
	id, lvl, hasLevel := strings.Cut(strings.TrimSpace(s), ":")
	p, ok := Lookup(id)
	if !ok {
		return Grant{}, Errorf(EInvalid, "unknown privilege %q (see `gatehouse group show` or the README for ids)", s)
	}
	if !p.IsModule {
		if hasLevel {
			return Grant{}, Errorf(EInvalid, "privilege %q is a flag and takes no level", id)
		}
		return Grant{Priv: p}, nil
	}
	g := Grant{Priv: p, Level: LevelEdit}
	if hasLevel {
		l, ok := ParseLevel(lvl)
		if !ok {
			return Grant{}, Errorf(EInvalid, "level %q of %s: use none, view or edit", lvl, id)
		}
		g.Level = l
	}
	return g, nil
}

// FlagSet is a set of flag privileges as a bitset.
type FlagSet [(NumFlags + 63) / 64]uint64

// Has reports whether f is in the set.
func (s FlagSet) Has(f Flag) bool { return s[f>>6]&(1<<(f&63)) != 0 }

// Add puts f in the set.
func (s *FlagSet) Add(f Flag) { s[f>>6] |= 1 << (f & 63) }

// Remove takes f out of the set.
func (s *FlagSet) Remove(f Flag) { s[f>>6] &^= 1 << (f & 63) }

// Union adds every flag of o.
func (s *FlagSet) Union(o FlagSet) {
	for i := range s {
		s[i] |= o[i]
	}
}

// Flags lists the set in catalog order.
func (s FlagSet) Flags() []Flag {
	var out []Flag
	for f := Flag(0); f < NumFlags; f++ {
		if s.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

// Len counts the flags in the set.
func (s FlagSet) Len() int { return len(s.Flags()) }

// IDs lists the ids of the set, sorted, for storage and JSON.
func (s FlagSet) IDs() []string {
	var out []string
	for _, f := range s.Flags() {
		out = append(out, f.String())
	}
	sort.Strings(out)
	return out
}

// FlagSetOf builds a set from flags.
func FlagSetOf(fs ...Flag) FlagSet {
	var s FlagSet
	for _, f := range fs {
		s.Add(f)
	}
	return s
}

// Closure adds every flag implied by a flag in the set, transitively (R6).
func (s FlagSet) Closure() FlagSet {
	out := s
	for changed := true; changed; {
		changed = false
		for _, f := range out.Flags() {
			for _, imp := range f.Info().Implies {
				if !out.Has(imp) {
					out.Add(imp)
					changed = true
				}
			}
		}
	}
	return out
}

// ModuleLevels holds a level per module.
type ModuleLevels [NumModules]Level

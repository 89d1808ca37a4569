package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// GroupGrant is one way a user reaches a group: an explicit membership, or
// the implicit base group of their kind (R1).
type GroupGrant struct {
	Group      *Group
	Membership Membership // zero for the implicit base group
	Implicit   bool
}

// Subject is everything the engine needs about one user, gathered by the
// store in one read transaction.
type Subject struct {
	User   User
	Grants []GroupGrant // explicit memberships (expired ones too) and the base group
	// Teams the user belongs to, explicit and implicit via reports-to (R10).
	Teams []ID
	// Buildings assigned directly or through a region (R5).
	Buildings []ID
}

// Access is a user's effective access at one moment. It is small and
// immutable so checks are cheap and it can be cached per session.
type Access struct {
	UserID        ID
	Username      string
	Kind          Kind
	Deactivated   bool
	HasGroup      bool // an explicit, unexpired membership (R2)
	Superuser     bool
	Admin         bool // full administrator by elevation (R4) or superuser
	AdminVia      string
	BuildingAdmin bool
	Flags         FlagSet // effective flags including implications (R6)
	Levels        ModuleLevels
	TaskStates    uint8 // bit per Status, from groups holding task.states
	Groups        []ID  // active groups, base group included, sorted
	Teams         []ID  // sorted
	Buildings     []ID  // sorted
	// FieldsDenied are the ticket fields the user's groups' field
	// visibility settings withhold, per right (FieldAllowed).
	FieldsDenied FieldRules
}

// AllFlags is every flag but Home Page Only, which only restricts.
func AllFlags() FlagSet {
	var s FlagSet
	for f := Flag(0); f < NumFlags; f++ {
		if f != MetricsHomeOnly {
			s.Add(f)
		}
	}
	return s
}

// Resolve computes effective access: the union over active memberships plus
// the base group (R1), with implications (R6), elevation (R4) and superuser.
// A user who cannot log in (R2, deactivated) holds nothing.
func Resolve(s Subject, now time.Time) Access {
	a := ResolveHeld(s, now)
	if a.LoginError() != nil {
		a.Flags, a.Levels, a.Admin, a.AdminVia, a.TaskStates = FlagSet{}, ModuleLevels{}, false, "", 0
	}
	return a
}

// ResolveHeld is Resolve without the login check: what the user holds
// once they can log in. R12 compares it, so a deactivated or group-less
// user is no easier to change than an active one: activating them or
// adding a group would give the privileges back.
func ResolveHeld(s Subject, now time.Time) Access {
	a := Access{UserID: s.User.ID, Username: s.User.Username, Kind: s.User.Kind,
		Deactivated: s.User.Status == StatusDeactivated, Superuser: s.User.Superuser,
		Teams: sortedIDs(s.Teams), Buildings: sortedIDs(s.Buildings)}
	var flags FlagSet
	fieldRules := false
	for _, g := range s.Grants {
		if !g.Implicit && !g.Membership.Active(now) {
			continue
		}
		fieldRules = fieldRules || g.Group.Fields != FieldRules{}
		if !g.Implicit {
			a.HasGroup = true
		}
		a.Groups = append(a.Groups, g.Group.ID)
		flags.Union(g.Group.Flags)
		for m := Module(0); m < NumModules; m++ {
			if g.Group.Levels[m] > a.Levels[m] {
				a.Levels[m] = g.Group.Levels[m]
			}
		}
		if g.Group.BuildingAdmin {
			a.BuildingAdmin = true
		}
		if g.Group.Flags.Has(TaskStates) {
			for _, st := range g.Group.TaskStates {
				a.TaskStates |= 1 << st
			}
		}
		if a.AdminVia == "" && g.Group.Elevates() {
			a.AdminVia = elevationReason(g.Group)
		}
	}
	slices.Sort(a.Groups)
	a.Groups = slices.Compact(a.Groups)
	a.Flags = flags.Closure()
	if fieldRules {
		// without any group's settings every field is granted wherever its
		// privilege is: the master switches alone decide
		a.FieldsDenied = resolveFields(s.Grants, now)
	}
	if a.Superuser {
		a.Flags = AllFlags()
		for m := range a.Levels {
			a.Levels[m] = LevelEdit
		}
		a.AdminVia = "superuser"
	}
	a.Admin = a.AdminVia != ""
	return a
}

func elevationReason(g *Group) string {
	var mods []string
	for m := Module(0); m < NumModules; m++ {
		if m.Info().Elevates && g.Levels[m] >= LevelEdit {
			mods = append(mods, m.String()+":edit")
		}
	}
	return fmt.Sprintf("%s via group %s (R4 elevation)", strings.Join(mods, ", "), g.Name)
}

func sortedIDs(ids []ID) []ID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Has reports whether the user holds a flag.
func (a *Access) Has(f Flag) bool { return a.Flags.Has(f) }

// Level returns the user's level on a module.
func (a *Access) Level(m Module) Level { return a.Levels[m] }

// HasGrant reports whether the user holds a flag, or a module at least at the level.
func (a *Access) HasGrant(g Grant) bool {
	if g.Priv.IsModule {
		return a.Levels[g.Priv.Module] >= g.Level
	}
	return a.Has(g.Priv.Flag)
}

// LoginError says why the user cannot log in, or nil (R2).
func (a *Access) LoginError() error {
	if a.Deactivated {
		return Errorf(EForbidden, "%s is deactivated", a.Username)
	}
	if !a.HasGroup {
		return Errorf(EForbidden, "%s is inactive: no group (R2)", a.Username)
	}
	return nil
}

// SSHLoginError adds Remote Access to the login checks.
func (a *Access) SSHLoginError() error {
	if err := a.LoginError(); err != nil {
		return err
	}
	if !a.Has(RemoteSSH) {
		return Errorf(EForbidden, "%s lacks Remote Access (remote.ssh)", a.Username)
	}
	return nil
}

// IdleTimeout is how long an idle session lasts; zero means no limit
// (Stay Logged On).
func (a *Access) IdleTimeout(def time.Duration) time.Duration {
	if a.Has(SessionStay) {
		return 0
	}
	return def
}

// Require returns a forbidden error naming the privilege when it is missing.
func (a *Access) Require(f Flag) error {
	if a.Has(f) {
		return nil
	}
	return Errorf(EForbidden, "%s lacks %s (%s)", a.Username, f.Info().Label, f)
}

// RequireLevel returns a forbidden error when the module level is too low.
func (a *Access) RequireLevel(m Module, l Level) error {
	if a.Levels[m] >= l {
		return nil
	}
	return Errorf(EForbidden, "%s lacks %s %s (%s:%s)", a.Username, m.Info().Label, l, m, l)
}

// InBuilding reports whether a building is one of the user's.
func (a *Access) InBuilding(b ID) bool {
	_, ok := slices.BinarySearch(a.Buildings, b)
	return ok
}

func intersects(sorted []ID, ids []ID) bool {
	for _, id := range ids {
		if _, ok := slices.BinarySearch(sorted, id); ok {
			return true
		}
	}
	return false
}

// SeesTicket explains why the user sees a ticket (R11, R5), or returns ""
// when they do not.
func (a *Access) SeesTicket(t *Ticket) string {
	switch {
	case a.Admin:
		return "full administrator: " + a.AdminVia
	case a.Has(VisibilityOverride):
		return "Override Record Visibility"
	case a.BuildingAdmin:
		// R5: a building administrator sees the tickets of their buildings and
		// the ones they take part in.
		if a.InBuilding(t.Building) {
			return "Building Administrator of the ticket's building"
		}
	}
	switch {
	case t.Reporter == a.UserID && a.UserID != 0:
		return "reported it"
	case t.Assignee == a.UserID && a.UserID != 0:
		return "assigned to it"
	case intersects(a.Teams, t.Teams):
		return "shares a team with it"
	case intersects(a.Groups, t.VisibleTo):
		return "in a group it is visible to"
	}
	return ""
}

// CanSeeTicket is SeesTicket as a boolean.
func (a *Access) CanSeeTicket(t *Ticket) bool { return a.SeesTicket(t) != "" }

// SeesAllOf reports whether the user sees every ticket of a building, with the reason.
func (a *Access) SeesAllOf(building ID) string {
	switch {
	case a.Admin:
		return "full administrator: " + a.AdminVia
	case a.Has(VisibilityOverride):
		return "Override Record Visibility"
	case a.BuildingAdmin && a.InBuilding(building):
		return "Building Administrator of the building"
	}
	return ""
}

// TaskGate explains why the user may act on a ticket at all (Task Assigned /
// All / Records in States), or returns "".
func (a *Access) TaskGate(t *Ticket) string {
	switch {
	case a.Superuser:
		return "superuser"
	case a.Has(TaskAll):
		return "Task All Records"
	case a.Has(TaskAssigned) && t.Assignee == a.UserID && a.UserID != 0:
		return "Task Assigned Records (the assignee)"
	case a.Has(TaskStates) && a.TaskStates&(1<<t.Status) != 0:
		return "Task Records in States (" + t.Status.String() + ")"
	}
	return ""
}

func (a *Access) taskError(t *Ticket, what string) error {
	if a.TaskGate(t) != "" {
		return nil
	}
	return Errorf(EForbidden, "%s may not act on this ticket: %s needs Task All Records, Task Assigned Records as its assignee, or Task Records in States including %s",
		a.Username, what, t.Status)
}

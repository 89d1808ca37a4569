package domain

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
)

// ValidateGroup checks a group's own consistency before every save: names,
// the restricted-ok subset (R3) and requires/excludes (R6).
func ValidateGroup(g *Group) error {
	if err := ValidateName("group name", g.Name); err != nil {
		return err
	}
	if err := CheckLine("group description", g.Description); err != nil {
		return err
	}
	if g.RequestHours < 0 || g.RequestHours > MaxRequestHours {
		return Errorf(EInvalid, "requestable hours: 0 (not requestable) to %d, not %d", MaxRequestHours, g.RequestHours)
	}
	if g.RequestHours > 0 && g.Base {
		return Errorf(EInvalid, "%s is a base group everyone holds: it cannot be requested", g.Name)
	}
	if g.ReviewDays < 0 || g.ReviewDays > 3660 {
		return Errorf(EInvalid, "review interval: 0 (none) to 3660 days, not %d", g.ReviewDays)
	}
	if g.ReviewDays > 0 {
		if g.Base {
			return Errorf(EInvalid, "%s is a base group everyone holds: review the groups that grant more", g.Name)
		}
		if g.ReviewBy == 0 {
			return Errorf(EInvalid, "review interval: name the reviewer (--reviewer)")
		}
		if _, err := ParseOnMiss(string(g.ReviewOnMiss)); err != nil {
			return err
		}
	}
	for _, f := range g.Flags.Flags() {
		p := f.Info()
		if g.Kind == KindRestricted && !p.RestrictedOK {
			return Errorf(EInvalid, "%s (%s) is not offered to restricted groups such as %s", p.Label, p.ID, g.Name)
		}
		for _, req := range p.Requires {
			if !g.Flags.Closure().Has(req) {
				return Errorf(EInvalid, "%s (%s) requires %s (%s): grant that first (R6)", p.Label, p.ID, req.Info().Label, req)
			}
		}
		for _, ex := range p.Excludes {
			if g.Flags.Has(ex) {
				return Errorf(EInvalid, "%s (%s) cannot be held with %s (%s) (R6)", p.Label, p.ID, ex.Info().Label, ex)
			}
		}
	}
	if g.Kind == KindRestricted {
		for m := Module(0); m < NumModules; m++ {
			if g.Levels[m] != LevelNone {
				return Errorf(EInvalid, "restricted group %s cannot hold module %s", g.Name, m.Info().Label)
			}
		}
		if g.BuildingAdmin {
			return Errorf(EInvalid, "restricted group %s cannot be a Building Administrator group", g.Name)
		}
	}
	for _, st := range g.TaskStates {
		if st.String() == "?" {
			return Errorf(EInvalid, "group %s: unknown task state %d", g.Name, st)
		}
	}
	n := g.Notify
	if n.OverdueDays < 0 || n.SecondAfter < 0 || n.ThirdAfter < 0 {
		return Errorf(EInvalid, "group %s: overdue days cannot be negative", g.Name)
	}
	if n.Overdue && n.OverdueDays == 0 {
		return Errorf(EInvalid, "group %s: overdue notices need days until overdue (at least 1)", g.Name)
	}
	return nil
}

// DisabledReason says why a flag cannot be ticked in a group right now, or ""
// (R6): the matrix shows it and the store refuses the same way.
func DisabledReason(g *Group, f Flag) string {
	p := f.Info()
	if g.Kind == KindRestricted && !p.RestrictedOK {
		return "not offered to restricted groups"
	}
	cl := g.Flags.Closure()
	for _, req := range p.Requires {
		if !cl.Has(req) {
			return "requires " + req.Info().Label
		}
	}
	for _, ex := range p.Excludes {
		if g.Flags.Has(ex) {
			return "excluded by " + ex.Info().Label
		}
	}
	// the reverse of Excludes: Metrics is disabled while Home Page Only is set
	for _, other := range g.Flags.Flags() {
		for _, ex := range other.Info().Excludes {
			if ex == f {
				return "excluded by " + other.Info().Label
			}
		}
	}
	return ""
}

// ImpliedBy returns the flag of the group that implies f, if f is held only
// through an implication (R6).
func ImpliedBy(g *Group, f Flag) (Flag, bool) {
	for _, other := range g.Flags.Flags() {
		if other == f {
			continue
		}
		if c := FlagSetOf(other).Closure(); c.Has(f) {
			return other, true
		}
	}
	return 0, false
}

// ApplyGrants changes a copy of the group: flags are added or removed,
// modules set to the level (revoke sets none). Revoking a flag that another
// held flag implies is refused, so implied boxes cannot be unticked alone.
func ApplyGrants(g Group, grants []Grant, revoke bool) (Group, error) {
	for _, gr := range grants {
		if gr.Priv.IsModule {
			if revoke {
				g.Levels[gr.Priv.Module] = LevelNone
			} else {
				g.Levels[gr.Priv.Module] = gr.Level
			}
			continue
		}
		if revoke {
			g.Flags.Remove(gr.Priv.Flag)
		} else {
			g.Flags.Add(gr.Priv.Flag)
		}
	}
	if revoke {
		for _, gr := range grants {
			if gr.Priv.IsModule {
				continue
			}
			if by, ok := ImpliedBy(&g, gr.Priv.Flag); ok {
				return g, Errorf(EInvalid, "%s is implied by %s in group %s: revoke %s first (R6)", gr.Priv.ID, by, g.Name, by)
			}
		}
	}
	return g, ValidateGroup(&g)
}

// ElevationWarning warns when a change makes a group elevate its members to
// full administrators (R4); callers proceed only when confirmed.
func ElevationWarning(before, after *Group) error {
	newlyElevates := before == nil || !before.Elevates()
	newlyRestricted := after.BuildingAdmin && (before == nil || !before.BuildingAdmin)
	if after.Elevates() && (newlyElevates || newlyRestricted) {
		msg := fmt.Sprintf("group %s would make its members full administrators (%s): they would see every ticket",
			after.Name, strings.TrimSuffix(elevationReason(after), " via group "+after.Name+" (R4 elevation)"))
		if after.BuildingAdmin {
			msg += " and its Building Administrator restriction would no longer apply"
		}
		return Errorf(EWarning, "%s (R4); confirm to proceed", msg)
	}
	return nil
}

// CheckGroupEdit enforces who may change a group (R12): Manage Groups, a
// superuser for built-in groups, and a superuser for a group holding
// privileges the editor lacks.
func CheckGroupEdit(actor *Access, g *Group) error {
	if err := actor.RequireLevel(ModGroups, LevelEdit); err != nil {
		return err
	}
	if actor.Superuser {
		return nil
	}
	if g.BuiltIn {
		return Errorf(EForbidden, "only a superuser edits the built-in group %s (R12)", g.Name)
	}
	if missing := Exceeds(actor, g); missing != "" {
		return Errorf(EForbidden, "group %s holds %s, which %s lacks: only a superuser edits it (R12)", g.Name, missing, actor.Username)
	}
	return nil
}

// holds is Has for R12: Metrics covers Home Page Only, its restricted form,
// which no grant of everything (superuser, District Administrator) includes.
func holds(actor *Access, f Flag) bool {
	return actor.Has(f) || f == MetricsHomeOnly && actor.Has(MetricsRun)
}

// Exceeds names a privilege of the group that the actor lacks, or "".
func Exceeds(actor *Access, g *Group) string {
	if actor.Superuser {
		return ""
	}
	for _, f := range g.Flags.Closure().Flags() {
		if !holds(actor, f) {
			return f.String()
		}
	}
	if g.Flags.Has(TaskStates) && !actor.Has(TaskAll) {
		for _, st := range g.TaskStates {
			if actor.TaskStates&(1<<st) == 0 {
				return "task.states (" + st.String() + ")"
			}
		}
	}
	if g.BuildingAdmin && !actor.BuildingAdmin && !actor.Admin {
		return "Building Administrator"
	}
	for m := Module(0); m < NumModules; m++ {
		if g.Levels[m] > actor.Levels[m] {
			return m.String() + ":" + g.Levels[m].String()
		}
	}
	return ""
}

// ExceedsUser names a privilege that target holds and actor lacks, or ""
// (R12 on users): superuser, full administration (R4), each flag, task
// states, Building Administrator and each module level.
func ExceedsUser(actor, target *Access) string {
	if actor.Superuser {
		return ""
	}
	if target.Superuser {
		return "superuser"
	}
	if target.Admin && !actor.Admin {
		return "full administration (" + target.AdminVia + ")"
	}
	for _, f := range target.Flags.Flags() {
		if !holds(actor, f) {
			return f.String()
		}
	}
	if target.Has(TaskStates) && !actor.Has(TaskAll) {
		for _, st := range AllStatuses {
			if target.TaskStates&(1<<st) != 0 && actor.TaskStates&(1<<st) == 0 {
				return "task.states (" + st.String() + ")"
			}
		}
	}
	if target.BuildingAdmin && !actor.BuildingAdmin && !actor.Admin {
		return "Building Administrator"
	}
	for m := Module(0); m < NumModules; m++ {
		if target.Levels[m] > actor.Levels[m] {
			return m.String() + ":" + target.Levels[m].String()
		}
	}
	return ""
}

// CheckViewAs decides whether actor may browse read-only as target
// (view-as): Manage Users view, and nothing shown that the actor could not
// see themselves (R12 in spirit: no escalation by looking through
// another's eyes), so the actor sees every ticket and holds all the target
// holds.
func CheckViewAs(actor, target *Access) error {
	if actor.Superuser {
		return nil
	}
	if actor.Levels[ModUsers] < LevelView {
		return Errorf(EForbidden, "%s cannot view as other users: view-as needs users:view", actor.Username)
	}
	if target.Superuser {
		return Errorf(EForbidden, "cannot view as %s: only a superuser views as the superuser %s (R12)", target.Username, target.Username)
	}
	if !actor.Admin && !actor.Has(VisibilityOverride) {
		return Errorf(EForbidden, "cannot view as %s: %s does not see every ticket (full administrator or Override Record Visibility), so viewing as %s could show more than they may see",
			target.Username, actor.Username, target.Username)
	}
	if missing := ExceedsUser(actor, target); missing != "" {
		return Errorf(EForbidden, "cannot view as %s: %s holds %s, which %s lacks (R12)", target.Username, target.Username, missing, actor.Username)
	}
	return nil
}

// OutsideScope lists the target's buildings (direct and through regions)
// that are not the actor's. A full administrator's (R4) scope is
// everything, so nothing is outside it.
func OutsideScope(actor, target *Access) []ID {
	if actor.Superuser || actor.Admin {
		return nil
	}
	var out []ID
	for _, b := range target.Buildings {
		if !actor.InBuilding(b) {
			out = append(out, b)
		}
	}
	return out
}

// CheckGrants refuses granting what the actor does not hold (R12).
func CheckGrants(actor *Access, grants []Grant) error {
	if actor.Superuser {
		return nil
	}
	for _, g := range grants {
		if !actor.HasGrant(g) && (g.Priv.IsModule || !holds(actor, g.Priv.Flag)) {
			return Errorf(EForbidden, "%s cannot grant %s: they do not hold it (R12, no self-escalation)", actor.Username, g)
		}
	}
	return nil
}

// CheckMembership decides whether actor may add or remove user in group:
// Manage Groups or Manage Users, matching kinds (R3) and no escalation (R12).
func CheckMembership(actor *Access, u *User, g *Group, join bool) error {
	if actor.Levels[ModGroups] < LevelEdit && actor.Levels[ModUsers] < LevelEdit {
		return Errorf(EForbidden, "%s lacks Manage Groups or Manage Users (groups:edit or users:edit) to change memberships", actor.Username)
	}
	if join && u.Kind != g.Kind {
		return Errorf(EInvalid, "%s is a %s user and %s is a %s group: %s users join only %s groups (R3)",
			u.Username, u.Kind, g.Name, g.Kind, u.Kind, u.Kind)
	}
	if !actor.Superuser {
		if missing := Exceeds(actor, g); missing != "" {
			return Errorf(EForbidden, "%s cannot change membership of %s: the group holds %s, which they lack (R12)", actor.Username, g.Name, missing)
		}
	}
	return nil
}

// CheckManageUser decides whether actor may change user: Manage Technicians
// for technicians (users who can be assignee), Manage Users for the rest.
func CheckManageUser(actor *Access, target *Access) error {
	if target != nil && target.UserID == actor.UserID {
		return nil // own account: callers check Edit Own User Account per field
	}
	if target != nil && target.Superuser && !actor.Superuser {
		return Errorf(EForbidden, "only a superuser changes the superuser %s (R12)", target.Username)
	}
	if target != nil && target.Has(TicketAssignee) {
		if actor.Levels[ModTechnicians] >= LevelEdit {
			return nil
		}
		return Errorf(EForbidden, "%s is a technician: changing them needs Manage Technicians (technicians:edit)", target.Username)
	}
	return actor.RequireLevel(ModUsers, LevelEdit)
}

// RefuseOwnAccount is the refusal of deactivating, activating,
// terminating or deleting one's own account (verb names the change): one
// could lock oneself out, or leave the file without the account that
// still runs it. The store applies it; the console asks it before "y/n".
func RefuseOwnAccount(verb, username string) error {
	return Errorf(EForbidden, "you cannot %s your own account (%s): another user who manages users must do it", verb, username)
}

// ValidateName checks a required display name.
func ValidateName(field, s string) error {
	if err := CheckLine(field, s); err != nil {
		return err
	}
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return Errorf(EInvalid, "%s is required", field)
	case t != s:
		return Errorf(EInvalid, "%s %q has leading or trailing spaces", field, s)
	case len(t) > 80:
		return Errorf(EInvalid, "%s is longer than 80 characters", field)
	}
	return nil
}

// ValidateUsername allows letters, digits, dot, dash, underscore and @.
func ValidateUsername(s string) error {
	if s == "" {
		return Errorf(EInvalid, "username is required")
	}
	if len(s) > 64 {
		return Errorf(EInvalid, "username %q is longer than 64 characters", s)
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-@", r)) {
			return Errorf(EInvalid, "username %q: only letters, digits and . _ - @ are allowed", s)
		}
	}
	return nil
}

// ValidateEmail accepts an empty email or a plain address (CheckEmail).
func ValidateEmail(s string) error {
	if s == "" {
		return nil
	}
	return CheckEmail("email", s)
}

// CheckEmail is the one test of an email address, for users' addresses
// (forms, the CLI, imports) and the mail settings' From: a plain address,
// local@domain as RFC 5322 has it, no display name or angle brackets, at
// most 254 bytes. The domain may be a bare host name such as localhost:
// a relay on the same host delivers to it. field names what was typed.
func CheckEmail(field, s string) error {
	if err := CheckLine(field, s); err != nil {
		return err
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 {
		return Errorf(EInvalid, "%s %q is not a valid address", field, s)
	}
	return nil
}

// ValidateURL accepts only http:// and https:// URLs (team notices).
func ValidateURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Errorf(EInvalid, "URL %q must start with http:// or https:// and name a host", s)
	}
	return nil
}

// Match implements search (R15): case-insensitive prefix match, with % as a
// wildcard anywhere ("%lab" finds "Science Lab").
func Match(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	return globMatch(strings.ToLower(pattern)+"%", strings.ToLower(s))
}

func globMatch(p, s string) bool {
	// iterative wildcard match with backtracking to the last %.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '%':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == s[si]:
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// BuildingAdminElevation is one Building Administrator whom a membership
// change makes a full administrator (R4): Via says how ("users:edit via
// group Help Desk (R4 elevation)").
type BuildingAdminElevation struct {
	Username string
	Via      string
}

// ElevatesBuildingAdmin reports whether going from before to after makes a
// Building Administrator a full administrator, whose building restriction
// then no longer applies (R4). Compare held access (ResolveHeld), so that
// a deactivated Building Administrator is warned about too.
func ElevatesBuildingAdmin(before, after *Access) (BuildingAdminElevation, bool) {
	if !before.BuildingAdmin || before.Admin || !after.Admin {
		return BuildingAdminElevation{}, false
	}
	return BuildingAdminElevation{Username: after.Username, Via: after.AdminVia}, true
}

// BuildingAdminWarning is the EWarning for every membership path (join,
// move, import, bulk join) that elevates Building Administrators, naming
// who gains what; nil when the list is empty.
func BuildingAdminWarning(els []BuildingAdminElevation) error {
	if len(els) == 0 {
		return nil
	}
	parts := make([]string, len(els))
	for i, e := range els {
		parts[i] = e.Username + " gains " + strings.TrimSuffix(e.Via, " (R4 elevation)")
	}
	who := "Building Administrator " + els[0].Username + " would become a full administrator"
	if len(els) > 1 {
		who = fmt.Sprintf("%d Building Administrators would become full administrators", len(els))
	}
	return Errorf(EWarning, "%s, seeing every ticket in every building: %s; the Building Administrator restriction would no longer apply (R4); confirm to proceed",
		who, strings.Join(parts, "; "))
}

// GroupsElevateBuildingAdmin is ElevatesBuildingAdmin for a new user given
// groups at once (an import row): one of them makes them a Building
// Administrator and another elevates them past it (R4).
func GroupsElevateBuildingAdmin(username string, gs []Group) (BuildingAdminElevation, bool) {
	ba, via := false, ""
	for i := range gs {
		ba = ba || gs[i].BuildingAdmin
		if via == "" && gs[i].Elevates() {
			via = elevationReason(&gs[i])
		}
	}
	if !ba || via == "" {
		return BuildingAdminElevation{}, false
	}
	return BuildingAdminElevation{Username: username, Via: via}, true
}

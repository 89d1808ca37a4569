package store_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

// R12 on users: a change to another user's sign-in (keys, password,
// username) or scope (buildings, regions, reports-to, memberships, teams,
// kind, activation) needs the target's privileges and buildings within the
// actor's own. In the district, principal is a Building Administrator of
// EAST; a clerk holding only Manage Users (users:edit) lacks that.

// clerk holds users:edit and teams:edit, nothing else.
func clerk(t *testing.T, d *district) domain.Service {
	t.Helper()
	return userWith(t, d, "clerk", domain.Group{Levels: domain.ModuleLevels{domain.ModUsers: domain.LevelEdit, domain.ModTeams: domain.LevelEdit}})
}

// eastClerk holds users:edit as a Building Administrator of EAST only.
func eastClerk(t *testing.T, d *district) domain.Service {
	t.Helper()
	s := userWith(t, d, "eclerk", domain.Group{BuildingAdmin: true, Levels: domain.ModuleLevels{domain.ModUsers: domain.LevelEdit}})
	u, err := d.admin.User(t.Context(), "eclerk")
	must(t, err)
	u.User.Buildings = []domain.ID{d.eastB.ID}
	_, err = d.admin.UpdateUser(t.Context(), u.User.ID, wholeUser(u.User))
	must(t, err)
	return s
}

// refusedR12 asserts a forbidden error that cites R12.
func refusedR12(t *testing.T, err error) {
	t.Helper()
	mustCode(t, err, domain.EForbidden)
	if !strings.Contains(err.Error(), "(R12)") {
		t.Fatalf("refusal does not cite R12: %v", err)
	}
}

func key(fp string) domain.SSHKey {
	return domain.SSHKey{Fingerprint: fp, Key: "ssh-ed25519 AAAA" + fp}
}

func TestR12_AddKeyToAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	err := c.AddKey(t.Context(), "principal", key("SHA256:p"))
	refusedR12(t, err)
	if !strings.Contains(err.Error(), "clerk cannot add an SSH key to principal: principal holds") {
		t.Fatalf("message: %v", err)
	}
	if u, _ := d.admin.User(t.Context(), "principal"); len(u.User.Keys) != 0 {
		t.Fatalf("key stored: %+v", u.User.Keys)
	}
	must(t, c.AddKey(t.Context(), "staff", key("SHA256:s"))) // staff holds nothing the clerk lacks
}

func TestR12_RemoveKeyOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	must(t, d.admin.AddKey(t.Context(), "principal", key("SHA256:p")))
	refusedR12(t, c.RemoveKey(t.Context(), "principal", "SHA256:p"))
	must(t, d.admin.AddKey(t.Context(), "staff", key("SHA256:s")))
	must(t, c.RemoveKey(t.Context(), "staff", "SHA256:s"))
}

// update changes one field of username's record as svc.
func update(t *testing.T, d *district, svc domain.Service, username string, change func(u *domain.User)) error {
	t.Helper()
	u, err := d.admin.User(t.Context(), username)
	must(t, err)
	change(&u.User)
	_, err = svc.UpdateUser(t.Context(), u.User.ID, wholeUser(u.User))
	return err
}

func TestR12_UsernameOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	refusedR12(t, update(t, d, c, "principal", func(u *domain.User) { u.Username = "pat" }))
	must(t, update(t, d, c, "staff", func(u *domain.User) { u.Username = "sam" }))
	// contact details are not sign-in or scope: Manage Users is enough
	must(t, update(t, d, c, "principal", func(u *domain.User) { u.Phone = "555-0100" }))
}

func TestR12_BuildingsOfAHigherUserAreRefused(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	refusedR12(t, update(t, d, c, "principal", func(u *domain.User) { u.Buildings = append(u.Buildings, d.west2.ID) }))
	if u, _ := d.admin.User(t.Context(), "principal"); len(u.Buildings) != 1 {
		t.Fatalf("buildings changed: %v", u.Buildings)
	}
}

func TestR12_BuildingsBeyondTheActorsScopeAreRefused(t *testing.T) {
	d := newDistrict(t)
	ec := eastClerk(t, d)
	err := update(t, d, ec, "staff", func(u *domain.User) { u.Buildings = []domain.ID{d.west2.ID} })
	refusedR12(t, err)
	if !strings.Contains(err.Error(), "staff would have building WEST in scope, outside eclerk's buildings") {
		t.Fatalf("message: %v", err)
	}
	if u, _ := d.admin.User(t.Context(), "staff"); len(u.Buildings) != 0 {
		t.Fatalf("refused change was stored: %v", u.Buildings)
	}
	must(t, update(t, d, ec, "staff", func(u *domain.User) { u.Buildings = []domain.ID{d.eastB.ID} }))
	// a user whose scope already reaches beyond the actor's is out of reach
	must(t, update(t, d, d.admin, "staff", func(u *domain.User) { u.Buildings = []domain.ID{d.west2.ID} }))
	refusedR12(t, update(t, d, ec, "staff", func(u *domain.User) { u.Buildings = nil }))
}

func TestR12_RegionsBeyondTheActorsScopeAreRefused(t *testing.T) {
	d := newDistrict(t)
	ec := eastClerk(t, d)
	refusedR12(t, update(t, d, ec, "staff", func(u *domain.User) { u.Regions = []string{"South"} })) // WEST
	must(t, update(t, d, ec, "staff", func(u *domain.User) { u.Regions = []string{"North"} }))       // EAST
	c := clerk(t, d)
	refusedR12(t, update(t, d, c, "principal", func(u *domain.User) { u.Regions = []string{"North"} }))
}

func TestR12_ReportsToOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	staff, _ := d.admin.User(t.Context(), "staff")
	refusedR12(t, update(t, d, c, "principal", func(u *domain.User) { u.ReportsTo = staff.ID }))
	principal, _ := d.admin.User(t.Context(), "principal")
	must(t, update(t, d, c, "staff", func(u *domain.User) { u.ReportsTo = principal.ID }))
}

func TestR12_KindOfAUserBeyondTheActorsScopeIsRefused(t *testing.T) {
	d := newDistrict(t)
	must(t, update(t, d, d.admin, "nogroup", func(u *domain.User) { u.Buildings = []domain.ID{d.west2.ID} }))
	ec := eastClerk(t, d)
	refusedR12(t, update(t, d, ec, "nogroup", func(u *domain.User) { u.Kind = domain.KindRestricted }))
	_, err := d.admin.CreateUser(t.Context(), domain.User{Username: "blank"})
	must(t, err)
	must(t, update(t, d, ec, "blank", func(u *domain.User) { u.Kind = domain.KindRestricted }))
}

func TestR12_PasswordFlagOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.ImportUsers(t.Context(), domain.UserImport{Rows: []domain.ImportRow{
		{Line: 2, Username: "vp", Password: "temporary-Passw0rd", Groups: []string{"Building Administrator"}},
	}}, domain.ImportOptions{})
	must(t, err)
	c := clerk(t, d)
	// the flag has its own command (SetPassword); an update leaves it as stored
	_ = update(t, d, c, "vp", func(u *domain.User) { u.MustChange = false })
	if u, _ := d.admin.User(t.Context(), "vp"); !u.User.MustChange {
		t.Fatal("must-change cleared through UpdateUser")
	}
}

func TestR12_JoinOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	refusedR12(t, c.Join(t.Context(), "principal", "Users", time.Time{}, ""))
	must(t, c.Join(t.Context(), "nogroup", "Users", time.Time{}, ""))
}

func TestR12_JoinBeyondTheActorsScopeIsRefused(t *testing.T) {
	d := newDistrict(t)
	must(t, update(t, d, d.admin, "nogroup", func(u *domain.User) { u.Buildings = []domain.ID{d.west2.ID} }))
	refusedR12(t, eastClerk(t, d).Join(t.Context(), "nogroup", "Users", time.Time{}, ""))
}

func TestR12_LeaveOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.Join(t.Context(), "principal", "Users", time.Time{}, ""))
	c := clerk(t, d)
	_, err := c.Leave(t.Context(), "principal", "Users", false)
	refusedR12(t, err)
	_, err = c.Leave(t.Context(), "staff", "Users", false)
	must(t, err)
}

func TestR12_DeactivateAndActivateOfAHigherUserAreRefused(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	_, err := c.Deactivate(t.Context(), "principal", false)
	refusedR12(t, err)
	_, err = d.admin.Deactivate(t.Context(), "principal", false)
	must(t, err)
	// deactivated, principal holds nothing today, but activating gives it back
	refusedR12(t, c.Activate(t.Context(), "principal"))
	_, err = c.Deactivate(t.Context(), "staff", false)
	must(t, err)
	must(t, c.Activate(t.Context(), "staff"))
}

func TestR12_TerminateOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	_, err := clerk(t, d).Terminate(t.Context(), "principal", "left", "")
	refusedR12(t, err)
	if u, _ := d.admin.User(t.Context(), "principal"); u.User.Status != domain.StatusActive {
		t.Fatal("principal terminated")
	}
}

func TestR12_DeleteOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	refusedR12(t, c.DeleteUser(t.Context(), "principal"))
	must(t, c.DeleteUser(t.Context(), "nogroup"))
}

func TestR12_TeamMembershipOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	_, err := d.admin.CreateTeam(t.Context(), domain.Team{Name: "Facilities"})
	must(t, err)
	c := clerk(t, d)
	refusedR12(t, c.AddTeamMember(t.Context(), "Facilities", "principal"))
	must(t, c.AddTeamMember(t.Context(), "Facilities", "staff"))
	must(t, d.admin.AddTeamMember(t.Context(), "Facilities", "principal"))
	refusedR12(t, c.RemoveTeamMember(t.Context(), "Facilities", "principal"))
	must(t, c.RemoveTeamMember(t.Context(), "Facilities", "staff"))
}

func TestR12_CreateUserBeyondTheActorsScopeIsRefused(t *testing.T) {
	d := newDistrict(t)
	ec := eastClerk(t, d)
	_, err := ec.CreateUser(t.Context(), domain.User{Username: "newbie", Buildings: []domain.ID{d.west2.ID}})
	refusedR12(t, err)
	if _, err := d.admin.User(t.Context(), "newbie"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("refused user was created: %v", err)
	}
	_, err = ec.CreateUser(t.Context(), domain.User{Username: "newbie", Buildings: []domain.ID{d.eastB.ID}})
	must(t, err)
}

func TestR12_ImportBuildingsBeyondTheActorsScopeAreRefused(t *testing.T) {
	d := newDistrict(t)
	ec := eastClerk(t, d)
	rep, err := ec.ImportUsers(t.Context(), domain.UserImport{Rows: []domain.ImportRow{
		{Line: 2, Username: "n1", Groups: []string{"Users"}, Buildings: []string{"EAST"}},
		{Line: 3, Username: "n2", Groups: []string{"Users"}, Buildings: []string{"WEST"}},
	}}, domain.ImportOptions{})
	mustCode(t, err, domain.EInvalid)
	if len(rep.Problems) != 1 || rep.Problems[0].Line != 3 || rep.Problems[0].Column != domain.ColBuildings ||
		!strings.Contains(rep.Problems[0].Reason, "(R12)") {
		t.Fatalf("problems: %+v", rep.Problems)
	}
}

// A superuser is excepted: the owner changes anyone.
func TestR12_SuperuserIsExcepted(t *testing.T) {
	d := newDistrict(t)
	must(t, d.admin.AddKey(t.Context(), "principal", key("SHA256:p")))
	must(t, update(t, d, d.admin, "principal", func(u *domain.User) { u.Buildings = []domain.ID{d.eastB.ID, d.west2.ID} }))
}

// Setting another user's password is a sign-in change: the clerk with
// Manage Users may not take over a Building Administrator that way.
func TestR12_PasswordOfAHigherUserIsRefused(t *testing.T) {
	d := newDistrict(t)
	c := clerk(t, d)
	refusedR12(t, c.SetPassword(t.Context(), "principal", "Taken-Over-1"))
	if _, err := d.db.AuthenticatePassword("principal", "Taken-Over-1"); err == nil {
		t.Fatal("the refused password works")
	}
	must(t, c.SetPassword(t.Context(), "nogroup", "Temp-Pass-1"))
}

// R12: only a superuser grants or revokes superuser on an existing
// account, and the last superuser cannot be revoked (nobody could grant it
// again).
func TestR12_SuperuserGrantAndRevoke(t *testing.T) {
	d := newDistrict(t)
	ctx := t.Context()
	setSuper := func(svc domain.Service, user string, on bool) error {
		info, err := d.admin.User(ctx, user)
		must(t, err)
		info.User.Superuser = on
		_, err = svc.UpdateUser(ctx, info.User.ID, wholeUser(info.User))
		return err
	}
	ua := userWith(t, d, "ua", domain.Group{Levels: domain.ModuleLevels{domain.ModUsers: domain.LevelEdit}})
	refusedR12(t, setSuper(ua, "staff", true))
	refusedR12(t, setSuper(d.admin, "admin", false)) // the only one
	must(t, setSuper(d.admin, "staff", true))
	if u, _ := d.admin.User(ctx, "staff"); !u.Superuser {
		t.Fatal("grant not saved")
	}
	evs, err := d.admin.Audit(ctx, domain.AuditQuery{Entity: "user"})
	must(t, err)
	if evs[0].ChangeText() != "Superuser: — → yes" {
		t.Fatalf("audit %+v", evs[0])
	}
	must(t, setSuper(d.admin, "admin", false)) // staff remains
	refusedR12(t, setSuper(as(t, d.db, "staff"), "staff", false))
}

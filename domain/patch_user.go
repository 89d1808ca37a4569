package domain

import (
	"slices"
	"strings"
	"sync"
)

// userSchema: a user's fields. Memberships are records of their own, so
// they are not fields here; keys, status and the password flag are changed
// by their own commands but are fields for the audit and for conflicts.
var userSchema = sync.OnceValue(func() *schema[User] {
	defs := []fieldDef[User]{
		str("username", "Username", func(u *User) *string { return &u.Username }),
		str("first", "First name", func(u *User) *string { return &u.First }),
		str("last", "Last name", func(u *User) *string { return &u.Last }),
		str("email", "Email", func(u *User) *string { return &u.Email }),
		str("phone", "Phone", func(u *User) *string { return &u.Phone }),
		{key: "kind", label: "Kind", get: func(u *User) any { return u.Kind }, set: func(u *User, v any) { u.Kind = v.(Kind) }},
		{key: "status", label: "Status", get: func(u *User) any { return u.Status }, set: func(u *User, v any) { u.Status = v.(UserStatus) }},
		flag("superuser", "Superuser", func(u *User) *bool { return &u.Superuser }),
		id("reports_to", "Reports to", "user", func(u *User) *ID { return &u.ReportsTo }),
		ids("buildings", "Buildings", "building", func(u *User) *[]ID { return &u.Buildings }),
		strs("regions", "Regions", func(u *User) *[]string { return &u.Regions }),
		str("start_screen", "Start screen", func(u *User) *string { return &u.StartScreen }),
		flag("must_change", "Temporary password", func(u *User) *bool { return &u.MustChange }),
		{key: "keys", label: "SSH keys",
			get: func(u *User) any { return slices.Clone(u.Keys) }, set: func(u *User, v any) { u.Keys = slices.Clone(v.([]SSHKey)) },
			show: func(v any, _ Names) string {
				var s []string
				for _, k := range v.([]SSHKey) {
					s = append(s, k.Fingerprint)
				}
				return strings.Join(s, ", ")
			}},
		str("terminated", "Terminated", func(u *User) *string { return &u.Terminated }),
	}
	// each opt-out is a field of its own: muting one event never rewrites
	// the others
	for _, e := range AllEvents {
		defs = append(defs, fieldDef[User]{key: "muted:" + string(e), label: "Muted " + string(e), list: "muted",
			get: func(u *User) any { return slices.Contains(u.Muted, e) },
			set: func(u *User, v any) {
				u.Muted = slices.DeleteFunc(slices.Clone(u.Muted), func(x Event) bool { return x == e })
				if v.(bool) {
					u.Muted = inOrder(append(u.Muted, e), AllEvents)
				}
			}})
	}
	return newSchema(defs)
})

// IdentityFields are the user fields that say who someone is and how they
// sign in: changing them on another user falls under R12's subset rule
// (the target holds nothing the actor lacks), as scope does.
var IdentityFields = []string{"username", "email", "kind", "keys", "must_change"}

// UserFields is a user field by field (names shows reports-to and buildings).
func UserFields(u *User, names Names) []Field { return userSchema().fields(u, names) }

// UserPatch is the fields of a user an edit changes. Status, keys and the
// password have their own commands (Deactivate, AddKey, SetPassword).
type UserPatch struct{ patch }

// DiffUser is the patch that turns before into after, based on before's
// version; status, keys, password and termination are left out (their own
// commands change them).
func DiffUser(before, after User) UserPatch {
	p := UserPatch{userSchema().diff(&before, &after)}
	p.Drop("status", "keys", "must_change", "terminated")
	p.Base = before.Version
	return p
}

// Apply sets the patch's fields on u; the store validates the result.
func (p UserPatch) Apply(u User) User { return userSchema().apply(u, p.patch) }

func (p *UserPatch) SetUsername(s string) *UserPatch { p.put("username", s); return p }
func (p *UserPatch) SetFirst(s string) *UserPatch    { p.put("first", s); return p }
func (p *UserPatch) SetLast(s string) *UserPatch     { p.put("last", s); return p }
func (p *UserPatch) SetEmail(s string) *UserPatch    { p.put("email", s); return p }
func (p *UserPatch) SetPhone(s string) *UserPatch    { p.put("phone", s); return p }
func (p *UserPatch) SetKind(k Kind) *UserPatch       { p.put("kind", k); return p }
func (p *UserPatch) SetSuperuser(on bool) *UserPatch { p.put("superuser", on); return p }
func (p *UserPatch) SetReportsTo(boss ID) *UserPatch { p.put("reports_to", boss); return p }
func (p *UserPatch) SetBuildings(ids []ID) *UserPatch {
	p.put("buildings", slices.Clone(ids))
	return p
}
func (p *UserPatch) SetRegions(rs []string) *UserPatch  { p.put("regions", slices.Clone(rs)); return p }
func (p *UserPatch) SetStartScreen(s string) *UserPatch { p.put("start_screen", s); return p }

// SetMuted makes exactly these events the user's opt-outs.
func (p *UserPatch) SetMuted(events []Event) *UserPatch {
	for _, e := range AllEvents {
		p.Mute(e, slices.Contains(events, e))
	}
	return p
}

// Mute opts the user out of event e (on), or back in.
func (p *UserPatch) Mute(e Event, on bool) *UserPatch { p.put("muted:"+string(e), on); return p }

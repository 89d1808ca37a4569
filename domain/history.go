package domain

import (
	"slices"
	"strings"
)

// AccessRow is one user's effective access at a moment (`access as-of`):
// what they held and where, for auditors (R20).
type AccessRow struct {
	Username   string   `json:"username"`
	Active     bool     `json:"active"`
	Inactive   string   `json:"inactive,omitempty"` // why they could not log in (R2)
	Superuser  bool     `json:"superuser,omitempty"`
	Admin      string   `json:"admin,omitempty"` // how they are a full administrator (R4)
	Groups     []string `json:"groups"`          // explicit, unexpired memberships
	Privileges []string `json:"privileges"`      // flag ids and module:level
	Buildings  []string `json:"buildings"`       // codes, direct or through a region
}

// AccessRowOf is a user's row from their resolved access; groups and
// buildings are names and codes.
func AccessRowOf(username string, a *Access, groups, buildings []string) AccessRow {
	r := AccessRow{Username: username, Superuser: a.Superuser, Admin: a.AdminVia,
		Groups: sortedStrings(groups), Buildings: sortedStrings(buildings)}
	if err := a.LoginError(); err != nil {
		r.Inactive = err.Error()
	} else {
		r.Active = true
	}
	r.Privileges = a.Flags.IDs()
	for m := Module(0); m < NumModules; m++ {
		if a.Levels[m] != LevelNone {
			r.Privileges = append(r.Privileges, m.String()+":"+a.Levels[m].String())
		}
	}
	return r
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AccessDiffRow is one user's net change of effective access between two
// moments (`access diff`).
type AccessDiffRow struct {
	Username string   `json:"username"`
	Gained   []string `json:"gained"`
	Lost     []string `json:"lost"`
}

// items are what a diff compares: privileges, buildings, administration.
func (r *AccessRow) items() []string {
	var out []string
	if r.Active {
		out = append(out, r.Privileges...)
		for _, b := range r.Buildings {
			out = append(out, "building "+b)
		}
		if r.Admin != "" {
			out = append(out, "full administrator ("+r.Admin+")")
		}
	}
	return out
}

// DiffAccess compares a user's rows at two moments (either may be nil:
// the user did not exist). An inactive user holds nothing (R2).
func DiffAccess(before, after *AccessRow) AccessDiffRow {
	var d AccessDiffRow
	var b, a []string
	if before != nil {
		b, d.Username = before.items(), before.Username
	}
	if after != nil {
		a, d.Username = after.items(), after.Username
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			d.Gained = append(d.Gained, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			d.Lost = append(d.Lost, x)
		}
	}
	return d
}

// String is "+ticket.close -groups:view".
func (d AccessDiffRow) String() string {
	var parts []string
	for _, g := range d.Gained {
		parts = append(parts, "+"+g)
	}
	for _, l := range d.Lost {
		parts = append(parts, "-"+l)
	}
	return strings.Join(parts, " ")
}

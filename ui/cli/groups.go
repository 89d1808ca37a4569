package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatehouse/domain"
)

func groupCommands() []*command {
	return []*command{
		{path: "group list", run: groupList},
		{path: "group show", args: "G", min: 1, max: 1, run: groupShow},
		{path: "group create", args: "G", opts: "[--restricted] [--building-admin] [--description T]", min: 1, max: 1,
			flags: []flagSpec{{"restricted", false}, {"building-admin", false}, {"description", true}}, run: groupCreate},
		{path: "group grant", args: "G PRIV...", min: 2, max: -1, run: groupGrant},
		{path: "group revoke", args: "G PRIV...", min: 2, max: -1, run: groupRevoke},
		{path: "group set", args: "G", opts: "[--name NEW] [--description T]", min: 1, max: 1,
			flags: []flagSpec{{"name", true}, {"description", true}}, run: groupSet},
		{path: "group delete", args: "G", min: 1, max: 1, run: groupDelete},
		{path: "group fields", args: "G", opts: "[--set FIELD=RIGHTS [FIELD=RIGHTS...]]", min: 1, max: -1,
			flags: []flagSpec{{"set", true}}, run: groupFields},
	}
}

// groupJSON is a group as scripts read it.
type groupJSON struct {
	Name          string            `json:"name"`
	Description   string            `json:"description"`
	Kind          string            `json:"kind"`
	BuiltIn       bool              `json:"built_in"`
	Base          bool              `json:"base"`
	BuildingAdmin bool              `json:"building_admin"`
	Admin         bool              `json:"admin"`
	Members       int               `json:"members"`
	Flags         []string          `json:"flags"`
	Implied       []string          `json:"implied"`
	Levels        map[string]string `json:"levels"`
	TaskStates    []string          `json:"task_states"`
	Version       uint64            `json:"version"`
}

// groupShowJSON is a group with its memberships.
type groupShowJSON struct {
	groupJSON
	Memberships []memberJSON `json:"memberships"`
}

// memberJSON is one membership as scripts read it.
type memberJSON struct {
	Username  string `json:"username"`
	Group     string `json:"group"`
	GrantedBy string `json:"granted_by"`
	GrantedAt string `json:"granted_at,omitempty"`
	Reason    string `json:"reason"`
	From      string `json:"from,omitempty"`
	Until     string `json:"until,omitempty"`
	Expired   bool   `json:"expired"`
	Pending   bool   `json:"pending"` // starts later (from): grants nothing yet
}

func toGroupJSON(gi domain.GroupInfo) groupJSON {
	g := gi.Group
	out := groupJSON{Version: g.Version, Name: g.Name, Description: g.Description, Kind: g.Kind.String(), BuiltIn: g.BuiltIn,
		Base: g.Base, BuildingAdmin: g.BuildingAdmin, Admin: gi.Admin || g.Elevates(), Members: gi.Members,
		Flags: list(g.Flags.IDs()), Implied: list(impliedIDs(&g)), Levels: map[string]string{}, TaskStates: []string{}}
	for m := domain.Module(0); m < domain.NumModules; m++ {
		out.Levels[m.String()] = g.Levels[m].String()
	}
	for _, st := range g.TaskStates {
		out.TaskStates = append(out.TaskStates, st.String())
	}
	return out
}

func toMemberJSON(m domain.MemberInfo) memberJSON {
	return memberJSON{Username: m.Username, Group: m.GroupName, GrantedBy: m.GrantedBy,
		GrantedAt: jsonTime(m.GrantedAt), Reason: m.Reason, From: jsonTime(m.From), Until: jsonTime(m.Until),
		Expired: m.Expired, Pending: m.Pending}
}

// impliedIDs lists flags the group holds only through an implication (R6).
func impliedIDs(g *domain.Group) []string {
	var out []string
	for _, f := range g.Flags.Closure().Flags() {
		if !g.Flags.Has(f) {
			out = append(out, f.String())
		}
	}
	return out
}

// levelsText lists the modules above none: "buildings:edit, users:view".
func levelsText(l domain.ModuleLevels) string {
	var out []string
	for m := domain.Module(0); m < domain.NumModules; m++ {
		if l[m] != domain.LevelNone {
			out = append(out, m.String()+":"+l[m].String())
		}
	}
	return orDash(strings.Join(out, ", "))
}

// untilText shows a membership's end in the organization's zone: "through
// 2026-12-31" for an end --until set, "-" for none.
func (c *call) untilText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return domain.Through(t, c.zone())
}

func groupList(c *call) error {
	gs, err := c.svc.Groups(c.ctx, "")
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]groupJSON, 0, len(gs))
		for _, g := range gs {
			out = append(out, toGroupJSON(g))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(gs))
	for _, g := range gs {
		var notes []string
		if g.BuiltIn {
			notes = append(notes, "built-in")
		}
		if g.Base {
			notes = append(notes, "base")
		}
		if g.BuildingAdmin {
			notes = append(notes, "building admin")
		}
		if g.Admin || g.Elevates() {
			notes = append(notes, "full admin (R4)")
		}
		rows = append(rows, []string{g.Name, g.Kind.String(), strconv.Itoa(g.Members),
			strconv.Itoa(g.Flags.Len()), orDash(strings.Join(notes, ", ")), g.Description})
	}
	return c.table([]string{"NAME", "KIND", "MEMBERS", "FLAGS", "NOTES", "DESCRIPTION"}, rows)
}

func groupShow(c *call) error {
	gi, err := c.svc.Group(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	members, err := c.svc.GroupMembers(c.ctx, gi.Name)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := groupShowJSON{groupJSON: toGroupJSON(gi), Memberships: []memberJSON{}}
		for _, m := range members {
			out.Memberships = append(out.Memberships, toMemberJSON(m))
		}
		return c.json(out)
	}
	g := gi.Group
	admin := "no"
	if gi.Admin || g.Elevates() {
		admin = "yes: members see every ticket (R4 elevation)"
	}
	var implied []string
	for _, id := range impliedIDs(&g) {
		p, _ := domain.Lookup(id)
		if by, ok := domain.ImpliedBy(&g, p.Flag); ok {
			implied = append(implied, id+" (by "+by.String()+")")
		}
	}
	var states []string
	for _, st := range g.TaskStates {
		states = append(states, st.String())
	}
	if err := c.fields(
		"Group", g.Name,
		"Description", orDash(g.Description),
		"Kind", g.Kind.String(),
		"Built-in", yesNo(g.BuiltIn),
		"Base group", yesNo(g.Base),
		"Building Administrator", yesNo(g.BuildingAdmin),
		"Full administrator", admin,
		"Modules", levelsText(g.Levels),
		"Flags", orDash(strings.Join(g.Flags.IDs(), ", ")),
		"Implied", orDash(strings.Join(implied, ", ")),
		"Task states", orDash(strings.Join(states, ", ")),
		"Members", strconv.Itoa(gi.Members),
	); err != nil {
		return err
	}
	if len(members) == 0 {
		return nil
	}
	fmt.Fprintln(c.out)
	rows := make([][]string, 0, len(members))
	for _, m := range members {
		until := c.memberUntil(m)
		rows = append(rows, []string{m.Username, until, orDash(m.GrantedBy), orDash(m.Reason)})
	}
	return c.table([]string{"MEMBER", "UNTIL", "GRANTED BY", "REASON"}, rows)
}

func groupCreate(c *call) error {
	g := domain.Group{Name: c.pos(0), Description: c.args.str("description"), BuildingAdmin: c.args.has("building-admin")}
	if c.args.has("restricted") {
		g.Kind = domain.KindRestricted
	}
	created, err := c.svc.CreateGroup(c.ctx, g, c.opts.Yes)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(toGroupJSON(domain.GroupInfo{Group: created, Admin: created.Elevates()}))
	}
	return c.result("created %s group %s", created.Kind, created.Name)
}

func groupGrant(c *call) error {
	gs, err := grants(c.args.pos[1:])
	if err != nil {
		return err
	}
	g, err := c.svc.GrantGroup(c.ctx, c.pos(0), gs, c.opts.Yes)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(toGroupJSON(domain.GroupInfo{Group: g, Admin: g.Elevates()}))
	}
	return c.result("granted %s to group %s", grantList(gs), g.Name)
}

func groupRevoke(c *call) error {
	gs, err := grants(c.args.pos[1:])
	if err != nil {
		return err
	}
	g, err := c.svc.RevokeGroup(c.ctx, c.pos(0), gs)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(toGroupJSON(domain.GroupInfo{Group: g, Admin: g.Elevates()}))
	}
	var ids []string
	for _, gr := range gs {
		ids = append(ids, gr.Priv.ID)
	}
	return c.result("revoked %s from group %s", strings.Join(ids, ", "), g.Name)
}

// groupSet renames a group or changes its description: one patch of the
// group as stored (R12 and built-in groups as for any group edit).
func groupSet(c *call) error {
	if !c.args.has("name") && !c.args.has("description") {
		return usageErr(c.cmd, "nothing to change: give --name or --description")
	}
	var p domain.GroupPatch
	if c.args.has("name") {
		p.SetName(strings.TrimSpace(c.args.str("name")))
	}
	if c.args.has("description") {
		p.SetDescription(c.args.str("description"))
	}
	g, err := c.patchGroup(c.pos(0), p)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(toGroupJSON(domain.GroupInfo{Group: g, Admin: g.Elevates()}))
	}
	return c.result("saved group %s", g.Name)
}

func groupDelete(c *call) error {
	gi, err := c.svc.Group(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	if err := c.svc.DeleteGroup(c.ctx, gi.Name); err != nil {
		return err
	}
	return c.result("deleted group %s", gi.Name)
}

func grantList(gs []domain.Grant) string {
	s := make([]string, len(gs))
	for i, g := range gs {
		s[i] = g.String()
	}
	return strings.Join(s, ", ")
}

// fieldRowJSON is one field of a group's field visibility.
type fieldRowJSON struct {
	Field string `json:"field"`
	Label string `json:"label"`
	View  bool   `json:"view"`
	Edit  bool   `json:"edit"`
	Query bool   `json:"query"`
	Email bool   `json:"email"`
}

// groupFields shows a group's field visibility or, with --set, changes it:
// `--set room=view,edit description=none` grants exactly the rights named
// on each field (all, none, or a list of view, edit, query, email).
func groupFields(c *call) error {
	var sets []string
	if c.args.has("set") {
		sets = append([]string{c.args.str("set")}, c.args.pos[1:]...)
	} else if len(c.args.pos) > 1 {
		return domain.Errorf(domain.EInvalid, "%s: changes follow --set: group fields G --set FIELD=RIGHTS [FIELD=RIGHTS...]", c.pos(1))
	}
	gi, err := c.svc.Group(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	g := gi.Group
	if len(sets) > 0 {
		var p domain.GroupPatch
		for _, s := range sets {
			name, rights, ok := strings.Cut(s, "=")
			if !ok {
				return domain.Errorf(domain.EInvalid, "%q: write FIELD=RIGHTS, such as room=view,edit or pay=none", s)
			}
			f, err := domain.ParseTicketField(name)
			if err != nil {
				return err
			}
			rs, err := domain.ParseFieldRights(rights)
			if err != nil {
				return domain.Errorf(domain.EInvalid, "%s: %v", f, err)
			}
			p.SetFieldRights(f, rs)
		}
		if g, err = c.svc.UpdateGroup(c.ctx, g.ID, p, c.opts.Yes); err != nil {
			return err
		}
	}
	rows := make([]fieldRowJSON, 0, domain.NumTicketFields)
	for f := range domain.NumTicketFields {
		rows = append(rows, fieldRowJSON{Field: f.String(), Label: f.Label(), View: !g.Fields.Withholds(f, domain.RightView),
			Edit: !g.Fields.Withholds(f, domain.RightEdit), Query: !g.Fields.Withholds(f, domain.RightQuery), Email: !g.Fields.Withholds(f, domain.RightEmail)})
	}
	if c.opts.JSON {
		return c.json(map[string]any{"group": g.Name, "fields": rows})
	}
	if len(sets) > 0 {
		fmt.Fprintf(c.out, "changed the field visibility of group %s\n", g.Name)
	}
	table := make([][]string, len(rows))
	for i, r := range rows {
		table[i] = []string{r.Field, yesNo(r.View), yesNo(r.Edit), yesNo(r.Query), yesNo(r.Email)}
	}
	return c.table([]string{"FIELD", "VIEW", "EDIT", "QUERY", "EMAIL"}, table)
}

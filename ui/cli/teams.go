package cli

import (
	"fmt"
	"strconv"
	"strings"

	"gatehouse/domain"
)

func teamCommands() []*command {
	return []*command{
		{path: "team list", opts: "[--search TEXT]", flags: []flagSpec{{"search", true}}, run: teamList},
		{path: "team set", args: "T", opts: "[--name N] [--description T]", min: 1, max: 1,
			flags: []flagSpec{{"name", true}, {"description", true}}, run: teamSet},
		{path: "team show", args: "T", min: 1, max: 1, run: teamShow},
		{path: "team create", args: "T", opts: "[--description T]", min: 1, max: 1,
			flags: []flagSpec{{"description", true}}, run: teamCreate},
		{path: "team add", args: "T U", min: 2, max: 2, run: teamAdd},
		{path: "team remove", args: "T U", min: 2, max: 2, run: teamRemove},
		{path: "team duplicate", args: "T NEW", min: 2, max: 2, run: teamDuplicate},
		{path: "team suppress", args: "T", min: 1, max: 1, run: teamSuppress},
		{path: "team delete", args: "T", min: 1, max: 1, run: teamDelete},
		{path: "team repair", max: 0, run: teamRepair},
	}
}

// teamJSON is a team as scripts read it.
type teamJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	Owner       string `json:"owner"`
	Suppressed  bool   `json:"suppressed"`
	Members     int    `json:"members"`
	Version     uint64 `json:"version"`
}

// teamShowJSON is a team with its resolved members.
type teamShowJSON struct {
	teamJSON
	MemberList []teamMemberJSON `json:"member_list"`
}

// teamMemberJSON is one resolved team member (R10).
type teamMemberJSON struct {
	Username   string `json:"username"`
	Name       string `json:"name"`
	Membership string `json:"membership"`
	Implicit   bool   `json:"implicit"`
	Via        string `json:"via"`
}

func toTeamJSON(t domain.TeamInfo) teamJSON {
	return teamJSON{Version: t.Version, Name: t.Name, Description: t.Description, Type: t.Type.String(), Owner: t.Owner,
		Suppressed: t.Suppressed, Members: t.Members}
}

// teamSet renames a team or changes its description (ProTracker); the
// Global team and private teams keep their names (R9).
func teamSet(c *call) error {
	if !c.args.has("name") && !c.args.has("description") {
		return usageErr(c.cmd, "nothing to change: give --name or --description")
	}
	info, _, err := c.svc.Team(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	var p domain.TeamPatch
	if c.args.has("name") {
		p.SetName(strings.TrimSpace(c.args.str("name")))
	}
	if c.args.has("description") {
		p.SetDescription(c.args.str("description"))
	}
	t, err := c.svc.UpdateTeam(c.ctx, info.ID, p)
	if err != nil {
		return err
	}
	return c.result("saved team %s", t.Name)
}

// teamList lists teams; --search narrows by name (R15: a prefix, % for
// anything).
func teamList(c *call) error {
	ts, err := c.svc.Teams(c.ctx, strings.TrimSpace(c.args.str("search")))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]teamJSON, 0, len(ts))
		for _, t := range ts {
			out = append(out, toTeamJSON(t))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		rows = append(rows, []string{t.Name, t.Type.String(), strconv.Itoa(t.Members), orDash(t.Owner),
			yesNo(t.Suppressed), t.Description})
	}
	return c.table([]string{"NAME", "TYPE", "MEMBERS", "OWNER", "SUPPRESSED", "DESCRIPTION"}, rows)
}

func teamShow(c *call) error {
	t, members, err := c.svc.Team(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := teamShowJSON{teamJSON: toTeamJSON(t), MemberList: []teamMemberJSON{}}
		for _, m := range members {
			out.MemberList = append(out.MemberList, teamMemberJSON{Username: m.User.Username, Name: m.User.Name(),
				Membership: m.Label(), Implicit: m.Implicit, Via: m.Via})
		}
		return c.json(out)
	}
	if err := c.fields(
		"Team", t.Name,
		"Description", orDash(t.Description),
		"Type", t.Type.String(),
		"Owner", orDash(t.Owner),
		"Suppressed", yesNo(t.Suppressed),
		"Explicit members", strconv.Itoa(t.Members),
	); err != nil {
		return err
	}
	if len(members) == 0 {
		return nil
	}
	fmt.Fprintln(c.out)
	rows := make([][]string, 0, len(members))
	for _, m := range members {
		via := "-"
		if m.Implicit && m.Via != "" {
			via = "manager of " + m.Via
		}
		rows = append(rows, []string{m.User.Username, m.User.Name(), m.Label(), via})
	}
	return c.table([]string{"MEMBER", "NAME", "MEMBERSHIP", "VIA"}, rows)
}

// printTeam prints a team as it is stored now, member count included.
func (c *call) printTeam(name string) error {
	t, _, err := c.svc.Team(c.ctx, name)
	if err != nil {
		return err
	}
	return c.json(toTeamJSON(t))
}

func teamCreate(c *call) error {
	t, err := c.svc.CreateTeam(c.ctx, domain.Team{Name: c.pos(0), Description: c.args.str("description"), Type: domain.TeamStandard})
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.printTeam(t.Name)
	}
	return c.result("created team %s", t.Name)
}

func teamAdd(c *call) error {
	if err := c.svc.AddTeamMember(c.ctx, c.pos(0), c.pos(1)); err != nil {
		return err
	}
	return c.result("added %s to team %s", c.pos(1), c.pos(0))
}

func teamRemove(c *call) error {
	if err := c.svc.RemoveTeamMember(c.ctx, c.pos(0), c.pos(1)); err != nil {
		return err
	}
	return c.result("removed %s from team %s", c.pos(1), c.pos(0))
}

func teamDuplicate(c *call) error {
	t, err := c.svc.DuplicateTeam(c.ctx, c.pos(0), c.pos(1))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.printTeam(t.Name)
	}
	return c.result("duplicated team %s as %s", c.pos(0), t.Name)
}

func teamSuppress(c *call) error {
	if err := c.svc.SuppressTeam(c.ctx, c.pos(0)); err != nil {
		return err
	}
	return c.result("suppressed team %s", c.pos(0))
}

func teamDelete(c *call) error {
	if err := c.svc.DeleteTeam(c.ctx, c.pos(0)); err != nil {
		return err
	}
	return c.result("deleted team %s", c.pos(0))
}

// teamRepair rebuilds global membership, private teams and the hierarchy
// (R9) and says what changed.
func teamRepair(c *call) error {
	changes, err := c.svc.RepairTeams(c.ctx)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(struct {
			OK      bool     `json:"ok"`
			Changes []string `json:"changes"`
		}{true, list(changes)})
	}
	if len(changes) == 0 {
		_, err := fmt.Fprintln(c.out, "teams are consistent: nothing to repair")
		return err
	}
	for _, ch := range changes {
		fmt.Fprintln(c.out, ch)
	}
	_, err = fmt.Fprintf(c.out, "repaired: %d change(s)\n", len(changes))
	return err
}

package cli

import (
	"fmt"
	"strconv"
	"strings"

	"gatehouse/domain"
)

func buildingCommands() []*command {
	return []*command{
		{path: "building list", run: buildingList},
		{path: "building show", args: "C", min: 1, max: 1, run: buildingShow},
		{path: "building create", args: "C", opts: "--name N [--region R] [--rooms A,B]", min: 1, max: 1,
			flags: []flagSpec{{"name", true}, {"region", true}, {"rooms", true}}, required: []string{"name"}, run: buildingCreate},
		{path: "building set", args: "C", opts: "[--code NEW] [--name N] [--region R] [--rooms A,B]", min: 1, max: 1,
			flags: []flagSpec{{"code", true}, {"name", true}, {"region", true}, {"rooms", true}}, run: buildingSet},
		{path: "building delete", args: "C", min: 1, max: 1, run: buildingDelete},
		{path: "building rule add", args: "C", opts: "--type TYPE --tech U", min: 1, max: 1,
			flags: []flagSpec{{"type", true}, {"tech", true}}, required: []string{"type", "tech"}, run: ruleAdd},
		{path: "building rule remove", args: "C", opts: "--type TYPE", min: 1, max: 1,
			flags: []flagSpec{{"type", true}}, required: []string{"type"}, run: ruleRemove},
	}
}

// buildingJSON is a building as scripts read it.
type buildingJSON struct {
	Code    string     `json:"code"`
	Name    string     `json:"name"`
	Region  string     `json:"region"`
	Rooms   []string   `json:"rooms"`
	Rules   []ruleJSON `json:"rules"`
	Version uint64     `json:"version"`
}

// ruleJSON is one auto-assign rule.
type ruleJSON struct {
	ProblemType string `json:"problem_type"`
	Tech        string `json:"tech"`
}

// usernames maps user IDs to usernames for display; without access to the
// user list, IDs show as "user #ID".
func (c *call) usernames() func(domain.ID) string {
	names := map[domain.ID]string{}
	if page, err := c.svc.Users(c.ctx, domain.UserQuery{}); err == nil {
		for _, u := range page.Users {
			names[u.ID] = u.Username
		}
	}
	return func(id domain.ID) string {
		if n, ok := names[id]; ok {
			return n
		}
		return "user #" + strconv.FormatUint(id, 10)
	}
}

func toBuildingJSON(b domain.Building, name func(domain.ID) string) buildingJSON {
	out := buildingJSON{Version: b.Version, Code: b.Code, Name: b.Name, Region: b.Region, Rooms: list(b.Rooms), Rules: []ruleJSON{}}
	for _, r := range b.Rules {
		out.Rules = append(out.Rules, ruleJSON{ProblemType: r.ProblemType, Tech: name(r.Tech)})
	}
	return out
}

func buildingList(c *call) error {
	bs, err := c.svc.Buildings(c.ctx, "")
	if err != nil {
		return err
	}
	if c.opts.JSON {
		name := c.usernames()
		out := make([]buildingJSON, 0, len(bs))
		for _, b := range bs {
			out = append(out, toBuildingJSON(b, name))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(bs))
	for _, b := range bs {
		rows = append(rows, []string{b.Code, b.Name, orDash(b.Region), strconv.Itoa(len(b.Rooms)), strconv.Itoa(len(b.Rules))})
	}
	return c.table([]string{"CODE", "NAME", "REGION", "ROOMS", "RULES"}, rows)
}

func buildingShow(c *call) error {
	b, err := c.svc.Building(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	name := c.usernames()
	if c.opts.JSON {
		return c.json(toBuildingJSON(b, name))
	}
	if err := c.fields(
		"Building", b.Code,
		"Name", b.Name,
		"Region", orDash(b.Region),
		"Rooms", orDash(strings.Join(b.Rooms, ", ")),
	); err != nil {
		return err
	}
	if len(b.Rules) == 0 {
		return nil
	}
	fmt.Fprintln(c.out)
	rows := make([][]string, 0, len(b.Rules))
	for _, r := range b.Rules {
		rows = append(rows, []string{r.ProblemType, name(r.Tech)})
	}
	return c.table([]string{"PROBLEM TYPE", "AUTO-ASSIGN TO"}, rows)
}

func buildingCreate(c *call) error {
	b, err := c.svc.CreateBuilding(c.ctx, domain.Building{Code: c.pos(0), Name: c.args.str("name"),
		Region: strings.TrimSpace(c.args.str("region")), Rooms: splitList(c.args.str("rooms"))})
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(toBuildingJSON(b, c.usernames()))
	}
	return c.result("created building %s (%s)", b.Code, b.Name)
}

// buildingSet changes the fields given, as one patch of the building as
// stored: a concurrent change of another field stays.
func buildingSet(c *call) error {
	a := c.args
	if !a.has("code") && !a.has("name") && !a.has("region") && !a.has("rooms") {
		return usageErr(c.cmd, "nothing to change: give --code, --name, --region or --rooms")
	}
	b, err := c.svc.Building(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	var p domain.BuildingPatch
	if a.has("code") {
		p.SetCode(strings.TrimSpace(a.str("code")))
	}
	if a.has("name") {
		p.SetName(a.str("name"))
	}
	if a.has("region") {
		p.SetRegion(strings.TrimSpace(a.str("region")))
	}
	if a.has("rooms") {
		p.SetRooms(splitList(a.str("rooms")))
	}
	if b, err = c.svc.UpdateBuilding(c.ctx, b.ID, p); err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(toBuildingJSON(b, c.usernames()))
	}
	return c.result("saved building %s (%s)", b.Code, b.Name)
}

// buildingDelete removes a building nothing refers to (the store names
// what still does).
func buildingDelete(c *call) error {
	if err := c.svc.DeleteBuilding(c.ctx, c.pos(0)); err != nil {
		return err
	}
	return c.result("deleted building %s", strings.ToUpper(c.pos(0)))
}

func ruleAdd(c *call) error {
	if err := c.svc.AddRule(c.ctx, c.pos(0), c.args.str("type"), c.args.str("tech")); err != nil {
		return err
	}
	return c.result("building %s: new %s tickets go to %s", c.pos(0), c.args.str("type"), c.args.str("tech"))
}

func ruleRemove(c *call) error {
	if err := c.svc.RemoveRule(c.ctx, c.pos(0), c.args.str("type")); err != nil {
		return err
	}
	return c.result("building %s: removed the auto-assign rule for %s", c.pos(0), c.args.str("type"))
}

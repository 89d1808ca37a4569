package cli

import (
	"slices"
	"strconv"
	"strings"

	"gatehouse/domain"
)

// groupSettingCommands change what the console's group detail changes
// beside privileges: notifications and overdue notices, task states, and a
// role preset of module levels. Each is one UpdateGroup, so R12 and the R4
// warning (--yes) apply as for any group edit.
func groupSettingCommands() []*command {
	return []*command{
		{path: "group notify", args: "G", opts: "[--events E,E|none] [--format html|text] [--unassigned notify|ignore] [--overdue-days N|off] [--second-after N] [--third-after N]",
			min: 1, max: 1, flags: []flagSpec{{"events", true}, {"format", true}, {"unassigned", true}, {"overdue-days", true},
				{"second-after", true}, {"third-after", true}}, run: groupNotify},
		{path: "group task-states", args: "G S,S|none", min: 2, max: 2, run: groupTaskStates},
		{path: "group preset", args: "G view-only|edit-view|admin|none", min: 2, max: 2, run: groupPreset},
	}
}

// notifyJSON is a group's notification settings as scripts read them.
type notifyJSON struct {
	Events      []domain.Event `json:"events"`
	Format      string         `json:"format"`
	Unassigned  string         `json:"unassigned"`
	Overdue     bool           `json:"overdue"`
	OverdueDays int            `json:"overdue_days"`
	SecondAfter int            `json:"second_after"`
	ThirdAfter  int            `json:"third_after"`
}

// groupSettingsJSON is a group with its notification settings.
type groupSettingsJSON struct {
	groupJSON
	Preset string     `json:"preset"`
	Notify notifyJSON `json:"notify"`
}

// groupSaved prints the group as saved, or msg.
func (c *call) groupSaved(name, msg string) error {
	if !c.opts.JSON {
		return c.result("%s", msg)
	}
	gi, err := c.svc.Group(c.ctx, name)
	if err != nil {
		return err
	}
	n := gi.Notify
	format, unassigned := "html", n.Unassigned
	if n.TextOnly {
		format = "text"
	}
	if unassigned == "" {
		unassigned = "notify"
	}
	return c.json(groupSettingsJSON{groupJSON: toGroupJSON(gi), Preset: domain.PresetName(gi.Levels),
		Notify: notifyJSON{Events: list(n.Events), Format: format, Unassigned: unassigned, Overdue: n.Overdue,
			OverdueDays: n.OverdueDays, SecondAfter: n.SecondAfter, ThirdAfter: n.ThirdAfter}})
}

// patchGroup applies p to group name in one write: the patch names only the
// fields the command changes, so a concurrent edit of any other field
// stays (no read, modify, write back).
func (c *call) patchGroup(name string, p domain.GroupPatch) (domain.Group, error) {
	gi, err := c.svc.Group(c.ctx, name)
	if err != nil {
		return domain.Group{}, err
	}
	return c.svc.UpdateGroup(c.ctx, gi.ID, p, c.opts.Yes)
}

// days reads a whole number of days, 1 or more.
func days(flag, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0, domain.Errorf(domain.EInvalid, "--%s %q: expected a whole number of days, 1 or more", flag, s)
	}
	return n, nil
}

func groupNotify(c *call) error {
	a := c.args
	if !a.has("events") && !a.has("format") && !a.has("unassigned") && !a.has("overdue-days") && !a.has("second-after") && !a.has("third-after") {
		return usageErr(c.cmd, "nothing to change: give --events, --format, --unassigned, --overdue-days, --second-after or --third-after")
	}
	var p domain.GroupPatch
	if a.has("events") {
		var events []domain.Event
		if v := strings.TrimSpace(a.str("events")); !strings.EqualFold(v, "none") {
			for _, e := range splitList(v) {
				ev := domain.Event(strings.ToLower(strings.ReplaceAll(e, "-", "_")))
				if !slices.Contains(domain.AllEvents, ev) {
					names := make([]string, len(domain.AllEvents))
					for i, x := range domain.AllEvents {
						names[i] = string(x)
					}
					return domain.Errorf(domain.EInvalid, "--events %q: expected some of %s, or none", e, strings.Join(names, ", "))
				}
				events = append(events, ev)
			}
		}
		p.SetEvents(events)
	}
	if a.has("format") {
		switch strings.ToLower(strings.TrimSpace(a.str("format"))) {
		case "html":
			p.SetTextOnly(false)
		case "text":
			p.SetTextOnly(true)
		default:
			return domain.Errorf(domain.EInvalid, "--format %q: expected html (HTML and text) or text", a.str("format"))
		}
	}
	if a.has("unassigned") {
		switch v := strings.ToLower(strings.TrimSpace(a.str("unassigned"))); v {
		case "notify", "ignore":
			p.SetUnassigned(v)
		default:
			return domain.Errorf(domain.EInvalid, "--unassigned %q: expected notify or ignore", a.str("unassigned"))
		}
	}
	if a.has("overdue-days") {
		if v := strings.TrimSpace(a.str("overdue-days")); strings.EqualFold(v, "off") {
			p.SetOverdue(false, 0)
		} else {
			d, err := days("overdue-days", v)
			if err != nil {
				return err
			}
			p.SetOverdue(true, d)
		}
	}
	for _, f := range []struct {
		flag string
		set  func(int) *domain.GroupPatch
	}{{"second-after", p.SetSecondAfter}, {"third-after", p.SetThirdAfter}} {
		if a.has(f.flag) {
			d, err := days(f.flag, a.str(f.flag))
			if err != nil {
				return err
			}
			f.set(d)
		}
	}
	g, err := c.patchGroup(c.pos(0), p)
	if err != nil {
		return err
	}
	return c.groupSaved(g.Name, "saved the notification settings of group "+g.Name)
}

// groupTaskStates sets the states a group's members may put tasks in; they
// take effect with the Task States flag (R12 applies as for any grant).
func groupTaskStates(c *call) error {
	var states []domain.Status
	if v := strings.TrimSpace(c.pos(1)); !strings.EqualFold(v, "none") {
		for _, s := range splitList(v) {
			st, ok := domain.ParseStatus(s)
			if !ok {
				return domain.Errorf(domain.EInvalid, "task state %q: expected new, assigned, in_progress, closed or reopened", s)
			}
			if !slices.Contains(states, st) {
				states = append(states, st)
			}
		}
	}
	var p domain.GroupPatch
	g, err := c.patchGroup(c.pos(0), *p.SetTaskStates(states))
	if err != nil {
		return err
	}
	names := make([]string, len(g.TaskStates))
	for i, st := range g.TaskStates {
		names[i] = st.String()
	}
	return c.groupSaved(g.Name, "group "+g.Name+" task states: "+orDash(strings.Join(names, ", ")))
}

// groupPreset sets every module level at once as the console's matrix `p`
// does; flags stay. Admin elevates (R4): it needs --yes.
func groupPreset(c *call) error {
	levels, err := domain.PresetLevels(c.pos(1))
	if err != nil {
		return err
	}
	var p domain.GroupPatch
	g, err := c.patchGroup(c.pos(0), *p.SetLevels(levels))
	if err != nil {
		return err
	}
	return c.groupSaved(g.Name, "group "+g.Name+" module levels: "+domain.PresetName(levels))
}

package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatehouse/domain"
)

// settingCommands are the console's settings screens as commands: saved
// queries, organization settings, notices and scheduled tasks.
func settingCommands() []*command {
	noticeFlags := []flagSpec{{"title", true}, {"description", true}, {"url", true}, {"url-title", true},
		{"start", true}, {"end", true}, {"teams", true}, {"visible", true}}
	scheduleFlags := []flagSpec{{"title", true}, {"description", true}, {"building", true}, {"type", true},
		{"priority", true}, {"every", true}, {"interval", true}, {"next", true}, {"enabled", true}}
	return []*command{
		{path: "query list", run: queryList},
		{path: "query save", args: "NAME QUERY", opts: "[--group G]", min: 2, max: 2,
			flags: []flagSpec{{"group", true}}, run: querySave},
		{path: "query delete", args: "ID", min: 1, max: 1, run: queryDelete},
		{path: "org show", run: orgShow},
		{path: "org set", opts: "[--name N] [--time-zone Z] [--ticket-prefix P] [--overdue-days N] [--record-visibility yes|no] [--priorities P,P] [--problem-types T,T]",
			flags: []flagSpec{{"name", true}, {"time-zone", true}, {"ticket-prefix", true}, {"overdue-days", true},
				{"record-visibility", true}, {"priorities", true}, {"problem-types", true}}, run: orgSet},
		{path: "notice list", run: noticeList},
		{path: "notice create", opts: "--title T --start YYYY-MM-DD --end YYYY-MM-DD [--description T] [--url U] [--url-title T] [--teams T,T] [--visible yes|no]",
			flags: noticeFlags, required: []string{"title", "start", "end"}, run: noticeSave},
		{path: "notice set", args: "ID", opts: "[--title T] [--start D] [--end D] [--description T] [--url U] [--url-title T] [--teams T,T] [--visible yes|no]",
			min: 1, max: 1, flags: noticeFlags, run: noticeSave},
		{path: "notice delete", args: "ID", min: 1, max: 1, run: noticeDelete},
		{path: "schedule list", run: scheduleList},
		{path: "schedule create", opts: "--title T --building C --every daily|weekly|monthly|yearly --next \"YYYY-MM-DD HH:MM\" [--interval N] [--type TYPE] [--priority P] [--description T] [--enabled yes|no]",
			flags: scheduleFlags, required: []string{"title", "building", "every", "next"}, run: scheduleSave},
		{path: "schedule set", args: "ID", opts: "[--title T] [--building C] [--every E] [--next \"YYYY-MM-DD HH:MM\"] [--interval N] [--type TYPE] [--priority P] [--description T] [--enabled yes|no]",
			min: 1, max: 1, flags: scheduleFlags, run: scheduleSave},
		{path: "schedule delete", args: "ID", min: 1, max: 1, run: scheduleDelete},
	}
}

// yesNoFlag reads a yes/no flag value.
func yesNoFlag(flag, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "on":
		return true, nil
	case "no", "false", "off":
		return false, nil
	}
	return false, domain.Errorf(domain.EInvalid, "--%s %q: expected yes or no", flag, s)
}

// queryJSON is a saved query as scripts read it.
type queryJSON struct {
	ID      domain.ID `json:"id"`
	Name    string    `json:"name"`
	Query   string    `json:"query"`
	Group   string    `json:"group"` // "" for the actor's own
	Version uint64    `json:"version"`
}

func toQueryJSON(q domain.SavedQuery) queryJSON {
	return queryJSON{Version: q.Version, ID: q.ID, Name: q.Name, Query: q.Query, Group: q.GroupOf}
}

func queryList(c *call) error {
	qs, err := c.svc.SavedQueries(c.ctx)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]queryJSON, 0, len(qs))
		for _, q := range qs {
			out = append(out, toQueryJSON(q))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(qs))
	for _, q := range qs {
		rows = append(rows, []string{strconv.FormatUint(q.ID, 10), q.Name, orDash(q.GroupOf), q.Query})
	}
	return c.table([]string{"ID", "NAME", "GROUP", "QUERY"}, rows)
}

// querySave stores a queue query for the actor, or for a group they are in
// with --group (Save Group Queries).
func querySave(c *call) error {
	q, err := c.svc.SaveQuery(c.ctx, c.pos(0), c.pos(1), strings.TrimSpace(c.args.str("group")))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(toQueryJSON(q))
	}
	if q.GroupOf != "" {
		return c.result("saved query %d %q for group %s", q.ID, q.Name, q.GroupOf)
	}
	return c.result("saved query %d %q", q.ID, q.Name)
}

func queryDelete(c *call) error {
	id, err := idArg(c.pos(0), "query")
	if err != nil {
		return err
	}
	if err := c.svc.DeleteSavedQuery(c.ctx, id); err != nil {
		return err
	}
	return c.result("deleted saved query %d", id)
}

// orgJSON is the organization's settings as scripts read them.
type orgJSON struct {
	Name             string   `json:"name"`
	TimeZone         string   `json:"time_zone"`
	TicketPrefix     string   `json:"ticket_prefix"`
	OverdueDays      int      `json:"overdue_days"`
	RecordVisibility bool     `json:"record_visibility"`
	Priorities       []string `json:"priorities"`
	ProblemTypes     []string `json:"problem_types"`
	Version          uint64   `json:"version"`
}

func (c *call) printOrg(o domain.Organization) error {
	types := make([]string, 0, len(o.ProblemTypes))
	for _, p := range o.ProblemTypes {
		types = append(types, p.Name)
	}
	if c.opts.JSON {
		return c.json(orgJSON{Version: o.Version, Name: o.Name, TimeZone: o.TimeZone, TicketPrefix: o.TicketPrefix, OverdueDays: o.OverdueDays,
			RecordVisibility: o.RecordVisibility, Priorities: list(o.Priorities), ProblemTypes: types})
	}
	return c.fields("Name", o.Name, "Time zone", orDash(o.TimeZone), "Ticket prefix", o.TicketPrefix,
		"Overdue days", strconv.Itoa(o.OverdueDays), "Record visibility", yesNo(o.RecordVisibility),
		"Priorities", orDash(strings.Join(o.Priorities, ", ")), "Problem types", orDash(strings.Join(types, ", ")))
}

func orgShow(c *call) error {
	o, err := c.svc.Organization(c.ctx)
	if err != nil {
		return err
	}
	return c.printOrg(o)
}

// orgSet changes the settings given; each part needs its module, as in the
// console (the store decides).
func orgSet(c *call) error {
	a := c.args
	if len(a.set) == 0 {
		return usageErr(c.cmd, "nothing to change: give --name, --time-zone, --ticket-prefix, --overdue-days, --record-visibility, --priorities or --problem-types")
	}
	orig, err := c.svc.Organization(c.ctx)
	if err != nil {
		return err
	}
	o := orig
	if a.has("name") {
		o.Name = a.str("name")
	}
	if a.has("time-zone") {
		o.TimeZone = strings.TrimSpace(a.str("time-zone"))
	}
	if a.has("ticket-prefix") {
		o.TicketPrefix = strings.TrimSpace(a.str("ticket-prefix"))
	}
	if a.has("overdue-days") {
		if o.OverdueDays, err = days("overdue-days", a.str("overdue-days")); err != nil {
			return err
		}
	}
	if a.has("record-visibility") {
		if o.RecordVisibility, err = yesNoFlag("record-visibility", a.str("record-visibility")); err != nil {
			return err
		}
	}
	if a.has("priorities") {
		o.Priorities = splitList(a.str("priorities"))
	}
	if a.has("problem-types") {
		// a type that stays keeps its common problems
		var types []domain.ProblemType
		for _, name := range splitList(a.str("problem-types")) {
			pt := domain.ProblemType{Name: name}
			for _, old := range o.ProblemTypes {
				if strings.EqualFold(old.Name, name) {
					pt.CommonProblems = old.CommonProblems
				}
			}
			types = append(types, pt)
		}
		o.ProblemTypes = types
	}
	// the fields given, based on the settings just read: a concurrent
	// change of another field stays, one of the same field is a conflict
	if o, err = c.svc.UpdateOrganization(c.ctx, domain.DiffOrg(orig, o)); err != nil {
		return err
	}
	if c.opts.JSON {
		saved, err := c.svc.Organization(c.ctx)
		if err != nil {
			return err
		}
		return c.printOrg(saved)
	}
	return c.result("saved the organization settings")
}

// noticeJSON is a notice as scripts read it.
type noticeJSON struct {
	ID          domain.ID `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	URLTitle    string    `json:"url_title"`
	URL         string    `json:"url"`
	Start       string    `json:"start"`
	End         string    `json:"end"`
	Teams       []string  `json:"teams"`
	Visible     bool      `json:"visible"`
	Version     uint64    `json:"version"`
}

// teamNames maps team ids to names for output.
func (c *call) teamNames() map[domain.ID]string {
	out := map[domain.ID]string{}
	ts, err := c.svc.Teams(c.ctx, "")
	if err != nil {
		return out
	}
	for _, t := range ts {
		out[t.ID] = t.Name
	}
	return out
}

func (c *call) toNoticeJSON(n domain.Notice, names map[domain.ID]string) noticeJSON {
	out := noticeJSON{Version: n.Version, ID: n.ID, Title: n.Title, Description: n.Description, URLTitle: n.URLTitle, URL: n.URL,
		Start: domain.Day(n.Start, c.zone()), End: domain.Day(n.End, c.zone()), Teams: []string{}, Visible: n.Visible}
	for _, id := range n.Teams {
		out.Teams = append(out.Teams, names[id])
	}
	return out
}

func noticeList(c *call) error {
	ns, err := c.svc.Notices(c.ctx, "")
	if err != nil {
		return err
	}
	names := c.teamNames()
	if c.opts.JSON {
		out := make([]noticeJSON, 0, len(ns))
		for _, n := range ns {
			out = append(out, c.toNoticeJSON(n, names))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(ns))
	for _, n := range ns {
		j := c.toNoticeJSON(n, names)
		rows = append(rows, []string{strconv.FormatUint(n.ID, 10), n.Title, j.Start, j.End, orDash(strings.Join(j.Teams, ", ")), yesNo(n.Visible)})
	}
	return c.table([]string{"ID", "TITLE", "START", "END", "TEAMS", "VISIBLE"}, rows)
}

// noticeSave is notice create (no ID) and notice set ID: the flags given
// change the notice; a new one is visible unless --visible no.
func noticeSave(c *call) error {
	a := c.args
	n := domain.Notice{Visible: true}
	if len(a.pos) > 0 {
		id, err := idArg(c.pos(0), "notice")
		if err != nil {
			return err
		}
		ns, err := c.svc.Notices(c.ctx, "")
		if err != nil {
			return err
		}
		found := false
		for _, x := range ns {
			if x.ID == id {
				n, found = x, true
			}
		}
		if !found {
			return domain.Errorf(domain.ENotFound, "no notice %d (see `gatehouse notice list`)", id)
		}
		if len(a.set) == 0 {
			return usageErr(c.cmd, "nothing to change: give a flag")
		}
	}
	orig := n
	for _, f := range []struct {
		flag string
		p    *string
	}{{"title", &n.Title}, {"description", &n.Description}, {"url", &n.URL}, {"url-title", &n.URLTitle}} {
		if a.has(f.flag) {
			*f.p = a.str(f.flag)
		}
	}
	var err error
	if a.has("start") {
		if n.Start, err = domain.ParseDay("--start", a.str("start"), c.zone()); err != nil {
			return err
		}
	}
	if a.has("end") {
		if n.End, err = domain.ParseDay("--end", a.str("end"), c.zone()); err != nil {
			return err
		}
	}
	if a.has("visible") {
		if n.Visible, err = yesNoFlag("visible", a.str("visible")); err != nil {
			return err
		}
	}
	if a.has("teams") {
		n.Teams = nil
		for _, name := range splitList(a.str("teams")) {
			t, _, err := c.svc.Team(c.ctx, name)
			if err != nil {
				return err
			}
			n.Teams = append(n.Teams, t.ID)
		}
	}
	if n.ID == 0 {
		n, err = c.svc.CreateNotice(c.ctx, n)
	} else {
		// the flags given, based on the notice just read
		n, err = c.svc.UpdateNotice(c.ctx, n.ID, domain.DiffNotice(orig, n))
	}
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(c.toNoticeJSON(n, c.teamNames()))
	}
	return c.result("saved notice %d %q", n.ID, n.Title)
}

func noticeDelete(c *call) error {
	id, err := idArg(c.pos(0), "notice")
	if err != nil {
		return err
	}
	if err := c.svc.DeleteNotice(c.ctx, id); err != nil {
		return err
	}
	return c.result("deleted notice %d", id)
}

// runLayout is how a scheduled task's next run is typed and shown, in the
// organization's zone, as in the console.
const runLayout = "2006-01-02 15:04"

// scheduleJSON is a scheduled task as scripts read it.
type scheduleJSON struct {
	ID          domain.ID `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Building    string    `json:"building"`
	ProblemType string    `json:"problem_type"`
	Priority    string    `json:"priority"`
	Every       string    `json:"every"`
	Interval    int       `json:"interval"`
	NextRun     string    `json:"next_run"`
	Enabled     bool      `json:"enabled"`
	Version     uint64    `json:"version"`
}

// buildingCodes maps building ids to codes for output.
func (c *call) buildingCodes() map[domain.ID]string {
	out := map[domain.ID]string{}
	bs, err := c.svc.Buildings(c.ctx, "")
	if err != nil {
		return out
	}
	for _, b := range bs {
		out[b.ID] = b.Code
	}
	return out
}

func toScheduleJSON(t domain.ScheduledTask, codes map[domain.ID]string) scheduleJSON {
	return scheduleJSON{Version: t.Version, ID: t.ID, Title: t.Title, Description: t.Description, Building: codes[t.Building],
		ProblemType: t.ProblemType, Priority: t.Priority, Every: string(t.Every), Interval: t.Interval,
		NextRun: jsonTime(t.NextRun), Enabled: t.Enabled}
}

func scheduleList(c *call) error {
	ts, err := c.svc.Schedules(c.ctx)
	if err != nil {
		return err
	}
	codes := c.buildingCodes()
	if c.opts.JSON {
		out := make([]scheduleJSON, 0, len(ts))
		for _, t := range ts {
			out = append(out, toScheduleJSON(t, codes))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		every := string(t.Every)
		if t.Interval > 1 {
			every = fmt.Sprintf("%s ×%d", every, t.Interval)
		}
		rows = append(rows, []string{strconv.FormatUint(t.ID, 10), t.Title, codes[t.Building], every,
			t.NextRun.In(c.zone()).Format(runLayout), yesNo(t.Enabled)})
	}
	return c.table([]string{"ID", "TITLE", "BUILDING", "EVERY", "NEXT RUN", "ENABLED"}, rows)
}

// scheduleSave is schedule create (no ID) and schedule set ID.
func scheduleSave(c *call) error {
	a := c.args
	t := domain.ScheduledTask{Interval: 1, Enabled: true}
	if len(a.pos) > 0 {
		id, err := idArg(c.pos(0), "schedule")
		if err != nil {
			return err
		}
		ts, err := c.svc.Schedules(c.ctx)
		if err != nil {
			return err
		}
		found := false
		for _, x := range ts {
			if x.ID == id {
				t, found = x, true
			}
		}
		if !found {
			return domain.Errorf(domain.ENotFound, "no scheduled task %d (see `gatehouse schedule list`)", id)
		}
		if len(a.set) == 0 {
			return usageErr(c.cmd, "nothing to change: give a flag")
		}
	}
	orig := t
	for _, f := range []struct {
		flag string
		p    *string
	}{{"title", &t.Title}, {"description", &t.Description}, {"type", &t.ProblemType}, {"priority", &t.Priority}} {
		if a.has(f.flag) {
			*f.p = a.str(f.flag)
		}
	}
	if a.has("building") {
		b, err := c.svc.Building(c.ctx, strings.TrimSpace(a.str("building")))
		if err != nil {
			return err
		}
		t.Building = b.ID
	}
	if a.has("every") {
		switch e := domain.Recurrence(strings.ToLower(strings.TrimSpace(a.str("every")))); e {
		case domain.Daily, domain.Weekly, domain.Monthly, domain.Yearly:
			t.Every = e
		default:
			return domain.Errorf(domain.EInvalid, "--every %q: expected daily, weekly, monthly or yearly", a.str("every"))
		}
	}
	if a.has("interval") {
		n, err := positive("interval", a.str("interval"))
		if err != nil {
			return err
		}
		t.Interval = n
	}
	if a.has("next") {
		v := strings.TrimSpace(a.str("next"))
		next, err := time.ParseInLocation(runLayout, v, c.zone())
		if err != nil {
			if next, err = time.ParseInLocation(domain.DateLayout, v, c.zone()); err != nil {
				return domain.Errorf(domain.EInvalid, "--next %q: expected \"YYYY-MM-DD HH:MM\" (or a day: its midnight) in the organization's zone", v)
			}
		}
		t.NextRun = next
	}
	if a.has("enabled") {
		var err error
		if t.Enabled, err = yesNoFlag("enabled", a.str("enabled")); err != nil {
			return err
		}
	}
	var err error
	if t.ID == 0 {
		t, err = c.svc.CreateSchedule(c.ctx, t)
	} else {
		// the flags given, based on the task just read
		t, err = c.svc.UpdateSchedule(c.ctx, t.ID, domain.DiffSchedule(orig, t))
	}
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(toScheduleJSON(t, c.buildingCodes()))
	}
	return c.result("saved scheduled task %d %q, next run %s", t.ID, t.Title, t.NextRun.In(c.zone()).Format(runLayout))
}

func scheduleDelete(c *call) error {
	id, err := idArg(c.pos(0), "schedule")
	if err != nil {
		return err
	}
	if err := c.svc.DeleteSchedule(c.ctx, id); err != nil {
		return err
	}
	return c.result("deleted scheduled task %d", id)
}

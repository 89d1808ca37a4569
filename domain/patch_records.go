package domain

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// The fields of the smaller records, their patches and diffs. Each patch is
// applied by the store to the record as stored when the write runs.

var teamSchema = sync.OnceValue(func() *schema[Team] {
	return newSchema([]fieldDef[Team]{
		str("name", "Name", func(t *Team) *string { return &t.Name }),
		str("description", "Description", func(t *Team) *string { return &t.Description }),
		flag("suppressed", "Suppressed", func(t *Team) *bool { return &t.Suppressed }),
		id("owner", "Owner", "user", func(t *Team) *ID { return &t.Owner }),
	})
})

// TeamFields is a team field by field.
func TeamFields(t *Team, names Names) []Field { return teamSchema().fields(t, names) }

// TeamPatch is the fields of a team an edit changes: its name and
// description (suppressing has its own command).
type TeamPatch struct{ patch }

// DiffTeam is the patch from before to after, based on before's version.
func DiffTeam(before, after Team) TeamPatch {
	p := TeamPatch{teamSchema().diff(&before, &after)}
	p.Drop("suppressed", "owner")
	p.Base = before.Version
	return p
}

func (p TeamPatch) Apply(t Team) Team                   { return teamSchema().apply(t, p.patch) }
func (p *TeamPatch) SetName(s string) *TeamPatch        { p.put("name", s); return p }
func (p *TeamPatch) SetDescription(s string) *TeamPatch { p.put("description", s); return p }

var buildingSchema = sync.OnceValue(func() *schema[Building] {
	return newSchema([]fieldDef[Building]{
		str("code", "Code", func(b *Building) *string { return &b.Code }),
		str("name", "Name", func(b *Building) *string { return &b.Name }),
		str("region", "Region", func(b *Building) *string { return &b.Region }),
		strs("rooms", "Rooms", func(b *Building) *[]string { return &b.Rooms }),
		{key: "rules", label: "Auto-assign rules",
			get: func(b *Building) any { return slices.Clone(b.Rules) }, set: func(b *Building, v any) { b.Rules = slices.Clone(v.([]AutoAssign)) },
			show: func(v any, names Names) string {
				var s []string
				for _, r := range v.([]AutoAssign) {
					s = append(s, r.ProblemType+" → "+nameOf(names, "user", r.Tech))
				}
				return strings.Join(s, ", ")
			}},
	})
})

// BuildingFields is a building field by field.
func BuildingFields(b *Building, names Names) []Field { return buildingSchema().fields(b, names) }

// BuildingPatch is the fields of a building an edit changes (rules have
// their own commands).
type BuildingPatch struct{ patch }

// DiffBuilding is the patch from before to after, based on before's version.
func DiffBuilding(before, after Building) BuildingPatch {
	p := BuildingPatch{buildingSchema().diff(&before, &after)}
	p.Drop("rules")
	p.Base = before.Version
	return p
}

func (p BuildingPatch) Apply(b Building) Building          { return buildingSchema().apply(b, p.patch) }
func (p *BuildingPatch) SetCode(s string) *BuildingPatch   { p.put("code", s); return p }
func (p *BuildingPatch) SetName(s string) *BuildingPatch   { p.put("name", s); return p }
func (p *BuildingPatch) SetRegion(s string) *BuildingPatch { p.put("region", s); return p }
func (p *BuildingPatch) SetRooms(rooms []string) *BuildingPatch {
	p.put("rooms", slices.Clone(rooms))
	return p
}

var ticketSchema = sync.OnceValue(func() *schema[Ticket] {
	return newSchema([]fieldDef[Ticket]{
		str("title", "Title", func(t *Ticket) *string { return &t.Title }),
		str("description", "Description", func(t *Ticket) *string { return &t.Description }),
		str("problem_type", "Problem type", func(t *Ticket) *string { return &t.ProblemType }),
		str("common_problem", "Common problem", func(t *Ticket) *string { return &t.CommonProblem }),
		str("priority", "Priority", func(t *Ticket) *string { return &t.Priority }),
		{key: "status", label: "Status", get: func(t *Ticket) any { return t.Status }, set: func(t *Ticket, v any) { t.Status = v.(Status) }},
		id("assignee", "Assignee", "user", func(t *Ticket) *ID { return &t.Assignee }),
		id("building", "Building", "building", func(t *Ticket) *ID { return &t.Building }),
		str("room", "Room", func(t *Ticket) *string { return &t.Room }),
		ids("teams", "Teams", "team", func(t *Ticket) *[]ID { return &t.Teams }),
		ids("visible_to", "Visible to", "group", func(t *Ticket) *[]ID { return &t.VisibleTo }),
	})
})

// TicketFields is a ticket field by field; ticket edits are TicketChange.
func TicketFields(t *Ticket, names Names) []Field { return ticketSchema().fields(t, names) }

var orgSchema = sync.OnceValue(func() *schema[Organization] {
	return newSchema([]fieldDef[Organization]{
		str("name", "Name", func(o *Organization) *string { return &o.Name }),
		str("time_zone", "Time zone", func(o *Organization) *string { return &o.TimeZone }),
		str("ticket_prefix", "Ticket prefix", func(o *Organization) *string { return &o.TicketPrefix }),
		strs("priorities", "Priorities", func(o *Organization) *[]string { return &o.Priorities }),
		{key: "problem_types", label: "Problem types",
			get: func(o *Organization) any { return cloneProblemTypes(o.ProblemTypes) },
			set: func(o *Organization, v any) { o.ProblemTypes = cloneProblemTypes(v.([]ProblemType)) },
			show: func(v any, _ Names) string {
				var s []string
				for _, t := range v.([]ProblemType) {
					s = append(s, t.Name+" ("+strings.Join(t.CommonProblems, "; ")+")")
				}
				return strings.Join(s, ", ")
			}},
		flag("record_visibility", "Record visibility", func(o *Organization) *bool { return &o.RecordVisibility }),
		num("overdue_days", "Overdue days", func(o *Organization) *int { return &o.OverdueDays }),
		{key: "extra", label: "Settings",
			get: func(o *Organization) any { return maps.Clone(o.Extra) },
			set: func(o *Organization, v any) { o.Extra = maps.Clone(v.(map[string]string)) },
			show: func(v any, _ Names) string {
				var s []string
				for _, k := range slices.Sorted(maps.Keys(v.(map[string]string))) {
					s = append(s, k+"="+v.(map[string]string)[k])
				}
				return strings.Join(s, ", ")
			}},
	})
})

func cloneProblemTypes(ts []ProblemType) []ProblemType {
	out := make([]ProblemType, len(ts))
	for i, t := range ts {
		out[i] = ProblemType{Name: t.Name, CommonProblems: slices.Clone(t.CommonProblems)}
	}
	return out
}

// OrgFields is the organization's settings field by field. The ticket
// counter is not one: it is a sequence, and reporting a ticket does not
// change the settings a form has open.
func OrgFields(o *Organization) []Field { return orgSchema().fields(o, nil) }

// OrgPatch is the settings an edit changes.
type OrgPatch struct{ patch }

// DiffOrg is the patch from before to after, based on before's version.
func DiffOrg(before, after Organization) OrgPatch {
	p := OrgPatch{orgSchema().diff(&before, &after)}
	p.Base = before.Version
	return p
}

func (p OrgPatch) Apply(o Organization) Organization   { return orgSchema().apply(o, p.patch) }
func (p *OrgPatch) SetName(s string) *OrgPatch         { p.put("name", s); return p }
func (p *OrgPatch) SetTimeZone(s string) *OrgPatch     { p.put("time_zone", s); return p }
func (p *OrgPatch) SetTicketPrefix(s string) *OrgPatch { p.put("ticket_prefix", s); return p }
func (p *OrgPatch) SetPriorities(ps []string) *OrgPatch {
	p.put("priorities", slices.Clone(ps))
	return p
}
func (p *OrgPatch) SetRecordVisibility(on bool) *OrgPatch { p.put("record_visibility", on); return p }
func (p *OrgPatch) SetOverdueDays(n int) *OrgPatch        { p.put("overdue_days", n); return p }
func (p *OrgPatch) SetExtra(m map[string]string) *OrgPatch {
	p.put("extra", maps.Clone(m))
	return p
}
func (p *OrgPatch) SetProblemTypes(ts []ProblemType) *OrgPatch {
	p.put("problem_types", cloneProblemTypes(ts))
	return p
}

var noticeSchema = sync.OnceValue(func() *schema[Notice] {
	return newSchema([]fieldDef[Notice]{
		str("title", "Title", func(n *Notice) *string { return &n.Title }),
		str("description", "Description", func(n *Notice) *string { return &n.Description }),
		str("url_title", "URL title", func(n *Notice) *string { return &n.URLTitle }),
		str("url", "URL", func(n *Notice) *string { return &n.URL }),
		day("start", "Start", func(n *Notice) *time.Time { return &n.Start }),
		day("end", "End", func(n *Notice) *time.Time { return &n.End }),
		ids("teams", "Teams", "team", func(n *Notice) *[]ID { return &n.Teams }),
		flag("visible", "Visible", func(n *Notice) *bool { return &n.Visible }),
	})
})

// day is a date field shown as its day.
func day[T any](key, label string, p func(*T) *time.Time) fieldDef[T] {
	d := date(key, label, p)
	d.show = func(v any, _ Names) string {
		if t := v.(time.Time); !t.IsZero() {
			return t.Format("2006-01-02")
		}
		return ""
	}
	return d
}

// NoticeFields is a notice field by field.
func NoticeFields(n *Notice, names Names) []Field { return noticeSchema().fields(n, names) }

// NoticePatch is the fields of a notice an edit changes.
type NoticePatch struct{ patch }

// DiffNotice is the patch from before to after, based on before's version.
func DiffNotice(before, after Notice) NoticePatch {
	p := NoticePatch{noticeSchema().diff(&before, &after)}
	p.Base = before.Version
	return p
}

func (p NoticePatch) Apply(n Notice) Notice { return noticeSchema().apply(n, p.patch) }

var scheduleSchema = sync.OnceValue(func() *schema[ScheduledTask] {
	return newSchema([]fieldDef[ScheduledTask]{
		str("title", "Title", func(t *ScheduledTask) *string { return &t.Title }),
		str("description", "Description", func(t *ScheduledTask) *string { return &t.Description }),
		id("building", "Building", "building", func(t *ScheduledTask) *ID { return &t.Building }),
		str("problem_type", "Problem type", func(t *ScheduledTask) *string { return &t.ProblemType }),
		str("priority", "Priority", func(t *ScheduledTask) *string { return &t.Priority }),
		{key: "every", label: "Every", get: func(t *ScheduledTask) any { return string(t.Every) },
			set: func(t *ScheduledTask, v any) { t.Every = Recurrence(v.(string)) }},
		num("interval", "Interval", func(t *ScheduledTask) *int { return &t.Interval }),
		date("next_run", "Next run", func(t *ScheduledTask) *time.Time { return &t.NextRun }),
		flag("enabled", "Enabled", func(t *ScheduledTask) *bool { return &t.Enabled }),
	})
})

// ScheduleFields is a scheduled task field by field.
func ScheduleFields(t *ScheduledTask, names Names) []Field { return scheduleSchema().fields(t, names) }

// SchedulePatch is the fields of a scheduled task an edit changes.
type SchedulePatch struct{ patch }

// DiffSchedule is the patch from before to after, based on before's version.
func DiffSchedule(before, after ScheduledTask) SchedulePatch {
	p := SchedulePatch{scheduleSchema().diff(&before, &after)}
	p.Base = before.Version
	return p
}

func (p SchedulePatch) Apply(t ScheduledTask) ScheduledTask {
	return scheduleSchema().apply(t, p.patch)
}

var formatSchema = sync.OnceValue(func() *schema[ReportFormat] {
	return newSchema([]fieldDef[ReportFormat]{
		str("name", "Name", func(f *ReportFormat) *string { return &f.Name }),
		strs("columns", "Columns", func(f *ReportFormat) *[]string { return &f.Columns }),
		str("sort", "Sort", func(f *ReportFormat) *string { return &f.Sort }),
		flag("desc", "Descending", func(f *ReportFormat) *bool { return &f.Desc }),
		str("group_by", "Group by", func(f *ReportFormat) *string { return &f.GroupBy }),
		strs("regions", "Regions", func(f *ReportFormat) *[]string { return &f.Regions }),
	})
})

// ReportFormatFields is a report format field by field.
func ReportFormatFields(f *ReportFormat) []Field { return formatSchema().fields(f, nil) }

// ReportFormatPatch is the fields of a report format an edit changes.
type ReportFormatPatch struct{ patch }

// DiffReportFormat is the patch from before to after, based on before's version.
func DiffReportFormat(before, after ReportFormat) ReportFormatPatch {
	p := ReportFormatPatch{formatSchema().diff(&before, &after)}
	p.Base = before.Version
	return p
}

func (p ReportFormatPatch) Apply(f ReportFormat) ReportFormat {
	return formatSchema().apply(f, p.patch)
}

var mailSchema = sync.OnceValue(func() *schema[MailSettings] {
	return newSchema([]fieldDef[MailSettings]{
		str("host", "SMTP host", func(m *MailSettings) *string { return &m.Host }),
		num("port", "SMTP port", func(m *MailSettings) *int { return &m.Port }),
		{key: "tls", label: "SMTP TLS", get: func(m *MailSettings) any { return string(m.TLS) }, set: func(m *MailSettings, v any) { m.TLS = MailTLS(v.(string)) }},
		str("user", "SMTP user", func(m *MailSettings) *string { return &m.User }),
		flag("password", "SMTP password set", func(m *MailSettings) *bool { return &m.PasswordSet }),
		str("from", "From", func(m *MailSettings) *string { return &m.From }),
		str("intake_building", "Intake building", func(m *MailSettings) *string { return &m.IntakeBuilding }),
		num("hourly_limit", "Hourly limit", func(m *MailSettings) *int { return &m.HourlyLimit }),
		str("imap_host", "IMAP host", func(m *MailSettings) *string { return &m.IMAPHost }),
		num("imap_port", "IMAP port", func(m *MailSettings) *int { return &m.IMAPPort }),
		{key: "imap_tls", label: "IMAP TLS", get: func(m *MailSettings) any { return string(m.IMAPTLS) }, set: func(m *MailSettings, v any) { m.IMAPTLS = MailTLS(v.(string)) }},
		str("imap_user", "IMAP user", func(m *MailSettings) *string { return &m.IMAPUser }),
		flag("imap_password", "IMAP password set", func(m *MailSettings) *bool { return &m.IMAPPasswordSet }),
		str("imap_mailbox", "IMAP mailbox", func(m *MailSettings) *string { return &m.IMAPMailbox }),
	})
})

// MailFields is the mail settings field by field (passwords only as set or
// not: they are never read back).
func MailFields(m *MailSettings) []Field { return mailSchema().fields(m, nil) }

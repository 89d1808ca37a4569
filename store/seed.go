package store

import (
	"context"
	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

func flags(fs ...domain.Flag) domain.FlagSet { return domain.FlagSetOf(fs...) }

func levels(l domain.Level, ms ...domain.Module) domain.ModuleLevels {
	var out domain.ModuleLevels
	for _, m := range ms {
		out[m] = l
	}
	return out
}

var emailAll = []domain.Flag{domain.EmailGreeting, domain.EmailIntro, domain.EmailOperation,
	domain.EmailLink, domain.EmailComment, domain.EmailFields, domain.EmailSignature}

// defaultGroups are TroubleTrakkerPRO's default groups plus NetResults' base
// groups, with privileges a district would start from. Users is both the
// TroubleTrakker default group and the implicit base group of standard users.
func defaultGroups() []domain.Group {
	d := domain.DefaultOrganization()
	users := domain.Group{Name: domain.GroupUsers, Description: "Every standard user: report problems and follow them.",
		BuiltIn: true, Base: true,
		Flags: flags(append([]domain.Flag{domain.TicketReport, domain.TicketAttach, domain.TicketView, domain.AttachView,
			domain.Help, domain.AccountEditOwn, domain.RemoteSSH}, emailAll...)...),
		Notify: domain.Notify{Events: []domain.Event{domain.EventClosed}}}
	restricted := domain.Group{Name: domain.GroupRestrictedUsers, Description: "Every restricted user (external reporters).",
		Kind: domain.KindRestricted, BuiltIn: true, Base: true,
		Flags: flags(domain.TicketReport, domain.TicketView, domain.Help, domain.AccountEditOwn, domain.RemoteSSH,
			domain.EmailGreeting, domain.EmailOperation, domain.EmailLink, domain.EmailSignature),
		Notify: domain.Notify{Events: []domain.Event{domain.EventClosed}, TextOnly: true}}
	techFlags := []domain.Flag{domain.TicketReport, domain.TicketAttach, domain.AttachView, domain.AttachEdit,
		domain.TicketAssignee, domain.TicketView, domain.TicketHistory, domain.TicketUserInfo, domain.TicketEdit,
		domain.WorkWrite, domain.WorkEdit, domain.TicketClose, domain.TicketReopen, domain.TicketClone,
		domain.TicketCloneInfo, domain.TaskAssigned, domain.QueryRun, domain.DiscussionInitiate,
		domain.AlertsView, domain.AlertsEditOwn, domain.Help, domain.AccountEditOwn, domain.RemoteSSH}
	techs := domain.Group{Name: "Technicians", Description: "Work on the tickets assigned to them.", BuiltIn: true,
		Flags: flags(append(techFlags, emailAll...)...),
		Notify: domain.Notify{Events: []domain.Event{domain.EventAssigned, domain.EventReassigned, domain.EventOverdue},
			Overdue: true, OverdueDays: d.OverdueDays, SecondAfter: 2, ThirdAfter: 2}}
	coordFlags := append(append([]domain.Flag{}, techFlags...), domain.TicketAssign, domain.TicketReassign,
		domain.TaskAll, domain.VisibilityEdit, domain.VisibilityOverride, domain.QuerySaveGroup, domain.QueryBulkEdit,
		domain.ReportsCustom, domain.MetricsRun, domain.MetricsSaveCharts, domain.MetricsSaveLayouts,
		domain.DiscussionEdit, domain.DiscussionDelete, domain.AlertsEdit, domain.History, domain.SessionStay)
	coord := domain.Group{Name: "Technical Coordinator", Description: "Triage: assign, reassign and follow every ticket.",
		BuiltIn: true, Flags: flags(append(coordFlags, emailAll...)...),
		Levels: levels(domain.LevelView, domain.ModUsers, domain.ModTechnicians, domain.ModBuildings, domain.ModGroups,
			domain.ModTeams, domain.ModOrganization),
		Notify: domain.Notify{Events: []domain.Event{domain.EventNew, domain.EventAssigned, domain.EventReassigned,
			domain.EventClosed, domain.EventOverdue, domain.EventReassignRequest}, Overdue: true, OverdueDays: d.OverdueDays, SecondAfter: 2, ThirdAfter: 2}}
	coord.Levels[domain.ModSchedules] = domain.LevelEdit
	coord.Levels[domain.ModNotices] = domain.LevelEdit
	coord.Levels[domain.ModReporting] = domain.LevelEdit
	district := domain.Group{Name: "District Administrator", Description: "Full administrators of the district.",
		BuiltIn: true, Flags: domain.AllFlags(),
		Levels: levels(domain.LevelEdit, domain.ModUsers, domain.ModGroups, domain.ModTeams, domain.ModBuildings,
			domain.ModTechnicians, domain.ModOrganization, domain.ModReporting, domain.ModAppearance,
			domain.ModSchedules, domain.ModNotices),
		Notify: domain.Notify{Events: []domain.Event{domain.EventNew, domain.EventOverdue}, Overdue: true,
			OverdueDays: d.OverdueDays + 2, SecondAfter: 3, ThirdAfter: 3}}
	bldAdmin := domain.Group{Name: "Building Administrator", Description: "Principals and supervisors: their buildings' tickets only.",
		BuiltIn: true, BuildingAdmin: true,
		Flags: flags(append([]domain.Flag{domain.TicketReport, domain.TicketAttach, domain.AttachView, domain.TicketView,
			domain.TicketHistory, domain.TicketUserInfo, domain.TicketClose, domain.TicketReopen, domain.TaskAll,
			domain.QueryRun, domain.DiscussionPost, domain.Help, domain.AccountEditOwn, domain.RemoteSSH}, emailAll...)...),
		Notify: domain.Notify{Events: []domain.Event{domain.EventNew, domain.EventClosed, domain.EventOverdue},
			Overdue: true, OverdueDays: d.OverdueDays + 2, SecondAfter: 3, ThirdAfter: 3}}
	return []domain.Group{users, restricted, techs, coord, district, bldAdmin}
}

// seed fills a new file: meta, organization, default groups, the Global
// team and the owner account (superuser, District Administrator).
func (db *DB) seed(owner string) error {
	now := db.now()
	return db.update(context.Background(), noChanges(func(tx *bolt.Tx) error {
		defer journalOff(tx)() // the access journal starts with the seeded file
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if tx.Bucket(bMeta).Get(keySchema) != nil {
			return nil // another gatehouse seeded the shared store first
		}
		if err := setHistoryFrom(tx, now); err != nil {
			return err
		}
		if err := kvPut(tx.Bucket(bMeta), keySchema, itob(SchemaVersion)); err != nil {
			return err
		}
		org := domain.DefaultOrganization()
		if b, err := encJSON(org); err != nil {
			return err
		} else if err := kvPut(tx.Bucket(bOrg), keyOrg, b); err != nil {
			return err
		}
		var district domain.ID
		for _, g := range defaultGroups() {
			if err := insertGroup(tx, &g); err != nil {
				return err
			}
			if g.Name == "District Administrator" {
				district = g.ID
			}
		}
		gid, _ := kvSeq(tx.Bucket(bTeams))
		global := domain.Team{ID: gid, Name: domain.TeamGlobal, Description: "Every user.", Type: domain.TeamGlobalType}
		if err := putJSON(tx, bTeams, gid, global); err != nil {
			return err
		}
		if err := kvPut(tx.Bucket(bTeamName), lower(global.Name), itob(gid)); err != nil {
			return err
		}
		if err := kvPut(tx.Bucket(bMeta), keyGlobal, itob(gid)); err != nil {
			return err
		}
		u := domain.User{Username: owner, First: "Owner", Kind: domain.KindStandard, Superuser: true, Created: now}
		if err := insertUser(tx, &u); err != nil {
			return err
		}
		if err := kvPut(tx.Bucket(bMeta), keyOwner, itob(u.ID)); err != nil {
			return err
		}
		m := domain.Membership{UserID: u.ID, GroupID: district, GrantedBy: u.ID, GrantedAt: now, Reason: "owner account"}
		if err := putMembership(tx, m); err != nil {
			return err
		}
		seq, _ := kvSeq(tx.Bucket(bAudit))
		ev := domain.AuditEvent{ID: seq, At: now, Actor: u.ID, ActorName: "system", Entity: "file", Name: db.path,
			Action: "seed", After: "default groups, Global team, owner " + owner}
		return kvPut(tx.Bucket(bAudit), itob(seq), encAudit(&ev))
	}))
}

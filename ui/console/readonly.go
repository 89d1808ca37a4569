package console

import (
	"io"
	"time"

	"gatehouse/domain"
)

// readOnly is the service of a view-as console: it reads as the viewed
// user and refuses every change, so browsing as someone can never act as
// them. Every mutating method of domain.Service is overridden here; a test
// fails when one is added to the interface without an override.
type readOnly struct {
	domain.Service
	user string // the viewed user, named in the refusal
}

func (r readOnly) deny(what string) error {
	return domain.Errorf(domain.EForbidden, "view-as is read-only: cannot %s while viewing as %s (esc leaves)", what, r.user)
}

func (r readOnly) UpdateOrganization(domain.Organization) error {
	return r.deny("change the organization")
}

func (r readOnly) CreateGroup(domain.Group, bool) (domain.Group, error) {
	return domain.Group{}, r.deny("create a group")
}
func (r readOnly) UpdateGroup(domain.Group, bool) (domain.Group, error) {
	return domain.Group{}, r.deny("save a group")
}
func (r readOnly) GrantGroup(string, []domain.Grant, bool) (domain.Group, error) {
	return domain.Group{}, r.deny("grant privileges")
}
func (r readOnly) RevokeGroup(string, []domain.Grant) (domain.Group, error) {
	return domain.Group{}, r.deny("revoke privileges")
}
func (r readOnly) DeleteGroup(string) error { return r.deny("delete a group") }

func (r readOnly) CreateUser(domain.User) (domain.User, error) {
	return domain.User{}, r.deny("create a user")
}
func (r readOnly) UpdateUser(domain.User) (domain.User, error) {
	return domain.User{}, r.deny("save a user")
}
func (r readOnly) Join(string, string, time.Time, string) error { return r.deny("add a membership") }
func (r readOnly) Leave(string, string, bool) ([]domain.RuleRef, error) {
	return nil, r.deny("end a membership")
}
func (r readOnly) Deactivate(string, bool) ([]domain.RuleRef, error) {
	return nil, r.deny("deactivate a user")
}
func (r readOnly) Activate(string) error { return r.deny("activate a user") }
func (r readOnly) Terminate(string, string, string) (domain.TerminateReport, error) {
	return domain.TerminateReport{}, r.deny("terminate a user")
}
func (r readOnly) DeleteUser(string) error            { return r.deny("delete a user") }
func (r readOnly) AddKey(string, domain.SSHKey) error { return r.deny("add an SSH key") }
func (r readOnly) RemoveKey(string, string) error     { return r.deny("remove an SSH key") }
func (r readOnly) SetPassword(string, string) error   { return r.deny("set a password") }
func (r readOnly) CreateTeam(domain.Team) (domain.Team, error) {
	return domain.Team{}, r.deny("create a team")
}
func (r readOnly) UpdateTeam(domain.Team) (domain.Team, error) {
	return domain.Team{}, r.deny("save a team")
}
func (r readOnly) DeleteTeam(string) error               { return r.deny("delete a team") }
func (r readOnly) AddTeamMember(string, string) error    { return r.deny("add a team member") }
func (r readOnly) RemoveTeamMember(string, string) error { return r.deny("remove a team member") }
func (r readOnly) DuplicateTeam(string, string) (domain.Team, error) {
	return domain.Team{}, r.deny("duplicate a team")
}
func (r readOnly) SuppressTeam(string) error      { return r.deny("suppress a team") }
func (r readOnly) RepairTeams() ([]string, error) { return nil, r.deny("repair teams") }

func (r readOnly) CreateBuilding(domain.Building) (domain.Building, error) {
	return domain.Building{}, r.deny("create a building")
}
func (r readOnly) UpdateBuilding(domain.Building) (domain.Building, error) {
	return domain.Building{}, r.deny("save a building")
}
func (r readOnly) DeleteBuilding(string) error          { return r.deny("delete a building") }
func (r readOnly) AddRule(string, string, string) error { return r.deny("add an auto-assign rule") }
func (r readOnly) RemoveRule(string, string) error      { return r.deny("remove an auto-assign rule") }

func (r readOnly) CreateTicket(domain.NewTicket) (domain.Ticket, error) {
	return domain.Ticket{}, r.deny("report a ticket")
}
func (r readOnly) Assign(uint64, string, string) error   { return r.deny("assign a ticket") }
func (r readOnly) Reassign(uint64, string, string) error { return r.deny("reassign a ticket") }
func (r readOnly) Start(uint64, string) error            { return r.deny("start a ticket") }
func (r readOnly) Close(uint64, string) error            { return r.deny("close a ticket") }
func (r readOnly) Reopen(uint64, string) error           { return r.deny("reopen a ticket") }
func (r readOnly) DeleteTicket(uint64) error             { return r.deny("delete a ticket") }
func (r readOnly) EditTicket(uint64, domain.TicketChange) error {
	return r.deny("edit a ticket")
}
func (r readOnly) AddWork(uint64, int, string) (domain.WorkReport, error) {
	return domain.WorkReport{}, r.deny("write a work report")
}
func (r readOnly) EditWork(uint64, domain.ID, int, string) error {
	return r.deny("edit a work report")
}
func (r readOnly) Clone(uint64) (domain.Ticket, error) {
	return domain.Ticket{}, r.deny("clone a ticket")
}
func (r readOnly) SetVisibility(uint64, []string) error { return r.deny("change record visibility") }
func (r readOnly) Bulk([]uint64, domain.BulkAction) ([]domain.BulkResult, error) {
	return nil, r.deny("run a bulk action")
}

func (r readOnly) SaveQuery(string, string, string) (domain.SavedQuery, error) {
	return domain.SavedQuery{}, r.deny("save a query")
}
func (r readOnly) DeleteSavedQuery(domain.ID) error { return r.deny("delete a saved query") }

func (r readOnly) CreateNotice(domain.Notice) (domain.Notice, error) {
	return domain.Notice{}, r.deny("create a notice")
}
func (r readOnly) UpdateNotice(domain.Notice) (domain.Notice, error) {
	return domain.Notice{}, r.deny("save a notice")
}
func (r readOnly) DeleteNotice(domain.ID) error { return r.deny("delete a notice") }

func (r readOnly) CreateSchedule(domain.ScheduledTask) (domain.ScheduledTask, error) {
	return domain.ScheduledTask{}, r.deny("create a scheduled task")
}
func (r readOnly) UpdateSchedule(domain.ScheduledTask) (domain.ScheduledTask, error) {
	return domain.ScheduledTask{}, r.deny("save a scheduled task")
}
func (r readOnly) DeleteSchedule(domain.ID) error { return r.deny("delete a scheduled task") }

func (r readOnly) StartThread(uint64, string, string) (domain.Thread, error) {
	return domain.Thread{}, r.deny("start a thread")
}
func (r readOnly) PostMessage(uint64, domain.ID, domain.ID, string) (domain.Post, error) {
	return domain.Post{}, r.deny("post a message")
}
func (r readOnly) EditMessage(uint64, domain.ID, string) error { return r.deny("edit a message") }
func (r readOnly) DeleteMessage(uint64, domain.ID) error       { return r.deny("delete a message") }
func (r readOnly) DeleteThread(uint64, domain.ID) error        { return r.deny("delete a thread") }
func (r readOnly) Attach(uint64, string, []byte) (domain.Attachment, error) {
	return domain.Attachment{}, r.deny("attach a file")
}
func (r readOnly) DeleteAttachment(uint64, domain.ID) error { return r.deny("delete an attachment") }
func (r readOnly) SetAlerts(uint64, int, []string, []string, bool) error {
	return r.deny("change alert settings")
}
func (r readOnly) SaveChart(string, domain.Chart) (domain.Chart, error) {
	return domain.Chart{}, r.deny("save a chart")
}
func (r readOnly) DeleteChart(domain.ID) error       { return r.deny("delete a chart") }
func (r readOnly) SaveLayout(string, []string) error { return r.deny("save a chart layout") }

func (r readOnly) ImportUsers(domain.UserImport, domain.ImportOptions) (domain.ImportReport, error) {
	return domain.ImportReport{}, r.deny("import users")
}
func (r readOnly) ImportAll(io.Reader) (domain.ImportAllReport, error) {
	return domain.ImportAllReport{}, r.deny("import data")
}

// Check may repair the file and Backup writes one: neither belongs in a
// read-only view.
func (r readOnly) Check(bool) (domain.CheckReport, error) {
	return domain.CheckReport{}, r.deny("check or repair the file")
}
func (r readOnly) Backup(string) error { return r.deny("write a backup") }

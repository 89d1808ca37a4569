package console

import (
	"context"
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

func (r readOnly) UpdateOrganization(context.Context, domain.Organization) error {
	return r.deny("change the organization")
}

func (r readOnly) CreateGroup(context.Context, domain.Group, bool) (domain.Group, error) {
	return domain.Group{}, r.deny("create a group")
}
func (r readOnly) UpdateGroup(context.Context, domain.Group, bool) (domain.Group, error) {
	return domain.Group{}, r.deny("save a group")
}
func (r readOnly) GrantGroup(context.Context, string, []domain.Grant, bool) (domain.Group, error) {
	return domain.Group{}, r.deny("grant privileges")
}
func (r readOnly) RevokeGroup(context.Context, string, []domain.Grant) (domain.Group, error) {
	return domain.Group{}, r.deny("revoke privileges")
}
func (r readOnly) DeleteGroup(context.Context, string) error { return r.deny("delete a group") }

func (r readOnly) CreateUser(context.Context, domain.User) (domain.User, error) {
	return domain.User{}, r.deny("create a user")
}
func (r readOnly) UpdateUser(context.Context, domain.User) (domain.User, error) {
	return domain.User{}, r.deny("save a user")
}
func (r readOnly) Join(context.Context, string, string, time.Time, string) error {
	return r.deny("add a membership")
}
func (r readOnly) Leave(context.Context, string, string, bool) ([]domain.RuleRef, error) {
	return nil, r.deny("end a membership")
}
func (r readOnly) Deactivate(context.Context, string, bool) ([]domain.RuleRef, error) {
	return nil, r.deny("deactivate a user")
}
func (r readOnly) Activate(context.Context, string) error { return r.deny("activate a user") }
func (r readOnly) Terminate(context.Context, string, string, string) (domain.TerminateReport, error) {
	return domain.TerminateReport{}, r.deny("terminate a user")
}
func (r readOnly) DeleteUser(context.Context, string) error { return r.deny("delete a user") }
func (r readOnly) AddKey(context.Context, string, domain.SSHKey) error {
	return r.deny("add an SSH key")
}
func (r readOnly) RemoveKey(context.Context, string, string) error {
	return r.deny("remove an SSH key")
}
func (r readOnly) CreateTeam(context.Context, domain.Team) (domain.Team, error) {
	return domain.Team{}, r.deny("create a team")
}
func (r readOnly) UpdateTeam(context.Context, domain.Team) (domain.Team, error) {
	return domain.Team{}, r.deny("save a team")
}
func (r readOnly) DeleteTeam(context.Context, string) error { return r.deny("delete a team") }
func (r readOnly) AddTeamMember(context.Context, string, string) error {
	return r.deny("add a team member")
}
func (r readOnly) RemoveTeamMember(context.Context, string, string) error {
	return r.deny("remove a team member")
}
func (r readOnly) DuplicateTeam(context.Context, string, string) (domain.Team, error) {
	return domain.Team{}, r.deny("duplicate a team")
}
func (r readOnly) SuppressTeam(context.Context, string) error { return r.deny("suppress a team") }
func (r readOnly) RepairTeams(ctx context.Context) ([]string, error) {
	return nil, r.deny("repair teams")
}

func (r readOnly) CreateBuilding(context.Context, domain.Building) (domain.Building, error) {
	return domain.Building{}, r.deny("create a building")
}
func (r readOnly) UpdateBuilding(context.Context, domain.Building) (domain.Building, error) {
	return domain.Building{}, r.deny("save a building")
}
func (r readOnly) DeleteBuilding(context.Context, string) error { return r.deny("delete a building") }
func (r readOnly) AddRule(context.Context, string, string, string) error {
	return r.deny("add an auto-assign rule")
}
func (r readOnly) RemoveRule(context.Context, string, string) error {
	return r.deny("remove an auto-assign rule")
}

func (r readOnly) CreateTicket(context.Context, domain.NewTicket) (domain.Ticket, error) {
	return domain.Ticket{}, r.deny("report a ticket")
}
func (r readOnly) Assign(context.Context, domain.TicketNumber, string, string) error {
	return r.deny("assign a ticket")
}
func (r readOnly) Reassign(context.Context, domain.TicketNumber, string, string) error {
	return r.deny("reassign a ticket")
}
func (r readOnly) Start(context.Context, domain.TicketNumber, string) error {
	return r.deny("start a ticket")
}
func (r readOnly) Close(context.Context, domain.TicketNumber, string) error {
	return r.deny("close a ticket")
}
func (r readOnly) Reopen(context.Context, domain.TicketNumber, string) error {
	return r.deny("reopen a ticket")
}
func (r readOnly) DeleteTicket(context.Context, domain.TicketNumber) error {
	return r.deny("delete a ticket")
}
func (r readOnly) EditTicket(context.Context, domain.TicketNumber, domain.TicketChange) error {
	return r.deny("edit a ticket")
}
func (r readOnly) AddWork(context.Context, domain.TicketNumber, int, string) (domain.WorkReport, error) {
	return domain.WorkReport{}, r.deny("write a work report")
}
func (r readOnly) EditWork(context.Context, domain.TicketNumber, domain.ID, int, string) error {
	return r.deny("edit a work report")
}
func (r readOnly) Clone(context.Context, domain.TicketNumber) (domain.Ticket, error) {
	return domain.Ticket{}, r.deny("clone a ticket")
}
func (r readOnly) SetVisibility(context.Context, domain.TicketNumber, []string) error {
	return r.deny("change record visibility")
}
func (r readOnly) Bulk(context.Context, []domain.TicketNumber, domain.BulkAction) ([]domain.BulkResult, error) {
	return nil, r.deny("run a bulk action")
}

func (r readOnly) SaveQuery(context.Context, string, string, string) (domain.SavedQuery, error) {
	return domain.SavedQuery{}, r.deny("save a query")
}
func (r readOnly) DeleteSavedQuery(context.Context, domain.ID) error {
	return r.deny("delete a saved query")
}

func (r readOnly) CreateNotice(context.Context, domain.Notice) (domain.Notice, error) {
	return domain.Notice{}, r.deny("create a notice")
}
func (r readOnly) UpdateNotice(context.Context, domain.Notice) (domain.Notice, error) {
	return domain.Notice{}, r.deny("save a notice")
}
func (r readOnly) DeleteNotice(context.Context, domain.ID) error { return r.deny("delete a notice") }

func (r readOnly) CreateSchedule(context.Context, domain.ScheduledTask) (domain.ScheduledTask, error) {
	return domain.ScheduledTask{}, r.deny("create a scheduled task")
}
func (r readOnly) UpdateSchedule(context.Context, domain.ScheduledTask) (domain.ScheduledTask, error) {
	return domain.ScheduledTask{}, r.deny("save a scheduled task")
}
func (r readOnly) DeleteSchedule(context.Context, domain.ID) error {
	return r.deny("delete a scheduled task")
}

func (r readOnly) StartThread(context.Context, domain.TicketNumber, string, string) (domain.Thread, error) {
	return domain.Thread{}, r.deny("start a thread")
}
func (r readOnly) PostMessage(context.Context, domain.TicketNumber, domain.ID, domain.ID, string) (domain.Post, error) {
	return domain.Post{}, r.deny("post a message")
}
func (r readOnly) EditMessage(context.Context, domain.TicketNumber, domain.ID, string) error {
	return r.deny("edit a message")
}
func (r readOnly) DeleteMessage(context.Context, domain.TicketNumber, domain.ID) error {
	return r.deny("delete a message")
}
func (r readOnly) DeleteThread(context.Context, domain.TicketNumber, domain.ID) error {
	return r.deny("delete a thread")
}
func (r readOnly) Attach(context.Context, domain.TicketNumber, string, []byte) (domain.Attachment, error) {
	return domain.Attachment{}, r.deny("attach a file")
}
func (r readOnly) DeleteAttachment(context.Context, domain.TicketNumber, domain.ID) error {
	return r.deny("delete an attachment")
}
func (r readOnly) SetAlerts(context.Context, domain.TicketNumber, int, []string, []string, bool) error {
	return r.deny("change alert settings")
}
func (r readOnly) SaveChart(context.Context, string, domain.Chart) (domain.Chart, error) {
	return domain.Chart{}, r.deny("save a chart")
}
func (r readOnly) DeleteChart(context.Context, domain.ID) error { return r.deny("delete a chart") }
func (r readOnly) SaveLayout(context.Context, string, []string) error {
	return r.deny("save a chart layout")
}

func (r readOnly) ImportUsers(context.Context, domain.UserImport, domain.ImportOptions) (domain.ImportReport, error) {
	return domain.ImportReport{}, r.deny("import users")
}
func (r readOnly) ImportAll(context.Context, io.Reader) (domain.ImportAllReport, error) {
	return domain.ImportAllReport{}, r.deny("import data")
}

// Check may repair the file and Backup writes one: neither belongs in a
// read-only view.
func (r readOnly) Check(context.Context, bool) (domain.CheckReport, error) {
	return domain.CheckReport{}, r.deny("check or repair the file")
}
func (r readOnly) Backup(context.Context, string) error { return r.deny("write a backup") }

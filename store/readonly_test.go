package store_test

import (
	"context"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"gatehouse/domain"
)

// writeMethods are the methods of domain.Service that change the file (or,
// Backup, write one). Every other method is a read; a method added to the
// interface must be listed here or in nothing, and the test below tells
// which: a read-only session refuses exactly these.
var writeMethods = map[string]bool{
	"AddGuard": true, "RemoveGuard": true, "RequestAccess": true, "DecideRequest": true,
	"StartReview": true, "DecideReview": true, "CreateUserWithPassword": true, "ChangeOwnPassword": true,
	"RequestReassign": true, "DeclineReassign": true,
	"SaveReportFormat": true, "DeleteReportFormat": true,
	"UpdateOrganization": true, "UpdateMailSettings": true, "CreateGroup": true, "UpdateGroup": true, "GrantGroup": true,
	"RevokeGroup": true, "DeleteGroup": true, "CreateUser": true, "UpdateUser": true, "Join": true, "JoinGroup": true, "MoveUser": true,
	"Leave": true, "Deactivate": true, "Activate": true, "Terminate": true, "TerminateUsers": true, "DeleteUser": true,
	"AddKey": true, "RemoveKey": true, "CreateTeam": true, "UpdateTeam": true, "DeleteTeam": true,
	"AddTeamMember": true, "RemoveTeamMember": true, "DuplicateTeam": true, "SuppressTeam": true,
	"RepairTeams": true, "CreateBuilding": true, "UpdateBuilding": true, "DeleteBuilding": true,
	"AddRule": true, "RemoveRule": true, "CreateTicket": true, "Assign": true, "Reassign": true,
	"Start": true, "Close": true, "Reopen": true, "DeleteTicket": true, "EditTicket": true,
	"AddWork": true, "EditWork": true, "Clone": true, "SetVisibility": true, "Bulk": true, "BulkAtomic": true, "DeleteTickets": true,
	"SaveQuery": true, "DeleteSavedQuery": true, "CreateNotice": true, "UpdateNotice": true,
	"DeleteNotice": true, "CreateSchedule": true, "UpdateSchedule": true, "DeleteSchedule": true,
	"StartThread": true, "PostMessage": true, "EditMessage": true, "DeleteMessage": true,
	"DeleteThread": true, "Attach": true, "DeleteAttachment": true, "SetAlerts": true,
	"SaveChart": true, "DeleteChart": true, "SaveLayout": true, "ImportUsers": true,
	"ImportAll": true, "Backup": true, "BackupToDataDir": true,
}

// zeroArgs builds arguments for a method: zero values, except a live
// context, a writer and a reader where the method takes them.
func zeroArgs(m reflect.Method) []reflect.Value {
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	args := make([]reflect.Value, m.Type.NumIn())
	for j := range args {
		in := m.Type.In(j)
		switch {
		case in == ctxType:
			args[j] = reflect.ValueOf(context.Background())
		case in == reflect.TypeOf((*io.Writer)(nil)).Elem():
			args[j] = reflect.ValueOf(io.Discard)
		case in == reflect.TypeOf((*io.Reader)(nil)).Elem():
			args[j] = reflect.ValueOf(strings.NewReader(""))
		default:
			args[j] = reflect.Zero(in)
		}
	}
	return args
}

func isReadOnlyRefusal(err error) bool {
	return domain.ErrorCode(err) == domain.EForbidden && strings.Contains(err.Error(), "read-only: nothing can be changed")
}

// TestReadOnlySessionRefusesEveryWrite calls every method of
// domain.Service on a superuser's read-only session: each write is refused
// with the read-only error (found where every write passes, before any
// validation), each read is not, and the file is unchanged afterwards.
func TestReadOnlySessionRefusesEveryWrite(t *testing.T) {
	bboltOnly(t)
	d := newDistrict(t)
	ro, err := d.db.ReadOnlySession("admin")
	must(t, err)
	before, err := os.ReadFile(d.db.Path())
	must(t, err)
	iface := reflect.TypeOf((*domain.Service)(nil)).Elem()
	v := reflect.ValueOf(ro)
	writes := 0
	for i := range iface.NumMethod() {
		m := iface.Method(i)
		t.Run(m.Name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%s panicked on zero arguments: %v", m.Name, r)
				}
			}()
			out := v.MethodByName(m.Name).Call(zeroArgs(m))
			var err error
			if len(out) > 0 {
				err, _ = out[len(out)-1].Interface().(error)
			}
			switch {
			case writeMethods[m.Name] && !isReadOnlyRefusal(err):
				t.Fatalf("%s on a read-only session returned %v, want the read-only refusal", m.Name, err)
			case !writeMethods[m.Name] && isReadOnlyRefusal(err):
				t.Fatalf("%s is refused as a write: add it to writeMethods", m.Name)
			}
		})
		if writeMethods[m.Name] {
			writes++
		}
	}
	if writes != len(writeMethods) {
		t.Fatalf("%d of %d listed writes are methods of domain.Service: remove the others from writeMethods", writes, len(writeMethods))
	}
	// Check only reads unless asked to repair
	if _, err := ro.Check(t.Context(), true); !isReadOnlyRefusal(err) {
		t.Fatalf("Check(repair) on a read-only session: %v", err)
	}
	after, err := os.ReadFile(d.db.Path())
	must(t, err)
	if string(before) != string(after) {
		t.Fatal("calls on a read-only session changed the file")
	}
	// reads see what the user sees
	page, err := ro.Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	if page.Total != 2 {
		t.Fatalf("read-only admin sees %d tickets", page.Total)
	}
}

// View-as is decided and recorded in the store: the viewer needs Manage
// Users view and must see all the viewed user sees; the event names both.
func TestViewAs_CheckedAndAuditedInTheStore(t *testing.T) {
	d := newDistrict(t)
	userWith(t, d, "uv", domain.Group{Levels: domain.ModuleLevels{domain.ModUsers: domain.LevelView}})
	_, err := d.db.ViewAs(context.Background(), "uv", "staff")
	mustCode(t, err, domain.EForbidden) // uv does not see every ticket
	if !strings.Contains(err.Error(), "cannot view as staff: uv does not see every ticket") {
		t.Fatalf("message: %v", err)
	}
	_, err = d.db.ViewAs(context.Background(), "staff", "tech")
	mustCode(t, err, domain.EForbidden) // staff lacks users:view
	_, err = d.db.ViewAs(context.Background(), "principal", "admin")
	mustCode(t, err, domain.EForbidden)

	ro, err := d.db.ViewAs(context.Background(), "admin", "principal")
	must(t, err)
	if ro.Actor(t.Context()).Username != "principal" {
		t.Fatalf("view-as acts as %s", ro.Actor(t.Context()).Username)
	}
	page, err := ro.Tickets(t.Context(), domain.TicketQuery{})
	must(t, err)
	if page.Total != 1 {
		t.Fatalf("viewing as principal shows %d tickets, want EAST's one (R5)", page.Total)
	}
	_, err = ro.CreateNotice(t.Context(), domain.Notice{Title: "x"})
	if !isReadOnlyRefusal(err) || !strings.Contains(err.Error(), "while viewing as principal") {
		t.Fatalf("write while viewing as: %v", err)
	}
	evs, err := d.admin.Audit(t.Context(), domain.AuditQuery{Limit: 1})
	must(t, err)
	if len(evs) != 1 || evs[0].Action != "view as" || evs[0].Name != "principal" || evs[0].ActorName != "admin" {
		t.Fatalf("audit: %+v", evs)
	}
}

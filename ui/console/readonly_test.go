package console

import (
	"reflect"
	"strings"
	"testing"

	"gatehouse/domain"
)

// readMethods are the methods of domain.Service that change nothing; a
// view-as console passes them to the viewed user's service.
var readMethods = map[string]bool{
	"Access": true, "AccessReview": true, "Actor": true, "Alerts": true, "AttachmentData": true,
	"Attachments": true, "Audit": true, "Building": true, "Buildings": true, "ChartData": true,
	"Charts": true, "Discussion": true, "Explain": true, "Group": true, "GroupMembers": true,
	"Groups": true, "Memberships": true, "Metrics": true, "MyNotices": true, "Notices": true,
	"Organization": true, "Outbox": true, "OutboxMessage": true, "Report": true,
	"SavedQueries": true, "Schedules": true, "Subject": true, "Team": true, "Teams": true,
	"Ticket": true, "Tickets": true, "User": true, "Users": true, "WhatIf": true, "Who": true,
	"Export": true,
}

// mutatingNames change something without a telling prefix: Check may
// repair, Backup writes a file.
var mutatingNames = map[string]bool{"Check": true, "Backup": true}

// mutatingPrefixes name methods that change something.
var mutatingPrefixes = []string{"Create", "Update", "Delete", "Grant", "Revoke", "Join", "Leave",
	"Deactivate", "Activate", "Terminate", "Add", "Remove", "Duplicate", "Suppress", "Repair",
	"Assign", "Reassign", "Start", "Close", "Reopen", "Edit", "Clone", "Set", "Save", "Bulk",
	"Post", "Attach", "Run", "Import", "Move", "Merge", "Archive", "Restore", "Reset", "Send"}

// TestReadOnlyOverridesEveryMutation calls every method of domain.Service
// that is not a known read on a readOnly wrapping nothing: an override
// refuses with EForbidden; a method promoted from the (nil) embedded
// service panics, which fails the test and names the method to override.
func TestReadOnlyOverridesEveryMutation(t *testing.T) {
	iface := reflect.TypeOf((*domain.Service)(nil)).Elem()
	ro := reflect.ValueOf(readOnly{user: "bob"})
	mutating := 0
	for i := range iface.NumMethod() {
		m := iface.Method(i)
		if readMethods[m.Name] {
			continue
		}
		looksMutating := mutatingNames[m.Name]
		for _, p := range mutatingPrefixes {
			looksMutating = looksMutating || strings.HasPrefix(m.Name, p)
		}
		if !looksMutating {
			t.Errorf("domain.Service.%s is new: add it to readMethods if it changes nothing, else override it in readOnly", m.Name)
			continue
		}
		mutating++
		t.Run(m.Name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("readOnly does not override %s (it reached the viewed user's service): add an override that calls deny", m.Name)
				}
			}()
			fn := ro.MethodByName(m.Name)
			args := make([]reflect.Value, m.Type.NumIn())
			for j := range args {
				args[j] = reflect.Zero(m.Type.In(j))
			}
			out := fn.Call(args)
			err, _ := out[len(out)-1].Interface().(error)
			if domain.ErrorCode(err) != domain.EForbidden || !strings.Contains(errText(err), "view-as is read-only") {
				t.Fatalf("%s returned %v, want the view-as refusal", m.Name, err)
			}
		})
	}
	if mutating < 50 {
		t.Fatalf("only %d mutating methods found: the classification is wrong", mutating)
	}
}

// TestReadOnlyPassesReads checks that reads still reach the viewed user's
// service, as that user.
func TestReadOnlyPassesReads(t *testing.T) {
	db := openStore(t)
	ro := readOnly{Service: session(t, db, "alice"), user: "alice"}
	if ro.Actor(t.Context()).Username != "alice" {
		t.Fatalf("actor %q", ro.Actor(t.Context()).Username)
	}
	if _, err := ro.Users(t.Context(), domain.UserQuery{}); domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("alice lacks users:view, the store should refuse the read: %v", err)
	}
	if _, err := ro.Buildings(t.Context(), ""); err != nil && domain.ErrorCode(err) != domain.EForbidden {
		t.Fatal(err)
	}
}
